package encoding

import (
	"bytes"
	"testing"

	"islet/internal/op"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name     string
		in       []byte
		fatal    bool
		stripBOM bool
		more     bool
		want     string
		left     int
		wantErr  bool
	}{
		{name: "utf-8", in: []byte("héllo"), want: "héllo"},
		{name: "utf-8", in: []byte{0xEF, 0xBB, 0xBF, 'a'}, stripBOM: true, want: "a"},
		{name: "utf-8", in: []byte{0xEF, 0xBB, 0xBF, 'a'}, want: "\uFEFFa"},
		// Maximal subparts: E2 82 is one, then 'A'; ED A0 80 is three; F0 80 is two.
		{name: "utf-8", in: []byte{0xE2, 0x82, 'A'}, want: "\uFFFDA"},
		{name: "utf-8", in: []byte{0xED, 0xA0, 0x80}, want: "\uFFFD\uFFFD\uFFFD"},
		{name: "utf-8", in: []byte{0xF0, 0x80, 0x80}, want: "\uFFFD\uFFFD\uFFFD"},
		{name: "utf-8", in: []byte{0xF4, 0x90}, want: "\uFFFD\uFFFD"},
		{name: "utf-8", in: []byte{0xFF, 'x'}, want: "\uFFFDx"},
		{name: "utf-8", in: []byte{0xFF}, fatal: true, wantErr: true},
		{name: "utf-8", in: []byte{'a', 0xE2, 0x82}, more: true, want: "a", left: 2},
		{name: "utf-8", in: []byte{'a', 0xE2, 0x82}, want: "a\uFFFD"},
		{name: "utf-8", in: []byte{'a', 0xE2, 0x41}, more: true, want: "a\uFFFDA"},
		{name: "utf-16le", in: []byte{'a', 0, 0x3D, 0xD8, 0x00, 0xDE}, want: "a😀"},
		{name: "utf-16le", in: []byte{0xFF, 0xFE, 'a', 0}, stripBOM: true, want: "a"},
		{name: "utf-16le", in: []byte{'a', 0, 0x3D}, more: true, want: "a", left: 1},
		{name: "utf-16le", in: []byte{'a', 0, 0x3D}, want: "a\uFFFD"},
		{name: "utf-16le", in: []byte{0x3D, 0xD8}, more: true, want: "", left: 2},
		{name: "utf-16le", in: []byte{0x3D, 0xD8, 'a', 0}, want: "\uFFFDa"},
		{name: "utf-16le", in: []byte{0x00, 0xDC}, fatal: true, wantErr: true},
		{name: "utf-16be", in: []byte{0, 'a', 0xD8, 0x3D, 0xDE, 0x00}, want: "a😀"},
		{name: "windows-1252", in: []byte{0x80, 'a', 0xE9}, want: "€aé"},
		{name: "iso-8859-2", in: []byte{0xA1}, want: "Ą"},
		{name: "shift_jis", in: []byte{0x82, 0xA0}, want: "あ"},
		{name: "shift_jis", in: []byte{'a', 0x82}, more: true, want: "a", left: 1},
		{name: "euc-kr", in: []byte{0xB0, 0xA1}, want: "가"},
		{name: "gbk", in: []byte{0xC4, 0xE3}, want: "你"},
		{name: "big5", in: []byte{0xA4, 0x40}, want: "一"},
		{name: "x-user-defined", in: []byte{0x41, 0x80}, want: "A\uF780"},
	}
	for _, tc := range tests {
		got, left, err := Decode(tc.name, tc.in, tc.fatal, tc.stripBOM, tc.more)
		if tc.wantErr {
			if err == nil {
				t.Errorf("%s % x: want an error, got %q", tc.name, tc.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s % x: %v", tc.name, tc.in, err)
			continue
		}
		if got != tc.want || left != tc.left {
			t.Errorf("%s % x (more=%v): got %q left %d, want %q left %d", tc.name, tc.in, tc.more, got, left, tc.want, tc.left)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := map[string]string{
		"utf-8": "utf-8", "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8", "latin1": "windows-1252",
		"ascii": "windows-1252", "utf-16": "utf-16le", "unicodefffe": "utf-16be", "sjis": "shift_jis",
		"csiso2022kr": "replacement", "x-user-defined": "x-user-defined", "gb2312": "gbk",
	}
	for label, want := range tests {
		if got, ok := Lookup(label); !ok || got != want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", label, got, ok, want)
		}
	}
	for _, label := range []string{"", "bogus", "replacement", "utf-7", "\u212aoi8-r"} {
		if got, ok := Lookup(label); ok {
			t.Errorf("Lookup(%q) = %q, want failure", label, got)
		}
	}
}

func TestBase64(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"aGVsbG8=", "hello", true},
		{" aGVs\tbG8 ", "hello", true},
		{"aGVsbA", "hell", true},
		{"aGVsbA==", "hell", true},
		{"aGVsbA=", "", false},
		{"a", "", false},
		{"ab=c", "", false},
		{"ab*c", "", false},
		{"YQ", "a", true},
		{"YR", "a", true}, // discarded bits need not be zero
		{"", "", true},
		{"====", "", false},
	}
	for _, tc := range tests {
		got, ok := ForgivingBase64Decode(tc.in)
		if ok != tc.ok || (ok && !bytes.Equal(got, []byte(tc.want))) {
			t.Errorf("decode %q = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBase64Ops(t *testing.T) {
	v, err := opAtob(&op.Call{Args: []op.Value{op.String("/w==")}})
	if err != nil || v.Str != "\u00ff" {
		t.Errorf("atob('/w==') = %q, %v", v.Str, err)
	}
	v, err = opBtoa(&op.Call{Args: []op.Value{op.String("\u00ff\u0000a")}})
	if err != nil || v.Str != "/wBh" {
		t.Errorf("btoa = %q, %v", v.Str, err)
	}
	_, err = opBtoa(&op.Call{Args: []op.Value{op.String("☃")}})
	if e, ok := err.(*op.Error); !ok || e.Class != op.ClassDOMException || e.Name != "InvalidCharacterError" {
		t.Errorf("btoa('☃') error = %v", err)
	}
	_, err = opAtob(&op.Call{Args: []op.Value{op.String("a")}})
	if e, ok := err.(*op.Error); !ok || e.Name != "InvalidCharacterError" {
		t.Errorf("atob('a') error = %v", err)
	}
	v, err = opDecodeStream(&op.Call{Args: []op.Value{op.String("utf-8"), op.Bytes([]byte{'a', 0xC3}), op.Bool(false), op.Bool(true), op.Bool(true)}})
	if err != nil || len(v.List) != 3 || v.List[0] != "a" || v.List[1] != "1" || v.List[2] != "0" {
		t.Errorf("decode_stream = %v, %v", v, err)
	}
	v, err = opEncode(&op.Call{Args: []op.Value{op.String("é")}})
	if err != nil || !bytes.Equal(v.Bytes, []byte{0xC3, 0xA9}) {
		t.Errorf("encode = %v, %v", v, err)
	}
	if _, err := opDecode(&op.Call{Args: []op.Value{op.String("utf-8"), op.Int(1)}}); err == nil {
		t.Error("decode(1): want a TypeError")
	}
}
