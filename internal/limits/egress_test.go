package limits

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParseEgressRule(t *testing.T) {
	cases := []struct {
		in, want string // want: the rule's String(), or "error: <substring>"
	}{
		{"10.0.0.0/8", "10.0.0.0/8"},
		{"10.1.2.3/8", "10.0.0.0/8"},
		{"10.1.2.3", "10.1.2.3"},
		{"10.1.2.3:8080", "10.1.2.3:8080"},
		{"[fd00::1]:443", "[fd00::1]:443"},
		{"fd00::/8", "fd00::/8"},
		{"Internal.Example.", "internal.example"},
		{"internal.example:8080", "internal.example:8080"},
		{" localhost ", "localhost"},
		{"", "error: empty"},
		{"10.1.2.3:0", "error: port 0"},
		{"internal.example:http", "error: not a port"},
		{"under score_ok.example", "error: not a CIDR"},
		{"http://x.example/", "error: is not a port"},
		{"-bad.example", "error: not a CIDR"},
	}
	for _, c := range cases {
		r, err := ParseEgressRule(c.in)
		if msg, ok := strings.CutPrefix(c.want, "error: "); ok {
			if err == nil || !strings.Contains(err.Error(), msg) {
				t.Errorf("ParseEgressRule(%q) = %v, %v; want an error with %q", c.in, r, err, msg)
			}
			continue
		}
		if err != nil || r.String() != c.want {
			t.Errorf("ParseEgressRule(%q) = %q, %v; want %q", c.in, r.String(), err, c.want)
		}
	}
}

func TestEgressRuleMatches(t *testing.T) {
	mustRule := func(s string) EgressRule {
		r, err := ParseEgressRule(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a := netip.MustParseAddr
	if r := mustRule("10.0.0.0/8"); !r.AllowsAddr(a("10.9.8.7"), 1) || r.AllowsAddr(a("11.0.0.1"), 1) || r.AllowsHost("10.9.8.7", 1) {
		t.Error("CIDR rule")
	}
	if r := mustRule("10.1.2.3:8080"); !r.AllowsAddr(a("::ffff:10.1.2.3"), 8080) || r.AllowsAddr(a("10.1.2.3"), 8081) {
		t.Error("address and port rule")
	}
	if r := mustRule("internal.example:8080"); !r.AllowsHost("INTERNAL.example.", 8080) || r.AllowsHost("internal.example", 80) ||
		r.AllowsHost("x.internal.example", 8080) || r.AllowsAddr(a("10.0.0.1"), 8080) {
		t.Error("host rule")
	}
}

func TestEgressRuleWithin(t *testing.T) {
	cases := []struct {
		rule, grant string
		want        bool
	}{
		{"127.0.0.1", "127.0.0.0/8", true},
		{"127.0.0.0/8", "127.0.0.0/8", true},
		{"127.0.0.0/8", "127.0.0.1", false},
		{"127.0.0.0/7", "127.0.0.0/8", false},
		{"10.0.0.0/8", "127.0.0.0/8", false},
		{"127.0.0.1:8080", "127.0.0.0/8", true},
		{"127.0.0.1:8080", "127.0.0.1:8080", true},
		{"127.0.0.1:8081", "127.0.0.1:8080", false},
		{"127.0.0.1", "127.0.0.1:8080", false},
		{"fd00::1", "fd00::/8", true},
		{"db.internal", "db.internal", true},
		{"db.internal:5432", "db.internal", true},
		{"db.internal", "db.internal:5432", false},
		{"other.internal", "db.internal", false},
		{"127.0.0.1", "db.internal", false},
		{"db.internal", "0.0.0.0/0", false},
	}
	for _, c := range cases {
		r, err := ParseEgressRule(c.rule)
		if err != nil {
			t.Fatalf("%q: %v", c.rule, err)
		}
		g, err := ParseEgressRule(c.grant)
		if err != nil {
			t.Fatalf("%q: %v", c.grant, err)
		}
		if got := r.Within(g); got != c.want {
			t.Errorf("%q within %q = %v, want %v", c.rule, c.grant, got, c.want)
		}
	}
}
