package config

import (
	"strings"
	"testing"
)

func TestParseTier(t *testing.T) {
	dir := fixture(t)
	const ok = "[[worker]]\nname = \"hello\"\nmain = \"other.js\"\n"
	c, err := Parse([]byte(ok+"tier = \"untrusted-2\"\n[[worker]]\nname = \"b\"\nmain = \"other.js\"\n"), dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Workers[0].Tier != "untrusted-2" || c.Workers[1].Tier != "" {
		t.Fatalf("tiers %q %q", c.Workers[0].Tier, c.Workers[1].Tier)
	}
	for _, bad := range []struct{ doc, want string }{
		{ok + "tier = \"\"\n", `tier "" is not valid`},
		{ok + "tier = \"Gold\"\n", `tier "Gold" is not valid`},
		{ok + "tier = \"gold_1\"\n", `contains '_'`},
		{ok + "tier = \"gold-\"\n", "not valid"},
		{ok + "tier = \"" + strings.Repeat("a", 33) + "\"\n", "not valid"},
		{ok + "tier = 3\n", "want a string"},
	} {
		_, err := Parse([]byte(bad.doc), dir)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want %q", bad.doc, err, bad.want)
		}
	}
	if err := ValidateTier(strings.Repeat("a", 32)); err != nil {
		t.Error(err)
	}
}
