package sourcemap

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"islet/internal/bundle"
)

func TestVLQ(t *testing.T) {
	for s, want := range map[string]int{"A": 0, "C": 1, "D": -1, "gB": 16, "hB": -16, "2H": 123} {
		v, n, err := vlq(s)
		if err != nil || v != want || n != len(s) {
			t.Errorf("vlq(%q) = %d, %d, %v; want %d", s, v, n, err, want)
		}
	}
	for _, bad := range []string{"", "g", "!"} {
		if _, _, err := vlq(bad); err == nil {
			t.Errorf("vlq(%q) accepted", bad)
		}
	}
}

// TestRemapsAnEsbuildBundle bundles two TypeScript files and maps a position of the bundle
// that throws back to the line in the original file.
func TestRemapsAnEsbuildBundle(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.ts"), []byte("import { fail } from './fail';\nexport default { fetch() { return fail(); } };\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "fail.ts"), []byte("// a comment\n\nexport function fail(): never {\n  throw new Error('boom');\n}\n"), 0o644)
	res, err := bundle.Build(filepath.Join(dir, "index.ts"), bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(res.Modules["index.js.map"])
	if err != nil {
		t.Fatal(err)
	}
	js := string(res.Modules["index.js"])
	var line, col int
	for i, l := range strings.Split(js, "\n") {
		if c := strings.Index(l, "throw new Error"); c >= 0 {
			line, col = i+1, c+1
		}
	}
	if line == 0 {
		t.Fatalf("no throw in bundle:\n%s", js)
	}
	stack := "Error: boom\n    at fail (islet://app/index.js:" + strconv.Itoa(line) + ":" + strconv.Itoa(col) + ")\n    at other (islet://app/other.js:1:1)"
	got := RemapStack(stack, func(url string) *Map {
		if url == "islet://app/index.js" {
			return m
		}
		return nil
	})
	if !strings.Contains(got, "(fail.ts:4:3)") || !strings.Contains(got, "islet://app/other.js:1:1") {
		t.Fatalf("remapped stack:\n%s", got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(`{"version":3,"sources":["a.js"],"mappings":"AAAA,CAAC;AACD"}`)
	f.Add(`{"version":3,"sources":[],"mappings":";;;"}`)
	f.Add(`{"version":3,"sources":["a"],"mappings":"AAAAA,gB"}`)
	f.Fuzz(func(t *testing.T, s string) {
		m, err := Parse([]byte(s))
		if err != nil {
			return
		}
		for l := 0; l < 5; l++ {
			m.Lookup(l, l)
		}
	})
}
