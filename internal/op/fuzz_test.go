package op

import (
	"math"
	"testing"
)

// FuzzCallDecoding checks the argument decoders on any value of any kind: they never panic, an
// integer is integral and finite, and each decoder accepts exactly its kinds.
func FuzzCallDecoding(f *testing.F) {
	f.Add(uint8(KindNumber), 3.0, "s", []byte("b"))
	f.Add(uint8(KindNumber), 2.5, "", []byte(nil))
	f.Add(uint8(KindNumber), math.Inf(1), "", []byte(nil))
	f.Add(uint8(KindNumber), math.NaN(), "", []byte(nil))
	f.Add(uint8(KindString), 0.0, "héllo", []byte(nil))
	f.Add(uint8(KindBytes), 0.0, "", []byte{0, 255})
	f.Add(uint8(200), 1e300, "x", []byte("y"))
	f.Fuzz(func(t *testing.T, kind uint8, num float64, s string, b []byte) {
		v := Value{Kind: Kind(kind), Num: num, Str: s, Bytes: b}
		c := &Call{Args: []Value{v}}
		if n, err := c.Int(0); err == nil {
			if v.Kind != KindNumber || math.IsNaN(num) || math.IsInf(num, 0) || num != math.Trunc(num) || float64(n) != num && math.Abs(num) < 1<<53 {
				t.Fatalf("Int(%v) = %d", v, n)
			}
		} else if v.Kind == KindNumber && num == math.Trunc(num) && !math.IsInf(num, 0) {
			t.Fatalf("Int(%v) refused an integer: %v", v, err)
		}
		if str, err := c.Str(0); (err == nil) != (v.Kind == KindString) || err == nil && str != s {
			t.Fatalf("Str(%v) = %q, %v", v, str, err)
		}
		if buf, err := c.Buf(0); (err == nil) != (v.Kind == KindBytes || v.Kind == KindString) || err == nil && v.Kind == KindString && string(buf) != s {
			t.Fatalf("Buf(%v) = %q, %v", v, buf, err)
		}
		if _, err := c.Int(1); err == nil {
			t.Fatal("a missing argument decoded as an integer")
		}
		_ = v.String()
		_ = v.Truthy()
		_ = v.IsNullish()
	})
}
