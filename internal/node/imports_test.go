package node

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"islet/internal/config"
)

func TestRelativeImports(t *testing.T) {
	cases := []struct {
		code string
		want []string
	}{
		{`import a from "./a.js";`, []string{"./a.js"}},
		{`import { x, y as z } from './b.js'; import * as ns from "../c.mjs"`, []string{"./b.js", "../c.mjs"}},
		{`import "./side-effect.js";`, []string{"./side-effect.js"}},
		{`export { v } from "./v.js"; export * from './all.js';`, []string{"./v.js", "./all.js"}},
		{"import {\n  a,\n  b,\n} from \"./multi.js\";", []string{"./multi.js"}},
		{`import x from "hono"; const s = "import y from './not-code.js'";`, nil},
		{`export default { fetch() {} };`, nil},
	}
	for _, c := range cases {
		if got := relativeImports(c.code); !reflect.DeepEqual(got, c.want) {
			t.Errorf("relativeImports(%q) = %q, want %q", c.code, got, c.want)
		}
	}
}

func TestSpecReadsOnlyTheImportGraph(t *testing.T) {
	dir := t.TempDir()
	write := func(name, code string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(code), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.js", `import { x } from "./lib/x.js"; export default { fetch() {} };`)
	write("lib/x.js", `export { y as x } from "../y.js";`)
	write("y.js", `export const y = 1;`)
	write("other-worker.js", `export default {};`)
	spec, err := SpecFromConfig(config.Worker{Name: "a", Main: filepath.Join(dir, "a.js")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for p := range spec.Modules {
		got = append(got, p)
	}
	want := map[string]bool{"a.js": true, "lib/x.js": true, "y.js": true}
	if len(got) != len(want) {
		t.Fatalf("modules %q, want %v", got, want)
	}
	for _, p := range got {
		if !want[p] {
			t.Fatalf("modules %q, want %v", got, want)
		}
	}
}
