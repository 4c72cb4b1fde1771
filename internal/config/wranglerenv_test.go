package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const envProject = `
name = "shop"
main = "src/index.js"
compatibility_date = "2025-01-01"
routes = ["shop.example.com/*"]
keep_vars = true

[vars]
GREETING = "top"

[limits]
cpu_ms = 100

[[kv_namespaces]]
binding = "CACHE"
id = "top"

[env.staging]
routes = ["staging.example.com/*"]
[env.staging.vars]
GREETING = "staging"

[env.bare]

[env.named]
name = "shop-next"
main = "src/next.js"
compatibility_date = "2026-01-01"
keep_vars = true
[env.named.limits]
cpu_ms = 200
[[env.named.kv_namespaces]]
binding = "CACHE"
id = "named"
`

// TestLoadWranglerEnvironment reads [env.NAME] sections as wrangler does: inherited keys from
// the top level when the section sets none, vars and bindings only from the section, the
// worker named <name>-<env> unless the section names it, and wrangler's warnings.
func TestLoadWranglerEnvironment(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "src"), 0o755)
	for _, f := range []string{"index.js", "next.js"} {
		os.WriteFile(filepath.Join(dir, "src", f), []byte("export default {}"), 0o644)
	}
	path := filepath.Join(dir, "wrangler.toml")
	os.WriteFile(path, []byte(envProject), 0o644)
	index, next := filepath.Join(dir, "src", "index.js"), filepath.Join(dir, "src", "next.js")

	cases := []struct {
		env                 string
		name, main, date    string
		routes              []string
		vars                map[string]any
		cpu                 int
		unsupported, warned []string
	}{
		{"", "shop", index, "2025-01-01", []string{"shop.example.com/*"}, map[string]any{"GREETING": "top"}, 100,
			[]string{"[[kv_namespaces]] CACHE"}, nil},
		{"staging", "shop-staging", index, "2025-01-01", []string{"staging.example.com/*"}, map[string]any{"GREETING": "staging"}, 100,
			nil, []string{`"kv_namespaces" is set at the top level but not in [env.staging]`}},
		{"bare", "shop-bare", index, "2025-01-01", []string{"shop.example.com/*"}, map[string]any{}, 100,
			nil, []string{`"kv_namespaces" is set at the top level but not in [env.bare]`, `"vars" is set at the top level but not in [env.bare]`}},
		{"named", "shop-next", next, "2026-01-01", []string{"shop.example.com/*"}, map[string]any{}, 200,
			[]string{"[env.named] [[kv_namespaces]] CACHE"},
			[]string{`"vars" is set at the top level but not in [env.named]`, `"keep_vars" in [env.named] has no effect`}},
	}
	for _, c := range cases {
		t.Run("env="+c.env, func(t *testing.T) {
			cfg, report, err := LoadWrangler(path, c.env)
			if err != nil {
				t.Fatal(err)
			}
			w := cfg.Workers[0]
			if w.Name != c.name || w.Main != c.main || w.CompatibilityDate != c.date || w.Limits.CPUMillis != c.cpu {
				t.Errorf("worker %s main %s date %s cpu %d", w.Name, w.Main, w.CompatibilityDate, w.Limits.CPUMillis)
			}
			if !reflect.DeepEqual(w.Routes, c.routes) || !reflect.DeepEqual(w.Vars, c.vars) {
				t.Errorf("routes %q vars %v", w.Routes, w.Vars)
			}
			var got []string
			for _, u := range report.Unsupported {
				got = append(got, u.Where)
			}
			if !reflect.DeepEqual(got, c.unsupported) {
				t.Errorf("unsupported %q, want %q", got, c.unsupported)
			}
			if len(report.Warnings) != len(c.warned) {
				t.Fatalf("warnings %q, want %d", report.Warnings, len(c.warned))
			}
			for i, w := range c.warned {
				if !strings.HasPrefix(report.Warnings[i], w) {
					t.Errorf("warning %q, want it to start %q", report.Warnings[i], w)
				}
			}
		})
	}
	if _, _, err := LoadWrangler(path, "prod"); err == nil || !strings.Contains(err.Error(), "no [env.prod] section; the config's environments are bare, named, staging") {
		t.Errorf("unknown environment: %v", err)
	}
}

// TestLoadWranglerEnvironmentJSONC reads an environment of a wrangler.jsonc the same way.
func TestLoadWranglerEnvironmentJSONC(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.js"), []byte("export default {}"), 0o644)
	path := filepath.Join(dir, "wrangler.jsonc")
	os.WriteFile(path, []byte(`{
  // the top level
  "name": "api", "main": "index.js", "vars": { "MODE": "top" },
  "env": { "production": { "vars": { "MODE": "prod", "N": 3 }, "limits": { "cpu_ms": 500 }, }, },
}`), 0o644)
	cfg, report, err := LoadWrangler(path, "production")
	if err != nil {
		t.Fatal(err)
	}
	w := cfg.Workers[0]
	if w.Name != "api-production" || w.Vars["MODE"] != "prod" || w.Vars["N"] != float64(3) || w.Limits.CPUMillis != 500 {
		t.Errorf("%+v", w)
	}
	if len(report.Unsupported) != 0 || len(report.Warnings) != 0 {
		t.Errorf("report %+v", report)
	}
	if _, _, err := LoadWrangler(path, "staging"); err == nil || !strings.Contains(err.Error(), "environments are production") {
		t.Errorf("unknown environment: %v", err)
	}
}

// TestWranglerServices reads [[services]]; an entrypoint (RPC) is reported unsupported and the
// binding left out, and environments do not inherit services.
func TestWranglerServices(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.js"), []byte("export default {}"), 0o644)
	path := filepath.Join(dir, "wrangler.toml")
	os.WriteFile(path, []byte(`name = "app"
main = "index.js"
[[services]]
binding = "AUTH"
service = "auth"
[[services]]
binding = "ADMIN"
service = "auth"
entrypoint = "Admin"
[env.staging]
[[env.staging.services]]
binding = "AUTH"
service = "auth-staging"
`), 0o644)
	cfg, report, err := LoadWrangler(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Workers[0].Services; len(got) != 1 || got[0] != (Service{Binding: "AUTH", Service: "auth"}) {
		t.Errorf("services %+v", got)
	}
	if len(report.Unsupported) != 1 || report.Unsupported[0].Where != "[[services]] ADMIN" || !strings.Contains(report.Unsupported[0].Reason, "named entrypoints (RPC) are not supported") {
		t.Errorf("report %+v", report.Unsupported)
	}
	cfg, _, err = LoadWrangler(path, "staging")
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Workers[0].Services; len(got) != 1 || got[0].Service != "auth-staging" {
		t.Errorf("staging services %+v", got)
	}
}
