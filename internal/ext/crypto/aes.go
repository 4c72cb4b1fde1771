package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"math/big"

	"islet/internal/op"
)

// aesBlock reads the key (argument i) and makes its block cipher; a key that is not 16, 24 or 32
// bytes long is a DataError (the JS side never passes one).
func aesBlock(c *op.Call, i int) (cipher.Block, error) {
	key, err := c.Buf(i)
	if err != nil {
		return nil, err
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, dataError("AES: %v", err)
	}
	return b, nil
}

// opAESCBC is crypto_aes_cbc(encrypt, key, iv, data) → AES-CBC with PKCS #7 padding. A bad
// IV length, a ciphertext that is not whole blocks and bad padding are OperationErrors.
func opAESCBC(c *op.Call) (op.Value, error) {
	enc := c.Arg(0).Truthy()
	b, err := aesBlock(c, 1)
	if err != nil {
		return op.Undefined, err
	}
	iv, err := c.Buf(2)
	if err != nil {
		return op.Undefined, err
	}
	data, err := c.Buf(3)
	if err != nil {
		return op.Undefined, err
	}
	if len(iv) != aes.BlockSize {
		return op.Undefined, operationError("AES-CBC: the iv must be 16 bytes, not %d", len(iv))
	}
	if enc {
		p := aes.BlockSize - len(data)%aes.BlockSize
		out := make([]byte, len(data)+p)
		copy(out, data)
		for i := len(data); i < len(out); i++ {
			out[i] = byte(p)
		}
		cipher.NewCBCEncrypter(b, iv).CryptBlocks(out, out)
		return op.Bytes(out), nil
	}
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return op.Undefined, operationError("AES-CBC: the ciphertext is not a whole number of blocks")
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(b, iv).CryptBlocks(out, data)
	p := int(out[len(out)-1])
	bad := 0
	if p == 0 || p > aes.BlockSize {
		bad = 1
		p = 1
	}
	for i := len(out) - p; i < len(out); i++ {
		bad |= subtle.ConstantTimeByteEq(out[i], byte(p)) ^ 1
	}
	if bad != 0 {
		return op.Undefined, operationError("AES-CBC: bad padding")
	}
	return op.Bytes(out[:len(out)-p]), nil
}

// opAESCTR is crypto_aes_ctr(key, counter, length, data) → AES-CTR where only the rightmost
// length bits of the 16-byte counter block increment (and wrap around), as the spec says.
// Data that would reuse a counter value is an OperationError.
func opAESCTR(c *op.Call) (op.Value, error) {
	b, err := aesBlock(c, 0)
	if err != nil {
		return op.Undefined, err
	}
	counter, err := c.Buf(1)
	if err != nil {
		return op.Undefined, err
	}
	length, err := c.Int(2)
	if err != nil {
		return op.Undefined, err
	}
	data, err := c.Buf(3)
	if err != nil {
		return op.Undefined, err
	}
	if len(counter) != aes.BlockSize {
		return op.Undefined, operationError("AES-CTR: the counter must be 16 bytes, not %d", len(counter))
	}
	if length < 1 || length > 128 {
		return op.Undefined, operationError("AES-CTR: length must be between 1 and 128, not %d", length)
	}
	out, err := ctrXOR(b, counter, uint(length), data)
	if err != nil {
		return op.Undefined, err
	}
	return op.Bytes(out), nil
}

// ctrXOR runs AES-CTR over data in segments, each one a run of counter values whose low
// `length` bits do not wrap, so crypto/cipher's 128-bit increment gives the same counters.
func ctrXOR(b cipher.Block, counter []byte, length uint, data []byte) ([]byte, error) {
	blocks := new(big.Int).SetInt64(int64((len(data) + aes.BlockSize - 1) / aes.BlockSize))
	space := new(big.Int).Lsh(big.NewInt(1), length) // counter values before one repeats
	if blocks.Cmp(space) > 0 {
		return nil, operationError("AES-CTR: the data is too long for a %d-bit counter", length)
	}
	ctr := new(big.Int).SetBytes(counter)
	mask := new(big.Int).Sub(space, big.NewInt(1))
	high := new(big.Int).AndNot(ctr, mask)
	out := make([]byte, len(data))
	iv := make([]byte, aes.BlockSize)
	for pos := 0; pos < len(data); {
		low := new(big.Int).And(ctr, mask)
		left := new(big.Int).Sub(space, low) // blocks before the low bits wrap
		n := len(data) - pos
		if left.IsInt64() && left.Int64() < int64((n+aes.BlockSize-1)/aes.BlockSize) {
			n = int(left.Int64()) * aes.BlockSize
		}
		ctr.FillBytes(iv)
		cipher.NewCTR(b, iv).XORKeyStream(out[pos:pos+n], data[pos:pos+n])
		pos += n
		ctr.Set(high) // the low bits wrapped to zero
	}
	return out, nil
}

// opAESGCM is crypto_aes_gcm(encrypt, key, iv, additionalData, tagBits, data) → AES-GCM
// ciphertext ‖ tag, or the plaintext. Tags shorter than 128 bits are the full tag truncated
// (NIST SP 800-38D §5.2.1.2); decryption recomputes and compares them in constant time. A failed
// authentication is an OperationError.
func opAESGCM(c *op.Call) (op.Value, error) {
	enc := c.Arg(0).Truthy()
	b, err := aesBlock(c, 1)
	if err != nil {
		return op.Undefined, err
	}
	iv, err := c.Buf(2)
	if err != nil {
		return op.Undefined, err
	}
	aad, err := optBuf(c, 3)
	if err != nil {
		return op.Undefined, err
	}
	tagBits, err := c.Int(4)
	if err != nil {
		return op.Undefined, err
	}
	data, err := c.Buf(5)
	if err != nil {
		return op.Undefined, err
	}
	switch tagBits {
	case 32, 64, 96, 104, 112, 120, 128:
	default:
		return op.Undefined, operationError("AES-GCM: %d is not a valid tag length", tagBits)
	}
	if len(iv) == 0 {
		return op.Undefined, operationError("AES-GCM: the iv is empty")
	}
	var g cipher.AEAD
	if len(iv) == 12 {
		g, err = cipher.NewGCM(b)
	} else {
		g, err = cipher.NewGCMWithNonceSize(b, len(iv))
	}
	if err != nil {
		return op.Undefined, operationError("AES-GCM: %v", err)
	}
	tagLen := tagBits / 8
	if enc {
		sealed := g.Seal(nil, iv, data, aad)
		return op.Bytes(sealed[:len(data)+tagLen]), nil
	}
	if len(data) < tagLen {
		return op.Undefined, operationError("AES-GCM: the ciphertext is shorter than the tag")
	}
	if tagLen == g.Overhead() {
		out, err := g.Open(nil, iv, data, aad)
		if err != nil {
			return op.Undefined, operationError("AES-GCM: the data could not be authenticated")
		}
		return op.Bytes(out), nil
	}
	// A truncated tag: recover the plaintext with the key stream (the encryption of zeros),
	// then seal it again and compare the tag's prefix.
	m := len(data) - tagLen
	plain := g.Seal(nil, iv, make([]byte, m), nil)[:m]
	subtle.XORBytes(plain, plain, data[:m])
	full := g.Seal(nil, iv, plain, aad)
	if subtle.ConstantTimeCompare(full[m:m+tagLen], data[m:]) != 1 {
		clear(plain)
		return op.Undefined, operationError("AES-GCM: the data could not be authenticated")
	}
	return op.Bytes(plain), nil
}

// kwIV is RFC 3394's default initial value.
const kwIV = 0xA6A6A6A6A6A6A6A6

// opAESKW is crypto_aes_kw(wrap, key, data) → the RFC 3394 key wrap of data (whole 64-bit
// blocks, at least two), or its unwrap. A failed integrity check is an OperationError.
func opAESKW(c *op.Call) (op.Value, error) {
	wrap := c.Arg(0).Truthy()
	b, err := aesBlock(c, 1)
	if err != nil {
		return op.Undefined, err
	}
	data, err := c.Buf(2)
	if err != nil {
		return op.Undefined, err
	}
	if wrap {
		out, err := kwWrap(b, data)
		if err != nil {
			return op.Undefined, err
		}
		return op.Bytes(out), nil
	}
	out, err := kwUnwrap(b, data)
	if err != nil {
		return op.Undefined, err
	}
	return op.Bytes(out), nil
}

// kwWrap is RFC 3394 §2.2.1 (the index-based form) over crypto/aes's block cipher.
func kwWrap(b cipher.Block, plain []byte) ([]byte, error) {
	if len(plain)%8 != 0 || len(plain) < 16 {
		return nil, operationError("AES-KW: the data must be a multiple of 8 bytes, at least 16")
	}
	n := len(plain) / 8
	out := make([]byte, 8+len(plain))
	copy(out[8:], plain)
	a := uint64(kwIV)
	var buf [16]byte
	for j := 0; j < 6; j++ {
		for i := 1; i <= n; i++ {
			binary.BigEndian.PutUint64(buf[:8], a)
			copy(buf[8:], out[8*i:8*i+8])
			b.Encrypt(buf[:], buf[:])
			a = binary.BigEndian.Uint64(buf[:8]) ^ uint64(n*j+i)
			copy(out[8*i:], buf[8:])
		}
	}
	binary.BigEndian.PutUint64(out[:8], a)
	return out, nil
}

// kwUnwrap is RFC 3394 §2.2.2; the integrity check compares the recovered initial value in
// constant time.
func kwUnwrap(b cipher.Block, wrapped []byte) ([]byte, error) {
	if len(wrapped)%8 != 0 || len(wrapped) < 24 {
		return nil, operationError("AES-KW: the wrapped data must be a multiple of 8 bytes, at least 24")
	}
	n := len(wrapped)/8 - 1
	out := make([]byte, len(wrapped)-8)
	copy(out, wrapped[8:])
	a := binary.BigEndian.Uint64(wrapped[:8])
	var buf [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			binary.BigEndian.PutUint64(buf[:8], a^uint64(n*j+i))
			copy(buf[8:], out[8*(i-1):8*i])
			b.Decrypt(buf[:], buf[:])
			a = binary.BigEndian.Uint64(buf[:8])
			copy(out[8*(i-1):], buf[8:])
		}
	}
	var got, want [8]byte
	binary.BigEndian.PutUint64(got[:], a)
	binary.BigEndian.PutUint64(want[:], kwIV)
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		clear(out)
		return nil, operationError("AES-KW: the wrapped key failed its integrity check")
	}
	return out, nil
}
