package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fixture makes a directory holding workers/hello/index.js and other.js, and returns it.
func fixture(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, p := range []string{"workers/hello/index.js", "other.js"} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte("export default {}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestParseFull(t *testing.T) {
	dir := fixture(t)
	doc := `
listen = "0.0.0.0:9000"

[[worker]]
name = "hello"
main = "workers/hello/index.js"
routes = ["example.com/api/*"]
compatibility_date = "2026-01-01"
[worker.vars]
GREETING = "hi"
COUNT = 3
RATIO = 0.5
ON = true
LIST = [1, "two"]
NESTED = { a = { b = "c" } }

[[worker]]
name = "other-2"
main = "./other.js"
compatibility_date = 2025-06-30
`
	c, err := Parse([]byte(doc), dir)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Listen: "0.0.0.0:9000",
		Dir:    dir,
		Workers: []Worker{
			{
				Name:   "hello",
				Main:   filepath.Join(dir, "workers", "hello", "index.js"),
				Routes: []string{"example.com/api/*"},
				Vars: map[string]any{
					"GREETING": "hi",
					"COUNT":    int64(3),
					"RATIO":    0.5,
					"ON":       true,
					"LIST":     []any{int64(1), "two"},
					"NESTED":   map[string]any{"a": map[string]any{"b": "c"}},
				},
				CompatibilityDate: "2026-01-01",
			},
			{
				Name:              "other-2",
				Main:              filepath.Join(dir, "other.js"),
				Vars:              map[string]any{},
				CompatibilityDate: "2025-06-30",
			},
		},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Parse =\n%#v\nwant\n%#v", c, want)
	}
	js, err := json.Marshal(c.Workers[0].Vars)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"NESTED":{"a":{"b":"c"}}`) {
		t.Errorf("vars JSON %s", js)
	}
	tab, err := c.Table()
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := tab.Match("example.com", "/api/x"); w != "hello" {
		t.Errorf("route example.com/api/x -> %q; want hello", w)
	}
	if w, _ := tab.Match("other-2.localhost:9000", "/"); w != "other-2" {
		t.Errorf("other-2.localhost -> %q; want other-2", w)
	}
}

func TestParseDefaults(t *testing.T) {
	dir := fixture(t)
	c, err := Parse([]byte(""), dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != DefaultListen || len(c.Workers) != 0 || c.Dir != dir {
		t.Errorf("empty file: %+v", c)
	}
	c, err = Parse([]byte("[[worker]]\nname = \"a\"\nmain = \""+filepath.ToSlash(filepath.Join(dir, "other.js"))+"\"\n"), "/nonexistent")
	if err != nil {
		t.Fatal(err)
	}
	if c.Workers[0].Main != filepath.Join(dir, "other.js") {
		t.Errorf("absolute main changed to %q", c.Workers[0].Main)
	}
}

func TestParseErrors(t *testing.T) {
	dir := fixture(t)
	const ok = "[[worker]]\nname = \"hello\"\nmain = \"other.js\"\n"
	tests := []struct {
		name    string
		doc     string
		wantErr []string // substrings of the error
	}{
		{"syntax", "listen = \n", []string{"line 1"}},
		{"unknown top key", "lisen = \"x\"\n", []string{"line 1", "unknown key lisen"}},
		{"unknown worker key", ok + "nmae = \"x\"\n", []string{"line 4", "unknown key worker.nmae"}},
		{"unknown table", ok + "[worker.env]\nA = 1\n", []string{"line 4", "unknown key worker.env"}},
		{"wrong type", "listen = 8787\n", []string{"line 1", "key listen"}},
		{"routes not array", ok + "routes = \"a.test/*\"\n", []string{"line 4", "routes"}},
		{"worker not tables", "worker = 1\n", []string{"line 1", "[[worker]]"}},
		{"vars not a table", ok + "vars = 1\n", []string{"line 4", "want a table"}},
		{"bad listen", "listen = \"8787\"\n", []string{`listen "8787"`}},
		{"bad listen port", "listen = \"127.0.0.1:http\"\n", []string{"port"}},
		{"missing name", "[[worker]]\nmain = \"other.js\"\n", []string{"worker #1", "name is required"}},
		{"upper-case name", "[[worker]]\nname = \"Hello\"\nmain = \"other.js\"\n", []string{`worker "Hello"`, "lower-case"}},
		{"name with dot", "[[worker]]\nname = \"a.b\"\nmain = \"other.js\"\n", []string{`worker "a.b"`}},
		{"name leading dash", "[[worker]]\nname = \"-a\"\nmain = \"other.js\"\n", []string{`worker "-a"`}},
		{"name too long", "[[worker]]\nname = \"" + strings.Repeat("a", 64) + "\"\nmain = \"other.js\"\n", []string{"64 characters"}},
		{"duplicate name", ok + ok, []string{"workers #1 and #2", `"hello"`}},
		{"missing main", "[[worker]]\nname = \"hello\"\n", []string{`worker "hello"`, "main is required"}},
		{"main does not exist", "[[worker]]\nname = \"hello\"\nmain = \"nope.js\"\n", []string{`worker "hello"`, `main "nope.js"`}},
		{"main is a directory", "[[worker]]\nname = \"hello\"\nmain = \"workers\"\n", []string{"not a regular file"}},
		{"empty route", ok + "routes = [\"\"]\n", []string{`worker "hello"`, "routes[0] is empty"}},
		{"invalid route", ok + "routes = [\"a.*.test/*\"]\n", []string{`worker "hello"`, `"a.*.test/*"`}},
		{"conflicting routes", ok + "routes = [\"a.test/*\"]\n[[worker]]\nname = \"b\"\nmain = \"other.js\"\nroutes = [\"a.test/*\"]\n", []string{"routing table", "a.test/*"}},
		{"bad date", ok + "compatibility_date = \"2026-13-01\"\n", []string{"compatibility_date"}},
		{"date wrong type", ok + "compatibility_date = 20260101\n", []string{"compatibility_date"}},
		{"nan var", ok + "[worker.vars]\nX = nan\n", []string{`worker "hello"`, "vars.X"}},
		{"empty var name", ok + "[worker.vars]\n\"\" = 1\n", []string{"empty name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc), dir)
			if err == nil {
				t.Fatalf("Parse succeeded; want an error containing %q", tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := fixture(t)
	path := filepath.Join(dir, "islet.toml")
	doc := "[[worker]]\nname = \"hello\"\nmain = \"workers/hello/index.js\"\n"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Dir != dir || c.Workers[0].Main != filepath.Join(dir, "workers", "hello", "index.js") {
		t.Errorf("Load: %+v", c)
	}

	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("[[worker]]\nname = \"x\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), `worker "x"`) {
		t.Errorf("Load(bad) error %v; want it to name the file and the worker", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.toml")); err == nil || !strings.Contains(err.Error(), "missing.toml") {
		t.Errorf("Load(missing) error %v; want it to name the file", err)
	}
}
