package control

import (
	"encoding/json"
	"testing"
)

// TestVersionStoredWithVarsReadsAsBindings: a version stored before versions had bindings keeps
// its env: its "vars" read as the bindings they make.
func TestVersionStoredWithVarsReadsAsBindings(t *testing.T) {
	var v Version
	if err := json.Unmarshal([]byte(`{"id":"abc","worker":"w","main":"index.js","format":"module","vars":{"MODE":"prod","N":2},"limits":{}}`), &v); err != nil {
		t.Fatal(err)
	}
	env, err := v.Env()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(env)
	// VarBindings sorts by name: MODE before N.
	if want := `[{"name":"MODE","text":"prod","type":"plain_text"},{"json":2,"name":"N","type":"json"}]`; string(got) != want {
		t.Fatalf("env %s", got)
	}
	// A version with bindings is read as stored, and is written without vars.
	v2 := Version{ID: "def", Bindings: env}
	data, _ := json.Marshal(v2)
	var back Version
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if e, _ := back.Env(); len(e) != 2 || back.LegacyVars != nil {
		t.Fatalf("read back %+v", back)
	}
}
