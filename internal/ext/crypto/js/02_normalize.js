// @ts-check
// Algorithm normalization (https://w3c.github.io/webcrypto/#algorithm-normalization-normalize-an-algorithm):
// the registered algorithms of each operation, the IDL dictionaries of their parameters, and
// the JsonWebKey dictionary.

const { ArrayPrototypeIncludes, ObjectCreate, ObjectFreeze, ObjectKeys, SafeMap } = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;
const wc = rt.internal.webcrypto;

const enforceRange = { enforceRange: true };

/**
 * HashAlgorithmIdentifier / AlgorithmIdentifier: (object or DOMString).
 * @type {(V: any, prefix?: string, context?: string) => any}
 */
const algorithmIdentifier = (V, prefix, context) =>
  webidl.isObject(V) ? V : converters.DOMString(V, prefix, context);

const algorithmMembers = [{ key: 'name', converter: converters.DOMString, required: true }];
const hashMember = { key: 'hash', converter: algorithmIdentifier, required: true };
const dict = webidl.createDictionaryConverter;

const Algorithm = dict('Algorithm', algorithmMembers);
const RsaHashedKeyGenParams = dict('RsaHashedKeyGenParams', algorithmMembers, [
  { key: 'modulusLength', converter: converters['unsigned long'], required: true, opts: enforceRange },
  { key: 'publicExponent', converter: converters.Uint8Array, required: true },
], [hashMember]);
const RsaHashedImportParams = dict('RsaHashedImportParams', algorithmMembers, [hashMember]);
const RsaPssParams = dict('RsaPssParams', algorithmMembers, [
  { key: 'saltLength', converter: converters['unsigned long'], required: true, opts: enforceRange },
]);
const RsaOaepParams = dict('RsaOaepParams', algorithmMembers, [
  { key: 'label', converter: converters.BufferSource },
]);
const EcdsaParams = dict('EcdsaParams', algorithmMembers, [hashMember]);
const EcKeyGenParams = dict('EcKeyGenParams', algorithmMembers, [
  { key: 'namedCurve', converter: converters.DOMString, required: true },
]);
const EcKeyImportParams = dict('EcKeyImportParams', algorithmMembers, [
  { key: 'namedCurve', converter: converters.DOMString, required: true },
]);
const EcdhKeyDeriveParams = dict('EcdhKeyDeriveParams', algorithmMembers, [
  { key: 'public', converter: wc.cryptoKeyConverter, required: true },
]);
const AesCtrParams = dict('AesCtrParams', algorithmMembers, [
  { key: 'counter', converter: converters.BufferSource, required: true },
  { key: 'length', converter: converters.octet, required: true, opts: enforceRange },
]);
const AesKeyGenParams = dict('AesKeyGenParams', algorithmMembers, [
  { key: 'length', converter: converters['unsigned short'], required: true, opts: enforceRange },
]);
const AesDerivedKeyParams = dict('AesDerivedKeyParams', algorithmMembers, [
  { key: 'length', converter: converters['unsigned short'], required: true, opts: enforceRange },
]);
const AesCbcParams = dict('AesCbcParams', algorithmMembers, [
  { key: 'iv', converter: converters.BufferSource, required: true },
]);
const AesGcmParams = dict('AesGcmParams', algorithmMembers, [
  { key: 'iv', converter: converters.BufferSource, required: true },
  { key: 'additionalData', converter: converters.BufferSource },
  { key: 'tagLength', converter: converters.octet, opts: enforceRange },
]);
const HmacImportParams = dict('HmacImportParams', algorithmMembers, [
  hashMember,
  { key: 'length', converter: converters['unsigned long'], opts: enforceRange },
]);
const HmacKeyGenParams = dict('HmacKeyGenParams', algorithmMembers, [
  hashMember,
  { key: 'length', converter: converters['unsigned long'], opts: enforceRange },
]);
const HkdfParams = dict('HkdfParams', algorithmMembers, [
  hashMember,
  { key: 'salt', converter: converters.BufferSource, required: true },
  { key: 'info', converter: converters.BufferSource, required: true },
]);
const Pbkdf2Params = dict('Pbkdf2Params', algorithmMembers, [
  { key: 'salt', converter: converters.BufferSource, required: true },
  { key: 'iterations', converter: converters['unsigned long'], required: true, opts: enforceRange },
  hashMember,
]);
// "Modern Algorithms in the Web Cryptography API" (https://wicg.github.io/webcrypto-modern-algos/).
const CShakeParams = dict('CShakeParams', algorithmMembers, [
  { key: 'length', converter: converters['unsigned long'], required: true, opts: enforceRange },
  { key: 'functionName', converter: converters.BufferSource },
  { key: 'customization', converter: converters.BufferSource },
]);
const KmacKeyGenParams = dict('KmacKeyGenParams', algorithmMembers, [
  { key: 'length', converter: converters['unsigned long'], opts: enforceRange },
]);
const KmacImportParams = dict('KmacImportParams', algorithmMembers, [
  { key: 'length', converter: converters['unsigned long'], opts: enforceRange },
]);
const KmacParams = dict('KmacParams', algorithmMembers, [
  { key: 'length', converter: converters['unsigned long'], required: true, opts: enforceRange },
  { key: 'customization', converter: converters.BufferSource },
]);

/**
 * For each operation, the registered algorithms and their parameter dictionary (null: the
 * plain Algorithm dictionary).
 * @type {Record<string, Record<string, any>>}
 */
const registered = {
  __proto__: null,
  encrypt: { 'RSA-OAEP': RsaOaepParams, 'AES-CTR': AesCtrParams, 'AES-CBC': AesCbcParams, 'AES-GCM': AesGcmParams },
  decrypt: { 'RSA-OAEP': RsaOaepParams, 'AES-CTR': AesCtrParams, 'AES-CBC': AesCbcParams, 'AES-GCM': AesGcmParams },
  sign: {
    'RSASSA-PKCS1-v1_5': null, 'RSA-PSS': RsaPssParams, ECDSA: EcdsaParams, Ed25519: null, HMAC: null,
    KMAC128: KmacParams, KMAC256: KmacParams,
  },
  verify: {
    'RSASSA-PKCS1-v1_5': null, 'RSA-PSS': RsaPssParams, ECDSA: EcdsaParams, Ed25519: null, HMAC: null,
    KMAC128: KmacParams, KMAC256: KmacParams,
  },
  digest: {
    'SHA-1': null, 'SHA-256': null, 'SHA-384': null, 'SHA-512': null,
    'SHA3-256': null, 'SHA3-384': null, 'SHA3-512': null, cSHAKE128: CShakeParams, cSHAKE256: CShakeParams,
  },
  generateKey: {
    'RSASSA-PKCS1-v1_5': RsaHashedKeyGenParams, 'RSA-PSS': RsaHashedKeyGenParams, 'RSA-OAEP': RsaHashedKeyGenParams,
    ECDSA: EcKeyGenParams, ECDH: EcKeyGenParams, Ed25519: null, X25519: null,
    'AES-CTR': AesKeyGenParams, 'AES-CBC': AesKeyGenParams, 'AES-GCM': AesKeyGenParams, 'AES-KW': AesKeyGenParams,
    HMAC: HmacKeyGenParams, KMAC128: KmacKeyGenParams, KMAC256: KmacKeyGenParams,
  },
  deriveBits: { ECDH: EcdhKeyDeriveParams, X25519: EcdhKeyDeriveParams, HKDF: HkdfParams, PBKDF2: Pbkdf2Params },
  importKey: {
    'RSASSA-PKCS1-v1_5': RsaHashedImportParams, 'RSA-PSS': RsaHashedImportParams, 'RSA-OAEP': RsaHashedImportParams,
    ECDSA: EcKeyImportParams, ECDH: EcKeyImportParams, Ed25519: null, X25519: null,
    'AES-CTR': null, 'AES-CBC': null, 'AES-GCM': null, 'AES-KW': null,
    HMAC: HmacImportParams, HKDF: null, PBKDF2: null, KMAC128: KmacImportParams, KMAC256: KmacImportParams,
  },
  wrapKey: { 'AES-KW': null },
  unwrapKey: { 'AES-KW': null },
  'get key length': {
    'AES-CTR': AesDerivedKeyParams, 'AES-CBC': AesDerivedKeyParams, 'AES-GCM': AesDerivedKeyParams,
    'AES-KW': AesDerivedKeyParams, HMAC: HmacImportParams, HKDF: null, PBKDF2: null,
  },
};

/** Per operation, upper-case name → registered name. @type {Record<string, Record<string, string>>} */
const byUpperName = ObjectCreate(null);
{
  const ops = ObjectKeys(registered);
  for (let i = 0; i < ops.length; i++) {
    /** @type {Record<string, string>} */
    const names = ObjectCreate(null);
    const list = ObjectKeys(registered[ops[i]]);
    for (let j = 0; j < list.length; j++) names[wc.asciiUpper(list[j])] = list[j];
    byUpperName[ops[i]] = names;
  }
}

/** Dictionary members of type BufferSource (or BigInteger), copied by normalization. */
const bufferMembers = ['iv', 'additionalData', 'counter', 'label', 'salt', 'info', 'publicExponent', 'functionName',
  'customization'];

/** The hashes the hash-using algorithms (HMAC, HKDF, PBKDF2, RSA, ECDSA) accept. */
const keyHashes = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];

/**
 * Normalizes an algorithm for operation `op`: a TypeError if it does not convert to its
 * dictionary, a NotSupportedError if it names no algorithm registered for `op`.
 * @param {any} alg an AlgorithmIdentifier
 * @param {string} op
 * @returns {any} the normalized algorithm (a null-prototype record)
 */
function normalizeAlgorithm(alg, op) {
  if (typeof alg === 'string') {
    // A name alone always normalizes the same way (no user code runs), so the result is kept:
    // frozen, since callers share it.
    const key = `${op}\0${alg}`;
    let normalized = byString.get(key);
    if (normalized === undefined) {
      normalized = ObjectFreeze(normalizeObject({ __proto__: null, name: alg }, op));
      if (byString.size < 256) byString.set(key, normalized);
    }
    return normalized;
  }
  if (!webidl.isObject(alg)) {
    alg = { __proto__: null, name: converters.DOMString(alg, undefined, 'Algorithm') };
  }
  return normalizeObject(alg, op);
}

/** Normalized algorithms of names given as strings, by operation and name. */
const byString = new SafeMap();

/**
 * normalizeAlgorithm for an object.
 * @param {any} alg
 * @param {string} op
 */
function normalizeObject(alg, op) {
  const initial = Algorithm(alg, undefined, 'Algorithm');
  const name = byUpperName[op][wc.asciiUpper(initial.name)];
  if (name === undefined) {
    throw wc.domError('NotSupportedError', `Unrecognized algorithm name '${initial.name}' for ${op}.`);
  }
  const desired = registered[op][name];
  /** @type {any} */
  let normalized;
  if (desired === null) {
    normalized = { __proto__: null, name };
  } else {
    normalized = desired(alg, undefined, 'Algorithm');
    normalized.name = name;
  }
  for (let i = 0; i < bufferMembers.length; i++) {
    const key = bufferMembers[i];
    if (normalized[key] !== undefined) normalized[key] = wc.copyBytes(normalized[key]);
  }
  if (normalized.hash !== undefined) {
    normalized.hash = normalizeAlgorithm(normalized.hash, 'digest');
    if (!ArrayPrototypeIncludes(keyHashes, normalized.hash.name)) {
      throw wc.domError('NotSupportedError', `${name} does not support the hash ${normalized.hash.name}.`);
    }
  }
  return normalized;
}

const RsaOtherPrimesInfo = dict('RsaOtherPrimesInfo', [
  { key: 'r', converter: converters.DOMString },
  { key: 'd', converter: converters.DOMString },
  { key: 't', converter: converters.DOMString },
]);

const jwkStrings = ['kty', 'use', 'alg', 'crv', 'x', 'y', 'd', 'n', 'e', 'p', 'q', 'dp', 'dq', 'qi', 'k'];
/** @type {any[]} */
const jwkMembers = [
  { key: 'key_ops', converter: webidl.createSequenceConverter(converters.DOMString) },
  { key: 'ext', converter: converters.boolean },
  { key: 'oth', converter: webidl.createSequenceConverter(RsaOtherPrimesInfo) },
];
for (let i = 0; i < jwkStrings.length; i++) jwkMembers[jwkMembers.length] = { key: jwkStrings[i], converter: converters.DOMString };
const JsonWebKey = dict('JsonWebKey', jwkMembers);

wc.normalizeAlgorithm = normalizeAlgorithm;
wc.algorithmIdentifier = algorithmIdentifier;
wc.JsonWebKey = JsonWebKey;
