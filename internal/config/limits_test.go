package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseLimitsAndEgress(t *testing.T) {
	dir := fixture(t)
	c, err := Parse([]byte(`
[[worker]]
name = "hello"
main = "other.js"
egress_allow = ["10.0.0.0/8", "internal.example:8080"]
[worker.limits]
cpu_ms = 100
memory_mb = 64
subrequests = 1000
request_body_mb = 10
wait_until_ms = 5000
console_kb = 64
`), dir)
	if err != nil {
		t.Fatal(err)
	}
	w := c.Workers[0]
	want := Limits{CPUMillis: 100, MemoryMB: 64, Subrequests: 1000, RequestBodyMB: 10, WaitUntilMillis: 5000, ConsoleKB: 64}
	if w.Limits != want || strings.Join(w.EgressAllow, ",") != "10.0.0.0/8,internal.example:8080" {
		t.Fatalf("limits %+v egress %q", w.Limits, w.EgressAllow)
	}
	const ok = "[[worker]]\nname = \"hello\"\nmain = \"other.js\"\n"
	for _, bad := range []struct{ doc, want string }{
		{ok + "[worker.limits]\nsubrequests = 0\nwait_until_ms = 30001\n", "limits.wait_until_ms: 30001 is outside 1 to 30000"},
		{ok + "[worker.limits]\nrequest_body_mb = 501\n", "limits.request_body_mb"},
		{ok + "[worker.limits]\nconsole_kb = -1\n", "limits.console_kb"},
		{ok + "[worker.limits]\nsubrequests = 10000001\n", "limits.subrequests"},
		{ok + "egress_allow = [\"10.0.0.0/33\"]\n", "egress_allow"},
		{ok + "egress_allow = [\"http://x/\"]\n", "egress_allow"},
		{ok + "egress_allow = \"10.0.0.0/8\"\n", "egress_allow"},
	} {
		if _, err := Parse([]byte(bad.doc), dir); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want %q", bad.doc, err, bad.want)
		}
	}
}

func TestWranglerLimits(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "src"), 0o755)
	os.WriteFile(filepath.Join(dir, "src", "index.js"), []byte("export default {}"), 0o644)
	p := filepath.Join(dir, "wrangler.toml")
	os.WriteFile(p, []byte("name = \"x\"\nmain = \"src/index.js\"\n[limits]\ncpu_ms = 200\nsubrequests = 1000\n"), 0o644)
	cfg, _, err := LoadWrangler(p, "")
	if err != nil {
		t.Fatal(err)
	}
	if l := cfg.Workers[0].Limits; l.CPUMillis != 200 || l.Subrequests != 1000 {
		t.Fatalf("limits %+v", l)
	}
	jp := filepath.Join(dir, "wrangler.jsonc")
	os.WriteFile(jp, []byte(`{"name": "x", "main": "src/index.js", "limits": {"subrequests": 7}}`), 0o644)
	cfg, _, err = LoadWrangler(jp, "")
	if err != nil || cfg.Workers[0].Limits.Subrequests != 7 {
		t.Fatalf("jsonc: %v %+v", err, cfg)
	}
}

func TestCheckCompatibilityDate(t *testing.T) {
	now := time.Date(2026, 12, 8, 23, 30, 0, 0, time.UTC)
	for _, c := range []struct{ date, wantErr string }{
		{"2026-12-08", ""},
		{"2021-01-01", ""},
		{"2026-12-09", ""}, // a day of slack: already the 9th east of UTC
		{"2026-12-11", "compatibility_date 2026-12-11 is in the future (today is 2026-12-08)"},
		{"2026-02-30", `compatibility_date "2026-02-30" is not a date`},
		{"2026-1-5", `compatibility_date "2026-1-5" is not a date`},
		{"soon", `compatibility_date "soon" is not a date`},
	} {
		err := CheckCompatibilityDate(c.date, now)
		if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("%s: %v, want %q", c.date, err, c.wantErr)
		}
	}
}
