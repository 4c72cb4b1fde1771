package crypto

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"islet/internal/op"
)

// Key kinds, as the JS side names them: "EC" (ECDSA and ECDH on the NIST curves), "Ed25519",
// "X25519" and "RSA". A key is held as PKCS #8 DER when private, SPKI DER when public, both in
// the canonical form x509 marshals.

// curveOf returns the curve a Web Crypto curve name names.
func curveOf(name string) (elliptic.Curve, error) {
	switch name {
	case "P-256":
		return elliptic.P256(), nil
	case "P-384":
		return elliptic.P384(), nil
	case "P-521":
		return elliptic.P521(), nil
	}
	return nil, notSupported("unsupported named curve %q", name)
}

// curveName is curveOf's inverse ("" for other curves).
func curveName(c elliptic.Curve) string {
	switch c {
	case elliptic.P256():
		return "P-256"
	case elliptic.P384():
		return "P-384"
	case elliptic.P521():
		return "P-521"
	}
	return ""
}

// coordSize is the byte length of a field element (and of a private scalar) of c.
func coordSize(c elliptic.Curve) int { return (c.Params().BitSize + 7) / 8 }

var (
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDH        = asn1.ObjectIdentifier{1, 3, 132, 1, 12}
	oidP256        = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidP384        = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	oidP521        = asn1.ObjectIdentifier{1, 3, 132, 0, 35}
)

type spkiASN1 struct {
	Algorithm pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

// parseSPKI parses a SubjectPublicKeyInfo with crypto/x509, and also takes the two EC forms
// it refuses: compressed points, and the id-ecDH algorithm (RFC 5480) that ECDH keys may use.
func parseSPKI(der []byte) (any, error) {
	key, err := x509.ParsePKIXPublicKey(der)
	if err == nil {
		return key, nil
	}
	var s spkiASN1
	rest, aerr := asn1.Unmarshal(der, &s)
	if aerr != nil || len(rest) != 0 {
		return nil, err
	}
	alg := s.Algorithm.Algorithm
	if !alg.Equal(oidECPublicKey) && !alg.Equal(oidECDH) {
		return nil, err
	}
	var curveOID asn1.ObjectIdentifier
	if rest, aerr := asn1.Unmarshal(s.Algorithm.Parameters.FullBytes, &curveOID); aerr != nil || len(rest) != 0 {
		return nil, errors.New("the EC parameters are not a named curve")
	}
	var curve elliptic.Curve
	switch {
	case curveOID.Equal(oidP256):
		curve = elliptic.P256()
	case curveOID.Equal(oidP384):
		curve = elliptic.P384()
	case curveOID.Equal(oidP521):
		curve = elliptic.P521()
	default:
		return nil, fmt.Errorf("unsupported curve %v", curveOID)
	}
	return parsePoint(curve, s.PublicKey.RightAlign())
}

// parsePoint decodes an uncompressed or compressed SEC 1 point, checking it is on the curve.
func parsePoint(curve elliptic.Curve, b []byte) (*ecdsa.PublicKey, error) {
	if len(b) > 0 && (b[0] == 2 || b[0] == 3) {
		x, y := elliptic.UnmarshalCompressed(curve, b)
		if x == nil {
			return nil, errors.New("invalid compressed point")
		}
		n := coordSize(curve)
		u := make([]byte, 1+2*n)
		u[0] = 4
		x.FillBytes(u[1 : 1+n])
		y.FillBytes(u[1+n:])
		b = u
	}
	return ecdsa.ParseUncompressedPublicKey(curve, b)
}

// checkKind verifies that a parsed key is of the expected kind (and, for "EC", curve).
func checkKind(kind, curve string, key any) error {
	ok := false
	switch kind {
	case "EC":
		var c elliptic.Curve
		switch k := key.(type) {
		case *ecdsa.PrivateKey:
			c = k.Curve
		case *ecdsa.PublicKey:
			c = k.Curve
		default:
			return dataError("the key is not an EC key")
		}
		if got := curveName(c); got != curve {
			return dataError("the key's curve %q is not the algorithm's %q", got, curve)
		}
		return nil
	case "Ed25519":
		switch key.(type) {
		case ed25519.PrivateKey, ed25519.PublicKey:
			ok = true
		}
	case "X25519":
		switch k := key.(type) {
		case *ecdh.PrivateKey:
			ok = k.Curve() == ecdh.X25519()
		case *ecdh.PublicKey:
			ok = k.Curve() == ecdh.X25519()
		}
	case "RSA":
		switch k := key.(type) {
		case *rsa.PrivateKey:
			ok = true
		case *rsa.PublicKey:
			if err := checkRSAPublic(k); err != nil {
				return err
			}
			ok = true
		}
	default:
		return notSupported("unknown key kind %q", kind)
	}
	if !ok {
		return dataError("the key is not an %s key", kind)
	}
	return nil
}

// checkRSAPublic rejects RSA public keys no operation could use: a modulus that is not odd
// and greater than one, an exponent that is not odd and at least 3 (x509 parses such keys).
func checkRSAPublic(k *rsa.PublicKey) error {
	if k.N.Sign() <= 0 || k.N.Bit(0) == 0 || k.N.BitLen() < 2 || k.E < 3 || k.E&1 == 0 {
		return dataError("invalid RSA public key")
	}
	return nil
}

// marshal returns the canonical DER of a key: PKCS #8 for private keys, SPKI for public ones.
func marshal(key any, private bool) ([]byte, error) {
	var der []byte
	var err error
	if private {
		der, err = x509.MarshalPKCS8PrivateKey(key)
	} else {
		der, err = x509.MarshalPKIXPublicKey(key)
	}
	if err != nil {
		return nil, dataError("cannot encode the key: %v", err)
	}
	return der, nil
}

// keep marshals key, caches it under its DER for the ops that follow, and returns the DER.
func keep(c *op.Call, key any, private bool) (op.Value, error) {
	der, err := marshal(key, private)
	if err != nil {
		return op.Undefined, err
	}
	rememberKey(c, private, der, key)
	return op.Bytes(der), nil
}

// opImport is crypto_import(kind, format, data, curve) → the key's canonical DER (PKCS #8 for
// format "pkcs8", SPKI for "spki" and "raw"). Data that does not parse, or is a key of another
// kind or curve, is a DataError.
func opImport(c *op.Call) (op.Value, error) {
	kind, err := c.Str(0)
	if err != nil {
		return op.Undefined, err
	}
	format, err := c.Str(1)
	if err != nil {
		return op.Undefined, err
	}
	data, err := c.Buf(2)
	if err != nil {
		return op.Undefined, err
	}
	// Borrowed from JS, and the parsed key may alias it (and is cached): parse a copy.
	data = bytes.Clone(data)
	curve := ""
	if kind == "EC" {
		if curve, err = c.Str(3); err != nil {
			return op.Undefined, err
		}
	}
	var key any
	private := false
	switch format {
	case "spki":
		key, err = parseSPKI(data)
	case "pkcs8":
		key, err = x509.ParsePKCS8PrivateKey(data)
		private = true
	case "raw":
		key, err = parseRawPublic(kind, curve, data)
	default:
		return op.Undefined, notSupported("unsupported key format %q", format)
	}
	if err != nil {
		var oe *op.Error
		if errors.As(err, &oe) {
			return op.Undefined, err
		}
		return op.Undefined, dataError("invalid %s key data: %v", format, err)
	}
	if err := checkKind(kind, curve, key); err != nil {
		return op.Undefined, err
	}
	return keep(c, key, private)
}

// parseRawPublic decodes a raw public key: a SEC 1 point, or 32 bytes for Ed25519 and X25519.
func parseRawPublic(kind, curve string, data []byte) (any, error) {
	switch kind {
	case "EC":
		cv, err := curveOf(curve)
		if err != nil {
			return nil, err
		}
		return parsePoint(cv, data)
	case "Ed25519":
		if len(data) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("an Ed25519 public key is 32 bytes, not %d", len(data))
		}
		return ed25519.PublicKey(append([]byte(nil), data...)), nil
	case "X25519":
		return ecdh.X25519().NewPublicKey(data)
	}
	return nil, notSupported("raw import of %s keys is not supported", kind)
}

// opPublicOf is crypto_public_of(pkcs8) → the SPKI of the private key's public half.
func opPublicOf(c *op.Call) (op.Value, error) {
	der, err := c.Buf(0)
	if err != nil {
		return op.Undefined, err
	}
	p, err := lookup(c, true, der)
	if err != nil {
		return op.Undefined, err
	}
	var pub any
	switch k := p.key.(type) {
	case *ecdsa.PrivateKey:
		pub = &k.PublicKey
	case *rsa.PrivateKey:
		pub = &k.PublicKey
	case ed25519.PrivateKey:
		pub = k.Public()
	case *ecdh.PrivateKey:
		pub = k.PublicKey()
	default:
		return op.Undefined, dataError("unsupported private key type %T", p.key)
	}
	return keep(c, pub, false)
}

// opRSAInfo is crypto_rsa_info(der, private) → [modulus length in bits, public exponent as
// unpadded base64url], for the key's RsaKeyAlgorithm.
func opRSAInfo(c *op.Call) (op.Value, error) {
	der, err := c.Buf(0)
	if err != nil {
		return op.Undefined, err
	}
	p, err := lookup(c, c.Arg(1).Truthy(), der)
	if err != nil {
		return op.Undefined, err
	}
	var pub *rsa.PublicKey
	switch k := p.key.(type) {
	case *rsa.PrivateKey:
		pub = &k.PublicKey
	case *rsa.PublicKey:
		pub = k
	default:
		return op.Undefined, dataError("not an RSA key")
	}
	e := big.NewInt(int64(pub.E)).Bytes()
	return op.Strings([]string{fmt.Sprint(pub.N.BitLen()), b64(e)}), nil
}
