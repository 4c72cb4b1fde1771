package encoding

import "testing"

func TestLookupRejectsVerticalTab(t *testing.T) {
	for _, label := range []string{"\vutf-8", "latin1\v", "\vgbk\v", "866\v"} {
		if name, ok := Lookup(label); ok {
			t.Errorf("Lookup(%q) = %q, want no encoding", label, name)
		}
	}
	if name, ok := Lookup("latin1"); !ok || name != "windows-1252" {
		t.Errorf("Lookup(latin1) = %q, %v", name, ok)
	}
}

func TestDecodeLegacy(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		fatal   bool
		more    bool
		want    string
		left    int
		wantErr bool
	}{
		// Single-byte: the WHATWG indexes map 0x80–0x9F that the code pages leave undefined to C1.
		{name: "windows-1252", in: []byte{0x81, 0x8D, 0x80}, fatal: true, want: "\u0081\u008D€"},
		{name: "iso-8859-2", in: []byte{0x80, 0x9F, 0xA1}, fatal: true, want: "\u0080\u009FĄ"},
		{name: "windows-874", in: []byte{0x81, 0xDB}, want: "\u0081\uFFFD"},
		{name: "windows-874", in: []byte{0xDB}, fatal: true, wantErr: true},
		{name: "iso-8859-8-i", in: []byte{0xE0, 0xA1}, want: "א\uFFFD"},
		{name: "x-mac-cyrillic", in: []byte{0xFF}, want: "€"},
		// gb18030 and gbk: four-byte ranges, the standard's special cases and GB18030-2022.
		{name: "gb18030", in: []byte{0x81, 0x30, 0x81, 0x30}, want: "\u0080"},
		{name: "gbk", in: []byte{0x81, 0x35, 0xF4, 0x37}, want: "\uE7C7"},
		{name: "gb18030", in: []byte{0x90, 0x30, 0x81, 0x30}, want: "\U00010000"},
		{name: "gb18030", in: []byte{0xE3, 0x32, 0x9A, 0x35}, want: "\U0010FFFF"},
		{name: "gb18030", in: []byte{0xE3, 0x32, 0x9A, 0x36}, want: "\uFFFD"},
		{name: "gb18030", in: []byte{0x84, 0x31, 0xA5, 0x30}, fatal: true, wantErr: true},
		{name: "gbk", in: []byte{0xA8, 0xBC}, want: "\u1E3F"},
		{name: "gb18030", in: []byte{0xA6, 0xD9, 0xFE, 0x59}, want: "\uFE10\u9FB4"},
		{name: "gb18030", in: []byte{0xFE, 0xFE, 0xA1, 0x40}, want: "\uE4C5\uE4C6"},
		{name: "gb18030", in: []byte{0x81, 0x7F}, want: "\uFFFD\u007F"},
		{name: "gb18030", in: []byte{0x81, 0xFF}, want: "\uFFFD"},
		{name: "gb18030", in: []byte{0x81, 0x30, 0xFF}, want: "\uFFFD0\uFFFD"},
		{name: "gb18030", in: []byte{0x81, 0x30, 0xFE, 0x29}, want: "\uFFFD0\uFFFD)"},
		{name: "gb18030", in: []byte{0x81, 0x30, 0xFE}, want: "\uFFFD"},
		{name: "gb18030", in: []byte{'a', 0x81, 0x30, 0xFE}, more: true, want: "a", left: 3},
		// Big5: an ASCII trail byte after a failed lead is decoded again.
		{name: "big5", in: []byte{0x81, 0x40}, want: "\uFFFD@"},
		{name: "big5", in: []byte{0x87, 0x87, 0x40}, want: "\uFFFD@"},
		{name: "big5", in: []byte{0x81, 0x81}, want: "\uFFFD"},
		{name: "big5", in: []byte{0x88, 0x62, 0xA4, 0x40}, want: "\u00CA\u0304一"},
		{name: "big5", in: []byte{'a', 0xA4}, more: true, want: "a", left: 1},
		{name: "big5", in: []byte{0xA4}, fatal: true, wantErr: true},
		// iso-2022-jp escapes, SO/SI and errors.
		{name: "iso-2022-jp", in: []byte{0x1B, 0x28, 0x42, 0x1B, 0x28, 0x42, 0x50}, want: "\uFFFDP"},
		{name: "iso-2022-jp", in: []byte{0x0D, 0x0E, 0x0F, 0x10}, want: "\r\uFFFD\uFFFD\x10"},
		{name: "iso-2022-jp", in: []byte{0x1B, 0x28, 0x4A, 0x5C, 0x5D, 0x7E}, want: "¥]‾"},
		{name: "iso-2022-jp", in: []byte{0x1B, 0x28, 0x49, 0x21}, want: "｡"},
		{name: "iso-2022-jp", in: []byte{0x1B, 0x24, 0x42, 0x47, 0x52}, want: "拝"},
		{name: "iso-2022-jp", in: []byte{0x1B, 0x24, 0x42, 0x47}, want: "\uFFFD"},
		{name: "iso-2022-jp", in: []byte{0x1B, 0x24, 0x42, 0x1B, 0x24, 0x42}, want: "\uFFFD"},
		{name: "iso-2022-jp", in: []byte{'A', 0x1B, 'A'}, want: "A\uFFFDA"},
		{name: "iso-2022-jp", in: []byte{0x1B, 0x24}, want: "\uFFFD$"},
		{name: "iso-2022-jp", in: []byte{0x0E}, fatal: true, wantErr: true},
		{name: "iso-2022-jp", in: []byte{'a', 0x1B, 0x24}, more: true, want: "a", left: 2},
	}
	for _, tc := range tests {
		got, left, err := Decode(tc.name, tc.in, tc.fatal, false, tc.more)
		if tc.wantErr {
			if err == nil {
				t.Errorf("%s % x: want an error, got %q", tc.name, tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want || left != tc.left {
			t.Errorf("%s % x = %+q, %d, %v; want %+q, %d", tc.name, tc.in, got, left, err, tc.want, tc.left)
		}
	}
}

// TestISO2022JPStreaming checks that the output state and output flag survive a chunk boundary.
func TestISO2022JPStreaming(t *testing.T) {
	chunks := [][]byte{{0x1B, 0x24, 0x42, 0x47}, {0x52, 0x1B, 0x28}, {0x42}, {0x1B, 0x28, 0x42, 'x'}}
	var got string
	var pending []byte
	state := 0
	for i, c := range chunks {
		data := append(append([]byte(nil), pending...), c...)
		text, left, next, err := DecodeState("iso-2022-jp", data, state, false, false, i < len(chunks)-1)
		if err != nil {
			t.Fatal(err)
		}
		got += text
		pending = data[len(data)-left:]
		state = next
	}
	if want := "拝\uFFFDx"; got != want {
		t.Errorf("got %+q, want %+q", got, want)
	}
}
