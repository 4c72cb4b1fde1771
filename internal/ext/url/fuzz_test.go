package url

import (
	"testing"
	"unicode/utf8"
)

// FuzzParse parses arbitrary input against a base and sets components on the result: no
// panics, and whatever parses serializes to valid UTF-8 that parses again to itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"https://example.com/a?b#c", "//x", "http://[::1]:80/", "a:b", "http://ü.example/%zz", "file:///C:/x", ""} {
		f.Add(s, "http://base.example/dir/", uint8(0), "v")
	}
	f.Fuzz(func(t *testing.T, input, base string, which uint8, value string) {
		if !utf8.ValidString(input) || !utf8.ValidString(base) || !utf8.ValidString(value) {
			return // strings reach the ops as UTF-8
		}
		u, ok := Parse(input, base, true)
		if !ok {
			return
		}
		c := Components(u)
		if !utf8.ValidString(c[0]) {
			t.Fatalf("href %q is not UTF-8", c[0])
		}
		again, ok := Parse(c[0], "", false)
		if !ok || Components(again)[0] != c[0] {
			t.Fatalf("href %q does not parse back to itself", c[0])
		}
		Set(c[0], int(which)%11, value)
	})
}
