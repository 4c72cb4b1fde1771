package crypto

import (
	"crypto"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/pbkdf2"

	"islet/internal/op"
)

// opHMAC is crypto_hmac(hash, key, data) → HMAC(key, data).
func opHMAC(c *op.Call) (op.Value, error) {
	h, err := hashArg(c, 0)
	if err != nil {
		return op.Undefined, err
	}
	key, err := c.Buf(1)
	if err != nil {
		return op.Undefined, err
	}
	data, err := c.Buf(2)
	if err != nil {
		return op.Undefined, err
	}
	return op.Bytes(hmacSum(h, key, data)), nil
}

func hmacSum(h crypto.Hash, key, data []byte) []byte {
	m := hmac.New(newHash(h), key)
	m.Write(data)
	return m.Sum(nil)
}

// opHMACVerify is crypto_hmac_verify(hash, key, signature, data) → whether signature is
// HMAC(key, data), compared in constant time.
func opHMACVerify(c *op.Call) (op.Value, error) {
	h, err := hashArg(c, 0)
	if err != nil {
		return op.Undefined, err
	}
	key, err := c.Buf(1)
	if err != nil {
		return op.Undefined, err
	}
	sig, err := c.Buf(2)
	if err != nil {
		return op.Undefined, err
	}
	data, err := c.Buf(3)
	if err != nil {
		return op.Undefined, err
	}
	return op.Bool(hmac.Equal(hmacSum(h, key, data), sig)), nil
}

// maxDerive bounds the output of one PBKDF2 derivation (the spec's length is an unsigned
// long; this keeps a single call from allocating gigabytes).
const maxDerive = 1 << 20

// pbkdf2Step is how many iterations one crypto_pbkdf2 call runs at most (about 2 ms with
// SHA-256): between calls control returns to JS, where the CPU-time watchdog can stop the
// request.
const pbkdf2Step = 16384

// opPBKDF2 is crypto_pbkdf2(hash, password, salt, iterations, n, progress) → n bytes of
// PBKDF2-HMAC-hash (RFC 8018), iterations ≥ 1, computed over several calls: the result is a
// Uint8Array whose first byte is 0 when the rest is the derived key, or 1 when the rest is the
// progress to pass as `progress` to the next call (null on the first).
func opPBKDF2(c *op.Call) (op.Value, error) {
	h, err := hashArg(c, 0)
	if err != nil {
		return op.Undefined, err
	}
	password, err := c.Buf(1)
	if err != nil {
		return op.Undefined, err
	}
	salt, err := c.Buf(2)
	if err != nil {
		return op.Undefined, err
	}
	iter, err := c.Int(3)
	if err != nil {
		return op.Undefined, err
	}
	n, err := c.Int(4)
	if err != nil {
		return op.Undefined, err
	}
	state, err := optBuf(c, 5)
	if err != nil {
		return op.Undefined, err
	}
	if iter < 1 || iter > 1<<32-1 {
		return op.Undefined, operationError("PBKDF2 cannot run %d iterations", iter)
	}
	if n < 0 || n > maxDerive {
		return op.Undefined, operationError("PBKDF2 cannot derive %d bytes", n)
	}
	if n == 0 {
		return op.Bytes([]byte{0}), nil
	}
	f := fastPBKDF2For(h)
	if f == nil {
		key, err := pbkdf2.Key(newHash(h), string(password), salt, iter, n)
		if err != nil {
			return op.Undefined, operationError("PBKDF2: %v", err)
		}
		return op.Bytes(append([]byte{0}, key...)), nil
	}
	p := &pbkdf2Progress{}
	if state != nil {
		if p, err = decodeProgress(state, f.size); err != nil {
			return op.Undefined, operationError("PBKDF2: %v", err)
		}
	}
	if !f.run(password, salt, iter, n, p, pbkdf2Step) {
		return op.Bytes(append([]byte{1}, p.encode()...)), nil
	}
	return op.Bytes(append([]byte{0}, p.out...)), nil
}

// opHKDF is crypto_hkdf(hash, ikm, salt, info, n) → n bytes of HKDF-hash (RFC 5869); more than
// 255 hash lengths is an OperationError.
func opHKDF(c *op.Call) (op.Value, error) {
	h, err := hashArg(c, 0)
	if err != nil {
		return op.Undefined, err
	}
	ikm, err := c.Buf(1)
	if err != nil {
		return op.Undefined, err
	}
	salt, err := c.Buf(2)
	if err != nil {
		return op.Undefined, err
	}
	info, err := c.Buf(3)
	if err != nil {
		return op.Undefined, err
	}
	n, err := c.Int(4)
	if err != nil {
		return op.Undefined, err
	}
	if n < 0 || n > 255*h.Size() {
		return op.Undefined, operationError("HKDF cannot derive %d bytes with %v", n, h)
	}
	if n == 0 {
		return op.Bytes([]byte{}), nil
	}
	key, err := hkdf.Key(newHash(h), ikm, salt, string(info), n)
	if err != nil {
		return op.Undefined, operationError("HKDF: %v", err)
	}
	return op.Bytes(key), nil
}
