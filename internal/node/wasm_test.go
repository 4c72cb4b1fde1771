package node

import (
	"os"
	"path/filepath"
	"testing"

	"islet/internal/config"
	"islet/internal/v8/wasmtest"
)

func TestSpecReadsImportedWasm(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.js"), []byte(`import mod from "./lib/m.wasm"; export default { fetch() {} };`), 0o644)
	os.MkdirAll(filepath.Join(dir, "lib"), 0o755)
	os.WriteFile(filepath.Join(dir, "lib", "m.wasm"), []byte(wasmtest.Module), 0o644)
	spec, err := SpecFromConfig(config.Worker{Name: "w", Main: filepath.Join(dir, "index.js"),
		EgressAllow: []string{"10.0.0.0/8"}, Limits: config.Limits{Subrequests: 9, WaitUntilMillis: 5}})
	if err != nil {
		t.Fatal(err)
	}
	if spec.Modules["lib/m.wasm"] != wasmtest.Module {
		t.Fatalf("modules %v", len(spec.Modules))
	}
	if spec.Limits.Subrequests != 9 || spec.Limits.WaitUntil.Milliseconds() != 5 || len(spec.EgressAllow) != 1 {
		t.Fatalf("limits %+v egress %v", spec.Limits, spec.EgressAllow)
	}
}
