package gateway

import (
	"fmt"
	"slices"
	"strings"
)

// Route sends the requests that Pattern matches to the worker named Worker.
type Route struct {
	Pattern string
	Worker  string
}

// Table is an immutable routing table: it maps a request's host and path to a worker name. It is
// safe for concurrent use; the Gateway swaps whole tables atomically.
//
// Every worker is served at "<name>.localhost" (any port, host case-insensitive), as if by an
// implicit route "<name>.localhost/*". Explicit routes use Cloudflare Workers route patterns:
//
//	example.com/api/*    host example.com, any path starting with "/api/"
//	example.com/*        host example.com, any path
//	example.com          the same as example.com/*
//	example.com/about    host example.com, exactly the path "/about"
//	*.example.com/*      any host ending in ".example.com" (not example.com itself)
//	*example.com/*       example.com and any host ending in "example.com"
//	*/*                  any host, any path
//	example.com:8080/*   only requests whose Host names port 8080
//
// A leading "http://" or "https://" is ignored; a pattern without a port matches any port;
// paths are compared case-sensitively against the decoded request path, and the query string
// is never part of the match.
//
// When several patterns match, the most specific wins, compared in this order:
//
//  1. an exact host beats a wildcard host;
//  2. a longer literal host beats a shorter one ("*.api.example.com" beats "*.example.com",
//     which beats "*example.com", which beats "*");
//  3. a pattern with a port beats one without;
//  4. an exact path beats a path ending in '*';
//  5. a longer literal path beats a shorter one ("/api/v1/*" beats "/api/*").
//
// The host is compared first: "example.com/*" beats "*.com/api/*" for example.com/api/x.
//
// A worker's own host "<name>.localhost" is that worker's alone: an explicit route of another
// worker that names it (with any path or port) is refused, and no wildcard can beat it because
// an exact host always wins. A worker may add routes on its own host.
type Table struct {
	exact map[string][]entry // by exact host, most specific first
	wild  []entry            // wildcard hosts, most specific first
}

// entry is one route of a Table.
type entry struct {
	pattern
	worker   string
	implicit bool // the "<name>.localhost/*" route
}

// NewTable builds a table serving workers at "<name>.localhost" and routes by pattern. It is an
// error when a worker name is empty or repeated, a pattern is invalid (the error names it), a
// route names a worker not in workers or another worker's own host, or two routes with the same
// pattern name different workers.
func NewTable(workers []string, routes []Route) (*Table, error) {
	known := make(map[string]bool, len(workers))
	ownHost := make(map[string]string, len(workers))
	entries := make([]entry, 0, len(workers)+len(routes))
	for _, w := range workers {
		if w == "" {
			return nil, fmt.Errorf("routing table: empty worker name")
		}
		if known[w] {
			return nil, fmt.Errorf("routing table: worker %q is listed twice", w)
		}
		known[w] = true
		if label, ok := hostLabel(w); ok {
			p := pattern{raw: label + "." + PlatformDomain + "/*", host: label + "." + PlatformDomain, path: "/", prefix: true}
			ownHost[p.host] = w
			entries = append(entries, entry{pattern: p, worker: w, implicit: true})
		}
	}
	for _, r := range routes {
		p, err := parsePattern(r.Pattern)
		if err != nil {
			return nil, fmt.Errorf("routing table: %w", err)
		}
		if !known[r.Worker] {
			return nil, fmt.Errorf("routing table: route %q names unknown worker %q", r.Pattern, r.Worker)
		}
		if owner, ok := ownHost[p.host]; ok && !p.wildHost && owner != r.Worker {
			return nil, fmt.Errorf("routing table: route %q (worker %q) names worker %q's own host", r.Pattern, r.Worker, owner)
		}
		entries = append(entries, entry{pattern: p, worker: r.Worker})
	}
	if err := checkConflicts(entries); err != nil {
		return nil, err
	}
	slices.SortStableFunc(entries, compareEntries)
	t := &Table{exact: make(map[string][]entry)}
	for _, e := range entries {
		if e.wildHost {
			t.wild = append(t.wild, e)
		} else {
			t.exact[e.host] = append(t.exact[e.host], e)
		}
	}
	return t, nil
}

// PlatformDomain is the domain every worker is served under, as "<name>.<PlatformDomain>".
const PlatformDomain = "localhost"

// PatternHost returns the host part of a valid route pattern, lower case without a trailing
// dot or port: the literal host, or for a wildcard host ("*.example.com", "*") the literal
// suffix after the '*' with wildcard true.
func PatternHost(pattern string) (host string, wildcard bool, err error) {
	p, err := parsePattern(pattern)
	if err != nil {
		return "", false, err
	}
	return p.host, p.wildHost, nil
}

// ValidatePattern reports whether pattern is a valid route pattern (see Table); the error names
// the pattern and what is wrong with it.
func ValidatePattern(pattern string) error {
	_, err := parsePattern(pattern)
	return err
}

// hostLabel returns name lower-cased when it can be one label of a host name (letters, digits,
// '-' and '_'); other names get no "<name>.localhost" route.
func hostLabel(name string) (string, bool) {
	if name == "" {
		return "", false
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return "", false
		}
	}
	return strings.ToLower(name), true
}

// checkConflicts rejects two explicit routes with the same normalised pattern and different
// workers.
func checkConflicts(entries []entry) error {
	seen := make(map[string]entry, len(entries))
	for _, e := range entries {
		if e.implicit {
			continue
		}
		k := e.key()
		if prev, ok := seen[k]; ok && prev.worker != e.worker {
			return fmt.Errorf("routing table: route %q (worker %q) and route %q (worker %q) match the same requests",
				prev.raw, prev.worker, e.raw, e.worker)
		}
		seen[k] = e
	}
	return nil
}

// compareEntries orders the most specific entry first; among equals, explicit routes precede
// implicit ones.
func compareEntries(a, b entry) int {
	if more, decided := a.moreSpecific(&b.pattern); decided {
		if more {
			return -1
		}
		return 1
	}
	switch {
	case a.implicit == b.implicit:
		return 0
	case b.implicit:
		return -1
	}
	return 1
}

// Match returns the worker routed for a request whose Host header is host and whose decoded URL
// path is path, following the precedence in the Table doc comment. A nil Table matches nothing.
func (t *Table) Match(host, path string) (worker string, ok bool) {
	if t == nil {
		return "", false
	}
	h, port := splitHost(host)
	if path == "" {
		path = "/"
	}
	for i := range t.exact[h] {
		if e := &t.exact[h][i]; e.matches(h, port, path) {
			return e.worker, true
		}
	}
	for i := range t.wild {
		if e := &t.wild[i]; e.matches(h, port, path) {
			return e.worker, true
		}
	}
	return "", false
}
