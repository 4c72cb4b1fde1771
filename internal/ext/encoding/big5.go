package encoding

import (
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding/traditionalchinese"
)

var (
	big5Once  sync.Once
	big5Index []rune // pointer → code point, -1 where the index has none
)

// big5IndexTable builds the Encoding Standard's index Big5 from golang.org/x/text's Big5 table,
// which matches index-big5.txt pointer by pointer (the four pointers that decode to two code
// points are handled by decodeBig5 itself).
func big5IndexTable() []rune {
	big5Once.Do(func() {
		big5Index = indexFromDecoder(126*157, traditionalchinese.Big5.NewDecoder(), func(p int) [2]byte {
			t := p % 157
			if t < 0x3F {
				return [2]byte{byte(p/157 + 0x81), byte(t + 0x40)}
			}
			return [2]byte{byte(p/157 + 0x81), byte(t + 0x62)}
		})
	})
	return big5Index
}

// decodeBig5 is the Encoding Standard's Big5 decoder. With more set, a lead byte at the end of
// the input is left undecoded (left is 1).
func decodeBig5(b []byte, fatal, more bool) (string, int, error) {
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/2)
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			sb.WriteByte(c)
			i++
			continue
		}
		if c < 0x81 || c > 0xFE {
			if fatal {
				return "", 0, decodeError("big5")
			}
			sb.WriteRune(utf8.RuneError)
			i++
			continue
		}
		if i+1 == len(b) {
			if more {
				return sb.String(), 1, nil
			}
			if fatal {
				return "", 0, decodeError("big5")
			}
			sb.WriteRune(utf8.RuneError)
			break
		}
		t := b[i+1]
		pointer := -1
		offset := byte(0x40)
		if t >= 0x7F {
			offset = 0x62
		}
		if t >= 0x40 && t <= 0x7E || t >= 0xA1 && t <= 0xFE {
			pointer = int(c-0x81)*157 + int(t-offset)
		}
		switch pointer {
		case 1133:
			sb.WriteString("\u00CA\u0304")
		case 1135:
			sb.WriteString("\u00CA\u030C")
		case 1164:
			sb.WriteString("\u00EA\u0304")
		case 1166:
			sb.WriteString("\u00EA\u030C")
		default:
			r := rune(-1)
			if pointer >= 0 {
				r = big5IndexTable()[pointer]
			}
			if r >= 0 {
				sb.WriteRune(r)
				break
			}
			if fatal {
				return "", 0, decodeError("big5")
			}
			sb.WriteRune(utf8.RuneError)
			if t < 0x80 {
				i++ // the ASCII byte is decoded again
				continue
			}
		}
		i += 2
	}
	return sb.String(), 0, nil
}
