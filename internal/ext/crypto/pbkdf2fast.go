package crypto

import (
	"bytes"
	"crypto"
	"crypto/pbkdf2"
	"encoding"
	"encoding/binary"
	"errors"
	"hash"
	"sync"
)

// PBKDF2's cost is its inner loop, U_n = HMAC(P, U_{n-1}): two hash compressions per
// iteration. crypto/pbkdf2 spends about as long again around them (re-deriving the HMAC
// states through hash.Hash's Reset/Sum, padding through Write). This loop instead keeps the
// two HMAC states (after the ipad and opad blocks) as marshaled hash states, and feeds each
// compression one block it has already padded, reading the digest back from the state:
// the same SHA compressions from crypto/sha*, about a third less time per derivation
// (BenchmarkPBKDF2 in this package).
//
// It relies on the standard library's marshaled state layout (a 4-byte magic, then the chaining
// value), which Go keeps stable so that saved states stay readable. fastPBKDF2For checks it
// once per hash against crypto/pbkdf2 and falls back to crypto/pbkdf2 when it does not match.
//
// A derivation is resumable (pbkdf2Progress): the op runs a bounded number of iterations per
// call and hands its progress back to JS, so a worker asking for millions of iterations is
// stopped by the CPU-time watchdog between two calls instead of holding its thread to the end.

// stateHash is a hash whose state can be saved and restored (all of crypto/sha*).
type stateHash interface {
	hash.Hash
	encoding.BinaryUnmarshaler
	encoding.BinaryAppender
}

// fastPBKDF2 is the precomputed-state PBKDF2 for one hash function.
type fastPBKDF2 struct {
	h     crypto.Hash
	size  int // digest size
	block int // block size
}

var (
	fastOnce  [crypto.SHA512 + 1]sync.Once
	fastReady [crypto.SHA512 + 1]*fastPBKDF2
)

// fastPBKDF2For returns the fast path for h, or nil if it failed its self-test.
func fastPBKDF2For(h crypto.Hash) *fastPBKDF2 {
	if int(h) >= len(fastOnce) {
		return nil
	}
	fastOnce[h].Do(func() {
		f := &fastPBKDF2{h: h, size: h.Size(), block: newHash(h)().BlockSize()}
		if f.selfTest() {
			fastReady[h] = f
		}
	})
	return fastReady[h]
}

// selfTest compares the fast path with crypto/pbkdf2 on inputs that cover a long password,
// several output blocks, a truncated last block and a derivation resumed in small steps.
func (f *fastPBKDF2) selfTest() (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	if _, isState := newHash(f.h)().(stateHash); !isState {
		return false
	}
	long := bytes.Repeat([]byte("p"), 200)
	for _, pw := range [][]byte{[]byte("password"), long, nil} {
		want, err := pbkdf2.Key(newHash(f.h), string(pw), []byte("salt"), 5, 2*f.size+3)
		if err != nil {
			return false
		}
		p := &pbkdf2Progress{}
		for steps := 0; !f.run(pw, []byte("salt"), 5, 2*f.size+3, p, 2); steps++ {
			if steps > 100 {
				return false
			}
		}
		if !bytes.Equal(p.out, want) {
			return false
		}
	}
	return true
}

// pbkdf2Progress is how far a derivation got: the block being computed (from 1), the
// iterations done on it (0: not started), its running XOR t and last U, and the finished
// blocks.
type pbkdf2Progress struct {
	block uint32
	done  uint32
	t, u  []byte
	out   []byte
}

// encode lays the progress out as bytes for JS to hand back: block, done (big-endian uint32),
// then t, u and out.
func (p *pbkdf2Progress) encode() []byte {
	b := binary.BigEndian.AppendUint32(nil, p.block)
	b = binary.BigEndian.AppendUint32(b, p.done)
	b = append(b, p.t...)
	b = append(b, p.u...)
	return append(b, p.out...)
}

// decodeProgress is encode's inverse for a hash of the given size.
func decodeProgress(b []byte, size int) (*pbkdf2Progress, error) {
	if len(b) < 8+2*size {
		return nil, errors.New("truncated PBKDF2 progress")
	}
	p := &pbkdf2Progress{block: binary.BigEndian.Uint32(b), done: binary.BigEndian.Uint32(b[4:])}
	p.t = append([]byte(nil), b[8:8+size]...)
	p.u = append([]byte(nil), b[8+size:8+2*size]...)
	p.out = append([]byte(nil), b[8+2*size:]...)
	if p.block == 0 || len(p.out) != int(p.block-1)*size {
		return nil, errors.New("inconsistent PBKDF2 progress")
	}
	return p, nil
}

// run continues a derivation of n bytes with iter ≥ 1 iterations for at most budget
// iterations, and reports whether it is complete (then p.out holds exactly n bytes).
func (f *fastPBKDF2) run(password, salt []byte, iter, n int, p *pbkdf2Progress, budget int) bool {
	mk := func() stateHash { return newHash(f.h)().(stateHash) }
	// HMAC key: hashed if longer than a block, then zero-padded (RFC 2104).
	key := password
	if len(key) > f.block {
		key = digest(f.h, key)
	}
	pad := make([]byte, f.block)
	inner, outer := mk(), mk()
	copy(pad, key)
	for i := range pad {
		pad[i] ^= 0x36
	}
	inner.Write(pad)
	clear(pad)
	copy(pad, key)
	for i := range pad {
		pad[i] ^= 0x5c
	}
	outer.Write(pad)
	clear(pad)
	innerState, _ := inner.AppendBinary(nil)
	outerState, _ := outer.AppendBinary(nil)

	// blk is one padded block holding a digest: digest ‖ 0x80 ‖ 0… ‖ bit length of
	// (block + digest), the message each iteration's two hashes see after their key block.
	blk := make([]byte, f.block)
	blk[f.size] = 0x80
	binary.BigEndian.PutUint64(blk[f.block-8:], uint64(f.block+f.size)*8)
	st := make([]byte, 0, len(innerState))
	if p.block == 0 {
		p.block = 1
	}
	if len(p.t) != f.size {
		p.t, p.u = make([]byte, f.size), make([]byte, f.size)
	}
	var ctr [4]byte
	for len(p.out) < n {
		if p.done == 0 {
			// U_1 = HMAC(P, S ‖ INT(block)), through the ordinary Write/Sum path.
			inner.UnmarshalBinary(innerState)
			inner.Write(salt)
			binary.BigEndian.PutUint32(ctr[:], p.block)
			inner.Write(ctr[:])
			p.u = inner.Sum(p.u[:0])
			outer.UnmarshalBinary(outerState)
			outer.Write(p.u)
			p.u = outer.Sum(p.u[:0])
			copy(p.t, p.u)
			p.done = 1
			budget--
		}
		// U_n lives in blk's first bytes, where the next hash reads it.
		copy(blk, p.u)
		for ; int(p.done) < iter; p.done++ {
			if budget <= 0 {
				copy(p.u, blk)
				clear(blk)
				return false
			}
			budget--
			inner.UnmarshalBinary(innerState)
			inner.Write(blk)
			st, _ = inner.AppendBinary(st[:0])
			copy(blk, st[4:4+f.size])
			outer.UnmarshalBinary(outerState)
			outer.Write(blk)
			st, _ = outer.AppendBinary(st[:0])
			copy(blk, st[4:4+f.size])
			xorWords(p.t, blk)
		}
		copy(p.u, blk)
		p.out = append(p.out, p.t...)
		p.block++
		p.done = 0
	}
	clear(blk)
	clear(innerState)
	clear(outerState)
	p.out = p.out[:n]
	return true
}

// xorWords sets t ^= u[:len(t)] for digest-sized t (a multiple of 4 bytes: 20, 32, 48 or 64).
func xorWords(t, u []byte) {
	u = u[:len(t)]
	i := 0
	for ; i+8 <= len(t); i += 8 {
		binary.NativeEndian.PutUint64(t[i:], binary.NativeEndian.Uint64(t[i:])^binary.NativeEndian.Uint64(u[i:]))
	}
	for ; i < len(t); i += 4 {
		binary.NativeEndian.PutUint32(t[i:], binary.NativeEndian.Uint32(t[i:])^binary.NativeEndian.Uint32(u[i:]))
	}
}
