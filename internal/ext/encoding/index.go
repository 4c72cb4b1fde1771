package encoding

import (
	"unicode/utf8"

	xenc "golang.org/x/text/encoding"
)

// indexFromDecoder builds a WHATWG two-byte index of n pointers from an x/text decoder:
// pointer p decodes the bytes bytesOf(p), and gets -1 where they do not decode to one code
// point.
func indexFromDecoder(n int, dec *xenc.Decoder, bytesOf func(p int) [2]byte) []rune {
	idx := make([]rune, n)
	out := make([]byte, 8)
	for p := range idx {
		in := bytesOf(p)
		dec.Reset()
		m, _, err := dec.Transform(out, in[:], true)
		r, size := utf8.DecodeRune(out[:m])
		if err == nil && size == m && r != utf8.RuneError {
			idx[p] = r
		} else {
			idx[p] = -1
		}
	}
	return idx
}
