package encoding

import (
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// gb18030Ranges is the Encoding Standard's index gb18030 ranges (index-gb18030-ranges.txt):
// pairs of a four-byte pointer and the code point it maps to; the pointers up to the next entry
// map to the code points that follow.
var gb18030Ranges = [...][2]int32{
	{0, 0x0080}, {36, 0x00A5}, {38, 0x00A9}, {45, 0x00B2}, {50, 0x00B8}, {81, 0x00D8},
	{89, 0x00E2}, {95, 0x00EB}, {96, 0x00EE}, {100, 0x00F4}, {103, 0x00F8}, {104, 0x00FB},
	{105, 0x00FD}, {109, 0x0102}, {126, 0x0114}, {133, 0x011C}, {148, 0x012C}, {172, 0x0145},
	{175, 0x0149}, {179, 0x014E}, {208, 0x016C}, {306, 0x01CF}, {307, 0x01D1}, {308, 0x01D3},
	{309, 0x01D5}, {310, 0x01D7}, {311, 0x01D9}, {312, 0x01DB}, {313, 0x01DD}, {341, 0x01FA},
	{428, 0x0252}, {443, 0x0262}, {544, 0x02C8}, {545, 0x02CC}, {558, 0x02DA}, {741, 0x03A2},
	{742, 0x03AA}, {749, 0x03C2}, {750, 0x03CA}, {805, 0x0402}, {819, 0x0450}, {820, 0x0452},
	{7922, 0x2011}, {7924, 0x2017}, {7925, 0x201A}, {7927, 0x201E}, {7934, 0x2027}, {7943, 0x2031},
	{7944, 0x2034}, {7945, 0x2036}, {7950, 0x203C}, {8062, 0x20AD}, {8148, 0x2104}, {8149, 0x2106},
	{8152, 0x210A}, {8164, 0x2117}, {8174, 0x2122}, {8236, 0x216C}, {8240, 0x217A}, {8262, 0x2194},
	{8264, 0x219A}, {8374, 0x2209}, {8380, 0x2210}, {8381, 0x2212}, {8384, 0x2216}, {8388, 0x221B},
	{8390, 0x2221}, {8392, 0x2224}, {8393, 0x2226}, {8394, 0x222C}, {8396, 0x222F}, {8401, 0x2238},
	{8406, 0x223E}, {8416, 0x2249}, {8419, 0x224D}, {8424, 0x2253}, {8437, 0x2262}, {8439, 0x2268},
	{8445, 0x2270}, {8482, 0x2296}, {8485, 0x229A}, {8496, 0x22A6}, {8521, 0x22C0}, {8603, 0x2313},
	{8936, 0x246A}, {8946, 0x249C}, {9046, 0x254C}, {9050, 0x2574}, {9063, 0x2590}, {9066, 0x2596},
	{9076, 0x25A2}, {9092, 0x25B4}, {9100, 0x25BE}, {9108, 0x25C8}, {9111, 0x25CC}, {9113, 0x25D0},
	{9131, 0x25E6}, {9162, 0x2607}, {9164, 0x260A}, {9218, 0x2641}, {9219, 0x2643}, {11329, 0x2E82},
	{11331, 0x2E85}, {11334, 0x2E89}, {11336, 0x2E8D}, {11346, 0x2E98}, {11361, 0x2EA8}, {11363, 0x2EAB},
	{11366, 0x2EAF}, {11370, 0x2EB4}, {11372, 0x2EB8}, {11375, 0x2EBC}, {11389, 0x2ECB}, {11682, 0x2FFC},
	{11686, 0x3004}, {11687, 0x3018}, {11692, 0x301F}, {11694, 0x302A}, {11714, 0x303F}, {11716, 0x3094},
	{11723, 0x309F}, {11725, 0x30F7}, {11730, 0x30FF}, {11736, 0x312A}, {11982, 0x322A}, {11989, 0x3232},
	{12102, 0x32A4}, {12336, 0x3390}, {12348, 0x339F}, {12350, 0x33A2}, {12384, 0x33C5}, {12393, 0x33CF},
	{12395, 0x33D3}, {12397, 0x33D6}, {12510, 0x3448}, {12553, 0x3474}, {12851, 0x359F}, {12962, 0x360F},
	{12973, 0x361B}, {13738, 0x3919}, {13823, 0x396F}, {13919, 0x39D1}, {13933, 0x39E0}, {14080, 0x3A74},
	{14298, 0x3B4F}, {14585, 0x3C6F}, {14698, 0x3CE1}, {15583, 0x4057}, {15847, 0x4160}, {16318, 0x4338},
	{16434, 0x43AD}, {16438, 0x43B2}, {16481, 0x43DE}, {16729, 0x44D7}, {17102, 0x464D}, {17122, 0x4662},
	{17315, 0x4724}, {17320, 0x472A}, {17402, 0x477D}, {17418, 0x478E}, {17859, 0x4948}, {17909, 0x497B},
	{17911, 0x497E}, {17915, 0x4984}, {17916, 0x4987}, {17936, 0x499C}, {17939, 0x49A0}, {17961, 0x49B8},
	{18664, 0x4C78}, {18703, 0x4CA4}, {18814, 0x4D1A}, {18962, 0x4DAF}, {19043, 0x9FA6}, {33469, 0xE76C},
	{33470, 0xE7C8}, {33471, 0xE7E7}, {33484, 0xE815}, {33485, 0xE819}, {33490, 0xE81F}, {33497, 0xE827},
	{33501, 0xE82D}, {33505, 0xE833}, {33513, 0xE83C}, {33520, 0xE844}, {33536, 0xE856}, {33550, 0xE865},
	{37845, 0xF92D}, {37921, 0xF97A}, {37948, 0xF996}, {38029, 0xF9E8}, {38038, 0xF9F2}, {38064, 0xFA10},
	{38065, 0xFA12}, {38066, 0xFA15}, {38069, 0xFA19}, {38075, 0xFA22}, {38076, 0xFA25}, {38078, 0xFA2A},
	{39108, 0xFE32}, {39109, 0xFE45}, {39113, 0xFE53}, {39114, 0xFE58}, {39115, 0xFE67}, {39116, 0xFE6C},
	{39265, 0xFF5F}, {39394, 0xFFE6}, {189000, 0x10000},
}

// gb18030IndexRuns lists where the Encoding Standard's index gb18030 (index-gb18030.txt) has an
// entry that golang.org/x/text's GB18030 two-byte table lacks: {first pointer, count, first code
// point}, the pointers and code points both consecutive. They are the user-defined areas
// (U+E000–U+E865), 0xA8BC → U+1E3F and the GB18030-2022 mappings (U+FE10–U+FE19,
// U+9FB4–U+9FBB). Everywhere else the two agree; checked pointer by pointer against the standard.
var gb18030IndexRuns = [...][3]int32{
	{6080, 96, 0xE4C6}, {6270, 96, 0xE526}, {6376, 6, 0xE766}, {6433, 1, 0xE76D}, {6444, 2, 0xE76E},
	{6458, 2, 0xE770}, {6460, 95, 0xE586}, {6650, 96, 0xE5E6}, {6829, 11, 0xE772}, {6840, 96, 0xE646},
	{7022, 8, 0xE77D}, {7030, 96, 0xE6A6}, {7150, 8, 0xE785}, {7182, 1, 0xFE10}, {7183, 1, 0xFE12},
	{7184, 1, 0xFE11}, {7185, 4, 0xFE13}, {7201, 2, 0xFE17}, {7208, 1, 0xFE19}, {7211, 9, 0xE797},
	{7220, 96, 0xE706}, {7349, 15, 0xE7A0}, {7397, 13, 0xE7AF}, {7495, 11, 0xE7BC}, {7533, 1, 0x1E3F},
	{7538, 4, 0xE7C9}, {7579, 21, 0xE7CD}, {7624, 1, 0xE7E2}, {7627, 1, 0xE7E3}, {7629, 3, 0xE7E4},
	{7686, 13, 0xE7F4}, {7775, 15, 0xE801}, {7886, 94, 0xE000}, {8076, 94, 0xE05E}, {8266, 94, 0xE0BC},
	{8456, 94, 0xE11A}, {8646, 94, 0xE178}, {8836, 94, 0xE1D6}, {16525, 5, 0xE810}, {22706, 94, 0xE234},
	{22896, 94, 0xE292}, {23086, 94, 0xE2F0}, {23276, 94, 0xE34E}, {23466, 94, 0xE3AC}, {23656, 94, 0xE40A},
	{23767, 3, 0xE816}, {23775, 1, 0x9FB4}, {23783, 1, 0x9FB5}, {23788, 2, 0x9FB6}, {23794, 1, 0xE831},
	{23795, 1, 0x9FB8}, {23804, 1, 0xE83B}, {23812, 1, 0x9FB9}, {23829, 1, 0x9FBA}, {23830, 1, 0xE855},
	{23845, 1, 0x9FBB}, {23846, 94, 0xE468},
}

var (
	gb18030Once  sync.Once
	gb18030Index []rune // pointer → code point, -1 where the index has none
)

// gb18030IndexTable builds the index gb18030 from x/text's GB18030 two-byte table and
// gb18030IndexRuns.
func gb18030IndexTable() []rune {
	gb18030Once.Do(func() {
		idx := indexFromDecoder(23940, simplifiedchinese.GB18030.NewDecoder(), func(p int) [2]byte {
			t := p % 190
			if t < 0x3F {
				return [2]byte{byte(p/190 + 0x81), byte(t + 0x40)}
			}
			return [2]byte{byte(p/190 + 0x81), byte(t + 0x41)}
		})
		for _, run := range gb18030IndexRuns {
			for i := int32(0); i < run[1]; i++ {
				idx[run[0]+i] = run[2] + i
			}
		}
		gb18030Index = idx
	})
	return gb18030Index
}

// gb18030RangesCodePoint is the Encoding Standard's "index gb18030 ranges code point", or -1.
func gb18030RangesCodePoint(pointer int) rune {
	if pointer > 39419 && pointer < 189000 || pointer > 1237575 {
		return -1
	}
	if pointer == 7457 {
		return 0xE7C7
	}
	// The last entry whose pointer is at most pointer.
	lo, hi := 0, len(gb18030Ranges)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if int(gb18030Ranges[mid][0]) <= pointer {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return rune(int(gb18030Ranges[lo][1]) + pointer - int(gb18030Ranges[lo][0]))
}

// decodeGB18030 is the Encoding Standard's gb18030 decoder, which gbk shares. With more set, a
// sequence cut off by the end of the input is left undecoded and its length returned.
func decodeGB18030(name string, b []byte, fatal, more bool) (string, int, error) {
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/2)
	fail := func() error {
		if fatal {
			return decodeError(name)
		}
		sb.WriteRune(utf8.RuneError)
		return nil
	}
	isDigit := func(c byte) bool { return c >= 0x30 && c <= 0x39 }
	isLead := func(c byte) bool { return c >= 0x81 && c <= 0xFE }
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x80:
			sb.WriteByte(c)
			i++
			continue
		case c == 0x80:
			sb.WriteRune('€')
			i++
			continue
		case !isLead(c):
			if err := fail(); err != nil {
				return "", 0, err
			}
			i++
			continue
		}
		// c is a lead byte: first.
		if i+1 == len(b) {
			if more {
				return sb.String(), len(b) - i, nil
			}
			if err := fail(); err != nil {
				return "", 0, err
			}
			break
		}
		second := b[i+1]
		if !isDigit(second) {
			// A two-byte sequence.
			pointer := -1
			offset := byte(0x40)
			if second >= 0x7F {
				offset = 0x41
			}
			if second >= 0x40 && second <= 0x7E || second >= 0x80 && second <= 0xFE {
				pointer = int(c-0x81)*190 + int(second-offset)
			}
			if pointer >= 0 {
				if r := gb18030IndexTable()[pointer]; r >= 0 {
					sb.WriteRune(r)
					i += 2
					continue
				}
			}
			if err := fail(); err != nil {
				return "", 0, err
			}
			if second < 0x80 {
				i++ // the ASCII byte is decoded again
			} else {
				i += 2
			}
			continue
		}
		// first, second (a digit): a four-byte sequence.
		if i+2 == len(b) {
			if more {
				return sb.String(), len(b) - i, nil
			}
			if err := fail(); err != nil {
				return "", 0, err
			}
			break
		}
		third := b[i+2]
		if !isLead(third) {
			// second and third are decoded again.
			if err := fail(); err != nil {
				return "", 0, err
			}
			i++
			continue
		}
		if i+3 == len(b) {
			if more {
				return sb.String(), len(b) - i, nil
			}
			if err := fail(); err != nil {
				return "", 0, err
			}
			break
		}
		fourth := b[i+3]
		if !isDigit(fourth) {
			// second, third and fourth are decoded again.
			if err := fail(); err != nil {
				return "", 0, err
			}
			i++
			continue
		}
		pointer := int(c-0x81)*12600 + int(second-0x30)*1260 + int(third-0x81)*10 + int(fourth-0x30)
		r := gb18030RangesCodePoint(pointer)
		if r < 0 {
			if err := fail(); err != nil {
				return "", 0, err
			}
		} else {
			sb.WriteRune(r)
		}
		i += 4
	}
	return sb.String(), 0, nil
}
