package encoding

import (
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
)

var (
	jis0208Once  sync.Once
	jis0208Index []rune // pointer → code point, -1 where the index has none
)

// jis0208IndexTable builds the Encoding Standard's index jis0208 from golang.org/x/text's EUC-JP
// two-byte table (bytes 0xA1–0xFE 0xA1–0xFE), which matches index-jis0208.txt pointer by pointer.
func jis0208IndexTable() []rune {
	jis0208Once.Do(func() {
		jis0208Index = indexFromDecoder(94*94, japanese.EUCJP.NewDecoder(), func(p int) [2]byte {
			return [2]byte{byte(p/94 + 0xA1), byte(p%94 + 0xA1)}
		})
	})
	return jis0208Index
}

// The iso-2022-jp decoder's states (the first four are also its output states).
const (
	jpASCII = iota
	jpRoman
	jpKatakana
	jpLeadByte
	jpTrailByte
	jpEscapeStart
	jpEscape
)

// decodeISO2022JP is the Encoding Standard's iso-2022-jp decoder. state carries the output state
// (low two bits) and the output flag (bit 2) from one streaming call to the next; 0 is a new
// decoder. With more set, a lead byte or an escape sequence cut off by the end of the input is
// left undecoded (its length is returned) and is decoded again, in the returned state, with the
// next chunk.
func decodeISO2022JP(b []byte, state int, fatal, more bool) (string, int, int, error) {
	outputState := state & 3
	outputFlag := state&4 != 0
	decoderState := outputState
	var lead byte
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/2)
	fail := func() error {
		if fatal {
			return decodeError("iso-2022-jp")
		}
		sb.WriteRune(utf8.RuneError)
		return nil
	}
	var err error
	i := 0
	for ; i < len(b) && err == nil; i++ {
		c := b[i]
		switch decoderState {
		case jpASCII, jpRoman, jpKatakana, jpLeadByte:
			if c == 0x1B {
				decoderState = jpEscapeStart
				continue
			}
			outputFlag = false
			switch {
			case decoderState == jpASCII && c <= 0x7F && c != 0x0E && c != 0x0F:
				sb.WriteByte(c)
			case decoderState == jpRoman && c == 0x5C:
				sb.WriteRune('\u00A5')
			case decoderState == jpRoman && c == 0x7E:
				sb.WriteRune('\u203E')
			case decoderState == jpRoman && c <= 0x7F && c != 0x0E && c != 0x0F:
				sb.WriteByte(c)
			case decoderState == jpKatakana && c >= 0x21 && c <= 0x5F:
				sb.WriteRune(0xFF61 - 0x21 + rune(c))
			case decoderState == jpLeadByte && c >= 0x21 && c <= 0x7E:
				lead = c
				decoderState = jpTrailByte
			default:
				err = fail()
			}
		case jpTrailByte:
			if c == 0x1B {
				decoderState = jpEscapeStart
				err = fail()
				continue
			}
			decoderState = jpLeadByte
			if c >= 0x21 && c <= 0x7E {
				if r := jis0208IndexTable()[int(lead-0x21)*94+int(c-0x21)]; r >= 0 {
					sb.WriteRune(r)
					continue
				}
			}
			err = fail()
		case jpEscapeStart:
			if c == 0x24 || c == 0x28 {
				lead = c
				decoderState = jpEscape
				continue
			}
			i-- // the byte is decoded again
			outputFlag = false
			decoderState = outputState
			err = fail()
		case jpEscape:
			next := -1
			switch {
			case lead == 0x28 && c == 0x42:
				next = jpASCII
			case lead == 0x28 && c == 0x4A:
				next = jpRoman
			case lead == 0x28 && c == 0x49:
				next = jpKatakana
			case lead == 0x24 && (c == 0x40 || c == 0x42):
				next = jpLeadByte
			}
			if next >= 0 {
				decoderState, outputState = next, next
				output := outputFlag
				outputFlag = true
				if output {
					err = fail()
				}
				continue
			}
			i -= 2 // the lead and the byte are decoded again (the ESC is not)
			outputFlag = false
			decoderState = outputState
			err = fail()
		}
	}
	if err != nil {
		return "", 0, 0, err
	}
	// The end of the input.
	left := 0
	switch decoderState {
	case jpTrailByte:
		left = 1
	case jpEscapeStart:
		left = 1
	case jpEscape:
		left = 2
	}
	if left > 0 && more {
		newState := outputState
		if outputFlag {
			newState |= 4
		}
		return sb.String(), left, newState, nil
	}
	switch decoderState {
	case jpTrailByte:
		if err := fail(); err != nil {
			return "", 0, 0, err
		}
	case jpEscapeStart:
		if err := fail(); err != nil {
			return "", 0, 0, err
		}
	case jpEscape:
		// The lead byte is decoded again, in the output state, after the error.
		if err := fail(); err != nil {
			return "", 0, 0, err
		}
		rest, _, _, err := decodeISO2022JP([]byte{lead}, outputState, fatal, false)
		if err != nil {
			return "", 0, 0, err
		}
		sb.WriteString(rest)
	}
	newState := outputState
	if outputFlag {
		newState |= 4
	}
	return sb.String(), 0, newState, nil
}
