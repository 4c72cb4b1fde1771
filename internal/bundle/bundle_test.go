package bundle

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, s := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBuildTypeScriptAndPackages(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"src/index.ts": `import { greet } from "./greet"; import { shout } from "shouty";
export default { fetch(req: Request): Response { return new Response(shout(greet("w"))); } };`,
		"src/greet.ts":                     `export const greet = (n: string): string => "hello " + n;`,
		"node_modules/shouty/package.json": `{"name":"shouty","module":"index.mjs","main":"index.cjs"}`,
		"node_modules/shouty/index.mjs":    `export const shout = (s) => s.toUpperCase();`,
	})
	res, err := Build(filepath.Join(dir, "src/index.ts"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Main != "index.js" {
		t.Fatalf("main = %q", res.Main)
	}
	js := string(res.Modules["index.js"])
	for _, want := range []string{"toUpperCase", "hello ", "export"} {
		if !strings.Contains(js, want) {
			t.Errorf("bundle lacks %q:\n%s", want, js)
		}
	}
	if strings.Contains(js, ": string") {
		t.Error("TypeScript types left in the bundle")
	}
	if m := string(res.Modules["index.js.map"]); !strings.Contains(m, "greet.ts") {
		t.Errorf("source map does not name greet.ts: %.200s", m)
	}
}

func TestBuildErrorsNamePlace(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"index.js": "export default {\n  fetch() { return new Response( }\n};\n"})
	_, err := Build(filepath.Join(dir, "index.js"), Options{})
	if err == nil || !strings.Contains(err.Error(), "index.js:2:") {
		t.Fatalf("err = %v, want index.js:2:col", err)
	}
	write(t, dir, map[string]string{"missing.js": `import x from "no-such-package"; export default x;`})
	if _, err := Build(filepath.Join(dir, "missing.js"), Options{}); err == nil || !strings.Contains(err.Error(), "no-such-package") {
		t.Fatalf("err = %v", err)
	}
}

func TestBuildKeepsWasmModulesApart(t *testing.T) {
	dir := t.TempDir()
	wasm := "\x00asm\x01\x00\x00\x00"
	write(t, dir, map[string]string{
		"index.js":     `import mod from "./lib/add.wasm"; export default { fetch() { return new Response(String(mod)); } };`,
		"lib/add.wasm": wasm,
	})
	res, err := Build(filepath.Join(dir, "index.js"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Modules["add.wasm"]) != wasm {
		t.Fatalf("modules: %v", res.Modules)
	}
	if js := string(res.Modules["index.js"]); !strings.Contains(js, `from "./add.wasm"`) {
		t.Fatalf("bundle does not import ./add.wasm:\n%s", js)
	}
}

func TestDynamicImports(t *testing.T) {
	got, err := DynamicImports(map[string][]byte{
		"index.js": []byte(`// import("./in-a-comment.js")
const s = 'import("./in-a-string.js")';
export default { async fetch() { const a = await import("./later.js"); const b = await import("node:crypto"); return import(s) } }`),
		"lib/x.mjs": []byte(`export const f = () => import('../up.js');`),
		"static.js": []byte(`import "./side.js"; export {}`),
		"data.txt":  []byte(`import("./not-js.js")`),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"index.js": {"./later.js", "node:crypto"}, "lib/x.mjs": {"../up.js"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("DynamicImports = %v, want %v", got, want)
	}
	if _, err := DynamicImports(map[string][]byte{"bad.js": []byte("export default {")}); err == nil || !strings.Contains(err.Error(), "bad.js") {
		t.Errorf("a module that does not parse: %v", err)
	}
}
