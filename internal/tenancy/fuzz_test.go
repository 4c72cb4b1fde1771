package tenancy

import "testing"

// FuzzParseZone: a zone that parses is normalised (parsing it again gives itself), covers
// itself and is never under the platform domain.
func FuzzParseZone(f *testing.F) {
	for _, s := range []string{"acme.test", "Shop.ACME.test.", "localhost", "a.localhost", "x..y", "-a.b", "é.test"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseZone(s)
		if err != nil {
			return
		}
		if again, err := ParseZone(d); err != nil || again != d {
			t.Fatalf("ParseZone(%q) = %q, then %q, %v", s, d, again, err)
		}
		if !Covers(d, d) || Covers("localhost", d) {
			t.Fatalf("zone %q", d)
		}
	})
}
