package crypto

import (
	"bytes"
	"errors"
	"testing"

	"islet/internal/op"
)

var fuzzKinds = []struct{ kind, curve string }{
	{"EC", "P-256"}, {"EC", "P-384"}, {"EC", "P-521"}, {"Ed25519", ""}, {"X25519", ""}, {"RSA", ""},
}

var fuzzFormats = []string{"spki", "pkcs8", "raw"}

func call(args ...op.Value) *op.Call { return &op.Call{Args: args} }

// importError checks that a failed import is a DOMException (never a panic or another error).
func importError(t *testing.T, err error) {
	t.Helper()
	var oe *op.Error
	if !errors.As(err, &oe) || oe.Class != op.ClassDOMException {
		t.Fatalf("import failed with %v, not a DOMException", err)
	}
}

// seedKeys returns the DER of a private and a public key of each kind.
func seedKeys(t testing.TB) (privs, pubs [][]byte) {
	for _, k := range fuzzKinds {
		param := op.String(k.curve)
		if k.kind == "RSA" {
			param = op.Int(1024)
		}
		v, err := opGenerate(call(op.String(k.kind), param, op.Bytes([]byte{1, 0, 1})))
		if err != nil {
			t.Fatalf("generate %s: %v", k.kind, err)
		}
		pub, err := opPublicOf(call(op.Bytes(v.Bytes)))
		if err != nil {
			t.Fatalf("public of %s: %v", k.kind, err)
		}
		privs, pubs = append(privs, v.Bytes), append(pubs, pub.Bytes)
	}
	return privs, pubs
}

// FuzzImportKey feeds arbitrary bytes to the spki, pkcs8 and raw import of every key kind:
// it must never panic, fail only with a DOMException, and a key it accepts must come out in a
// canonical form that imports to itself, and survive a JWK round trip unchanged.
func FuzzImportKey(f *testing.F) {
	privs, pubs := seedKeys(f)
	for i := range fuzzKinds {
		f.Add(uint8(i), uint8(0), pubs[i])
		f.Add(uint8(i), uint8(1), privs[i])
		f.Add(uint8(i), uint8(1), privs[i][:len(privs[i])/2])
		f.Add(uint8(i), uint8(0), append(append([]byte(nil), pubs[i]...), 0))
		f.Add(uint8(i), uint8(2), pubs[i][len(pubs[i])-32:])
	}
	f.Add(uint8(0), uint8(2), []byte{2, 1, 2, 3})
	f.Add(uint8(5), uint8(1), []byte{0x30, 0x80, 0x02, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, kindIdx, formatIdx uint8, data []byte) {
		k := fuzzKinds[int(kindIdx)%len(fuzzKinds)]
		format := fuzzFormats[int(formatIdx)%len(fuzzFormats)]
		v, err := opImport(call(op.String(k.kind), op.String(format), op.Bytes(data), op.String(k.curve)))
		if err != nil {
			importError(t, err)
			return
		}
		private := format == "pkcs8"
		canonFormat := "spki"
		if private {
			canonFormat = "pkcs8"
		}
		again, err := opImport(call(op.String(k.kind), op.String(canonFormat), op.Bytes(v.Bytes), op.String(k.curve)))
		if err != nil || !bytes.Equal(again.Bytes, v.Bytes) {
			t.Fatalf("%s %s: canonical form does not import to itself: %v", k.kind, format, err)
		}
		members, err := opExportJWK(call(op.Bytes(v.Bytes), op.Bool(private)))
		if err != nil {
			t.Fatalf("%s %s: JWK export: %v", k.kind, format, err)
		}
		args := []op.Value{op.String(k.kind), op.String(k.curve)}
		m := members.List
		switch {
		case k.kind == "EC" && private:
			args = append(args, op.String(m[0]), op.String(m[1]), op.String(m[2]))
		case k.kind == "EC":
			args = append(args, op.String(m[0]), op.String(m[1]), op.Undefined)
		case k.kind == "RSA" && !private:
			args = append(args, op.String(m[0]), op.String(m[1]))
		default:
			for _, s := range m {
				args = append(args, op.String(s))
			}
		}
		back, err := opImportJWK(call(args...))
		if err != nil || !bytes.Equal(back.Bytes, v.Bytes) {
			t.Fatalf("%s %s: JWK round trip differs: %v", k.kind, format, err)
		}
	})
}

// FuzzImportJWK feeds arbitrary JWK members to the JWK import of every kind: no panics, only
// DOMExceptions, and an accepted key's JWK export gives back the same members.
func FuzzImportJWK(f *testing.F) {
	f.Add(uint8(0), "0hCwpvnZ8BKGgFi0P6T0cQGFQ7ugDJJQ35JXwqyuXdE", "zgN1UtSBRQzjm00QlXAbF1v6s0uObAmeGPHBmDWDYeg", "E9M6LVq_nPnrsh_4YNSu_m5W53eQ9N7ptAiE69M1ROo", "")
	f.Add(uint8(3), "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A", "", "")
	f.Add(uint8(4), "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo", "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo", "", "")
	f.Add(uint8(5), "AQAB", "AQAB", "AQ", "Aw")
	f.Add(uint8(0), "====", "*", "", "")
	f.Fuzz(func(t *testing.T, kindIdx uint8, a, b, c, d string) {
		k := fuzzKinds[int(kindIdx)%len(fuzzKinds)]
		args := []op.Value{op.String(k.kind), op.String(k.curve)}
		for _, s := range []string{a, b, c, d} {
			if s == "" {
				args = append(args, op.Undefined)
			} else {
				args = append(args, op.String(s))
			}
		}
		v, err := opImportJWK(call(args...))
		if err != nil {
			importError(t, err)
			return
		}
		private := bytes.HasPrefix(v.Bytes, []byte{0x30}) && !isSPKI(v.Bytes)
		if _, err := opExportJWK(call(op.Bytes(v.Bytes), op.Bool(private))); err != nil {
			t.Fatalf("%s: JWK export of an accepted key: %v", k.kind, err)
		}
	})
}

// isSPKI reports whether der parses as a SubjectPublicKeyInfo.
func isSPKI(der []byte) bool {
	_, err := parseSPKI(der)
	return err == nil
}
