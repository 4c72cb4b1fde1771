package gateway

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	workers := []string{"hello", "api", "www", "sub", "any", "exact", "port", "v1", "catch", "Mixed"}
	routes := []Route{
		{"example.com/api/*", "api"},
		{"example.com/api/v1/*", "v1"},
		{"example.com/*", "www"},
		{"example.com/about", "exact"},
		{"*.example.com/*", "sub"},
		{"*example.com/*", "any"},
		{"https://Ports.test:8080/*", "port"},
		{"ports.test/*", "www"},
		{"hello.localhost/override/*", "hello"},
		{"*.com/api/*", "catch"},
		{"http://bare.test", "exact"},
	}
	tab, err := NewTable(workers, routes)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host, path string
		want       string // "" means no match
	}{
		{"hello.localhost", "/", "hello"},
		{"hello.localhost:8787", "/x/y", "hello"},
		{"HELLO.LocalHost:8787", "/", "hello"},
		{"hello.localhost.", "/", "hello"},
		{"mixed.localhost", "/", "Mixed"},
		{"nope.localhost", "/", ""},
		{"localhost", "/", ""},
		{"a.hello.localhost", "/", ""},
		{"hello.localhost", "/override/x", "hello"}, // a worker may route on its own host
		{"hello.localhost", "/override", "hello"},
		{"example.com", "/api/x", "api"},
		{"example.com", "/api/", "api"},
		{"example.com", "/api", "www"}, // "/api/*" needs the slash
		{"example.com", "/api/v1/users", "v1"},
		{"example.com", "/about", "exact"}, // exact path beats "/*"
		{"example.com", "/about/", "www"},
		{"example.com", "/About", "www"}, // paths are case-sensitive
		{"EXAMPLE.com:443", "/", "www"},  // no port in pattern: any port
		{"example.com", "", "www"},       // empty path is "/"
		{"a.example.com", "/", "sub"},    // ".example.com" beats "example.com"
		{"a.b.example.com", "/api/x", "sub"},
		{"myexample.com", "/", "any"},
		{"other.com", "/api/x", "catch"},
		{"other.com", "/", ""},
		{"example.org", "/", ""},
		{"ports.test:8080", "/", "port"},
		{"ports.test:8081", "/", "www"},
		{"ports.test", "/", "www"},
		{"bare.test", "/anything", "exact"},
		{"", "/", ""},
		{"[::1]:8080", "/", ""},
	}
	for _, tt := range tests {
		got, ok := tab.Match(tt.host, tt.path)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Match(%q, %q) = %q, %v; want %q", tt.host, tt.path, got, ok, tt.want)
		}
	}
}

func TestPrecedence(t *testing.T) {
	tests := []struct {
		name       string
		routes     []Route
		host, path string
		want       string
	}{
		{"exact host beats wildcard host", []Route{{"*.a.test/x/y/z", "w1"}, {"b.a.test/*", "w2"}}, "b.a.test", "/x/y/z", "w2"},
		{"longer wildcard suffix wins", []Route{{"*a.test/*", "w1"}, {"*.a.test/*", "w2"}}, "b.a.test", "/", "w2"},
		{"any host loses to a suffix", []Route{{"*/*", "w1"}, {"*test/*", "w2"}}, "a.test", "/", "w2"},
		{"any host matches all", []Route{{"*/*", "w1"}}, "whatever.example", "/p", "w1"},
		{"port beats no port", []Route{{"a.test/api/*", "w1"}, {"a.test:81/*", "w2"}}, "a.test:81", "/api/x", "w2"},
		{"longer prefix wins", []Route{{"a.test/api/*", "w1"}, {"a.test/api/v2/*", "w2"}}, "a.test", "/api/v2/x", "w2"},
		{"prefix without slash", []Route{{"a.test/api*", "w1"}, {"a.test/*", "w2"}}, "a.test", "/apis", "w1"},
		{"exact path beats prefix of equal length", []Route{{"a.test/api*", "w1"}, {"a.test/api", "w2"}}, "a.test", "/api", "w2"},
		{"exact path beats longer prefix", []Route{{"a.test/ap", "w1"}, {"a.test/a*", "w2"}}, "a.test", "/ap", "w1"},
		{"order does not matter", []Route{{"a.test/api/v2/*", "w2"}, {"a.test/api/*", "w1"}}, "a.test", "/api/v2/x", "w2"},
		{"same pattern same worker is fine", []Route{{"a.test/*", "w1"}, {"http://A.test/*", "w1"}}, "a.test", "/", "w1"},
		{"no path means every path", []Route{{"a.test", "w1"}}, "a.test", "/deep/path", "w1"},
		{"a wildcard never beats a worker's own host", []Route{{"*/*", "w2"}, {"*.localhost/*", "w2"}}, "w1.localhost", "/", "w1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := NewTable([]string{"w1", "w2"}, tt.routes)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := tab.Match(tt.host, tt.path); got != tt.want {
				t.Errorf("Match(%q, %q) = %q; want %q", tt.host, tt.path, got, tt.want)
			}
		})
	}
}

func TestNewTableErrors(t *testing.T) {
	tests := []struct {
		name    string
		workers []string
		routes  []Route
		wantErr string // a substring of the error
	}{
		{"empty pattern", nil, []Route{{"", "w"}}, "empty"},
		{"empty worker name", []string{""}, nil, "empty worker name"},
		{"duplicate worker", []string{"w", "w"}, nil, `worker "w" is listed twice`},
		{"unknown worker", []string{"w"}, []Route{{"a.test/*", "x"}}, `unknown worker "x"`},
		{"conflict", []string{"w", "x"}, []Route{{"a.test/*", "w"}, {"https://A.TEST/*", "x"}}, `"https://A.TEST/*"`},
		{"middle wildcard in host", []string{"w"}, []Route{{"a.*.test/*", "w"}}, `"a.*.test/*"`},
		{"middle wildcard in path", []string{"w"}, []Route{{"a.test/*/x", "w"}}, "end of the path"},
		{"two wildcards in path", []string{"w"}, []Route{{"a.test/**", "w"}}, "end of the path"},
		{"bad scheme", []string{"w"}, []Route{{"ftp://a.test/*", "w"}}, "scheme"},
		{"query", []string{"w"}, []Route{{"a.test/x?y=1", "w"}}, "query"},
		{"fragment", []string{"w"}, []Route{{"a.test/x#y", "w"}}, "query"},
		{"space", []string{"w"}, []Route{{"a.test/ x", "w"}}, "whitespace"},
		{"no host", []string{"w"}, []Route{{"/api/*", "w"}}, "host is empty"},
		{"no host after scheme", []string{"w"}, []Route{{"https:///x", "w"}}, "host is empty"},
		{"bad port", []string{"w"}, []Route{{"a.test:http/*", "w"}}, "port"},
		{"port zero", []string{"w"}, []Route{{"a.test:0/*", "w"}}, "port"},
		{"port too big", []string{"w"}, []Route{{"a.test:65536/*", "w"}}, "port"},
		{"empty port", []string{"w"}, []Route{{"a.test:/*", "w"}}, "port"},
		{"bad host character", []string{"w"}, []Route{{"a!b.test/*", "w"}}, "contains"},
		{"empty label", []string{"w"}, []Route{{"a..test/*", "w"}}, "empty label"},
		{"leading dot", []string{"w"}, []Route{{".a.test/*", "w"}}, "starts with"},
		{"another worker's own host", []string{"acme-app", "bob"}, []Route{{"acme-app.localhost/", "bob"}}, `names worker "acme-app"'s own host`},
		{"another worker's own host, with a port", []string{"acme-app", "bob"}, []Route{{"http://ACME-APP.localhost:8787/x/*", "bob"}}, "own host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewTable(tt.workers, tt.routes)
			if err == nil {
				t.Fatalf("NewTable succeeded; want an error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestNilTable(t *testing.T) {
	var tab *Table
	if w, ok := tab.Match("a.localhost", "/"); ok || w != "" {
		t.Errorf("nil table matched %q", w)
	}
}

func TestWorkerWithoutHostLabel(t *testing.T) {
	tab, err := NewTable([]string{"a.b", "c/d"}, []Route{{"x.test/*", "c/d"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"a.b.localhost", "c/d.localhost", "c.localhost"} {
		if w, ok := tab.Match(host, "/"); ok {
			t.Errorf("Match(%q) = %q; want no match", host, w)
		}
	}
	if w, _ := tab.Match("x.test", "/"); w != "c/d" {
		t.Errorf("Match(x.test) = %q; want c/d", w)
	}
}
