package crypto

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"math/big"

	"islet/internal/op"
)

// opGenerate is crypto_generate(kind, param, exponent) → PKCS #8 of a new private key. param is
// the curve name for "EC", the modulus length in bits for "RSA" (1024 to 4096; the exponent,
// big-endian bytes, must be 65537: the only one crypto/rsa generates). A failure is an
// OperationError.
func opGenerate(c *op.Call) (op.Value, error) {
	kind, err := c.Str(0)
	if err != nil {
		return op.Undefined, err
	}
	var key any
	switch kind {
	case "EC":
		name, err := c.Str(1)
		if err != nil {
			return op.Undefined, err
		}
		curve, err := curveOf(name)
		if err != nil {
			return op.Undefined, err
		}
		key, err = ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			return op.Undefined, operationError("EC key generation: %v", err)
		}
	case "Ed25519":
		_, key, err = ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return op.Undefined, operationError("Ed25519 key generation: %v", err)
		}
	case "X25519":
		key, err = ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			return op.Undefined, operationError("X25519 key generation: %v", err)
		}
	case "RSA":
		bits, err := c.Int(1)
		if err != nil {
			return op.Undefined, err
		}
		e, err := c.Buf(2)
		if err != nil {
			return op.Undefined, err
		}
		if new(big.Int).SetBytes(e).Cmp(big.NewInt(65537)) != 0 {
			return op.Undefined, operationError("RSA key generation supports only the public exponent 65537")
		}
		// Key generation runs to its end once started (it cannot be stopped by the CPU-time
		// watchdog): RSA-4096 takes about a second here, RSA-8192 a minute, so 4096 bits is
		// the largest modulus generated.
		if bits < 1024 || bits > 4096 || bits%8 != 0 {
			return op.Undefined, operationError("RSA key generation supports modulus lengths of 1024 to 4096 bits (a multiple of 8), not %d", bits)
		}
		c.Blocking(func() { key, err = rsa.GenerateKey(rand.Reader, bits) })
		if err != nil {
			return op.Undefined, operationError("RSA key generation: %v", err)
		}
	default:
		return op.Undefined, notSupported("unknown key kind %q", kind)
	}
	return keep(c, key, true)
}

// signArgs reads (kind, hash, saltLength, der) and the cached key for sign and verify.
func signArgs(c *op.Call, private bool) (kind string, h crypto.Hash, salt int, key any, err error) {
	if kind, err = c.Str(0); err != nil {
		return
	}
	if kind != "Ed25519" {
		if h, err = hashArg(c, 1); err != nil {
			return
		}
	}
	if kind == "RSA-PSS" {
		if salt, err = c.Int(2); err != nil {
			return
		}
	}
	der, err := c.Buf(3)
	if err != nil {
		return
	}
	p, err := lookup(c, private, der)
	if err != nil {
		return
	}
	return kind, h, salt, p.key, nil
}

// opSign is crypto_sign(kind, hash, saltLength, pkcs8, data) → the signature: kind is "ECDSA"
// (r ‖ s, each the curve's size), "Ed25519", "RSASSA-PKCS1-v1_5" or "RSA-PSS".
func opSign(c *op.Call) (op.Value, error) {
	kind, h, salt, key, err := signArgs(c, true)
	if err != nil {
		return op.Undefined, err
	}
	data, err := c.Buf(4)
	if err != nil {
		return op.Undefined, err
	}
	var sig []byte
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		if kind != "ECDSA" {
			break
		}
		der, err := ecdsa.SignASN1(rand.Reader, k, digest(h, data))
		if err != nil {
			return op.Undefined, operationError("ECDSA: %v", err)
		}
		var rs struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(der, &rs); err != nil {
			return op.Undefined, operationError("ECDSA: %v", err)
		}
		n := (k.Curve.Params().N.BitLen() + 7) / 8
		sig = make([]byte, 2*n)
		rs.R.FillBytes(sig[:n])
		rs.S.FillBytes(sig[n:])
	case ed25519.PrivateKey:
		if kind == "Ed25519" {
			sig = ed25519.Sign(k, data)
		}
	case *rsa.PrivateKey:
		switch kind {
		case "RSASSA-PKCS1-v1_5":
			sig, err = rsa.SignPKCS1v15(nil, k, h, digest(h, data))
		case "RSA-PSS":
			if salt == 0 {
				// crypto/rsa reads a salt length of 0 as "as long as possible".
				return op.Undefined, operationError("RSA-PSS signing with an empty salt is not supported")
			}
			sig, err = rsa.SignPSS(rand.Reader, k, h, digest(h, data), &rsa.PSSOptions{SaltLength: salt, Hash: h})
		}
		if err != nil {
			return op.Undefined, operationError("%s: %v", kind, err)
		}
	}
	if sig == nil {
		return op.Undefined, op.DOMException("InvalidAccessError", "the key cannot be used for %s", kind)
	}
	return op.Bytes(sig), nil
}

// opVerify is crypto_verify(kind, hash, saltLength, spki, signature, data) → whether the
// signature is valid. A signature of the wrong size is simply invalid.
func opVerify(c *op.Call) (op.Value, error) {
	kind, h, salt, key, err := signArgs(c, false)
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
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		if kind != "ECDSA" {
			break
		}
		n := (k.Curve.Params().N.BitLen() + 7) / 8
		if len(sig) != 2*n {
			return op.Bool(false), nil
		}
		der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])})
		if err != nil {
			return op.Bool(false), nil
		}
		return op.Bool(ecdsa.VerifyASN1(k, digest(h, data), der)), nil
	case ed25519.PublicKey:
		if kind == "Ed25519" {
			if len(sig) != ed25519.SignatureSize || smallOrder(k) || smallOrder(sig[:32]) {
				return op.Bool(false), nil
			}
			return op.Bool(ed25519.Verify(k, data, sig)), nil
		}
	case *rsa.PublicKey:
		switch kind {
		case "RSASSA-PKCS1-v1_5":
			return op.Bool(rsa.VerifyPKCS1v15(k, h, digest(h, data), sig) == nil), nil
		case "RSA-PSS":
			return op.Bool(verifyPSS(k, h, salt, digest(h, data), sig)), nil
		}
	}
	return op.Undefined, op.DOMException("InvalidAccessError", "the key cannot be used for %s", kind)
}

// verifyPSS checks an RSA-PSS signature with exactly saltLength bytes of salt. crypto/rsa
// reads a salt length of 0 as "any"; for it the signature is checked that way and then its
// salt is confirmed empty from the public-key operation (no secret is involved).
func verifyPSS(k *rsa.PublicKey, h crypto.Hash, saltLength int, hashed, sig []byte) bool {
	if saltLength != 0 {
		return rsa.VerifyPSS(k, h, hashed, sig, &rsa.PSSOptions{SaltLength: saltLength, Hash: h}) == nil
	}
	if rsa.VerifyPSS(k, h, hashed, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto, Hash: h}) != nil {
		return false
	}
	return pssSaltLength(k, h, sig) == 0
}

// pssSaltLength recovers the salt length of a signature already found valid (RFC 8017
// §9.1.2 steps 7–10): EM = s^e mod n, DB = maskedDB ⊕ MGF1(H), and the salt is what follows
// DB's 0x01 separator. It returns -1 if the encoding does not parse.
func pssSaltLength(k *rsa.PublicKey, h crypto.Hash, sig []byte) int {
	emBits := k.N.BitLen() - 1
	emLen := (emBits + 7) / 8
	m := new(big.Int).Exp(new(big.Int).SetBytes(sig), big.NewInt(int64(k.E)), k.N)
	if m.BitLen() > emLen*8 {
		return -1
	}
	em := m.FillBytes(make([]byte, emLen))
	hLen := h.Size()
	if emLen < hLen+2 || em[emLen-1] != 0xbc {
		return -1
	}
	db := em[:emLen-hLen-1]
	hv := em[emLen-hLen-1 : emLen-1]
	var mask []byte
	for ctr := uint32(0); len(mask) < len(db); ctr++ {
		mask = append(mask, digest(h, append(append([]byte(nil), hv...), byte(ctr>>24), byte(ctr>>16), byte(ctr>>8), byte(ctr)))...)
	}
	for i := range db {
		db[i] ^= mask[i]
	}
	db[0] &= 0xff >> (8*emLen - emBits)
	i := bytes.IndexByte(db, 1)
	if i < 0 || !bytes.Equal(db[:i], make([]byte, i)) {
		return -1
	}
	return len(db) - i - 1
}

// opRSAOAEP is crypto_rsa_oaep(encrypt, hash, der, label, data) → RSA-OAEP ciphertext or
// plaintext (SPKI DER to encrypt, PKCS #8 to decrypt). Failures are OperationErrors.
func opRSAOAEP(c *op.Call) (op.Value, error) {
	enc := c.Arg(0).Truthy()
	h, err := hashArg(c, 1)
	if err != nil {
		return op.Undefined, err
	}
	der, err := c.Buf(2)
	if err != nil {
		return op.Undefined, err
	}
	label, err := optBuf(c, 3)
	if err != nil {
		return op.Undefined, err
	}
	data, err := c.Buf(4)
	if err != nil {
		return op.Undefined, err
	}
	p, err := lookup(c, !enc, der)
	if err != nil {
		return op.Undefined, err
	}
	var out []byte
	switch k := p.key.(type) {
	case *rsa.PublicKey:
		if enc {
			out, err = rsa.EncryptOAEP(newHash(h)(), rand.Reader, k, data, label)
		}
	case *rsa.PrivateKey:
		if !enc {
			out, err = rsa.DecryptOAEP(newHash(h)(), nil, k, data, label)
		}
	}
	if err != nil {
		return op.Undefined, operationError("RSA-OAEP: %v", err)
	}
	if out == nil {
		return op.Undefined, op.DOMException("InvalidAccessError", "the key cannot be used for RSA-OAEP")
	}
	return op.Bytes(out), nil
}

// opDerive is crypto_derive(pkcs8, spki) → the ECDH or X25519 shared secret of a private and
// a public key of the same curve. A degenerate result (an all-zero X25519 secret from a
// low-order point) is an OperationError.
func opDerive(c *op.Call) (op.Value, error) {
	privDER, err := c.Buf(0)
	if err != nil {
		return op.Undefined, err
	}
	pubDER, err := c.Buf(1)
	if err != nil {
		return op.Undefined, err
	}
	pp, err := lookup(c, true, privDER)
	if err != nil {
		return op.Undefined, err
	}
	pq, err := lookup(c, false, pubDER)
	if err != nil {
		return op.Undefined, err
	}
	priv, err := pp.ecdhPrivate()
	if err != nil {
		return op.Undefined, err
	}
	pub, err := pq.ecdhPublic()
	if err != nil {
		return op.Undefined, err
	}
	if priv.Curve() != pub.Curve() {
		return op.Undefined, op.DOMException("InvalidAccessError", "the keys are on different curves")
	}
	secret, err := priv.ECDH(pub)
	if err != nil {
		return op.Undefined, operationError("key agreement failed: %v", err)
	}
	return op.Bytes(secret), nil
}

// smallOrderY are the y coordinates (little-endian, sign bit clear) of the Ed25519 points of
// order 1, 2, 4 and 8, including the non-canonical encodings p and p+1 of 0 and 1: an encoding
// whose low 255 bits are one of these is a small-order point, whatever its sign bit.
var smallOrderY = [][32]byte{
	{0}, // 0: order 4
	{1}, // 1: order 1 (the identity)
	{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05}, // order 8
	{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a}, // order 8
	{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, // p-1: order 2
	{0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, // p = 0
	{0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, // p+1 = 1
}

// smallOrder reports whether a 32-byte Ed25519 point encoding is a point of small order,
// which the spec's Ed25519 verify rejects for both the public key and the signature's R.
func smallOrder(enc []byte) bool {
	if len(enc) != 32 {
		return false
	}
	var y [32]byte
	copy(y[:], enc)
	y[31] &= 0x7f
	for _, s := range smallOrderY {
		if y == s {
			return true
		}
	}
	return false
}
