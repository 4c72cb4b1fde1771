package crypto_test

import (
	"testing"

	"islet/internal/ext/exttest"
)

// Known-answer tests: published vectors through crypto.subtle.

func TestDigestVectors(t *testing.T) {
	run(t, []exttest.Case{
		{Name: "SHA-1 abc", Script: `return hex(await S.digest('SHA-1', utf8('abc')))`,
			Want: "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{Name: "SHA-256 abc", Script: `return hex(await S.digest({name: 'sha-256'}, utf8('abc')))`,
			Want: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{Name: "SHA-384 abc", Script: `return hex(await S.digest('SHA-384', utf8('abc')))`,
			Want: "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"},
		{Name: "SHA-512 abc", Script: `return hex(await S.digest('SHA-512', new DataView(utf8('abc').buffer)))`,
			Want: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
		{Name: "SHA3-256 abc", Script: `return hex(await S.digest('SHA3-256', utf8('abc')))`,
			Want: "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"},
		{Name: "empty SHA-256", Script: `return hex(await S.digest('SHA-256', new ArrayBuffer(0)))`,
			Want: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	})
}

// TestHMACVectors uses RFC 4231 test cases 1, 2, 4 and 6.
func TestHMACVectors(t *testing.T) {
	mac := func(hash, key, data string) string {
		return lines(
			`const k = await S.importKey('raw', unhex('`+key+`'), {name: 'HMAC', hash: '`+hash+`'}, false, ['sign', 'verify']);`,
			`const d = unhex('`+data+`');`,
			`const m = await S.sign('HMAC', k, d);`,
			`if (!await S.verify('HMAC', k, m, d)) return 'verify failed';`,
			`const bad = new Uint8Array(m).slice(); bad[0] ^= 1;`,
			`if (await S.verify('HMAC', k, bad, d)) return 'verified a bad mac';`,
			`return hex(m);`)
	}
	const key1, data1 = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265"
	const key2, data2 = "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f"
	const key4 = "0102030405060708090a0b0c0d0e0f10111213141516171819"
	data4 := ""
	for i := 0; i < 50; i++ {
		data4 += "cd"
	}
	key6 := ""
	for i := 0; i < 131; i++ {
		key6 += "aa"
	}
	const data6 = "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374"
	run(t, []exttest.Case{
		{Name: "case 1 SHA-256", Script: mac("SHA-256", key1, data1), Want: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
		{Name: "case 1 SHA-384", Script: mac("SHA-384", key1, data1), Want: "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6"},
		{Name: "case 1 SHA-512", Script: mac("SHA-512", key1, data1), Want: "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
		{Name: "case 2 SHA-256", Script: mac("SHA-256", key2, data2), Want: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{Name: "case 4 SHA-256", Script: mac("SHA-256", key4, data4), Want: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
		{Name: "case 6 SHA-256 (key longer than a block)", Script: mac("SHA-256", key6, data6), Want: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
	})
}

// TestPBKDF2Vectors uses RFC 6070 (PBKDF2-HMAC-SHA1) and RFC 7914 §11 (PBKDF2-HMAC-SHA256).
func TestPBKDF2Vectors(t *testing.T) {
	derive := func(hash, pw, salt string, iter, bits int) string {
		return lines(
			`const k = await S.importKey('raw', utf8(`+pw+`), 'PBKDF2', false, ['deriveBits']);`,
			`return hex(await S.deriveBits({name: 'PBKDF2', hash: '`+hash+`', salt: utf8(`+salt+`), iterations: `+itoa(iter)+`}, k, `+itoa(bits)+`));`)
	}
	run(t, []exttest.Case{
		{Name: "6070 c=1", Script: derive("SHA-1", `'password'`, `'salt'`, 1, 160), Want: "0c60c80f961f0e71f3a9b524af6012062fe037a6"},
		{Name: "6070 c=2", Script: derive("SHA-1", `'password'`, `'salt'`, 2, 160), Want: "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"},
		{Name: "6070 c=4096", Script: derive("SHA-1", `'password'`, `'salt'`, 4096, 160), Want: "4b007901b765489abead49d926f721d065a429c1"},
		{Name: "6070 long", Script: derive("SHA-1", `'passwordPASSWORDpassword'`, `'saltSALTsaltSALTsaltSALTsaltSALTsalt'`, 4096, 200),
			Want: "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"},
		{Name: "6070 NUL", Script: derive("SHA-1", `'pass\0word'`, `'sa\0lt'`, 4096, 128), Want: "56fa6aa75548099dcc37d7f03425e0c3"},
		{Name: "7914 c=1", Script: derive("SHA-256", `'passwd'`, `'salt'`, 1, 512),
			Want: "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"},
		{Name: "7914 c=80000", Script: derive("SHA-256", `'Password'`, `'NaCl'`, 80000, 512),
			Want: "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"},
		{Name: "deriveKey to HMAC", Script: lines(
			`const k = await S.importKey('raw', utf8('password'), 'PBKDF2', false, ['deriveKey']);`,
			`const h = await S.deriveKey({name: 'PBKDF2', hash: 'SHA-1', salt: utf8('salt'), iterations: 1}, k, {name: 'HMAC', hash: 'SHA-1', length: 160}, true, ['sign']);`,
			`return hex(await S.exportKey('raw', h)) + ' ' + h.algorithm.length`),
			Want: "0c60c80f961f0e71f3a9b524af6012062fe037a6 160"},
	})
}

// TestHKDFVectors uses RFC 5869 test cases 1 and 3.
func TestHKDFVectors(t *testing.T) {
	const ikm = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
	run(t, []exttest.Case{
		{Name: "case 1", Script: lines(
			`const k = await S.importKey('raw', unhex('`+ikm+`'), 'HKDF', false, ['deriveBits']);`,
			`return hex(await S.deriveBits({name: 'HKDF', hash: 'SHA-256', salt: unhex('000102030405060708090a0b0c'), info: unhex('f0f1f2f3f4f5f6f7f8f9')}, k, 336));`),
			Want: "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
		{Name: "case 3", Script: lines(
			`const k = await S.importKey('raw', unhex('`+ikm+`'), 'HKDF', false, ['deriveBits']);`,
			`return hex(await S.deriveBits({name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new Uint8Array(0)}, k, 336));`),
			Want: "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
	})
}

// TestAESVectors uses NIST SP 800-38A (CBC, CTR), the GCM paper's test cases 1 and 2, and
// RFC 3394 §4.1 (AES-KW).
func TestAESVectors(t *testing.T) {
	const key = "2b7e151628aed2a6abf7158809cf4f3c"
	const p1 = "6bc1bee22e409f96e93d7e117393172a"
	run(t, []exttest.Case{
		{Name: "CBC", Script: lines(
			`const k = await S.importKey('raw', unhex('`+key+`'), 'AES-CBC', false, ['encrypt', 'decrypt']);`,
			`const iv = unhex('000102030405060708090a0b0c0d0e0f');`,
			`const c = await S.encrypt({name: 'AES-CBC', iv}, k, unhex('`+p1+`'));`,
			`const p = await S.decrypt({name: 'AES-CBC', iv}, k, c);`,
			`return hex(c).slice(0, 32) + ' ' + c.byteLength + ' ' + hex(p)`),
			Want: "7649abac8119b246cee98e9b12e9197d 32 " + p1},
		{Name: "CTR", Script: lines(
			`const k = await S.importKey('raw', unhex('`+key+`'), 'AES-CTR', false, ['encrypt']);`,
			`return hex(await S.encrypt({name: 'AES-CTR', counter: unhex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'), length: 128}, k, unhex('`+p1+`')))`),
			Want: "874d6191b620e3261bef6864990db6ce"},
		{Name: "CTR wraps within length bits", Script: lines(
			`const k = await S.importKey('raw', new Uint8Array(16), 'AES-CTR', false, ['encrypt']);`,
			`const ctr = unhex('000000000000000000000000000000ff');`,
			`const two = new Uint8Array(await S.encrypt({name: 'AES-CTR', counter: ctr, length: 8}, k, new Uint8Array(32)));`,
			`const a = new Uint8Array(await S.encrypt({name: 'AES-CTR', counter: ctr, length: 8}, k, new Uint8Array(16)));`,
			`const b = new Uint8Array(await S.encrypt({name: 'AES-CTR', counter: new Uint8Array(16), length: 8}, k, new Uint8Array(16)));`,
			`return hex(two) === hex(a) + hex(b)`),
			Want: "true"},
		{Name: "CTR counter exhausted", Script: lines(
			`const k = await S.importKey('raw', new Uint8Array(16), 'AES-CTR', false, ['encrypt']);`,
			`return errName(S.encrypt({name: 'AES-CTR', counter: new Uint8Array(16), length: 1}, k, new Uint8Array(33)))`),
			Want: "OperationError"},
		{Name: "GCM case 1", Script: lines(
			`const k = await S.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt']);`,
			`return hex(await S.encrypt({name: 'AES-GCM', iv: new Uint8Array(12)}, k, new Uint8Array(0)))`),
			Want: "58e2fccefa7e3061367f1d57a4e7455a"},
		{Name: "GCM case 2 and truncated tags", Script: lines(
			`const k = await S.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt', 'decrypt']);`,
			`const full = hex(await S.encrypt({name: 'AES-GCM', iv: new Uint8Array(12)}, k, new Uint8Array(16)));`,
			`const c = await S.encrypt({name: 'AES-GCM', iv: new Uint8Array(12), tagLength: 32}, k, new Uint8Array(16));`,
			`const p = await S.decrypt({name: 'AES-GCM', iv: new Uint8Array(12), tagLength: 32}, k, c);`,
			`const bad = new Uint8Array(c).slice(); bad[19] ^= 1;`,
			`const e = await errName(S.decrypt({name: 'AES-GCM', iv: new Uint8Array(12), tagLength: 32}, k, bad));`,
			`return [full, hex(c), hex(p), e].join(' ')`),
			Want: "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf 0388dace60b6a392f328c2b971b2fe78ab6e47d4 00000000000000000000000000000000 OperationError"},
		{Name: "GCM 16-byte iv and aad round trip", Script: lines(
			`const k = await S.generateKey({name: 'AES-GCM', length: 256}, false, ['encrypt', 'decrypt']);`,
			`const alg = {name: 'AES-GCM', iv: new Uint8Array(16).fill(7), additionalData: utf8('hdr'), tagLength: 96};`,
			`const c = await S.encrypt(alg, k, utf8('secret'));`,
			`const p = new TextDecoder().decode(await S.decrypt(alg, k, c));`,
			`const e = await errName(S.decrypt({...alg, additionalData: utf8('other')}, k, c));`,
			`return p + ' ' + c.byteLength + ' ' + e`),
			Want: "secret 18 OperationError"},
		{Name: "KW RFC 3394 4.1", Script: lines(
			`const kek = await S.importKey('raw', unhex('000102030405060708090a0b0c0d0e0f'), 'AES-KW', false, ['wrapKey', 'unwrapKey']);`,
			`const k = await S.importKey('raw', unhex('00112233445566778899aabbccddeeff'), 'AES-CBC', true, ['encrypt']);`,
			`const w = await S.wrapKey('raw', k, kek, 'AES-KW');`,
			`const u = await S.unwrapKey('raw', w, kek, 'AES-KW', 'AES-CBC', true, ['encrypt']);`,
			`const bad = new Uint8Array(w).slice(); bad[3] ^= 1;`,
			`const e = await errName(S.unwrapKey('raw', bad, kek, 'AES-KW', 'AES-CBC', true, ['encrypt']));`,
			`return hex(w) + ' ' + hex(await S.exportKey('raw', u)) + ' ' + e`),
			Want: "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5 00112233445566778899aabbccddeeff OperationError"},
	})
}

// TestCurveVectors uses RFC 8032 §7.1 test 1 (Ed25519) and RFC 7748 §6.1 (X25519).
func TestCurveVectors(t *testing.T) {
	run(t, []exttest.Case{
		{Name: "Ed25519 RFC 8032 test 1", Script: lines(
			`const b64 = (h) => btoa(String.fromCharCode(...unhex(h))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '');`,
			`const d = b64('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');`,
			`const x = b64('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');`,
			`const priv = await S.importKey('jwk', {kty: 'OKP', crv: 'Ed25519', d, x}, 'Ed25519', false, ['sign']);`,
			`const pub = await S.importKey('raw', unhex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'), 'Ed25519', true, ['verify']);`,
			`const sig = await S.sign('Ed25519', priv, new Uint8Array(0));`,
			`return hex(sig) + ' ' + await S.verify('Ed25519', pub, sig, new Uint8Array(0)) + ' ' + await S.verify('Ed25519', pub, sig, new Uint8Array(1))`),
			Want: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b true false"},
		{Name: "X25519 RFC 7748", Script: lines(
			`const b64 = (h) => btoa(String.fromCharCode(...unhex(h))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '');`,
			`const alice = await S.importKey('jwk', {kty: 'OKP', crv: 'X25519', d: b64('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'), x: b64('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a')}, 'X25519', false, ['deriveBits']);`,
			`const bob = await S.importKey('raw', unhex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'), 'X25519', false, []);`,
			`return hex(await S.deriveBits({name: 'X25519', public: bob}, alice, 256)) + ' ' + hex(await S.deriveBits({name: 'X25519', public: bob}, alice, 12))`),
			Want: "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742 4a50"},
	})
}

// TestKMACVectors uses NIST's KMAC samples 1 and 2 (SP 800-185 examples).
func TestKMACVectors(t *testing.T) {
	key := ""
	for i := 0x40; i < 0x60; i++ {
		key += hex2(i)
	}
	sign := func(custom string) string {
		return lines(
			`const k = await S.importKey('raw-secret', unhex('`+key+`'), 'KMAC128', false, ['sign', 'verify']);`,
			`const alg = {name: 'KMAC128', length: 256`+custom+`};`,
			`const m = await S.sign(alg, k, unhex('00010203'));`,
			`return hex(m) + ' ' + await S.verify(alg, k, m, unhex('00010203'))`)
	}
	run(t, []exttest.Case{
		{Name: "sample 1", Script: sign(""), Want: "e5780b0d3ea6f7d3a429c5706aa43a00fadbd7d49628839e3187243f456ee14e true"},
		{Name: "sample 2", Script: sign(", customization: utf8('My Tagged Application')"), Want: "3b1fba963cd8b0b59e8c1a6d71888b7143651af8ba0a7070c0979e2811324aa5 true"},
	})
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

func hex2(b int) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}
