package crypto

import (
	"crypto/hmac"
	"crypto/sha3"

	"islet/internal/op"
)

// The SHA-3 family of "Modern Algorithms in the Web Cryptography API"
// (https://wicg.github.io/webcrypto-modern-algos/): the SHA3-256/384/512 digests, the cSHAKE128/256
// digests of any length, and KMAC128/256 (NIST SP 800-185 §4), which is cSHAKE with the key
// absorbed first, built here on crypto/sha3's cSHAKE.

// maxXOF bounds the output of one cSHAKE or KMAC call (1 MiB).
const maxXOF = 1 << 20

// sha3Digest returns the SHA3 digest of data for a registered name, or false.
func sha3Digest(name string, data []byte) ([]byte, bool) {
	switch name {
	case "SHA3-256":
		s := sha3.Sum256(data)
		return s[:], true
	case "SHA3-384":
		s := sha3.Sum384(data)
		return s[:], true
	case "SHA3-512":
		s := sha3.Sum512(data)
		return s[:], true
	}
	return nil, false
}

// newCSHAKE returns cSHAKE128 or cSHAKE256 with function name n and customization s.
func newCSHAKE(name string, n, s []byte) (*sha3.SHAKE, error) {
	switch name {
	case "cSHAKE128", "KMAC128":
		return sha3.NewCSHAKE128(n, s), nil
	case "cSHAKE256", "KMAC256":
		return sha3.NewCSHAKE256(n, s), nil
	}
	return nil, notSupported("unsupported algorithm %q", name)
}

// opCSHAKE is crypto_cshake(name, bits, functionName, customization, data) → bits/8 bytes of
// cSHAKE128 or cSHAKE256 (bits a multiple of 8; 0 gives an empty result).
func opCSHAKE(c *op.Call) (op.Value, error) {
	name, err := c.Str(0)
	if err != nil {
		return op.Undefined, err
	}
	bits, err := c.Int(1)
	if err != nil {
		return op.Undefined, err
	}
	fn, err := optBuf(c, 2)
	if err != nil {
		return op.Undefined, err
	}
	custom, err := optBuf(c, 3)
	if err != nil {
		return op.Undefined, err
	}
	data, err := c.Buf(4)
	if err != nil {
		return op.Undefined, err
	}
	if bits < 0 || bits%8 != 0 || bits/8 > maxXOF {
		return op.Undefined, operationError("%s: unsupported output length %d", name, bits)
	}
	h, err := newCSHAKE(name, fn, custom)
	if err != nil {
		return op.Undefined, err
	}
	h.Write(data)
	out := make([]byte, bits/8)
	h.Read(out)
	return op.Bytes(out), nil
}

// leftEncode and rightEncode are SP 800-185 §2.3.1's integer encodings.
func leftEncode(x uint64) []byte {
	n := byte(1)
	for v := x >> 8; v > 0; v >>= 8 {
		n++
	}
	out := []byte{n}
	for i := int(n) - 1; i >= 0; i-- {
		out = append(out, byte(x>>(8*i)))
	}
	return out
}

func rightEncode(x uint64) []byte {
	l := leftEncode(x)
	return append(l[1:], l[0])
}

// kmac computes KMAC128 or KMAC256 of data under key, bits long, with customization custom:
// cSHAKE(bytepad(encode_string(key), rate) ‖ data ‖ right_encode(bits), bits, "KMAC", custom).
func kmac(name string, key, data, custom []byte, bits int) ([]byte, error) {
	h, err := newCSHAKE(name, []byte("KMAC"), custom)
	if err != nil {
		return nil, err
	}
	rate := h.BlockSize()
	// bytepad(encode_string(K), rate) = left_encode(rate) ‖ left_encode(8·len(K)) ‖ K ‖ 0…
	pad := append(leftEncode(uint64(rate)), leftEncode(uint64(len(key))*8)...)
	pad = append(pad, key...)
	if r := len(pad) % rate; r != 0 {
		pad = append(pad, make([]byte, rate-r)...)
	}
	h.Write(pad)
	h.Write(data)
	h.Write(rightEncode(uint64(bits)))
	out := make([]byte, bits/8)
	h.Read(out)
	return out, nil
}

// kmacArgs reads (name, key, customization, bits) for crypto_kmac and crypto_kmac_verify.
func kmacArgs(c *op.Call) (name string, key, custom []byte, bits int, err error) {
	if name, err = c.Str(0); err != nil {
		return
	}
	if key, err = c.Buf(1); err != nil {
		return
	}
	if custom, err = optBuf(c, 2); err != nil {
		return
	}
	if bits, err = c.Int(3); err != nil {
		return
	}
	if bits <= 0 || bits%8 != 0 || bits/8 > maxXOF {
		err = operationError("%s: unsupported output length %d", name, bits)
	}
	return
}

// opKMAC is crypto_kmac(name, key, customization, bits, data) → the KMAC of data.
func opKMAC(c *op.Call) (op.Value, error) {
	name, key, custom, bits, err := kmacArgs(c)
	if err != nil {
		return op.Undefined, err
	}
	data, err := c.Buf(4)
	if err != nil {
		return op.Undefined, err
	}
	out, err := kmac(name, key, data, custom, bits)
	if err != nil {
		return op.Undefined, err
	}
	return op.Bytes(out), nil
}

// opKMACVerify is crypto_kmac_verify(name, key, customization, bits, signature, data) → whether
// signature is the KMAC of data, compared in constant time.
func opKMACVerify(c *op.Call) (op.Value, error) {
	name, key, custom, bits, err := kmacArgs(c)
	if err != nil {
		return op.Undefined, err
	}
	sig, err := c.Buf(4)
	if err != nil {
		return op.Undefined, err
	}
	data, err := c.Buf(5)
	if err != nil {
		return op.Undefined, err
	}
	out, err := kmac(name, key, data, custom, bits)
	if err != nil {
		return op.Undefined, err
	}
	return op.Bool(hmac.Equal(out, sig)), nil
}
