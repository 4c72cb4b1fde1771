// Package urlpattern holds URLPattern (https://urlpattern.spec.whatwg.org/). The pattern
// parsing, regular expression generation and matching run in JavaScript; the component
// canonicalization, which runs the URL parser with a state override on a dummy URL, is one Go op.
package urlpattern

import (
	"embed"
	"strings"

	whatwg "github.com/nlnwa/whatwg-url/url"

	"islet/internal/ext"
	"islet/internal/op"
)

//go:embed js/*.js
var files embed.FS

// Ext is the urlpattern extension.
//
// It is lazy (see ext.Lazy): loaded in an isolate when a worker first touches URLPattern.
var Ext = ext.Ext{
	Name: "urlpattern",
	JS:   ext.JSDir(files),
	Lazy: &ext.Lazy{Globals: []string{"URLPattern"}},
	Ops: []op.Def{
		{Name: "urlpattern_canonicalize", Sync: opCanonicalize},
	},
}

// The kinds of canonicalization, as the JavaScript numbers them.
const (
	kindProtocol = iota
	kindUsername
	kindPassword
	kindHostname
	kindPort
	kindPathname
	kindOpaquePathname
	kindSearch
	kindHash
)

// Same path percent-encode set as the url extension (it includes ^ since 2024).
var parser = whatwg.NewParser(whatwg.WithPathPercentEncodeSet(whatwg.PathPercentEncodeSet.Set('^')))

// dummy parses a dummy URL; it cannot fail for the inputs used here.
func dummy(s string) *whatwg.Url {
	u, err := parser.Parse(s)
	if err != nil {
		u, _ = parser.Parse("fake://dummy.test")
	}
	return u
}

// Canonicalize runs the URLPattern spec's "canonicalize a …" algorithm of the given kind on
// value; protocol (for ports) may be empty. It reports false where the spec throws.
func Canonicalize(kind int, value, protocol string) (string, bool) {
	if value == "" {
		return "", true
	}
	switch kind {
	case kindProtocol:
		u, err := parser.Parse(value + "://dummy.test")
		if err != nil {
			return "", false
		}
		return u.Scheme(), true
	case kindUsername:
		u := dummy("fake://dummy.test")
		u.SetUsername(value)
		return u.Username(), true
	case kindPassword:
		u := dummy("fake://dummy.test")
		u.SetPassword(value)
		return u.Password(), true
	case kindHostname:
		// The dummy URL is special (so hosts get IDNA and forbidden-code-point checks) unless a
		// non-special protocol is given.
		base := "https://dummy.test"
		if protocol != "" {
			base = protocol + "://dummy.test"
		}
		u := dummy(base)
		if stopsAtColon(value, u.IsSpecialScheme()) {
			// The hostname state override returns without setting anything at a ":".
			return "", false
		}
		if _, err := parser.BasicParser(value, nil, u, whatwg.StateHostname); err != nil {
			return "", false
		}
		return u.Hostname(), true
	case kindPort:
		base := "fake://dummy.test"
		if protocol != "" {
			base = protocol + "://dummy.test"
		}
		u := dummy(base)
		if _, err := parser.BasicParser(value, nil, u, whatwg.StatePort); err != nil {
			return "", false
		}
		return u.Port(), true
	case kindPathname:
		// A value without a leading slash is canonicalized behind "/-" (so that "." and ".."
		// at its start stay segments' text), which is then removed.
		leading := strings.HasPrefix(value, "/")
		if !leading {
			value = "/-" + value
		}
		u := dummy("fake://dummy.test")
		if _, err := parser.BasicParser(value, nil, u, whatwg.StatePathStart); err != nil {
			return "", false
		}
		p := u.Pathname()
		if !leading {
			p = strings.TrimPrefix(p, "/-")
		}
		return p, true
	case kindOpaquePathname:
		u := dummy("fake:")
		if _, err := parser.BasicParser(value, nil, u, whatwg.StateOpaquePath); err != nil {
			return "", false
		}
		return u.Pathname(), true
	case kindSearch:
		u := dummy("fake://dummy.test?")
		if _, err := parser.BasicParser(value, nil, u, whatwg.StateQuery); err != nil {
			return "", false
		}
		return u.Query(), true
	case kindHash:
		u := dummy("fake://dummy.test#")
		if _, err := parser.BasicParser(value, nil, u, whatwg.StateFragment); err != nil {
			return "", false
		}
		return u.Fragment(), true
	}
	return "", false
}

// opCanonicalize is urlpattern_canonicalize(kind number, value string, protocol string) →
// string | null (null where the spec throws a TypeError).
func opCanonicalize(c *op.Call) (op.Value, error) {
	kind, err := c.Int(0)
	if err != nil {
		return op.Undefined, err
	}
	value, err := c.Str(1)
	if err != nil {
		return op.Undefined, err
	}
	var protocol string
	if !c.Arg(2).IsNullish() {
		if protocol, err = c.Str(2); err != nil {
			return op.Undefined, err
		}
	}
	s, ok := Canonicalize(kind, value, protocol)
	if !ok {
		return op.Null, nil
	}
	return op.String(s), nil
}

// stopsAtColon reports whether the hostname state would reach a ":" outside brackets before
// the end of the host.
func stopsAtColon(value string, special bool) bool {
	brackets := false
	for _, r := range value {
		switch {
		case r == '/' || r == '?' || r == '#' || (special && r == '\\'):
			return false
		case r == ':' && !brackets:
			return true
		case r == '[':
			brackets = true
		case r == ']':
			brackets = false
		}
	}
	return false
}
