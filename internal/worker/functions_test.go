package worker

import (
	"errors"
	"strings"
	"testing"
	"time"

	"islet/internal/v8"
)

func TestFunctionBound(t *testing.T) {
	tests := []struct {
		code string
		min  int // the functions the code can instantiate: the bound must be at least this
	}{
		{``, 1},
		{`function f() {}`, 2},
		{`const f = x => x, g = async (a) => a;`, 3},
		{`class A {}`, 4}, // constructor, field and static initialisers
		{`class A { x = 1; static y = 2; m() {} get g() { return 1; } }`, 6},
		{`const o = { m() {}, get g() { return 1; }, set s(v) {} };`, 4},
		{`function* g() {} async function h() {}`, 3},
		{`export default { fetch(req) { return new Response(req.url); } };`, 2},
	}
	for _, tc := range tests {
		if got := FunctionBound(tc.code); got < tc.min {
			t.Errorf("FunctionBound(%q) = %d, below the %d functions it can make", tc.code, got, tc.min)
		}
	}
}

func TestSpecSegments(t *testing.T) {
	tests := []struct {
		modules map[string]string
		want    int
	}{
		{map[string]string{"index.js": `export default {};`}, 1},
		{map[string]string{"index.js": strings.Repeat("{", 4096-RuntimeFunctions-1)}, 1}, // a full segment with the module
		{map[string]string{"index.js": strings.Repeat("{", 4096-RuntimeFunctions)}, 2},   // one past it
		{map[string]string{"a.js": strings.Repeat("=>", 3000), "b.js": strings.Repeat("=>", 3000)}, 3},
		{map[string]string{"index.js": ``, "m.wasm": strings.Repeat("{", 10000)}, 1}, // a binary is not JavaScript
	}
	for i, tc := range tests {
		if got := (&Spec{Modules: tc.modules}).Segments(); got != tc.want {
			t.Errorf("case %d: Segments() = %d, want %d", i, got, tc.want)
		}
	}
}

// A worker whose code may fill more than MaxSegments of the function table is refused at
// validation, with the count, before any isolate is made for it.
func TestValidateRefusesTooManyFunctions(t *testing.T) {
	n := MaxSegments*4096 - RuntimeFunctions // one past the most, with the module itself
	spec := &Spec{Name: "huge", BaseURL: "file:///huge/", Main: "index.js",
		Modules: map[string]string{"index.js": "// " + strings.Repeat("{", n) + "\nexport default {};"}}
	err := Validate(spec, Deps{NewIsolate: func(uint64) *v8.Isolate { t.Fatal("an isolate was made"); return nil }}, time.Second)
	var le *LoadError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "functions") || !strings.Contains(err.Error(), "more than the") {
		t.Fatalf("Validate: %v", err)
	}
}
