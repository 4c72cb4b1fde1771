package config

import "testing"

// FuzzParse checks that Parse never panics and that what it accepts is valid.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"",
		"listen = \"127.0.0.1:8787\"\n",
		"[[worker]]\nname = \"hello\"\nmain = \"other.js\"\nroutes = [\"example.com/*\"]\ncompatibility_date = 2026-01-01\n[worker.vars]\nA = { b = [1, 2.5, true, 1979-05-27T07:32:00Z] }\n",
		"[[worker]]\nname = \"a\"\nmain = \"workers/hello/index.js\"\n[[worker]]\nname = \"a\"\n",
		"[worker]\nname = 1\n",
		"x = inf\n[[worker.vars]]\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	dir := fixture(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, dir)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, w := range c.Workers {
			if err := ValidateName(w.Name); err != nil || seen[w.Name] {
				t.Fatalf("accepted worker name %q (%v, duplicate %v)", w.Name, err, seen[w.Name])
			}
			seen[w.Name] = true
			if w.Vars == nil {
				t.Fatalf("worker %q has nil Vars", w.Name)
			}
		}
		if err := validateListen(c.Listen); err != nil {
			t.Fatalf("accepted listen %q: %v", c.Listen, err)
		}
	})
}
