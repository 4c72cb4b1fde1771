package encoding

import (
	"testing"
	"unicode/utf8"
)

// FuzzDecode feeds arbitrary bytes to every decoder, whole and in two streamed halves: no
// panics, valid UTF-8 out, the leftover never longer than the input, and in non-fatal mode no
// error.
func FuzzDecode(f *testing.F) {
	for _, seed := range [][]byte{
		{}, []byte("hello"), {0xff, 0xfe, 'a', 0}, {0x1b, '$', 'B', 0x30, 0x21}, {0x81, 0x30, 0x81, 0x30},
		{0xa4, 0x40}, {0xe6, 0x97, 0xa5}, {0xd8, 0x00, 0xdc, 0x00}, {0x80, 0x9f, 0xa0},
	} {
		f.Add(seed, uint8(0))
	}
	names := []string{"UTF-8", "UTF-16LE", "UTF-16BE", "gb18030", "GBK", "Big5", "ISO-2022-JP", "EUC-JP",
		"Shift_JIS", "EUC-KR", "windows-1252", "ISO-8859-2", "KOI8-R", "x-mac-cyrillic", "windows-874"}
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		name := names[int(pick)%len(names)]
		text, left, err := Decode(name, data, false, false, false)
		if err != nil {
			t.Fatalf("%s: non-fatal decode failed: %v", name, err)
		}
		if !utf8.ValidString(text) || left < 0 || left > len(data) {
			t.Fatalf("%s: invalid output (valid %v, left %d of %d)", name, utf8.ValidString(text), left, len(data))
		}
		Decode(name, data, true, true, false) // fatal mode may fail, must not panic
		half := len(data) / 2
		_, left1, state, err := DecodeState(name, data[:half], 0, false, false, true)
		if err != nil || left1 < 0 || left1 > half {
			t.Fatalf("%s: first half: left %d of %d, %v", name, left1, half, err)
		}
		rest := append(append([]byte(nil), data[half-left1:half]...), data[half:]...)
		if _, _, _, err := DecodeState(name, rest, state, false, false, false); err != nil {
			t.Fatalf("%s: second half: %v", name, err)
		}
	})
}
