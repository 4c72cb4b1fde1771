package encoding

import (
	"encoding/base64"
	"errors"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	xenc "golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/transform"

	"islet/internal/op"
)

var base64Std = base64.StdEncoding

// Lookup returns the name of the encoding a label stands for ("get an encoding"), lower case as
// TextDecoder.encoding reports it. The replacement encoding is reported as "replacement".
func Lookup(label string) (string, bool) {
	switch label {
	case "utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8":
		return "utf-8", true
	case "replacement":
		return "", false // a name, not a label
	}
	for i := 0; i < len(label); i++ {
		if c := label[i]; c >= utf8.RuneSelf || c == '\v' {
			// htmlindex would lower-case a Kelvin sign into "k", and its strings.TrimSpace strips
			// U+000B, which is not ASCII whitespace (the caller has already trimmed that).
			return "", false
		}
	}
	e, err := htmlindex.Get(label)
	if err != nil {
		return "", false
	}
	name, err := htmlindex.Name(e)
	if err != nil {
		return "", false
	}
	return name, true
}

func decodeError(name string) error {
	return op.TypeErrorf("The encoded data was not valid for encoding %s", name)
}

// Decode decodes data in the named encoding. With more set, an incomplete sequence at the end is
// not decoded: its length is returned as left. fatal turns the first decoding error into a
// TypeError; otherwise errors become U+FFFD. stripBOM drops a leading U+FEFF produced by a
// byte order mark (UTF-8 and UTF-16 only).
func Decode(name string, data []byte, fatal, stripBOM, more bool) (text string, left int, err error) {
	text, left, _, err = DecodeState(name, data, 0, fatal, stripBOM, more)
	return text, left, err
}

// DecodeState is Decode for a decoder that keeps state between streaming calls (iso-2022-jp's
// output state and output flag): it takes the state the previous call returned (0 for a new
// decoder) and returns the state for the next. Other encodings keep no state but the leftover
// bytes and always return 0.
func DecodeState(name string, data []byte, state int, fatal, stripBOM, more bool) (text string, left, newState int, err error) {
	if name == "iso-2022-jp" {
		return decodeISO2022JP(data, state, fatal, more)
	}
	text, left, err = decodeStateless(name, data, fatal, stripBOM, more)
	return text, left, 0, err
}

func decodeStateless(name string, data []byte, fatal, stripBOM, more bool) (text string, left int, err error) {
	switch name {
	case "utf-8":
		text, left, err = decodeUTF8(data, fatal, more)
	case "utf-16le":
		text, left, err = decodeUTF16(data, false, fatal, more)
	case "utf-16be":
		text, left, err = decodeUTF16(data, true, fatal, more)
	case "big5":
		return decodeBig5(data, fatal, more)
	case "gb18030", "gbk":
		return decodeGB18030(name, data, fatal, more)
	default:
		if singleByteNames[name] {
			if idx := singleByteIndexFor(name); idx != nil {
				text, err = decodeSingleByte(name, idx, data, fatal)
				return text, 0, err
			}
		}
		return decodeLegacy(name, data, fatal, more)
	}
	if err != nil {
		return "", 0, err
	}
	if stripBOM {
		text = strings.TrimPrefix(text, "\uFEFF")
	}
	return text, left, nil
}

// decodeUTF8 is the Encoding Standard's UTF-8 decoder: each maximal invalid subpart becomes
// one U+FFFD.
func decodeUTF8(b []byte, fatal, more bool) (string, int, error) {
	if utf8.Valid(b) {
		return string(b), 0, nil
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size > 1 {
			sb.WriteRune(r)
			i += size
			continue
		}
		n, complete := invalidUTF8Prefix(b[i:])
		if !complete && more {
			return sb.String(), len(b) - i, nil
		}
		if fatal {
			return "", 0, decodeError("utf-8")
		}
		sb.WriteRune(utf8.RuneError)
		i += n
	}
	return sb.String(), 0, nil
}

// invalidUTF8Prefix returns the length (at least 1) of the ill-formed sequence at the start of b
// that one U+FFFD replaces, and false if b ends inside a sequence that could still be valid.
func invalidUTF8Prefix(b []byte) (int, bool) {
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
		return 1, true
	}
	for n := 1; n <= need; n++ {
		if n == len(b) {
			return n, false
		}
		if b[n] < lower || b[n] > upper {
			return n, true
		}
		lower, upper = 0x80, 0xBF
	}
	return need + 1, true // unreachable: a valid sequence decodes
}

// decodeUTF16 is the Encoding Standard's shared UTF-16 decoder.
func decodeUTF16(b []byte, bigEndian, fatal, more bool) (string, int, error) {
	name := "utf-16le"
	if bigEndian {
		name = "utf-16be"
	}
	unit := func(i int) uint16 {
		if bigEndian {
			return uint16(b[i])<<8 | uint16(b[i+1])
		}
		return uint16(b[i+1])<<8 | uint16(b[i])
	}
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/2)
	i := 0
	for ; i+1 < len(b); i += 2 {
		u := unit(i)
		switch {
		case u < 0xD800 || u > 0xDFFF:
			sb.WriteRune(rune(u))
		case u <= 0xDBFF:
			if i+3 < len(b) {
				if v := unit(i + 2); v >= 0xDC00 && v <= 0xDFFF {
					sb.WriteRune(utf16.DecodeRune(rune(u), rune(v)))
					i += 2
					continue
				}
			} else if more {
				return sb.String(), len(b) - i, nil
			}
			if fatal {
				return "", 0, decodeError(name)
			}
			sb.WriteRune(utf8.RuneError)
		default: // a lone low surrogate
			if fatal {
				return "", 0, decodeError(name)
			}
			sb.WriteRune(utf8.RuneError)
		}
	}
	if i < len(b) { // an odd byte at the end
		if more {
			return sb.String(), len(b) - i, nil
		}
		if fatal {
			return "", 0, decodeError(name)
		}
		sb.WriteRune(utf8.RuneError)
	}
	return sb.String(), 0, nil
}

// decodeLegacy decodes a legacy encoding with golang.org/x/text. Its decoders write U+FFFD for
// errors, so fatal treats a U+FFFD in the output as an error (none of these encodings but
// gb18030 can encode U+FFFD itself).
func decodeLegacy(name string, data []byte, fatal, more bool) (string, int, error) {
	e, err := htmlindex.Get(name)
	if err != nil || e == xenc.Replacement {
		return "", 0, op.RangeErrorf("The encoding '%s' is not supported.", name)
	}
	dec := e.NewDecoder()
	out := make([]byte, 0, len(data)+len(data)/2+8)
	buf := make([]byte, 4096)
	src := data
	for {
		nDst, nSrc, err := dec.Transform(buf, src, !more)
		out = append(out, buf[:nDst]...)
		src = src[nSrc:]
		if err == nil {
			break
		}
		if errors.Is(err, transform.ErrShortDst) {
			continue
		}
		if errors.Is(err, transform.ErrShortSrc) && more {
			break
		}
		if errors.Is(err, transform.ErrShortSrc) {
			// atEOF with an incomplete sequence: the decoder should not report this, but be safe
			out = append(out, "\uFFFD"...)
			src = nil
			break
		}
		return "", 0, decodeError(name)
	}
	text := string(out)
	if fatal && name != "gb18030" && strings.ContainsRune(text, utf8.RuneError) {
		return "", 0, decodeError(name)
	}
	return text, len(src), nil
}

// ForgivingBase64Decode is the Infra standard's forgiving-base64 decode.
func ForgivingBase64Decode(s string) ([]byte, bool) {
	// Remove ASCII whitespace.
	if strings.ContainsAny(s, "\t\n\f\r ") {
		s = strings.Map(func(r rune) rune {
			switch r {
			case '\t', '\n', '\f', '\r', ' ':
				return -1
			}
			return r
		}, s)
	}
	if len(s)%4 == 0 {
		if strings.HasSuffix(s, "==") {
			s = s[:len(s)-2]
		} else if strings.HasSuffix(s, "=") {
			s = s[:len(s)-1]
		}
	}
	if len(s)%4 == 1 {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return nil, false
		}
	}
	// RawStdEncoding ignores the discarded bits of a final partial group, as the standard does.
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	return b, true
}

// latin1ToString returns the string whose code points are the given bytes.
func latin1ToString(b []byte) string {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) * 2)
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// stringToLatin1 returns the code points of s as bytes, or false if one is above U+00FF.
func stringToLatin1(s string) ([]byte, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			return nil, false
		}
		b = append(b, byte(r))
	}
	return b, true
}
