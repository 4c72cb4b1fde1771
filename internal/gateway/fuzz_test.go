package gateway

import (
	"strings"
	"testing"
)

// FuzzMatch checks that parsing and matching never panic, that matching is deterministic, and
// that a pattern without wildcards or a port matches its own host and path.
func FuzzMatch(f *testing.F) {
	seeds := []struct{ pattern, host, path string }{
		{"example.com/api/*", "example.com", "/api/x"},
		{"*.example.com/*", "A.Example.com:80", "/"},
		{"*example.com/*", "example.com", ""},
		{"https://example.com:8443/about", "example.com:8443", "/about"},
		{"*/*", "[::1]:80", "/x"},
		{"a.test", "hello.localhost", "/"},
		{"a..b/*", "a..b", "/"},
		{"http://", ":", "*"},
	}
	for _, s := range seeds {
		f.Add(s.pattern, s.host, s.path)
	}
	f.Fuzz(func(t *testing.T, pat, host, path string) {
		tab, err := NewTable([]string{"hello", "w"}, []Route{{pat, "w"}})
		if err != nil {
			if !strings.Contains(err.Error(), "route pattern") {
				t.Fatalf("error %q does not name the route pattern", err)
			}
			return
		}
		w1, ok1 := tab.Match(host, path)
		w2, ok2 := tab.Match(host, path)
		if w1 != w2 || ok1 != ok2 {
			t.Fatalf("Match(%q, %q) not deterministic: %q,%v then %q,%v", host, path, w1, ok1, w2, ok2)
		}
		if ok1 != (w1 != "") {
			t.Fatalf("Match(%q, %q) = %q, %v", host, path, w1, ok1)
		}
		p, err := parsePattern(pat)
		if err != nil {
			t.Fatalf("NewTable accepted %q but parsePattern: %v", pat, err)
		}
		if !p.wildHost && !p.prefix && p.port == "" {
			if w, _ := tab.Match(p.host, p.path); w != "w" {
				t.Fatalf("pattern %q does not match its own host %q and path %q (got %q)", pat, p.host, p.path, w)
			}
		}
	})
}
