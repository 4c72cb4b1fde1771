package crypto_test

import (
	"testing"

	"islet/internal/ext/exttest"
)

// Round trips: generate, export in every format the algorithm has, import again, and check that
// the imported key works with the original (and exports the same bytes).

// roundTripLib defines roundTrip(genAlg, usages, formats, check): for each format, export the
// generated key(s), import them, export again and compare; check(orig, imported) then uses them.
const roundTripLib = `
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const asBytes = (x) => x instanceof ArrayBuffer ? hex(x) : JSON.stringify(x);
async function roundTrip(gen, importAlg, usages, formats, check) {
  const k = await S.generateKey(gen, true, usages);
  const pair = k.privateKey !== undefined;
  const keys = pair ? [k.privateKey, k.publicKey] : [k];
  const out = [];
  for (const key of keys) {
    for (const f of formats[key.type]) {
      const data = await S.exportKey(f, key);
      const back = await S.importKey(f, data, importAlg, true, key.usages);
      if (back.type !== key.type) throw new Error(f + ': type ' + back.type);
      if (!same(back.algorithm, key.algorithm)) throw new Error(f + ': algorithm ' + JSON.stringify(back.algorithm));
      if (asBytes(await S.exportKey(f, back)) !== asBytes(data)) throw new Error(f + ': export differs');
      if (!await check(key, back, k)) throw new Error(f + ': check failed');
      out.push(key.type + ':' + f);
    }
  }
  return out.join(',');
}
`

func TestRoundTrips(t *testing.T) {
	const sym = `{secret: ['raw', 'jwk']}`
	const asym = `{private: ['pkcs8', 'jwk'], public: ['spki', 'jwk', 'raw']}`
	const rsa = `{private: ['pkcs8', 'jwk'], public: ['spki', 'jwk']}`
	signCheck := func(alg string) string {
		return `async (orig, back, k) => { const priv = back.type === 'private' ? back : k.privateKey; const pub = back.type === 'public' ? back : k.publicKey;
			const sig = await S.sign(` + alg + `, priv, utf8('msg')); return S.verify(` + alg + `, pub, sig, utf8('msg')); }`
	}
	rt := func(gen, imp, usages, formats, check string) string {
		return roundTripLib + "return roundTrip(" + gen + ", " + imp + ", " + usages + ", " + formats + ", " + check + ");"
	}
	aesCheck := func(alg string) string {
		return `async (orig, back) => hex(await S.decrypt(` + alg + `, back, await S.encrypt(` + alg + `, orig, utf8('hello')))) === hex(utf8('hello'))`
	}
	run(t, []exttest.Case{
		{Name: "AES-GCM", Script: rt(`{name: 'AES-GCM', length: 256}`, `'AES-GCM'`, `['encrypt', 'decrypt']`, sym,
			aesCheck(`{name: 'AES-GCM', iv: new Uint8Array(12)}`)), Want: "secret:raw,secret:jwk"},
		{Name: "AES-CBC", Script: rt(`{name: 'AES-CBC', length: 192}`, `'AES-CBC'`, `['encrypt', 'decrypt']`, sym,
			aesCheck(`{name: 'AES-CBC', iv: new Uint8Array(16)}`)), Want: "secret:raw,secret:jwk"},
		{Name: "AES-CTR", Script: rt(`{name: 'AES-CTR', length: 128}`, `'AES-CTR'`, `['encrypt', 'decrypt']`, sym,
			aesCheck(`{name: 'AES-CTR', counter: new Uint8Array(16), length: 64}`)), Want: "secret:raw,secret:jwk"},
		{Name: "AES-KW", Script: rt(`{name: 'AES-KW', length: 256}`, `'AES-KW'`, `['wrapKey', 'unwrapKey']`, sym,
			`async (orig, back) => { const k = await S.generateKey({name: 'HMAC', hash: 'SHA-256'}, true, ['sign']);
			 const u = await S.unwrapKey('raw', await S.wrapKey('raw', k, orig, 'AES-KW'), back, 'AES-KW', {name: 'HMAC', hash: 'SHA-256'}, true, ['sign']);
			 return hex(await S.exportKey('raw', u)) === hex(await S.exportKey('raw', k)); }`), Want: "secret:raw,secret:jwk"},
		{Name: "HMAC", Script: rt(`{name: 'HMAC', hash: 'SHA-384'}`, `{name: 'HMAC', hash: 'SHA-384'}`, `['sign', 'verify']`, sym,
			`async (orig, back) => S.verify('HMAC', back, await S.sign('HMAC', orig, utf8('m')), utf8('m'))`), Want: "secret:raw,secret:jwk"},
		{Name: "KMAC256", Script: rt(`{name: 'KMAC256'}`, `'KMAC256'`, `['sign', 'verify']`, `{secret: ['raw-secret', 'jwk']}`,
			`async (orig, back) => S.verify({name: 'KMAC256', length: 512}, back, await S.sign({name: 'KMAC256', length: 512}, orig, utf8('m')), utf8('m'))`),
			Want: "secret:raw-secret,secret:jwk"},
		{Name: "ECDSA P-256", Script: rt(`{name: 'ECDSA', namedCurve: 'P-256'}`, `{name: 'ECDSA', namedCurve: 'P-256'}`, `['sign', 'verify']`,
			`{private: ['pkcs8', 'jwk'], public: ['spki', 'jwk', 'raw', 'raw-public']}`, signCheck(`{name: 'ECDSA', hash: 'SHA-256'}`)),
			Want: "private:pkcs8,private:jwk,public:spki,public:jwk,public:raw,public:raw-public"},
		{Name: "ECDSA P-384", Script: rt(`{name: 'ECDSA', namedCurve: 'P-384'}`, `{name: 'ECDSA', namedCurve: 'P-384'}`, `['sign', 'verify']`,
			asym, signCheck(`{name: 'ECDSA', hash: 'SHA-512'}`)), Want: "private:pkcs8,private:jwk,public:spki,public:jwk,public:raw"},
		{Name: "ECDSA P-521", Script: rt(`{name: 'ECDSA', namedCurve: 'P-521'}`, `{name: 'ECDSA', namedCurve: 'P-521'}`, `['sign', 'verify']`,
			asym, signCheck(`{name: 'ECDSA', hash: 'SHA-1'}`)), Want: "private:pkcs8,private:jwk,public:spki,public:jwk,public:raw"},
		{Name: "ECDH P-384", Script: rt(`{name: 'ECDH', namedCurve: 'P-384'}`, `{name: 'ECDH', namedCurve: 'P-384'}`, `['deriveBits']`, asym,
			`async (orig, back, k) => { const other = await S.generateKey({name: 'ECDH', namedCurve: 'P-384'}, false, ['deriveBits']);
			 const priv = back.type === 'private' ? back : k.privateKey; const pub = back.type === 'public' ? back : k.publicKey;
			 const a = await S.deriveBits({name: 'ECDH', public: other.publicKey}, priv, null);
			 const b = await S.deriveBits({name: 'ECDH', public: pub}, other.privateKey);
			 return a.byteLength === 48 && hex(a) === hex(b); }`),
			Want: "private:pkcs8,private:jwk,public:spki,public:jwk,public:raw"},
		{Name: "Ed25519", Script: rt(`'Ed25519'`, `'Ed25519'`, `['sign', 'verify']`, asym, signCheck(`'Ed25519'`)),
			Want: "private:pkcs8,private:jwk,public:spki,public:jwk,public:raw"},
		{Name: "X25519", Script: rt(`'X25519'`, `'X25519'`, `['deriveKey', 'deriveBits']`, asym,
			`async (orig, back, k) => { const other = await S.generateKey('X25519', false, ['deriveKey']);
			 const priv = back.type === 'private' ? back : k.privateKey; const pub = back.type === 'public' ? back : k.publicKey;
			 const a = await S.deriveKey({name: 'X25519', public: other.publicKey}, priv, {name: 'AES-GCM', length: 256}, true, ['encrypt']);
			 const b = await S.deriveKey({name: 'X25519', public: pub}, other.privateKey, {name: 'AES-GCM', length: 256}, true, ['encrypt']);
			 return hex(await S.exportKey('raw', a)) === hex(await S.exportKey('raw', b)); }`),
			Want: "private:pkcs8,private:jwk,public:spki,public:jwk,public:raw"},
		{Name: "RSASSA-PKCS1-v1_5", Script: rt(`{name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256'}`,
			`{name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256'}`, `['sign', 'verify']`, rsa, signCheck(`'RSASSA-PKCS1-v1_5'`)),
			Want: "private:pkcs8,private:jwk,public:spki,public:jwk"},
		{Name: "RSA-PSS", Script: rt(`{name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-384'}`,
			`{name: 'RSA-PSS', hash: 'SHA-384'}`, `['sign', 'verify']`, rsa, signCheck(`{name: 'RSA-PSS', saltLength: 48}`)),
			Want: "private:pkcs8,private:jwk,public:spki,public:jwk"},
		{Name: "RSA-OAEP", Script: rt(`{name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-1'}`,
			`{name: 'RSA-OAEP', hash: 'SHA-1'}`, `['encrypt', 'decrypt']`, rsa,
			`async (orig, back, k) => { const priv = back.type === 'private' ? back : k.privateKey; const pub = back.type === 'public' ? back : k.publicKey;
			 const alg = {name: 'RSA-OAEP', label: utf8('l')};
			 return new TextDecoder().decode(await S.decrypt(alg, priv, await S.encrypt(alg, pub, utf8('hi')))) === 'hi'; }`),
			Want: "private:pkcs8,private:jwk,public:spki,public:jwk"},
	})
}

// TestRSAPSSSaltLength checks that verification uses exactly the given salt length, 0 included
// (crypto/rsa alone would read 0 as "any").
func TestRSAPSSSaltLength(t *testing.T) {
	run(t, []exttest.Case{
		{Name: "exact salt length", Script: lines(
			`const k = await S.generateKey({name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256'}, false, ['sign', 'verify']);`,
			`const d = utf8('data');`,
			`const sig = await S.sign({name: 'RSA-PSS', saltLength: 32}, k.privateKey, d);`,
			`const r = [];`,
			`for (const saltLength of [32, 0, 20, 33]) r.push(await S.verify({name: 'RSA-PSS', saltLength}, k.publicKey, sig, d));`,
			`return r.join()`),
			Want: "true,false,false,false"},
	})
}

func TestKeyObjects(t *testing.T) {
	run(t, []exttest.Case{
		{Name: "algorithm and usages are cached, internal state is not theirs", Script: lines(
			`const k = await S.generateKey({name: 'HMAC', hash: 'SHA-256'}, true, ['verify', 'sign', 'sign']);`,
			`const a = k.algorithm; a.hash.name = 'SHA-1'; a.name = 'AES-GCM'; k.usages.length = 0;`,
			`const m = await S.sign('HMAC', k, utf8('x'));`,
			`return [k.algorithm === a, k.usages === k.usages, m.byteLength, JSON.stringify((await S.exportKey('jwk', k)).key_ops), k.type, k.extractable].join()`),
			Want: `true,true,32,["sign","verify"],secret,true`},
		{Name: "CryptoKey is not constructible", Script: `try { new CryptoKey(); return 'constructed' } catch (e) { return e.constructor.name }`, Want: "TypeError"},
		{Name: "SubtleCrypto and Crypto are not constructible", Script: `const r = []; for (const C of [SubtleCrypto, Crypto]) { try { new C(); r.push('constructed') } catch (e) { r.push(e.name) } } return r.join()`, Want: "TypeError,TypeError"},
		{Name: "toStringTag and instance checks", Script: lines(
			`const k = await S.generateKey('Ed25519', false, ['sign']);`,
			`return [String(k.privateKey), String(S), String(crypto), k.privateKey instanceof CryptoKey, crypto.subtle === crypto.subtle, Object.keys(k).join('+')].join()`),
			Want: "[object CryptoKey],[object SubtleCrypto],[object Crypto],true,true,privateKey+publicKey"},
		{Name: "generateKey pair usages and extractability", Script: lines(
			`const k = await S.generateKey({name: 'ECDSA', namedCurve: 'P-256'}, false, ['sign', 'verify']);`,
			`return [k.privateKey.usages, k.publicKey.usages, k.privateKey.extractable, k.publicKey.extractable].join('|')`),
			Want: "sign|verify|false|true"},
		{Name: "rsa algorithm", Script: lines(
			`const k = await S.generateKey({name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'sha-256'}, true, ['sign']);`,
			`const a = k.publicKey.algorithm; return [a.name, a.modulusLength, a.publicExponent.join('.'), a.hash.name, a.publicExponent instanceof Uint8Array, k.publicKey.usages.length].join()`),
			Want: "RSA-PSS,2048,1.0.1,SHA-256,true,0"},
		{Name: "getRandomValues", Script: lines(
			`const a = new Uint32Array(4); const r = crypto.getRandomValues(a);`,
			`const sub = new Uint8Array(new ArrayBuffer(8), 2, 4); crypto.getRandomValues(sub);`,
			`const big = crypto.getRandomValues(new BigInt64Array(2));`,
			`return [r === a, a.some((x) => x !== 0), new Uint8Array(sub.buffer)[0], new Uint8Array(sub.buffer)[7], typeof big[0]].join()`),
			Want: "true,true,0,0,bigint"},
		{Name: "getRandomValues errors", Script: lines(
			`const names = [];`,
			`for (const f of [() => crypto.getRandomValues(new Float32Array(1)), () => crypto.getRandomValues(new DataView(new ArrayBuffer(1))),`,
			`  () => crypto.getRandomValues(new Uint8Array(65537)), () => crypto.getRandomValues([1]), () => crypto.getRandomValues(), () => Crypto.prototype.getRandomValues.call({}, new Uint8Array(1))]) {`,
			`  try { f(); names.push('ok') } catch (e) { names.push(e.name) }`,
			`}`,
			`const q = (() => { try { crypto.getRandomValues(new Uint8Array(65537)) } catch (e) { return e } })();`,
			`names.push(q instanceof QuotaExceededError, q instanceof DOMException, q.code, q.quota, q.requested);`,
			`names.push(crypto.getRandomValues(new Uint8Array(65536)).length);`,
			`return names.join()`),
			Want: "TypeMismatchError,TypeMismatchError,QuotaExceededError,TypeError,TypeError,TypeError,true,true,22,,,65536"},
		{Name: "CryptoKey is not cloneable", Script: `const k = await S.generateKey({name: 'AES-GCM', length: 128}, true, ['encrypt']); try { structuredClone(k); return 'cloned' } catch (e) { return e.name }`, Want: "DataCloneError"},
		{Name: "JWKS-shaped RS256 key", Script: lines(
			`const kp = await S.generateKey({name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256'}, true, ['sign', 'verify']);`,
			`const jwk = await S.exportKey('jwk', kp.publicKey); const jwks = {kty: jwk.kty, n: jwk.n, e: jwk.e, alg: 'RS256', use: 'sig', kid: 'abc'};`,
			`const pub = await S.importKey('jwk', jwks, {name: 'RSASSA-PKCS1-v1_5', hash: {name: 'SHA-256'}}, false, ['verify']);`,
			`const sig = await S.sign('RSASSA-PKCS1-v1_5', kp.privateKey, utf8('header.payload'));`,
			`return await S.verify('RSASSA-PKCS1-v1_5', pub, sig, utf8('header.payload'))`), Want: "true"},
		{Name: "timingSafeEqual", Script: lines(
			`const r = [S.timingSafeEqual(utf8('abc'), utf8('abc')), S.timingSafeEqual(new Uint8Array([1, 2]).buffer, new Uint8Array([1, 3]))];`,
			`try { S.timingSafeEqual(new Uint8Array(1), new Uint8Array(2)) } catch (e) { r.push(e.name) }`,
			`return r.join()`),
			Want: "true,false,TypeError"},
		{Name: "randomUUID", Script: `const u = crypto.randomUUID(); return /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u) && u !== crypto.randomUUID()`, Want: "true"},
		{Name: "wrap and unwrap jwk", Script: lines(
			`const w = await S.generateKey({name: 'AES-GCM', length: 128}, false, ['wrapKey', 'unwrapKey']);`,
			`const k = await S.generateKey({name: 'ECDSA', namedCurve: 'P-256'}, true, ['sign']);`,
			`const alg = {name: 'AES-GCM', iv: new Uint8Array(12)};`,
			`Object.prototype.toJSON = () => 'polluted';`,
			`const wrapped = await S.wrapKey('jwk', k.privateKey, w, alg);`,
			`delete Object.prototype.toJSON;`,
			`const u = await S.unwrapKey('jwk', wrapped, w, alg, {name: 'ECDSA', namedCurve: 'P-256'}, false, ['sign']);`,
			`return [u.type, u.extractable, u.usages.join()].join()`),
			Want: "private,false,sign"},
		{Name: "user prototype changes do not reach the runtime", Script: lines(
			`const k = await S.generateKey({name: 'HMAC', hash: 'SHA-256'}, true, ['sign']);`,
			`Object.prototype.exportKey = () => { throw new Error('called user code') };`,
			`for (const [o, m] of [[Array.prototype, 'push'], [Array.prototype, 'includes'], [String.prototype, 'slice'], [Object, 'keys'], [JSON, 'stringify'], [Uint8Array.prototype, 'set']]) o[m] = () => { throw new Error('called ' + m) };`,
			`Promise.prototype.then = function () { throw new Error('then') };`,
			`const r = await errName(S.exportKey('raw', await S.importKey('raw', new Uint8Array(16), 'HKDF', false, ['deriveBits'])));`,
			`const j = await S.exportKey('jwk', k);`,
			`return r + ' ' + j.kty`),
			Want: "NotSupportedError oct"},
	})
}
