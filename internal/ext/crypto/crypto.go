// Package crypto holds the Web Cryptography API (https://w3c.github.io/webcrypto/):
// crypto.getRandomValues, crypto.randomUUID and crypto.subtle with SHA-1/256/384/512, HMAC,
// PBKDF2, HKDF, AES-GCM/CBC/CTR/KW, ECDSA and ECDH on P-256/384/521, Ed25519, X25519,
// RSASSA-PKCS1-v1_5, RSA-PSS and RSA-OAEP; from the "Modern Algorithms" draft
// (https://wicg.github.io/webcrypto-modern-algos/) SHA3-256/384/512, cSHAKE128/256, KMAC128/256,
// getPublicKey and SubtleCrypto.supports; and Cloudflare Workers' crypto.subtle.timingSafeEqual.
//
// The JavaScript side (js/) does everything the spec describes in terms of IDL values: argument
// conversion, algorithm normalization, usages, extractability, JWK member checks and the error
// names. The Go ops here do the cryptography with Go's standard library, statelessly: a key's
// material lives in its CryptoKey, in a JS-private field (raw bytes for secret keys, PKCS #8 DER
// for private keys, SPKI DER for public keys) and is passed to every op that needs it. Nothing
// is kept per key on the Go side except a small, bounded, per-isolate cache of parsed
// asymmetric keys (cache.go), so no table entry ever needs releasing and no key can be reached
// from another isolate.
//
// Every op is synchronous: it runs on the isolate's thread, so its CPU time is charged to the
// request that called it by the per-request CPU watchdog, and the JS side returns an
// already-settled promise. The watchdog can only stop JavaScript between op calls, so the one
// operation whose cost the caller chooses freely, PBKDF2, runs in steps of bounded work
// (pbkdf2fast.go), and RSA key generation is limited to 4096-bit moduli.
//
// Errors: an op fails with an *op.Error carrying the DOMException name the spec gives
// (DataError for malformed key material, OperationError for failed operations,
// NotSupportedError for unsupported parameters); the JS side adds the checks that come before.
package crypto

import (
	"embed"

	"islet/internal/ext"
	"islet/internal/op"
)

//go:embed js/*.js
var files embed.FS

// Ext is the Web Crypto extension. It needs webidl (converters, DOMException) loaded before it.
//
// It is lazy (see ext.Lazy): its JavaScript is evaluated in an isolate the first time a worker
// reads one of these globals.
var Ext = ext.Ext{
	Name: "crypto",
	JS:   ext.JSDir(files),
	Ops: []op.Def{
		{Name: "crypto_random", Sync: opRandom},
		{Name: "crypto_random_uuid", Sync: opRandomUUID},
		{Name: "crypto_timing_safe_equal", Sync: opTimingSafeEqual},
		{Name: "crypto_digest", Sync: opDigest},
		{Name: "crypto_cshake", Sync: opCSHAKE},
		{Name: "crypto_kmac", Sync: opKMAC},
		{Name: "crypto_kmac_verify", Sync: opKMACVerify},
		{Name: "crypto_hmac", Sync: opHMAC},
		{Name: "crypto_hmac_verify", Sync: opHMACVerify},
		{Name: "crypto_pbkdf2", Sync: opPBKDF2},
		{Name: "crypto_hkdf", Sync: opHKDF},
		{Name: "crypto_aes_cbc", Sync: opAESCBC},
		{Name: "crypto_aes_ctr", Sync: opAESCTR},
		{Name: "crypto_aes_gcm", Sync: opAESGCM},
		{Name: "crypto_aes_kw", Sync: opAESKW},
		{Name: "crypto_b64url_encode", Sync: opB64URLEncode},
		{Name: "crypto_b64url_decode", Sync: opB64URLDecode},
		{Name: "crypto_generate", Sync: opGenerate},
		{Name: "crypto_public_of", Sync: opPublicOf},
		{Name: "crypto_import", Sync: opImport},
		{Name: "crypto_import_jwk", Sync: opImportJWK},
		{Name: "crypto_export_raw", Sync: opExportRaw},
		{Name: "crypto_export_jwk", Sync: opExportJWK},
		{Name: "crypto_rsa_info", Sync: opRSAInfo},
		{Name: "crypto_sign", Sync: opSign},
		{Name: "crypto_verify", Sync: opVerify},
		{Name: "crypto_rsa_oaep", Sync: opRSAOAEP},
		{Name: "crypto_derive", Sync: opDerive},
	},
	Lazy: &ext.Lazy{
		Globals:   []string{"crypto", "Crypto", "SubtleCrypto", "CryptoKey", "QuotaExceededError"},
		Internals: []string{"webcrypto"},
	},
}

// Errors with the DOMException names the spec uses.

func dataError(format string, args ...any) error {
	return op.DOMException("DataError", format, args...)
}

func operationError(format string, args ...any) error {
	return op.DOMException("OperationError", format, args...)
}

func notSupported(format string, args ...any) error {
	return op.DOMException("NotSupportedError", format, args...)
}

// optBuf returns argument i as bytes, or nil when it is undefined or null.
func optBuf(c *op.Call, i int) ([]byte, error) {
	if c.Arg(i).IsNullish() {
		return nil, nil
	}
	return c.Buf(i)
}
