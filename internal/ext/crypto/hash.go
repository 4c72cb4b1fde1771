package crypto

import (
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"hash"

	"islet/internal/op"
)

// hashOf returns the hash a normalized Web Crypto hash name ("SHA-256") names. The JS side
// only passes the four registered names; anything else is a NotSupportedError.
func hashOf(name string) (crypto.Hash, error) {
	switch name {
	case "SHA-1":
		return crypto.SHA1, nil
	case "SHA-256":
		return crypto.SHA256, nil
	case "SHA-384":
		return crypto.SHA384, nil
	case "SHA-512":
		return crypto.SHA512, nil
	}
	return 0, notSupported("unsupported hash %q", name)
}

// newHash returns the constructor of h (one of the four SHA hashes), for the generic
// crypto/hmac, crypto/pbkdf2 and crypto/hkdf APIs.
func newHash(h crypto.Hash) func() hash.Hash {
	switch h {
	case crypto.SHA1:
		return sha1.New
	case crypto.SHA256:
		return sha256.New
	case crypto.SHA384:
		return sha512.New384
	}
	return sha512.New
}

// hashArg reads argument i as a hash name.
func hashArg(c *op.Call, i int) (crypto.Hash, error) {
	name, err := c.Str(i)
	if err != nil {
		return 0, err
	}
	return hashOf(name)
}

// digest returns the hash of data.
func digest(h crypto.Hash, data []byte) []byte {
	switch h {
	case crypto.SHA1:
		s := sha1.Sum(data)
		return s[:]
	case crypto.SHA256:
		s := sha256.Sum256(data)
		return s[:]
	case crypto.SHA384:
		s := sha512.Sum384(data)
		return s[:]
	}
	s := sha512.Sum512(data)
	return s[:]
}

// opDigest is crypto_digest(hash, data) → the digest of data (SHA-1, SHA-2 or SHA3).
func opDigest(c *op.Call) (op.Value, error) {
	name, err := c.Str(0)
	if err != nil {
		return op.Undefined, err
	}
	data, err := c.Buf(1)
	if err != nil {
		return op.Undefined, err
	}
	if d, ok := sha3Digest(name, data); ok {
		return op.Bytes(d), nil
	}
	h, err := hashOf(name)
	if err != nil {
		return op.Undefined, err
	}
	return op.Bytes(digest(h, data)), nil
}

// maxRandom bounds one crypto_random call: getRandomValues asks for at most 65536 bytes (the
// spec's quota, checked in JS), key generation for at most a 1 MiB key.
const maxRandom = 1 << 20

// opRandom is crypto_random(n) → n random bytes from the operating system's CSPRNG
// (crypto/rand), 0 ≤ n ≤ 1 MiB.
func opRandom(c *op.Call) (op.Value, error) {
	n, err := c.Int(0)
	if err != nil {
		return op.Undefined, err
	}
	if n < 0 || n > maxRandom {
		return op.Undefined, op.RangeErrorf("crypto_random: %d bytes is outside 0..%d", n, maxRandom)
	}
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand panics rather than return short)
	return op.Bytes(b), nil
}

// opRandomUUID is crypto_random_uuid() → a version 4 UUID in its lower-case string form
// (RFC 9562 §5.4), as crypto.randomUUID returns.
func opRandomUUID(c *op.Call) (op.Value, error) {
	return op.String(randomUUID()), nil
}

func randomUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexDigits = "0123456789abcdef"
	var out [36]byte
	j := 0
	for i, v := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j] = hexDigits[v>>4]
		out[j+1] = hexDigits[v&0x0f]
		j += 2
	}
	return string(out[:])
}

// opTimingSafeEqual is crypto_timing_safe_equal(a, b) → whether two byte strings of the same
// length are equal, in time that depends only on their length (Cloudflare's
// crypto.subtle.timingSafeEqual).
func opTimingSafeEqual(c *op.Call) (op.Value, error) {
	a, err := c.Buf(0)
	if err != nil {
		return op.Undefined, err
	}
	b, err := c.Buf(1)
	if err != nil {
		return op.Undefined, err
	}
	if len(a) != len(b) {
		return op.Undefined, op.TypeErrorf("Input buffers must have the same byte length.")
	}
	return op.Bool(subtle.ConstantTimeCompare(a, b) == 1), nil
}
