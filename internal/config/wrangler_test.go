package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadWrangler(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "src"), 0o755)
	os.WriteFile(filepath.Join(dir, "src", "index.js"), []byte("export default {}"), 0o644)
	write := func(s string) string {
		p := filepath.Join(dir, "wrangler.toml")
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	cfg, ignored, err := LoadWrangler(write(`
name = "my-app"
main = "src/index.js"
compatibility_date = "2024-09-23"
route = "example.com/*"
routes = ["api.example.com/*", { pattern = "shop.example.com/*", zone_name = "example.com" }]

[vars]
API_HOST = "example.com"

[limits]
cpu_ms = 100

[[kv_namespaces]]
binding = "CACHE"
id = "abc"
`))
	if err != nil {
		t.Fatal(err)
	}
	w := cfg.Workers[0]
	if w.Name != "my-app" || w.Main != filepath.Join(dir, "src", "index.js") || w.CompatibilityDate != "2024-09-23" ||
		w.Vars["API_HOST"] != "example.com" || w.Limits.CPUMillis != 100 {
		t.Errorf("worker = %+v", w)
	}
	if want := []string{"example.com/*", "api.example.com/*", "shop.example.com/*"}; !reflect.DeepEqual(w.Routes, want) {
		t.Errorf("routes = %q, want %q", w.Routes, want)
	}
	if !reflect.DeepEqual(ignored, []string{"kv_namespaces"}) {
		t.Errorf("ignored = %q", ignored)
	}

	for _, bad := range []struct{ toml, want string }{
		{`name = "x"`, "main is required"},
		{`name = "Bad Name"` + "\nmain = \"src/index.js\"", "name"},
		{`name = "x"` + "\nmain = \"src/index.js\"\nroutes = [3]", "a route must be a string"},
		{`name = "x"` + "\nmain = \"src/index.js\"\nroutes = [{ zone_name = \"z\" }]", "needs a pattern"},
		{`name = = "x"`, "line 1"},
	} {
		if _, _, err := LoadWrangler(write(bad.toml)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want %q", bad.toml, err, bad.want)
		}
	}
}
