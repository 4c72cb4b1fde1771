package v8

import (
	"bytes"
	"math"
	"testing"
	"unicode/utf8"

	"islet/internal/op"
)

// FuzzValueConversion sends strings, bytes and numbers from Go into JS, through an op call
// back out to Go (JS → Go argument decoding) and back to JS, then out as the result: valid
// UTF-8 and bytes come back unchanged, numbers keep their value, invalid UTF-8 comes back valid.
func FuzzValueConversion(f *testing.F) {
	f.Add("", []byte{}, 0.0)
	f.Add("héllo\x00wörld", []byte{0, 1, 2, 255}, 1.5)
	f.Add("\xff\xfe\xed\xa0\x80", []byte{0xff}, math.Inf(-1))
	f.Add("\U0001F600 emoji", bytes.Repeat([]byte{7}, 1000), math.NaN())
	f.Add("\xed\xa0\x80 (a surrogate in UTF-8)", []byte("x"), math.Copysign(0, -1))
	f.Add(string(make([]byte, 70000)), []byte(nil), math.MaxFloat64)
	iso := newTestIsolate(f, Options{})
	if _, err := iso.RunScript("fuzz.js", `globalThis.__fn = (v) => ops.echo(v)`); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string, b []byte, n float64) {
		got, err := iso.CallHost("run", op.String(s))
		if err != nil || got.Kind != op.KindString {
			t.Fatalf("string %q: %v %v", s, got, err)
		}
		if utf8.ValidString(s) && got.Str != s || !utf8.ValidString(got.Str) {
			t.Fatalf("string %q came back as %q", s, got.Str)
		}
		got, err = iso.CallHost("run", op.Bytes(b))
		if err != nil || got.Kind != op.KindBytes || !bytes.Equal(got.Bytes, b) {
			t.Fatalf("bytes %x came back as %v (%x) %v", b, got, got.Bytes, err)
		}
		got, err = iso.CallHost("run", op.Number(n))
		if err != nil || got.Kind != op.KindNumber || !(got.Num == n || math.IsNaN(n) && math.IsNaN(got.Num)) {
			t.Fatalf("number %v came back as %v %v", n, got, err)
		}
	})
}
