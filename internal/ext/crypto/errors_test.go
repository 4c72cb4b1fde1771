package crypto_test

import (
	"testing"

	"islet/internal/ext/exttest"
)

// errCase is a case whose script is one promise expression; it wants the name of the error the
// promise rejects with.
func errCase(name, setup, expr, want string) exttest.Case {
	return exttest.Case{Name: name, Script: setup + "\nreturn errName(" + expr + ");", Want: want}
}

const (
	aesKey  = `const aes = await S.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt', 'decrypt']);`
	hmacKey = `const hk = await S.importKey('raw', new Uint8Array(32), {name: 'HMAC', hash: 'SHA-256'}, false, ['sign']);`
	ecPair  = `const ec = await S.generateKey({name: 'ECDH', namedCurve: 'P-256'}, true, ['deriveBits']);`
	// p256SPKI is a valid P-256 public key (WPT's ec_importKey vector).
	p256SPKI = `const spki = new Uint8Array([48, 89, 48, 19, 6, 7, 42, 134, 72, 206, 61, 2, 1, 6, 8, 42, 134, 72, 206, 61, 3, 1, 7, 3, 66, 0, 4, 210, 16, 176, 166, 249, 217, 240, 18, 134, 128, 88, 180, 63, 164, 244, 113, 1, 133, 67, 187, 160, 12, 146, 80, 223, 146, 87, 194, 172, 174, 93, 209, 206, 3, 117, 82, 212, 129, 69, 12, 227, 155, 77, 16, 149, 112, 27, 23, 91, 250, 179, 75, 142, 108, 9, 158, 24, 241, 193, 152, 53, 131, 97, 232]);`
	p256JWK  = `const jwk = {kty: 'EC', crv: 'P-256', x: '0hCwpvnZ8BKGgFi0P6T0cQGFQ7ugDJJQ35JXwqyuXdE', y: 'zgN1UtSBRQzjm00QlXAbF1v6s0uObAmeGPHBmDWDYeg', d: 'E9M6LVq_nPnrsh_4YNSu_m5W53eQ9N7ptAiE69M1ROo'};`
)

func TestErrorsNormalization(t *testing.T) {
	run(t, []exttest.Case{
		errCase("unknown digest", "", `S.digest('MD5', new Uint8Array(1))`, "NotSupportedError"),
		errCase("no name", "", `S.digest({}, new Uint8Array(1))`, "TypeError"),
		errCase("symbol name", "", `S.digest(Symbol(), new Uint8Array(1))`, "TypeError"),
		errCase("data not a buffer", "", `S.digest('SHA-256', 'abc')`, "TypeError"),
		errCase("too few arguments", "", `S.digest('SHA-256')`, "TypeError"),
		errCase("wrong this", "", `SubtleCrypto.prototype.digest.call({}, 'SHA-256', new Uint8Array(1))`, "TypeError"),
		{Name: "errors reject, never throw", Script: `const p = S.digest(); p.catch(() => {}); return p instanceof Promise`, Want: "true"},
		errCase("name is ASCII case-insensitive only", "", `S.digest('ſha-256', new Uint8Array(1))`, "NotSupportedError"),
		errCase("algorithm registered for another operation", "", `S.generateKey('SHA-256', false, ['sign'])`, "NotSupportedError"),
		errCase("removed algorithm", "", `S.generateKey({name: 'AES-CFB', length: 128}, false, ['encrypt'])`, "NotSupportedError"),
		errCase("unknown hash", "", `S.generateKey({name: 'HMAC', hash: 'MD5'}, false, ['sign'])`, "NotSupportedError"),
		errCase("SHA-3 is a digest only", "", `S.generateKey({name: 'HMAC', hash: 'SHA3-256'}, false, ['sign'])`, "NotSupportedError"),
		errCase("missing member", "", `S.generateKey({name: 'AES-GCM'}, false, ['encrypt'])`, "TypeError"),
		errCase("enforceRange", "", `S.generateKey({name: 'AES-GCM', length: -1}, false, ['encrypt'])`, "TypeError"),
		errCase("bad usage value", "", `S.generateKey({name: 'AES-GCM', length: 128}, false, ['fly'])`, "TypeError"),
		errCase("bad format value", aesKey, `S.exportKey('der', aes)`, "TypeError"),
		errCase("key is not a CryptoKey", "", `S.encrypt({name: 'AES-GCM', iv: new Uint8Array(12)}, {}, new Uint8Array(1))`, "TypeError"),
	})
}

func TestErrorsGenerateAndImport(t *testing.T) {
	run(t, []exttest.Case{
		errCase("AES length", "", `S.generateKey({name: 'AES-GCM', length: 100}, false, ['encrypt'])`, "OperationError"),
		errCase("bad usages", "", `S.generateKey({name: 'AES-GCM', length: 128}, false, ['sign'])`, "SyntaxError"),
		errCase("empty usages", "", `S.generateKey({name: 'AES-GCM', length: 128}, false, [])`, "SyntaxError"),
		errCase("empty private usages", "", `S.generateKey({name: 'ECDSA', namedCurve: 'P-256'}, false, ['verify'])`, "SyntaxError"),
		errCase("unknown curve", "", `S.generateKey({name: 'ECDSA', namedCurve: 'P-192'}, false, ['sign'])`, "NotSupportedError"),
		errCase("RSA exponent", "", `S.generateKey({name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([3]), hash: 'SHA-256'}, false, ['sign'])`, "OperationError"),
		errCase("HMAC zero length", "", `S.generateKey({name: 'HMAC', hash: 'SHA-256', length: 0}, false, ['sign'])`, "OperationError"),
		errCase("HMAC huge length", "", `S.generateKey({name: 'HMAC', hash: 'SHA-256', length: 4294967295}, false, ['sign'])`, "OperationError"),
		errCase("KMAC huge length", "", `S.generateKey({name: 'KMAC128', length: 4294967295}, false, ['sign'])`, "OperationError"),
		errCase("AES raw length", "", `S.importKey('raw', new Uint8Array(15), 'AES-CBC', false, ['encrypt'])`, "DataError"),
		errCase("AES spki", "", `S.importKey('spki', new Uint8Array(16), 'AES-CBC', false, ['encrypt'])`, "NotSupportedError"),
		errCase("jwk object for raw", "", `S.importKey('raw', {kty: 'oct'}, 'AES-CBC', false, ['encrypt'])`, "TypeError"),
		errCase("buffer for jwk", "", `S.importKey('jwk', new Uint8Array(16), 'AES-CBC', false, ['encrypt'])`, "TypeError"),
		errCase("string key data", "", `S.importKey('raw', 'abc', 'AES-CBC', false, ['encrypt'])`, "TypeError"),
		errCase("HMAC empty", "", `S.importKey('raw', new Uint8Array(0), {name: 'HMAC', hash: 'SHA-1'}, false, ['sign'])`, "DataError"),
		errCase("HMAC length too long", "", `S.importKey('raw', new Uint8Array(16), {name: 'HMAC', hash: 'SHA-1', length: 136}, false, ['sign'])`, "DataError"),
		errCase("HMAC length too short", "", `S.importKey('raw', new Uint8Array(16), {name: 'HMAC', hash: 'SHA-1', length: 120}, false, ['sign'])`, "DataError"),
		errCase("HKDF extractable", "", `S.importKey('raw', new Uint8Array(16), 'HKDF', true, ['deriveBits'])`, "SyntaxError"),
		errCase("PBKDF2 jwk", "", `S.importKey('jwk', {kty: 'oct', k: 'AAAA'}, 'PBKDF2', false, ['deriveBits'])`, "NotSupportedError"),
		errCase("import empty secret usages", "", `S.importKey('raw', new Uint8Array(16), 'AES-CBC', false, [])`, "SyntaxError"),
		errCase("public key with private usage", p256SPKI, `S.importKey('spki', spki, {name: 'ECDSA', namedCurve: 'P-256'}, false, ['sign'])`, "SyntaxError"),
		errCase("spki on another curve", p256SPKI, `S.importKey('spki', spki, {name: 'ECDSA', namedCurve: 'P-384'}, false, ['verify'])`, "DataError"),
		errCase("spki of another algorithm", p256SPKI, `S.importKey('spki', spki, 'Ed25519', false, ['verify'])`, "DataError"),
		errCase("spki as pkcs8", p256SPKI, `S.importKey('pkcs8', spki, {name: 'ECDSA', namedCurve: 'P-256'}, false, ['sign'])`, "DataError"),
		errCase("truncated spki", p256SPKI, `S.importKey('spki', spki.slice(0, 60), {name: 'ECDSA', namedCurve: 'P-256'}, false, ['verify'])`, "DataError"),
		errCase("spki with trailing data", p256SPKI, `S.importKey('spki', new Uint8Array([...spki, 0]), {name: 'ECDSA', namedCurve: 'P-256'}, false, ['verify'])`, "DataError"),
		errCase("point off the curve", p256SPKI, `S.importKey('raw', (() => { const r = spki.slice(26); r[64] ^= 1; return r })(), {name: 'ECDH', namedCurve: 'P-256'}, false, [])`, "DataError"),
		errCase("garbage pkcs8", "", `S.importKey('pkcs8', crypto.getRandomValues(new Uint8Array(100)), {name: 'RSA-PSS', hash: 'SHA-256'}, false, ['sign'])`, "DataError"),
		errCase("empty spki", "", `S.importKey('spki', new Uint8Array(0), {name: 'RSA-OAEP', hash: 'SHA-256'}, false, ['encrypt'])`, "DataError"),
		errCase("Ed25519 raw length", "", `S.importKey('raw', new Uint8Array(31), 'Ed25519', false, ['verify'])`, "DataError"),
		errCase("RSA raw", "", `S.importKey('raw', new Uint8Array(31), {name: 'RSA-OAEP', hash: 'SHA-256'}, false, ['encrypt'])`, "NotSupportedError"),
	})
}

func TestErrorsJWK(t *testing.T) {
	imp := func(jwk, alg, usages string) string {
		return `S.importKey('jwk', ` + jwk + `, ` + alg + `, true, ` + usages + `)`
	}
	const ecdsa = `{name: 'ECDSA', namedCurve: 'P-256'}`
	run(t, []exttest.Case{
		errCase("no kty", "", imp(`{k: 'AAAAAAAAAAAAAAAAAAAAAA'}`, `'AES-GCM'`, `['encrypt']`), "DataError"),
		errCase("wrong kty", "", imp(`{kty: 'EC', k: 'AAAAAAAAAAAAAAAAAAAAAA'}`, `'AES-GCM'`, `['encrypt']`), "DataError"),
		errCase("no k", "", imp(`{kty: 'oct'}`, `'AES-GCM'`, `['encrypt']`), "DataError"),
		errCase("bad base64url", "", imp(`{kty: 'oct', k: 'AAAA*AAA'}`, `'AES-GCM'`, `['encrypt']`), "DataError"),
		errCase("alg mismatch", "", imp(`{kty: 'oct', k: 'AAAAAAAAAAAAAAAAAAAAAA', alg: 'A256GCM'}`, `'AES-GCM'`, `['encrypt']`), "DataError"),
		errCase("HMAC alg mismatch", "", imp(`{kty: 'oct', k: 'AAAA', alg: 'HS512'}`, `{name: 'HMAC', hash: 'SHA-256'}`, `['sign']`), "DataError"),
		errCase("use mismatch", "", imp(`{kty: 'oct', k: 'AAAA', use: 'enc'}`, `{name: 'HMAC', hash: 'SHA-256'}`, `['sign']`), "DataError"),
		errCase("key_ops missing a usage", "", imp(`{kty: 'oct', k: 'AAAA', key_ops: ['verify']}`, `{name: 'HMAC', hash: 'SHA-256'}`, `['sign']`), "DataError"),
		errCase("key_ops duplicates", "", imp(`{kty: 'oct', k: 'AAAA', key_ops: ['sign', 'sign']}`, `{name: 'HMAC', hash: 'SHA-256'}`, `['sign']`), "DataError"),
		errCase("key_ops not a sequence", "", imp(`{kty: 'oct', k: 'AAAA', key_ops: 1}`, `{name: 'HMAC', hash: 'SHA-256'}`, `['sign']`), "TypeError"),
		errCase("ext false", "", imp(`{kty: 'oct', k: 'AAAA', ext: false}`, `{name: 'HMAC', hash: 'SHA-256'}`, `['sign']`), "DataError"),
		errCase("EC missing y", p256JWK, imp(`{...jwk, y: undefined, d: undefined}`, ecdsa, `['verify']`), "DataError"),
		errCase("EC short x", p256JWK, imp(`{...jwk, x: jwk.x.slice(0, 40)}`, ecdsa, `['sign']`), "DataError"),
		errCase("EC wrong crv", p256JWK, imp(`{...jwk, crv: 'P-384'}`, ecdsa, `['sign']`), "DataError"),
		errCase("EC alg mismatch", p256JWK, imp(`{...jwk, alg: 'ES384'}`, ecdsa, `['sign']`), "DataError"),
		errCase("EC private key does not match", p256JWK, imp(`{...jwk, d: 'AQM6LVq_nPnrsh_4YNSu_m5W53eQ9N7ptAiE69M1ROo'}`, ecdsa, `['sign']`), "DataError"),
		errCase("EC point off the curve", p256JWK, imp(`{...jwk, d: undefined, y: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'}`, ecdsa, `['verify']`), "DataError"),
		errCase("OKP alg", "", imp(`{kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', alg: 'ed25519'}`, `'Ed25519'`, `['verify']`), "DataError"),
		errCase("OKP private key does not match", "", imp(`{kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', d: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'}`, `'Ed25519'`, `['sign']`), "DataError"),
		errCase("RSA missing CRT member", lines(
			`const k = await S.generateKey({name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256'}, true, ['decrypt']);`,
			`const j = await S.exportKey('jwk', k.privateKey); delete j.dq;`),
			imp(`j`, `{name: 'RSA-OAEP', hash: 'SHA-256'}`, `['decrypt']`), "DataError"),
		errCase("RSA alg for another hash", lines(
			`const k = await S.generateKey({name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256'}, true, ['sign']);`,
			`const j = await S.exportKey('jwk', k.publicKey);`),
			imp(`j`, `{name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384'}`, `['verify']`), "DataError"),
		errCase("RSA modulus garbage", "", imp(`{kty: 'RSA', n: 'AAAA', e: 'AQAB'}`, `{name: 'RSA-PSS', hash: 'SHA-256'}`, `['verify']`), "DataError"),
		errCase("unwrapped JSON garbage", lines(
			`const w = await S.importKey('raw', new Uint8Array(16), 'AES-CBC', false, ['encrypt', 'unwrapKey']);`,
			`const c = await S.encrypt({name: 'AES-CBC', iv: new Uint8Array(16)}, w, utf8('{not json'));`),
			`S.unwrapKey('jwk', c, w, {name: 'AES-CBC', iv: new Uint8Array(16)}, 'AES-CBC', true, ['encrypt'])`, "DataError"),
	})
}

func TestErrorsOperations(t *testing.T) {
	run(t, []exttest.Case{
		errCase("non-extractable export", aesKey, `S.exportKey('raw', aes)`, "InvalidAccessError"),
		errCase("HKDF export", "const k = await S.importKey('raw', new Uint8Array(16), 'HKDF', false, ['deriveBits']);", `S.exportKey('raw', k)`, "NotSupportedError"),
		errCase("spki of a private key", ecPair, `S.exportKey('spki', ec.privateKey)`, "InvalidAccessError"),
		errCase("raw of a private key", ecPair, `S.exportKey('raw', ec.privateKey)`, "InvalidAccessError"),
		errCase("AES pkcs8", "const k = await S.generateKey({name: 'AES-CTR', length: 128}, true, ['encrypt']);", `S.exportKey('pkcs8', k)`, "NotSupportedError"),
		errCase("algorithm is not the key's", aesKey, `S.encrypt({name: 'AES-CBC', iv: new Uint8Array(16)}, aes, new Uint8Array(1))`, "InvalidAccessError"),
		errCase("usage missing", hmacKey, `S.verify('HMAC', hk, new Uint8Array(32), new Uint8Array(1))`, "InvalidAccessError"),
		errCase("CBC iv length", "const k = await S.generateKey({name: 'AES-CBC', length: 128}, false, ['encrypt']);", `S.encrypt({name: 'AES-CBC', iv: new Uint8Array(15)}, k, new Uint8Array(1))`, "OperationError"),
		errCase("CBC bad ciphertext length", "const k = await S.generateKey({name: 'AES-CBC', length: 128}, false, ['decrypt']);", `S.decrypt({name: 'AES-CBC', iv: new Uint8Array(16)}, k, new Uint8Array(15))`, "OperationError"),
		// A fixed key: with a random one, the last byte of a decrypted block is valid padding one
		// time in about 256. With the all-zero key, zero blocks decrypt to a last byte of 0x3a.
		errCase("CBC bad padding", "const k = await S.importKey('raw', new Uint8Array(16), 'AES-CBC', false, ['decrypt']);", `S.decrypt({name: 'AES-CBC', iv: new Uint8Array(16)}, k, new Uint8Array(32))`, "OperationError"),
		errCase("CTR length 0", "const k = await S.generateKey({name: 'AES-CTR', length: 128}, false, ['encrypt']);", `S.encrypt({name: 'AES-CTR', counter: new Uint8Array(16), length: 0}, k, new Uint8Array(1))`, "OperationError"),
		errCase("GCM tag length", aesKey, `S.encrypt({name: 'AES-GCM', iv: new Uint8Array(12), tagLength: 33}, aes, new Uint8Array(1))`, "OperationError"),
		errCase("GCM empty iv", aesKey, `S.encrypt({name: 'AES-GCM', iv: new Uint8Array(0)}, aes, new Uint8Array(1))`, "OperationError"),
		errCase("GCM tampered", aesKey+"const c = new Uint8Array(await S.encrypt({name: 'AES-GCM', iv: new Uint8Array(12)}, aes, new Uint8Array(5))); c[0] ^= 1;", `S.decrypt({name: 'AES-GCM', iv: new Uint8Array(12)}, aes, c)`, "OperationError"),
		errCase("GCM shorter than its tag", aesKey, `S.decrypt({name: 'AES-GCM', iv: new Uint8Array(12)}, aes, new Uint8Array(15))`, "OperationError"),
		errCase("KW data not whole blocks", "const k = await S.generateKey({name: 'AES-KW', length: 128}, false, ['wrapKey']); const h = await S.generateKey({name: 'HMAC', hash: 'SHA-256', length: 72}, true, ['sign']);", `S.wrapKey('raw', h, k, 'AES-KW')`, "OperationError"),
		errCase("wrap non-extractable", aesKey+"const w = await S.generateKey({name: 'AES-KW', length: 128}, false, ['wrapKey']);", `S.wrapKey('raw', aes, w, 'AES-KW')`, "InvalidAccessError"),
		errCase("PBKDF2 zero iterations", "const k = await S.importKey('raw', utf8('pw'), 'PBKDF2', false, ['deriveBits']);", `S.deriveBits({name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(8), iterations: 0}, k, 256)`, "OperationError"),
		errCase("PBKDF2 no length", "const k = await S.importKey('raw', utf8('pw'), 'PBKDF2', false, ['deriveBits']);", `S.deriveBits({name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(8), iterations: 1}, k)`, "OperationError"),
		errCase("PBKDF2 length not bytes", "const k = await S.importKey('raw', utf8('pw'), 'PBKDF2', false, ['deriveBits']);", `S.deriveBits({name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(8), iterations: 1}, k, 7)`, "OperationError"),
		errCase("HKDF too long", "const k = await S.importKey('raw', utf8('ikm'), 'HKDF', false, ['deriveBits']);", `S.deriveBits({name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(8), info: new Uint8Array(0)}, k, 255 * 256 + 8)`, "OperationError"),
		errCase("deriveKey to an HKDF key from PBKDF2", "const k = await S.importKey('raw', utf8('pw'), 'PBKDF2', false, ['deriveKey']);", `S.deriveKey({name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(8), iterations: 1}, k, 'HKDF', false, ['deriveBits'])`, "OperationError"),
		errCase("ECDH public is private", ecPair, `S.deriveBits({name: 'ECDH', public: ec.privateKey}, ec.privateKey, 256)`, "InvalidAccessError"),
		errCase("ECDH curves differ", ecPair+"const o = await S.generateKey({name: 'ECDH', namedCurve: 'P-384'}, false, ['deriveBits']);", `S.deriveBits({name: 'ECDH', public: o.publicKey}, ec.privateKey, 256)`, "InvalidAccessError"),
		errCase("ECDH length too long", ecPair, `S.deriveBits({name: 'ECDH', public: ec.publicKey}, ec.privateKey, 264)`, "OperationError"),
		errCase("X25519 low-order point", "const k = await S.generateKey('X25519', false, ['deriveBits']); const z = await S.importKey('raw', new Uint8Array(32), 'X25519', false, []);", `S.deriveBits({name: 'X25519', public: z}, k.privateKey, 256)`, "OperationError"),
		errCase("RSA-PSS empty salt", "const k = await S.generateKey({name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256'}, false, ['sign']);", `S.sign({name: 'RSA-PSS', saltLength: 0}, k.privateKey, new Uint8Array(1))`, "OperationError"),
		errCase("RSA-OAEP message too long", "const k = await S.generateKey({name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256'}, false, ['encrypt', 'decrypt']);", `S.encrypt('RSA-OAEP', k.publicKey, new Uint8Array(200))`, "OperationError"),
		{Name: "verify with a malformed signature is false", Script: lines(
			`const k = await S.generateKey({name: 'ECDSA', namedCurve: 'P-256'}, false, ['sign', 'verify']);`,
			`const e = await S.generateKey('Ed25519', false, ['sign', 'verify']);`,
			`return [await S.verify({name: 'ECDSA', hash: 'SHA-256'}, k.publicKey, new Uint8Array(63), new Uint8Array(1)),`,
			`        await S.verify({name: 'ECDSA', hash: 'SHA-256'}, k.publicKey, new Uint8Array(64), new Uint8Array(1)),`,
			`        await S.verify('Ed25519', e.publicKey, new Uint8Array(10), new Uint8Array(1))].join()`),
			Want: "false,false,false"},
	})
}
