package encoding

import (
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
)

// The Encoding Standard's legacy single-byte encodings, by the names Lookup returns.
var singleByteNames = map[string]bool{
	"ibm866": true, "iso-8859-2": true, "iso-8859-3": true, "iso-8859-4": true,
	"iso-8859-5": true, "iso-8859-6": true, "iso-8859-7": true, "iso-8859-8": true,
	"iso-8859-8-i": true, "iso-8859-10": true, "iso-8859-13": true, "iso-8859-14": true,
	"iso-8859-15": true, "iso-8859-16": true, "koi8-r": true, "koi8-u": true,
	"macintosh": true, "windows-874": true, "windows-1250": true, "windows-1251": true,
	"windows-1252": true, "windows-1253": true, "windows-1254": true, "windows-1255": true,
	"windows-1256": true, "windows-1257": true, "windows-1258": true, "x-mac-cyrillic": true,
}

// singleByteIndex is an encoding's index: the code point of bytes 0x80 to 0xFF, or -1 where
// the index has no entry.
type singleByteIndex [128]rune

var singleByteIndexes sync.Map // name → *singleByteIndex

// singleByteIndexFor builds the WHATWG index of a single-byte encoding from golang.org/x/text's
// charmap. The two agree everywhere except that x/text leaves bytes 0x80–0x9F undefined where the
// WHATWG indexes map them to the C1 controls U+0080–U+009F (windows-1252's 0x81 → U+0081, all of
// ISO-8859-x's 0x80–0x9F); checked against every index-*.txt of the standard.
func singleByteIndexFor(name string) *singleByteIndex {
	if v, ok := singleByteIndexes.Load(name); ok {
		return v.(*singleByteIndex)
	}
	e, err := htmlindex.Get(name)
	if err != nil {
		return nil
	}
	idx := new(singleByteIndex)
	dec := e.NewDecoder()
	for i := range idx {
		b := byte(0x80 + i)
		out, err := dec.Bytes([]byte{b})
		r, size := utf8.DecodeRune(out)
		switch {
		case err == nil && size == len(out) && r != utf8.RuneError:
			idx[i] = r
		case b <= 0x9F:
			idx[i] = rune(b)
		default:
			idx[i] = -1
		}
	}
	v, _ := singleByteIndexes.LoadOrStore(name, idx)
	return v.(*singleByteIndex)
}

// decodeSingleByte is the Encoding Standard's single-byte decoder.
func decodeSingleByte(name string, idx *singleByteIndex, b []byte, fatal bool) (string, error) {
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/2)
	for _, c := range b {
		if c < 0x80 {
			sb.WriteByte(c)
			continue
		}
		r := idx[c-0x80]
		if r < 0 {
			if fatal {
				return "", decodeError(name)
			}
			r = utf8.RuneError
		}
		sb.WriteRune(r)
	}
	return sb.String(), nil
}
