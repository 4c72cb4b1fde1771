// @ts-check
// SubtleCrypto (https://w3c.github.io/webcrypto/#subtlecrypto-interface): the methods' own
// steps (argument conversion, normalization, the name, usage and extractability checks), then
// the algorithm's operation (03_symmetric.js, 04_curves.js, 05_rsa.js).
//
// Every operation runs synchronously, on the isolate's thread, so its CPU time counts against
// the request that asked for it; the methods are async functions, so each returns a promise,
// already settled, and every error (argument conversion included) rejects it, as WebIDL
// requires of promise-returning operations.

const {
  ArrayBufferIsView,
  ArrayPrototypeIncludes,
  JSONParse,
  JSONStringify,
  ObjectKeys,
  TypeError,
} = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;
const wc = rt.internal.webcrypto;
const ops = rt.ops;

const KeyFormat = webidl.createEnumConverter('KeyFormat',
  ['raw-public', 'raw-private', 'raw-seed', 'raw-secret', 'raw', 'spki', 'pkcs8', 'jwk']);
const KeyUsage = webidl.createEnumConverter('KeyUsage', ['encrypt', 'decrypt', 'sign', 'verify', 'deriveKey',
  'deriveBits', 'wrapKey', 'unwrapKey', 'encapsulateKey', 'encapsulateBits', 'decapsulateKey', 'decapsulateBits']);
const KeyUsages = webidl.createSequenceConverter(KeyUsage);
const CryptoKeyArg = wc.cryptoKeyConverter;
const AlgorithmIdentifier = wc.algorithmIdentifier;

/** @param {string} message */
const invalidAccess = (message) => wc.domError('InvalidAccessError', message);

/** @param {string} member */
const prefixOf = (member) => webidl.operationPrefix('SubtleCrypto', member);

/**
 * The bytes of a data argument: the view itself when the algorithm is a string (no user code
 * runs before the operation uses them), else a copy taken before normalization runs the
 * algorithm's getters, as the spec orders it.
 * @param {any} algorithm
 * @param {ArrayBuffer | ArrayBufferView} data
 */
function dataBytes(algorithm, data) {
  return typeof algorithm === 'string' ? wc.viewOf(data) : wc.copyBytes(data);
}

/**
 * The checks every key operation starts with: the normalized algorithm is the key's, and the
 * key allows the usage.
 * @param {any} normalized
 * @param {any} slots
 * @param {string} usage
 */
function checkKey(normalized, slots, usage) {
  if (normalized.name !== slots.algorithm.name) {
    throw invalidAccess(`The key is a ${slots.algorithm.name} key, not ${normalized.name}.`);
  }
  if (!ArrayPrototypeIncludes(slots.usages, usage)) {
    throw invalidAccess(`The key does not allow '${usage}'.`);
  }
}

/**
 * Throws the SyntaxError the spec gives a secret or private key without usages.
 * @param {any} result a CryptoKey or CryptoKeyPair
 */
function checkResultUsages(result) {
  const key = wc.isCryptoKey(result) ? result : result.privateKey;
  const slots = wc.slotsOf(key);
  if (slots.type !== 'public' && slots.usages.length === 0) {
    throw wc.domError('SyntaxError', 'A secret or private key must have at least one usage.');
  }
}

/**
 * encrypt, decrypt and sign: normalize, check the key, run the algorithm's operation.
 * @param {string} op
 * @param {any} algorithm
 * @param {CryptoKey} key
 * @param {ArrayBuffer | ArrayBufferView} data
 */
function keyOperation(op, algorithm, key, data) {
  const bytes = dataBytes(algorithm, data);
  const normalized = wc.normalizeAlgorithm(algorithm, op);
  const slots = wc.slotsOf(key);
  checkKey(normalized, slots, op);
  return wc.toArrayBuffer(wc.algorithms[normalized.name][op](normalized, slots, bytes));
}

/**
 * The export step of wrapKey and the import step of unwrapKey serialize a JWK as JSON. The
 * runtime writes it itself (a user's Object.prototype.toJSON must not change it).
 * @param {any} jwk a JWK exportKey made: strings, booleans and arrays of strings
 */
function jwkToJSON(jwk) {
  const keys = ObjectKeys(jwk);
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const v = jwk[keys[i]];
    let text;
    if (typeof v === 'object') {
      text = '[';
      for (let j = 0; j < v.length; j++) text += (j ? ',' : '') + JSONStringify(v[j]);
      text += ']';
    } else {
      text = JSONStringify(v);
    }
    out += (i ? ',' : '') + JSONStringify(keys[i]) + ':' + text;
  }
  return out + '}';
}

/**
 * The "parse a JWK" steps of unwrapKey.
 * @param {Uint8Array} bytes
 */
function parseJwk(bytes) {
  let value;
  try {
    value = JSONParse(ops.encoding_decode('utf-8', bytes, false, false));
  } catch {
    throw wc.domError('DataError', 'The unwrapped key is not valid JSON.');
  }
  const jwk = wc.JsonWebKey(value, undefined, 'The unwrapped key');
  if (jwk.kty === undefined) throw wc.domError('DataError', "The unwrapped JWK has no 'kty' member.");
  return jwk;
}

/**
 * importKey's (BufferSource or JsonWebKey) union.
 * @param {any} V
 * @param {string} prefix
 */
function keyDataArg(V, prefix) {
  if (webidl.isArrayBuffer(V) || ArrayBufferIsView(V)) return V;
  if (V === undefined || V === null || webidl.isObject(V)) return wc.JsonWebKey(V, prefix, 'Argument 2');
  throw webidl.makeTypeError(prefix, 'Argument 2', "is not of type '(BufferSource or JsonWebKey)'.");
}

/**
 * Normalizes for wrapKey/unwrapKey, falling back to encrypt/decrypt.
 * @param {any} algorithm
 * @param {'wrapKey' | 'unwrapKey'} op
 * @returns {{ normalized: any, op: string }}
 */
function normalizeWrap(algorithm, op) {
  try {
    return { normalized: wc.normalizeAlgorithm(algorithm, op), op };
  } catch {
    const fallback = op === 'wrapKey' ? 'encrypt' : 'decrypt';
    return { normalized: wc.normalizeAlgorithm(algorithm, fallback), op: fallback };
  }
}

/** @type {(v: any) => boolean} */
let isSubtleCrypto;

class SubtleCrypto {
  #brand = true;

  /** @param {symbol} key */
  constructor(key) {
    if (key !== webidl.illegalConstructorKey) webidl.illegalConstructor();
  }

  /**
   * @param {any} algorithm
   * @param {CryptoKey} key
   * @param {BufferSource} data
   */
  async encrypt(algorithm, key, data) {
    const prefix = prefixOf('encrypt');
    if (!isSubtleCrypto(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 3, prefix);
    algorithm = AlgorithmIdentifier(algorithm, prefix, 'Argument 1');
    key = CryptoKeyArg(key, prefix, 'Argument 2');
    data = converters.BufferSource(data, prefix, 'Argument 3');
    return keyOperation('encrypt', algorithm, key, data);
  }

  /**
   * @param {any} algorithm
   * @param {CryptoKey} key
   * @param {BufferSource} data
   */
  async decrypt(algorithm, key, data) {
    const prefix = prefixOf('decrypt');
    if (!isSubtleCrypto(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 3, prefix);
    algorithm = AlgorithmIdentifier(algorithm, prefix, 'Argument 1');
    key = CryptoKeyArg(key, prefix, 'Argument 2');
    data = converters.BufferSource(data, prefix, 'Argument 3');
    return keyOperation('decrypt', algorithm, key, data);
  }

  /**
   * @param {any} algorithm
   * @param {CryptoKey} key
   * @param {BufferSource} data
   */
  async sign(algorithm, key, data) {
    const prefix = prefixOf('sign');
    if (!isSubtleCrypto(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 3, prefix);
    algorithm = AlgorithmIdentifier(algorithm, prefix, 'Argument 1');
    key = CryptoKeyArg(key, prefix, 'Argument 2');
    data = converters.BufferSource(data, prefix, 'Argument 3');
    return keyOperation('sign', algorithm, key, data);
  }

  /**
   * @param {any} algorithm
   * @param {CryptoKey} key
   * @param {BufferSource} signature
   * @param {BufferSource} data
   */
  async verify(algorithm, key, signature, data) {
    const prefix = prefixOf('verify');
    if (!isSubtleCrypto(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 4, prefix);
    algorithm = AlgorithmIdentifier(algorithm, prefix, 'Argument 1');
    key = CryptoKeyArg(key, prefix, 'Argument 2');
    signature = converters.BufferSource(signature, prefix, 'Argument 3');
    data = converters.BufferSource(data, prefix, 'Argument 4');
    const sig = dataBytes(algorithm, signature);
    const bytes = dataBytes(algorithm, data);
    const normalized = wc.normalizeAlgorithm(algorithm, 'verify');
    const slots = wc.slotsOf(key);
    checkKey(normalized, slots, 'verify');
    return wc.algorithms[normalized.name].verify(normalized, slots, sig, bytes);
  }

  /**
   * @param {any} algorithm
   * @param {BufferSource} data
   */
  async digest(algorithm, data) {
    const prefix = prefixOf('digest');
    if (!isSubtleCrypto(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 2, prefix);
    algorithm = AlgorithmIdentifier(algorithm, prefix, 'Argument 1');
    data = converters.BufferSource(data, prefix, 'Argument 2');
    const bytes = dataBytes(algorithm, data);
    const normalized = wc.normalizeAlgorithm(algorithm, 'digest');
    if (normalized.length !== undefined) {
      return wc.toArrayBuffer(ops.crypto_cshake(normalized.name, normalized.length, normalized.functionName,
        normalized.customization, bytes));
    }
    return wc.toArrayBuffer(ops.crypto_digest(normalized.name, bytes));
  }

  /**
   * @param {any} algorithm
   * @param {boolean} extractable
   * @param {string[]} keyUsages
   */
  async generateKey(algorithm, extractable, keyUsages) {
    const prefix = prefixOf('generateKey');
    if (!isSubtleCrypto(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 3, prefix);
    algorithm = AlgorithmIdentifier(algorithm, prefix, 'Argument 1');
    extractable = converters.boolean(extractable);
    const usages = KeyUsages(keyUsages, prefix, 'Argument 3');
    const normalized = wc.normalizeAlgorithm(algorithm, 'generateKey');
    const result = wc.algorithms[normalized.name].generateKey(normalized, extractable, usages);
    checkResultUsages(result);
    return result;
  }

  /**
   * @param {any} algorithm
   * @param {CryptoKey} baseKey
   * @param {any} derivedKeyType
   * @param {boolean} extractable
   * @param {string[]} keyUsages
   */
  async deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
    const prefix = prefixOf('deriveKey');
    if (!isSubtleCrypto(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 5, prefix);
    algorithm = AlgorithmIdentifier(algorithm, prefix, 'Argument 1');
    baseKey = CryptoKeyArg(baseKey, prefix, 'Argument 2');
    derivedKeyType = AlgorithmIdentifier(derivedKeyType, prefix, 'Argument 3');
    extractable = converters.boolean(extractable);
    const usages = KeyUsages(keyUsages, prefix, 'Argument 5');
    const normalized = wc.normalizeAlgorithm(algorithm, 'deriveBits');
    const importAlg = wc.normalizeAlgorithm(derivedKeyType, 'importKey');
    const lengthAlg = wc.normalizeAlgorithm(derivedKeyType, 'get key length');
    const slots = wc.slotsOf(baseKey);
    checkKey(normalized, slots, 'deriveKey');
    const length = wc.algorithms[lengthAlg.name].getKeyLength(lengthAlg);
    const secret = wc.algorithms[normalized.name].deriveBits(normalized, slots, length);
    const result = wc.algorithms[importAlg.name].importKey('raw', secret, importAlg, extractable, usages);
    checkResultUsages(result);
    return result;
  }

  /**
   * @param {any} algorithm
   * @param {CryptoKey} baseKey
   * @param {number | null} [length]
   */
  async deriveBits(algorithm, baseKey, length = null) {
    const prefix = prefixOf('deriveBits');
    if (!isSubtleCrypto(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 2, prefix);
    algorithm = AlgorithmIdentifier(algorithm, prefix, 'Argument 1');
    baseKey = CryptoKeyArg(baseKey, prefix, 'Argument 2');
    const bits = length === null || length === undefined ? null
      : converters['unsigned long'](length, prefix, 'Argument 3');
    const normalized = wc.normalizeAlgorithm(algorithm, 'deriveBits');
    const slots = wc.slotsOf(baseKey);
    checkKey(normalized, slots, 'deriveBits');
    return wc.toArrayBuffer(wc.algorithms[normalized.name].deriveBits(normalized, slots, bits));
  }

  /**
   * @param {string} format
   * @param {any} keyData
   * @param {any} algorithm
   * @param {boolean} extractable
   * @param {string[]} keyUsages
   */
  async importKey(format, keyData, algorithm, extractable, keyUsages) {
    const prefix = prefixOf('importKey');
    if (!isSubtleCrypto(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 5, prefix);
    format = KeyFormat(format, prefix, 'Argument 1');
    keyData = keyDataArg(keyData, prefix);
    algorithm = AlgorithmIdentifier(algorithm, prefix, 'Argument 3');
    extractable = converters.boolean(extractable);
    const usages = KeyUsages(keyUsages, prefix, 'Argument 5');
    const isBuffer = webidl.isArrayBuffer(keyData) || ArrayBufferIsView(keyData);
    if (format === 'jwk') {
      if (isBuffer) throw new TypeError(`${prefix}: a 'jwk' key must be a JsonWebKey, not a buffer.`);
    } else {
      if (!isBuffer) throw new TypeError(`${prefix}: a '${format}' key must be a BufferSource.`);
      keyData = wc.copyBytes(keyData);
    }
    const normalized = wc.normalizeAlgorithm(algorithm, 'importKey');
    const result = wc.algorithms[normalized.name].importKey(format, keyData, normalized, extractable, usages);
    checkResultUsages(result);
    return result;
  }

  /**
   * @param {string} format
   * @param {CryptoKey} key
   */
  async exportKey(format, key) {
    const prefix = prefixOf('exportKey');
    if (!isSubtleCrypto(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 2, prefix);
    format = KeyFormat(format, prefix, 'Argument 1');
    key = CryptoKeyArg(key, prefix, 'Argument 2');
    return exportKey(format, wc.slotsOf(key));
  }

  /**
   * @param {string} format
   * @param {CryptoKey} key
   * @param {CryptoKey} wrappingKey
   * @param {any} wrapAlgorithm
   */
  async wrapKey(format, key, wrappingKey, wrapAlgorithm) {
    const prefix = prefixOf('wrapKey');
    if (!isSubtleCrypto(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 4, prefix);
    format = KeyFormat(format, prefix, 'Argument 1');
    key = CryptoKeyArg(key, prefix, 'Argument 2');
    wrappingKey = CryptoKeyArg(wrappingKey, prefix, 'Argument 3');
    wrapAlgorithm = AlgorithmIdentifier(wrapAlgorithm, prefix, 'Argument 4');
    const { normalized, op } = normalizeWrap(wrapAlgorithm, 'wrapKey');
    const slots = wc.slotsOf(wrappingKey);
    checkKey(normalized, slots, 'wrapKey');
    const exported = exportKey(format, wc.slotsOf(key));
    const bytes = format === 'jwk' ? wc.asciiBytes(jwkToJSON(exported)) : wc.viewOf(exported);
    return wc.toArrayBuffer(wc.algorithms[normalized.name][op](normalized, slots, bytes));
  }

  /**
   * @param {string} format
   * @param {BufferSource} wrappedKey
   * @param {CryptoKey} unwrappingKey
   * @param {any} unwrapAlgorithm
   * @param {any} unwrappedKeyAlgorithm
   * @param {boolean} extractable
   * @param {string[]} keyUsages
   */
  async unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, keyUsages) {
    const prefix = prefixOf('unwrapKey');
    if (!isSubtleCrypto(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 7, prefix);
    format = KeyFormat(format, prefix, 'Argument 1');
    wrappedKey = converters.BufferSource(wrappedKey, prefix, 'Argument 2');
    unwrappingKey = CryptoKeyArg(unwrappingKey, prefix, 'Argument 3');
    unwrapAlgorithm = AlgorithmIdentifier(unwrapAlgorithm, prefix, 'Argument 4');
    unwrappedKeyAlgorithm = AlgorithmIdentifier(unwrappedKeyAlgorithm, prefix, 'Argument 5');
    extractable = converters.boolean(extractable);
    const usages = KeyUsages(keyUsages, prefix, 'Argument 7');
    const wrapped = wc.copyBytes(wrappedKey);
    const { normalized, op } = normalizeWrap(unwrapAlgorithm, 'unwrapKey');
    const importAlg = wc.normalizeAlgorithm(unwrappedKeyAlgorithm, 'importKey');
    const slots = wc.slotsOf(unwrappingKey);
    checkKey(normalized, slots, 'unwrapKey');
    const bytes = wc.algorithms[normalized.name][op](normalized, slots, wrapped);
    const keyData = format === 'jwk' ? parseJwk(bytes) : bytes;
    const result = wc.algorithms[importAlg.name].importKey(format, keyData, importAlg, extractable, usages);
    checkResultUsages(result);
    return result;
  }

  /**
   * The public key of a private key ("Modern Algorithms in the Web Cryptography API").
   * @param {CryptoKey} key
   * @param {string[]} keyUsages
   */
  async getPublicKey(key, keyUsages) {
    const prefix = prefixOf('getPublicKey');
    if (!isSubtleCrypto(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 2, prefix);
    key = CryptoKeyArg(key, prefix, 'Argument 1');
    const usages = KeyUsages(keyUsages, prefix, 'Argument 2');
    const slots = wc.slotsOf(key);
    const impl = wc.algorithms[slots.algorithm.name];
    if (impl.publicUsages === undefined) {
      throw wc.domError('NotSupportedError', `${slots.algorithm.name} keys have no public key.`);
    }
    if (slots.type !== 'private') throw invalidAccess('getPublicKey needs a private key.');
    wc.checkUsages(usages, impl.publicUsages);
    return wc.createKey('public', true, slots.algorithm, usages, ops.crypto_public_of(slots.handle));
  }

  /**
   * Compares two buffers of the same length in constant time (Cloudflare Workers' extension to
   * SubtleCrypto); buffers of different lengths are a TypeError.
   * @param {BufferSource} a
   * @param {BufferSource} b
   */
  timingSafeEqual(a, b) {
    const prefix = prefixOf('timingSafeEqual');
    if (!isSubtleCrypto(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 2, prefix);
    a = converters.BufferSource(a, prefix, 'Argument 1');
    b = converters.BufferSource(b, prefix, 'Argument 2');
    return ops.crypto_timing_safe_equal(wc.viewOf(a), wc.viewOf(b));
  }

  /**
   * Whether an operation with these parameters is supported ("Modern Algorithms in the Web
   * Cryptography API"): normalization succeeds and the checks that need no key pass.
   * @param {string} operation
   * @param {any} algorithm
   * @param {any} [lengthOrAdditionalAlgorithm]
   */
  static supports(operation, algorithm, lengthOrAdditionalAlgorithm = null) {
    const prefix = prefixOf('supports');
    webidl.requiredArguments(arguments.length, 2, prefix);
    operation = converters.DOMString(operation, prefix, 'Argument 1');
    algorithm = AlgorithmIdentifier(algorithm, prefix, 'Argument 2');
    const third = lengthOrAdditionalAlgorithm;
    let length = null;
    let additional;
    if (typeof third === 'string' || webidl.isObject(third)) {
      additional = AlgorithmIdentifier(third, prefix, 'Argument 3');
    } else if (third !== null && third !== undefined) {
      length = converters['unsigned long'](third, prefix, 'Argument 3');
    }
    try {
      return wc.checkSupport(operation, algorithm, length, additional);
    } catch {
      return false;
    }
  }

  static {
    isSubtleCrypto = (v) => webidl.isObject(v) && #brand in v;
  }
}

/**
 * The export steps shared by exportKey and wrapKey.
 * @param {string} format
 * @param {any} slots
 */
function exportKey(format, slots) {
  const impl = wc.algorithms[slots.algorithm.name];
  if (impl.exportKey === undefined) {
    throw wc.domError('NotSupportedError', `${slots.algorithm.name} keys cannot be exported.`);
  }
  if (!slots.extractable) throw invalidAccess('The key is not extractable.');
  return impl.exportKey(format, slots);
}

webidl.configureInterface(SubtleCrypto);
rt.primordials.ObjectDefineProperty(SubtleCrypto, 'prototype', { __proto__: null, writable: false });
rt.expose('SubtleCrypto', SubtleCrypto);
wc.subtle = new SubtleCrypto(webidl.illegalConstructorKey);
