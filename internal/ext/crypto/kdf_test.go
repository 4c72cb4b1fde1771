package crypto

import (
	"bytes"
	"crypto"
	"crypto/pbkdf2"
	"testing"

	"islet/internal/op"
)

// TestPBKDF2MatchesStdlib derives through crypto_pbkdf2 — resumed call after call as the JS side
// does — and compares with crypto/pbkdf2, for every hash, several output lengths (partial and
// multiple blocks) and iteration counts on both sides of one step.
func TestPBKDF2MatchesStdlib(t *testing.T) {
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		if fastPBKDF2For(h) == nil {
			t.Errorf("%v: the fast path failed its self-test", h)
		}
		for _, iter := range []int{1, 2, 1000, pbkdf2Step, pbkdf2Step + 1, 2*pbkdf2Step + 7} {
			for _, n := range []int{1, h.Size(), h.Size() + 1, 3*h.Size() - 1} {
				pw, salt := []byte("pass\x00word"), []byte("NaCl")
				want, err := pbkdf2.Key(newHash(h), string(pw), salt, iter, n)
				if err != nil {
					t.Fatal(err)
				}
				var progress op.Value = op.Null
				calls := 0
				for {
					calls++
					v, err := opPBKDF2(call(op.String(hashName(h)), op.Bytes(pw), op.Bytes(salt), op.Int(iter), op.Int(n), progress))
					if err != nil {
						t.Fatalf("%v iter %d n %d: %v", h, iter, n, err)
					}
					if v.Bytes[0] == 0 {
						if !bytes.Equal(v.Bytes[1:], want) {
							t.Fatalf("%v iter %d n %d: got %x, want %x", h, iter, n, v.Bytes[1:], want)
						}
						break
					}
					progress = op.Bytes(v.Bytes[1:])
				}
				blocks := (n + h.Size() - 1) / h.Size()
				if max := blocks*iter/pbkdf2Step + blocks + 1; calls > max {
					t.Errorf("%v iter %d n %d: %d calls, want at most %d", h, iter, n, calls, max)
				}
			}
		}
	}
}

// TestPBKDF2StepIsBounded checks that one call does at most one step of iterations, so the CPU
// watchdog gets control back in time.
func TestPBKDF2StepIsBounded(t *testing.T) {
	v, err := opPBKDF2(call(op.String("SHA-256"), op.Bytes([]byte("pw")), op.Bytes(nil), op.Int(1_000_000), op.Int(32), op.Null))
	if err != nil {
		t.Fatal(err)
	}
	if v.Bytes[0] != 1 {
		t.Fatal("a million iterations finished in one call")
	}
	p, err := decodeProgress(v.Bytes[1:], 32)
	if err != nil || p.done != pbkdf2Step {
		t.Fatalf("progress %+v, %v; want %d iterations done", p, err, pbkdf2Step)
	}
	if _, err := opPBKDF2(call(op.String("SHA-256"), op.Bytes([]byte("pw")), op.Bytes(nil), op.Int(2), op.Int(32), op.Bytes([]byte{0, 0, 0}))); err == nil {
		t.Fatal("a truncated progress was accepted")
	}
}

func hashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA1:
		return "SHA-1"
	case crypto.SHA256:
		return "SHA-256"
	case crypto.SHA384:
		return "SHA-384"
	}
	return "SHA-512"
}
