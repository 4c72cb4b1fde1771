package tenancy

import (
	"strings"
	"testing"

	"islet/internal/config"
)

// check asserts err is nil when want is "", else that it contains want.
func check(t *testing.T, what string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: %v, want no error", what, err)
	case want != "" && err == nil:
		t.Errorf("%s: no error, want one containing %q", what, want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("%s: %q does not contain %q", what, err, want)
	}
}

func TestPlanCheckLimits(t *testing.T) {
	cases := []struct {
		name   string
		plan   Plan
		limits config.Limits
		want   string
	}{
		{"defaults need no plan", Plan{}, config.Limits{}, ""},
		{"the default plan is Workers' defaults", Plan{}, config.Limits{CPUMillis: 50, MemoryMB: 128, Subrequests: 50}, ""},
		{"cpu over the default plan", Plan{}, config.Limits{CPUMillis: 30000}, "limits.cpu_ms = 30000 is over the account's plan (cpu_ms_max = 50)"},
		{"memory over the default plan", Plan{}, config.Limits{MemoryMB: 4096}, "limits.memory_mb = 4096 is over the account's plan (memory_mb_max = 128)"},
		{"subrequests over a plan", Plan{SubrequestsMax: 100}, config.Limits{Subrequests: 101}, "limits.subrequests = 101 is over the account's plan (subrequests_max = 100)"},
		{"within a raised plan", Plan{CPUMsMax: 500, MemoryMBMax: 256}, config.Limits{CPUMillis: 500, MemoryMB: 256}, ""},
		{"a plan below the default bounds too", Plan{CPUMsMax: 10}, config.Limits{CPUMillis: 11}, "cpu_ms_max = 10"},
		{"limits a plan does not bound", Plan{}, config.Limits{RequestBodyMB: 500, ConsoleKB: 1024}, ""},
	}
	for _, c := range cases {
		check(t, c.name, c.plan.CheckLimits(c.limits), c.want)
	}
}

func TestPlanValidateAndWorkers(t *testing.T) {
	check(t, "zero plan", Plan{}.Validate(), "")
	check(t, "cpu too high", Plan{CPUMsMax: 30001}.Validate(), "cpu_ms_max: 30001 is outside 1 to 30000")
	check(t, "memory too low", Plan{MemoryMBMax: 8}.Validate(), "memory_mb_max: 8 is outside 16 to 4096")
	check(t, "negative workers", Plan{WorkersMax: -1}.Validate(), "workers_max: -1 is outside")
	check(t, "under the default count", Plan{}.CheckWorkers(99), "")
	check(t, "at the default count", Plan{}.CheckWorkers(100), "workers_max = 100")
	check(t, "at a plan's count", Plan{WorkersMax: 2}.CheckWorkers(2), "the account has 2 workers, as many as its plan allows (workers_max = 2)")
	if e := (Plan{CPUMsMax: 500}).Effective(); e.CPUMsMax != 500 || e.MemoryMBMax != DefaultPlan.MemoryMBMax || e.WorkersMax != 100 {
		t.Errorf("Effective = %+v", e)
	}
}

func TestCheckEgress(t *testing.T) {
	cases := []struct {
		name               string
		requested, granted []string
		want               string
	}{
		{"nothing asked", nil, nil, ""},
		{"no grant", []string{"127.0.0.0/8"}, nil, `egress_allow "127.0.0.0/8" is not in the account's egress grant (none)`},
		{"inside the grant", []string{"127.0.0.1:8080"}, []string{"127.0.0.0/8"}, ""},
		{"wider than the grant", []string{"127.0.0.0/8"}, []string{"127.0.0.1"}, `"127.0.0.0/8" is not in the account's egress grant (127.0.0.1)`},
		{"a host granted", []string{"db.internal:5432"}, []string{"db.internal"}, ""},
		{"another host", []string{"cache.internal"}, []string{"db.internal", "10.0.0.0/8"}, "(db.internal, 10.0.0.0/8)"},
		{"malformed request", []string{"not a rule"}, []string{"10.0.0.0/8"}, "not a CIDR"},
	}
	for _, c := range cases {
		check(t, c.name, CheckEgress(c.requested, c.granted), c.want)
	}
}

func TestParseZone(t *testing.T) {
	cases := []struct{ in, want, err string }{
		{"acme.test", "acme.test", ""},
		{"Shop.ACME.test.", "shop.acme.test", ""},
		{"test", "", "single label"},
		{"localhost", "", "single label"},
		{"acme.localhost", "", "under localhost"},
		{"*.acme.test", "", "not a domain name"},
		{"acme..test", "", "not a domain name"},
		{"", "", "not a domain name"},
	}
	for _, c := range cases {
		got, err := ParseZone(c.in)
		check(t, c.in, err, c.err)
		if got != c.want {
			t.Errorf("ParseZone(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCheckZones(t *testing.T) {
	others := []Zone{{"acme.test", "acme"}, {"bob.example", "bob"}}
	got, err := CheckZones("acme", []string{"ACME.test", "acme.test", "more.acme.example"}, others)
	check(t, "own zones again", err, "")
	if strings.Join(got, ",") != "acme.test,more.acme.example" {
		t.Errorf("zones = %q", got)
	}
	_, err = CheckZones("bob", []string{"shop.acme.test"}, others)
	check(t, "a name in another account's zone", err, `zone "shop.acme.test" overlaps zone "acme.test" of account "acme"`)
	_, err = CheckZones("bob", []string{"test.example"}, others)
	check(t, "a disjoint zone", err, "")
	_, err = CheckZones("carol", []string{"example"}, others)
	check(t, "a whole TLD", err, "single label")
	_, err = CheckZones("carol", []string{"bob.example"}, others)
	check(t, "the same zone", err, `overlaps zone "bob.example" of account "bob"`)
}

func TestCheckRoute(t *testing.T) {
	zones := []Zone{{"acme.test", "acme"}, {"bob.example", "bob"}}
	cases := []struct {
		pattern, account string
		admin            bool
		want             string
	}{
		{"shop.acme.test/*", "acme", false, ""},
		{"acme.test/checkout", "acme", false, ""},
		{"https://API.acme.test:8443/v1/*", "acme", false, ""},
		{"*.acme.test/*", "acme", false, ""},
		{"*acme.test/*", "acme", false, "outside the account's zones (acme.test)"},
		{"shop.acme.test/checkout", "bob", false, `route "shop.acme.test/checkout" is in zone "acme.test" of another account`},
		{"*.shop.acme.test/*", "bob", false, "of another account"},
		{"*/*", "bob", false, "outside the account's zones (bob.example)"},
		{"*.test/*", "bob", false, "outside the account's zones"},
		{"unowned.example/*", "bob", false, "outside the account's zones"},
		{"acme-app.localhost/", "bob", false, "names a host under localhost"},
		{"acme-app.localhost/", "default", true, "names a host under localhost"},
		{"x.localhost:8787/*", "acme", false, "under localhost"},
		{"anything.example/*", "carol", false, "outside the account's zones (none)"},
		{"anything.example/*", "default", true, ""},
		{"*/*", "default", true, ""},
		{"shop.acme.test/*", "default", true, "of another account"},
		{"a.test/ x", "acme", false, "whitespace"},
	}
	for _, c := range cases {
		check(t, c.pattern+" by "+c.account, CheckRoute(c.pattern, c.account, c.admin, zones), c.want)
	}
}
