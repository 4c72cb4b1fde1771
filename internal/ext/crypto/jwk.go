package crypto

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"strings"

	"islet/internal/op"
)

// JSON Web Keys (RFC 7517, 7518, 8037): the JS side checks the members the spec names (kty,
// use, key_ops, ext, alg, crv) and passes the key material members here, base64url-encoded.

// b64 encodes b as unpadded base64url, as JWK members are.
func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// unb64 decodes a JWK member; trailing padding is tolerated, other malformed input is a
// DataError naming the member.
func unb64(member, s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, dataError("the JWK member %q is not valid base64url", member)
	}
	return b, nil
}

// opB64URLEncode is crypto_b64url_encode(bytes) → unpadded base64url.
func opB64URLEncode(c *op.Call) (op.Value, error) {
	b, err := c.Buf(0)
	if err != nil {
		return op.Undefined, err
	}
	return op.String(b64(b)), nil
}

// opB64URLDecode is crypto_b64url_decode(member, text) → bytes, or a DataError.
func opB64URLDecode(c *op.Call) (op.Value, error) {
	member, err := c.Str(0)
	if err != nil {
		return op.Undefined, err
	}
	s, err := c.Str(1)
	if err != nil {
		return op.Undefined, err
	}
	b, err := unb64(member, s)
	if err != nil {
		return op.Undefined, err
	}
	return op.Bytes(b), nil
}

// jwkArgs decodes the string arguments from index 2 on, named by names; an undefined argument
// decodes to nil.
func jwkArgs(c *op.Call, names ...string) ([][]byte, error) {
	out := make([][]byte, len(names))
	for i, n := range names {
		if c.Arg(2 + i).IsNullish() {
			continue
		}
		s, err := c.Str(2 + i)
		if err != nil {
			return nil, err
		}
		if out[i], err = unb64(n, s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// opImportJWK is crypto_import_jwk(kind, curve, …members) → the key's canonical DER: PKCS #8
// when the private member d is given, else SPKI. The members are, by kind:
//
//	EC:              x, y, d
//	Ed25519, X25519: x, d
//	RSA:             n, e, d, p, q, dp, dq, qi
//
// Missing, malformed or inconsistent members (a private key whose public half is not x/y, CRT
// values that do not match) are DataErrors.
func opImportJWK(c *op.Call) (op.Value, error) {
	kind, err := c.Str(0)
	if err != nil {
		return op.Undefined, err
	}
	switch kind {
	case "EC":
		curve, err := c.Str(1)
		if err != nil {
			return op.Undefined, err
		}
		m, err := jwkArgs(c, "x", "y", "d")
		if err != nil {
			return op.Undefined, err
		}
		key, private, err := ecFromJWK(curve, m[0], m[1], m[2])
		if err != nil {
			return op.Undefined, err
		}
		return keep(c, key, private)
	case "Ed25519", "X25519":
		m, err := jwkArgs(c, "x", "d")
		if err != nil {
			return op.Undefined, err
		}
		key, private, err := okpFromJWK(kind, m[0], m[1])
		if err != nil {
			return op.Undefined, err
		}
		return keep(c, key, private)
	case "RSA":
		m, err := jwkArgs(c, "n", "e", "d", "p", "q", "dp", "dq", "qi")
		if err != nil {
			return op.Undefined, err
		}
		key, private, err := rsaFromJWK(m)
		if err != nil {
			return op.Undefined, err
		}
		return keep(c, key, private)
	}
	return op.Undefined, notSupported("JWK import of %s keys is not supported", kind)
}

func ecFromJWK(curveName string, x, y, d []byte) (any, bool, error) {
	curve, err := curveOf(curveName)
	if err != nil {
		return nil, false, err
	}
	n := coordSize(curve)
	if len(x) != n || len(y) != n {
		return nil, false, dataError("the JWK members x and y must be %d bytes for %s", n, curveName)
	}
	point := append(append([]byte{4}, x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
	if err != nil {
		return nil, false, dataError("the JWK public key is not a point of %s", curveName)
	}
	if d == nil {
		return pub, false, nil
	}
	if len(d) != n {
		return nil, false, dataError("the JWK member d must be %d bytes for %s", n, curveName)
	}
	priv, err := ecdsa.ParseRawPrivateKey(curve, d)
	if err != nil {
		return nil, false, dataError("the JWK private key is invalid: %v", err)
	}
	if !priv.PublicKey.Equal(pub) {
		return nil, false, dataError("the JWK private key does not match its public key")
	}
	return priv, true, nil
}

func okpFromJWK(kind string, x, d []byte) (any, bool, error) {
	if x == nil {
		return nil, false, dataError("the JWK member x is missing")
	}
	var pub, priv any
	var pubBytes []byte
	switch kind {
	case "Ed25519":
		if len(x) != ed25519.PublicKeySize {
			return nil, false, dataError("the JWK member x must be 32 bytes")
		}
		pub = ed25519.PublicKey(x)
		if d != nil {
			if len(d) != ed25519.SeedSize {
				return nil, false, dataError("the JWK member d must be 32 bytes")
			}
			k := ed25519.NewKeyFromSeed(d)
			priv, pubBytes = k, k.Public().(ed25519.PublicKey)
		}
	default:
		p, err := ecdh.X25519().NewPublicKey(x)
		if err != nil {
			return nil, false, dataError("the JWK member x is invalid: %v", err)
		}
		pub = p
		if d != nil {
			k, err := ecdh.X25519().NewPrivateKey(d)
			if err != nil {
				return nil, false, dataError("the JWK member d is invalid: %v", err)
			}
			priv, pubBytes = k, k.PublicKey().Bytes()
		}
	}
	if priv == nil {
		return pub, false, nil
	}
	if !bytes.Equal(pubBytes, x) {
		return nil, false, dataError("the JWK private key does not match its public key")
	}
	return priv, true, nil
}

// rsaFromJWK builds an RSA key from n, e and, for a private key, d, p, q, dp, dq and qi (all
// required: keys without their CRT values, or with more primes, are not supported).
func rsaFromJWK(m [][]byte) (any, bool, error) {
	for i, name := range []string{"n", "e"} {
		if len(m[i]) == 0 {
			return nil, false, dataError("the JWK member %s is missing", name)
		}
	}
	if len(m[1]) > 4 {
		return nil, false, dataError("the RSA public exponent is too large")
	}
	n := new(big.Int).SetBytes(m[0])
	e := int(new(big.Int).SetBytes(m[1]).Int64())
	pub := &rsa.PublicKey{N: n, E: e}
	if m[2] == nil {
		if err := checkRSAPublic(pub); err != nil {
			return nil, false, err
		}
		return pub, false, nil
	}
	for i, name := range []string{"p", "q", "dp", "dq", "qi"} {
		if len(m[3+i]) == 0 {
			return nil, false, dataError("the JWK member %s is missing", name)
		}
	}
	priv := &rsa.PrivateKey{
		PublicKey: *pub,
		D:         new(big.Int).SetBytes(m[2]),
		Primes:    []*big.Int{new(big.Int).SetBytes(m[3]), new(big.Int).SetBytes(m[4])},
	}
	if err := priv.Validate(); err != nil {
		return nil, false, dataError("invalid RSA private key: %v", err)
	}
	priv.Precompute()
	pc := priv.Precomputed
	if pc.Dp == nil || pc.Dp.Cmp(new(big.Int).SetBytes(m[5])) != 0 ||
		pc.Dq.Cmp(new(big.Int).SetBytes(m[6])) != 0 || pc.Qinv.Cmp(new(big.Int).SetBytes(m[7])) != 0 {
		return nil, false, dataError("the JWK CRT members do not match the key")
	}
	return priv, true, nil
}

// opExportRaw is crypto_export_raw(spki) → the raw public key: the uncompressed point of an EC
// key, the 32 bytes of an Ed25519 or X25519 key.
func opExportRaw(c *op.Call) (op.Value, error) {
	der, err := c.Buf(0)
	if err != nil {
		return op.Undefined, err
	}
	p, err := lookup(c, false, der)
	if err != nil {
		return op.Undefined, err
	}
	switch k := p.key.(type) {
	case *ecdsa.PublicKey:
		b, err := k.Bytes()
		if err != nil {
			return op.Undefined, operationError("cannot encode the key: %v", err)
		}
		return op.Bytes(b), nil
	case ed25519.PublicKey:
		return op.Bytes(k), nil
	case *ecdh.PublicKey:
		return op.Bytes(k.Bytes()), nil
	}
	return op.Undefined, notSupported("raw export of %T keys is not supported", p.key)
}

// opExportJWK is crypto_export_jwk(der, private) → the key material members, base64url:
// EC [x, y, d?], Ed25519/X25519 [x, d?], RSA [n, e] or [n, e, d, p, q, dp, dq, qi].
func opExportJWK(c *op.Call) (op.Value, error) {
	der, err := c.Buf(0)
	if err != nil {
		return op.Undefined, err
	}
	p, err := lookup(c, c.Arg(1).Truthy(), der)
	if err != nil {
		return op.Undefined, err
	}
	switch k := p.key.(type) {
	case *ecdsa.PublicKey:
		return ecJWK(k, nil)
	case *ecdsa.PrivateKey:
		d, err := k.Bytes()
		if err != nil {
			return op.Undefined, operationError("cannot encode the key: %v", err)
		}
		return ecJWK(&k.PublicKey, d)
	case ed25519.PublicKey:
		return op.Strings([]string{b64(k)}), nil
	case ed25519.PrivateKey:
		return op.Strings([]string{b64(k.Public().(ed25519.PublicKey)), b64(k.Seed())}), nil
	case *ecdh.PublicKey:
		return op.Strings([]string{b64(k.Bytes())}), nil
	case *ecdh.PrivateKey:
		return op.Strings([]string{b64(k.PublicKey().Bytes()), b64(k.Bytes())}), nil
	case *rsa.PublicKey:
		return op.Strings([]string{b64(k.N.Bytes()), b64(big.NewInt(int64(k.E)).Bytes())}), nil
	case *rsa.PrivateKey:
		if len(k.Primes) != 2 {
			return op.Undefined, notSupported("multi-prime RSA keys cannot be exported as JWK")
		}
		k.Precompute()
		pc := k.Precomputed
		return op.Strings([]string{
			b64(k.N.Bytes()), b64(big.NewInt(int64(k.E)).Bytes()), b64(k.D.Bytes()),
			b64(k.Primes[0].Bytes()), b64(k.Primes[1].Bytes()),
			b64(pc.Dp.Bytes()), b64(pc.Dq.Bytes()), b64(pc.Qinv.Bytes()),
		}), nil
	}
	return op.Undefined, notSupported("JWK export of %T keys is not supported", p.key)
}

func ecJWK(pub *ecdsa.PublicKey, d []byte) (op.Value, error) {
	b, err := pub.Bytes()
	if err != nil {
		return op.Undefined, operationError("cannot encode the key: %v", err)
	}
	n := (len(b) - 1) / 2
	out := []string{b64(b[1 : 1+n]), b64(b[1+n:])}
	if d != nil {
		out = append(out, b64(d))
	}
	return op.Strings(out), nil
}
