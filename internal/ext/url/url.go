// Package url holds URL and URLSearchParams. The WHATWG URL parsing runs in Go
// (github.com/nlnwa/whatwg-url, adjusted to the current standard); the JavaScript keeps each
// URL's components and calls one op per parse or setter. It also keeps the isolate's blob URL
// store (URL.createObjectURL) and the environment's API base URL, which relative URLs given
// to Request, fetch and Response.redirect resolve against (none for an islet worker).
package url

import (
	"crypto/rand"
	"embed"
	"fmt"
	"strings"
	"unicode/utf8"

	whatwg "github.com/nlnwa/whatwg-url/url"

	"islet/internal/ext"
	"islet/internal/op"
)

//go:embed js/*.js
var files embed.FS

// Ext is the url extension.
var Ext = ext.Ext{
	Name: "url",
	JS:   ext.JSDir(files),
	Ops: []op.Def{
		{Name: "url_parse", Sync: opParse},
		{Name: "url_set", Sync: opSet},
		{Name: "url_parse_search_params", Sync: opParseSearchParams},
		{Name: "url_blob_uuid", Sync: opBlobUUID},
	},
}

// The components of a parsed URL, in the order the ops return them (and the setter numbers
// url_set takes).
const (
	CompHref = iota
	CompOrigin
	CompProtocol
	CompUsername
	CompPassword
	CompHost
	CompHostname
	CompPort
	CompPathname
	CompSearch
	CompHash
	numComponents
)

// The standard's path percent-encode set includes U+005E (^) since 2024; the library predates it.
var parser = whatwg.NewParser(whatwg.WithPathPercentEncodeSet(whatwg.PathPercentEncodeSet.Set('^')))

// Parse runs the basic URL parser on input against an optional base ("" with hasBase false
// means none). It reports false on failure.
func Parse(input, base string, hasBase bool) (*whatwg.Url, bool) {
	var b *whatwg.Url
	if hasBase {
		var err error
		b, err = parser.Parse(base)
		if err != nil {
			return nil, false
		}
	}
	u, err := parser.BasicParser(input, b, nil, whatwg.NoState)
	if err != nil {
		return nil, false
	}
	return u, true
}

// Components returns the URL's API components in Comp* order.
func Components(u *whatwg.Url) []string {
	c := make([]string, numComponents)
	c[CompHref] = u.Href(false)
	c[CompProtocol] = u.Protocol()
	c[CompUsername] = u.Username()
	c[CompPassword] = u.Password()
	c[CompHost] = u.Host()
	c[CompHostname] = u.Hostname()
	c[CompPort] = u.Port()
	c[CompPathname] = u.Pathname()
	c[CompSearch] = u.Search()
	c[CompHash] = u.Hash()
	if u.OpaquePath() {
		fixOpaquePath(c)
	}
	c[CompOrigin] = origin(u)
	return c
}

// fixOpaquePath applies the standard's 2024 change to the opaque-path state: a space right
// before "?" or "#" is written as "%20" (the library keeps it as a space and strips trailing
// spaces in the setters instead). An opaque path cannot end in a space otherwise, since the
// parser trims the input, so a trailing space followed by a query or fragment is exactly that case.
func fixOpaquePath(c []string) {
	path := c[CompPathname]
	if !strings.HasSuffix(path, " ") {
		return
	}
	href := c[CompHref]
	head := c[CompProtocol] + path
	if !strings.HasPrefix(href, head) || len(href) == len(head) {
		return
	}
	c[CompPathname] = path[:len(path)-1] + "%20"
	c[CompHref] = c[CompProtocol] + c[CompPathname] + href[len(head):]
}

// origin serializes the URL's origin ("null" for an opaque origin).
func origin(u *whatwg.Url) string {
	switch u.Scheme() {
	case "http", "https", "ws", "wss", "ftp":
		s := u.Scheme() + "://" + u.Hostname()
		if p := u.Port(); p != "" {
			s += ":" + p
		}
		return s
	case "blob":
		inner, ok := Parse(u.Pathname(), "", false)
		if ok && (inner.Scheme() == "http" || inner.Scheme() == "https") {
			return origin(inner)
		}
	}
	return "null"
}

// opParse is url_parse(input string, base string|undefined) → components | null.
func opParse(c *op.Call) (op.Value, error) {
	input, err := c.Str(0)
	if err != nil {
		return op.Undefined, err
	}
	var base string
	hasBase := !c.Arg(1).IsNullish()
	if hasBase {
		if base, err = c.Str(1); err != nil {
			return op.Undefined, err
		}
	}
	u, ok := Parse(input, base, hasBase)
	if !ok {
		return op.Null, nil
	}
	return op.Strings(Components(u)), nil
}

// Set applies the setter of the component `which` (a Comp* value) to the URL whose href is
// given, and reports false if the href setter was given a URL that does not parse.
func Set(href string, which int, value string) ([]string, bool) {
	if which == CompHref {
		u, ok := Parse(value, "", false)
		if !ok {
			return nil, false
		}
		return Components(u), true
	}
	u, ok := Parse(href, "", false)
	if !ok {
		return nil, false
	}
	if u.OpaquePath() && strings.HasSuffix(u.Pathname(), " ") {
		// Reparse the fixed href so the library's setters see "%20", not a trailing space
		// that they would strip.
		if u, ok = Parse(Components(u)[CompHref], "", false); !ok {
			return nil, false
		}
	}
	switch which {
	case CompProtocol:
		u.SetProtocol(value)
	case CompUsername:
		u.SetUsername(value)
	case CompPassword:
		u.SetPassword(value)
	case CompHost:
		u.SetHost(value)
	case CompHostname:
		u.SetHostname(value)
	case CompPort:
		u.SetPort(value)
	case CompPathname:
		u.SetPathname(value)
	case CompSearch:
		u.SetSearch(value)
	case CompHash:
		u.SetHash(value)
	}
	return Components(u), true
}

// opSet is url_set(href string, which number, value string) → components | null.
func opSet(c *op.Call) (op.Value, error) {
	href, err := c.Str(0)
	if err != nil {
		return op.Undefined, err
	}
	which, err := c.Int(1)
	if err != nil {
		return op.Undefined, err
	}
	if which < 0 || which >= numComponents || which == CompOrigin {
		return op.Undefined, op.RangeErrorf("url_set: no setter %d", which)
	}
	value, err := c.Str(2)
	if err != nil {
		return op.Undefined, err
	}
	comps, ok := Set(href, which, value)
	if !ok {
		return op.Null, nil
	}
	return op.Strings(comps), nil
}

// ParseForm parses application/x-www-form-urlencoded input into a flat list of names and
// values [n0, v0, n1, v1, …] (https://url.spec.whatwg.org/#concept-urlencoded-parser).
func ParseForm(input string) []string {
	var out []string
	for len(input) > 0 {
		var seq string
		if i := strings.IndexByte(input, '&'); i >= 0 {
			seq, input = input[:i], input[i+1:]
		} else {
			seq, input = input, ""
		}
		if seq == "" {
			continue
		}
		name, value := seq, ""
		if i := strings.IndexByte(seq, '='); i >= 0 {
			name, value = seq[:i], seq[i+1:]
		}
		out = append(out, formDecode(name), formDecode(value))
	}
	return out
}

// formDecode replaces "+" with a space, percent-decodes, and decodes the bytes as UTF-8 with
// replacement.
func formDecode(s string) string {
	if strings.IndexByte(s, '+') < 0 && strings.IndexByte(s, '%') < 0 {
		return s // already valid UTF-8: strings cross the op boundary as UTF-8
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return decodeUTF8Lossy(b)
}

// decodeUTF8Lossy decodes UTF-8 replacing each maximal invalid subpart with U+FFFD, as the
// Encoding standard's UTF-8 decoder does.
func decodeUTF8Lossy(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r != utf8.RuneError || size > 1 {
			sb.WriteRune(r)
			b = b[size:]
			continue
		}
		sb.WriteRune(utf8.RuneError)
		b = b[maximalSubpart(b):]
	}
	return sb.String()
}

// maximalSubpart returns the length (at least 1) of the invalid sequence at the start of b that
// the WHATWG UTF-8 decoder replaces with a single U+FFFD.
func maximalSubpart(b []byte) int {
	c := b[0]
	var need int
	lower, upper := byte(0x80), byte(0xBF)
	switch {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c >= 0xE0 && c <= 0xEF:
		need = 2
		if c == 0xE0 {
			lower = 0xA0
		} else if c == 0xED {
			upper = 0x9F
		}
	case c >= 0xF0 && c <= 0xF4:
		need = 3
		if c == 0xF0 {
			lower = 0x90
		} else if c == 0xF4 {
			upper = 0x8F
		}
	default:
		return 1
	}
	n := 1
	for ; n <= need && n < len(b); n++ {
		if b[n] < lower || b[n] > upper {
			return n
		}
		lower, upper = 0x80, 0xBF
	}
	return n
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// opParseSearchParams is url_parse_search_params(query string) → [n0, v0, n1, v1, …].
func opParseSearchParams(c *op.Call) (op.Value, error) {
	s, err := c.Str(0)
	if err != nil {
		return op.Undefined, err
	}
	return op.Strings(ParseForm(s)), nil
}

// opBlobUUID is url_blob_uuid() → a random (version 4) UUID in lower-case string form, the
// unguessable part of a blob URL that URL.createObjectURL makes.
func opBlobUUID(c *op.Call) (op.Value, error) {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return op.String(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])), nil
}
