// @ts-check
// CryptoKey (https://w3c.github.io/webcrypto/#cryptokey-interface) and the key usages.
//
// A key's internal slots are in a private field: [[type]], [[extractable]], [[algorithm]] (a
// null-prototype record the runtime reads), [[usages]] and [[handle]], the key material as a
// Uint8Array no user code can reach: the raw bytes of a secret key, PKCS #8 DER of a private
// key, SPKI DER of a public key. The algorithm and usages attributes return objects made once
// per key ([[algorithm_cached]], [[usages_cached]]), so user changes to them never reach the
// internal slots.

const {
  ArrayPrototypeIncludes,
  ArrayPrototypePush,
  ObjectDefineProperty,
  ObjectFreeze,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeSet,
  Uint8Array,
} = rt.primordials;
const webidl = rt.internal.webidl;
const wc = rt.internal.webcrypto;

/** The recognized key usage values, in the spec's order. */
const usageOrder = ['encrypt', 'decrypt', 'sign', 'verify', 'deriveKey', 'deriveBits', 'wrapKey', 'unwrapKey'];

/**
 * The usages in `usages` that are also in `allowed`, once each, in the spec's order.
 * @param {string[]} usages
 * @param {string[]} allowed
 * @returns {string[]}
 */
function usageIntersection(usages, allowed) {
  /** @type {string[]} */
  const out = [];
  for (let i = 0; i < usageOrder.length; i++) {
    const u = usageOrder[i];
    if (ArrayPrototypeIncludes(usages, u) && ArrayPrototypeIncludes(allowed, u)) ArrayPrototypePush(out, u);
  }
  return out;
}

/**
 * Throws a SyntaxError unless every usage is one of `allowed`.
 * @param {string[]} usages
 * @param {string[]} allowed
 */
function checkUsages(usages, allowed) {
  for (let i = 0; i < usages.length; i++) {
    if (!ArrayPrototypeIncludes(allowed, usages[i])) {
      throw wc.domError('SyntaxError', `Cannot create a key with the usage '${usages[i]}'.`);
    }
  }
}

/**
 * The ECMAScript object for a KeyAlgorithm record (a fresh object each call), with its members
 * in the order IDL dictionary conversion gives them: inherited dictionaries first, then each
 * dictionary's members in lexicographic order (AesKeyAlgorithm {name, length}, HmacKeyAlgorithm
 * {name, hash, length}, EcKeyAlgorithm {name, namedCurve}, RsaHashedKeyAlgorithm {name,
 * modulusLength, publicExponent, hash}).
 * @param {any} alg
 */
function algorithmObject(alg) {
  /** @type {any} */
  const out = { name: alg.name };
  if (alg.modulusLength !== undefined) {
    out.modulusLength = alg.modulusLength;
    const e = new Uint8Array(TypedArrayPrototypeGetByteLength(alg.publicExponent));
    TypedArrayPrototypeSet(e, alg.publicExponent);
    out.publicExponent = e;
  }
  if (alg.hash !== undefined) out.hash = { name: alg.hash.name };
  if (alg.length !== undefined) out.length = alg.length;
  if (alg.namedCurve !== undefined) out.namedCurve = alg.namedCurve;
  return out;
}

/** @type {(v: any) => boolean} */
let isCryptoKey;
/** @type {(key: CryptoKey) => { type: string, extractable: boolean, algorithm: any, usages: string[], handle: Uint8Array }} */
let slotsOf;

class CryptoKey {
  /**
   * The internal slots [[type]], [[extractable]], [[algorithm]], [[usages]] and [[handle]], as
   * one frozen record the runtime's operations read.
   * @type {{ type: string, extractable: boolean, algorithm: any, usages: string[], handle: Uint8Array }}
   */
  #slots;
  /** @type {any} */
  #algorithmCached;
  /** @type {string[]} */
  #usagesCached;

  /**
   * Not constructible by user code (the key argument is the runtime's).
   * @param {symbol} key
   * @param {string} type
   * @param {boolean} extractable
   * @param {any} algorithm
   * @param {string[]} usages
   * @param {Uint8Array} handle
   */
  constructor(key, type, extractable, algorithm, usages, handle) {
    if (key !== webidl.illegalConstructorKey) webidl.illegalConstructor();
    const normalized = usageIntersection(usages, usageOrder);
    this.#slots = ObjectFreeze({ __proto__: null, type, extractable, algorithm, usages: normalized, handle });
    this.#algorithmCached = algorithmObject(algorithm);
    this.#usagesCached = webidl.copyArray(normalized);
  }

  get type() {
    if (!isCryptoKey(this)) webidl.illegalInvocation();
    return this.#slots.type;
  }

  get extractable() {
    if (!isCryptoKey(this)) webidl.illegalInvocation();
    return this.#slots.extractable;
  }

  get algorithm() {
    if (!isCryptoKey(this)) webidl.illegalInvocation();
    return this.#algorithmCached;
  }

  get usages() {
    if (!isCryptoKey(this)) webidl.illegalInvocation();
    return this.#usagesCached;
  }

  static {
    isCryptoKey = (v) => webidl.isObject(v) && #slots in v;
    slotsOf = (k) => k.#slots;
  }
}
webidl.configureInterface(CryptoKey);
ObjectDefineProperty(CryptoKey, 'prototype', { __proto__: null, writable: false });

/**
 * Makes a CryptoKey.
 * @param {'secret' | 'private' | 'public'} type
 * @param {boolean} extractable
 * @param {any} algorithm the KeyAlgorithm record (null prototype, owned by the key)
 * @param {string[]} usages
 * @param {Uint8Array} handle the key material (owned by the key)
 */
function createKey(type, extractable, algorithm, usages, handle) {
  return new CryptoKey(webidl.illegalConstructorKey, type, extractable, algorithm, usages, handle);
}

rt.expose('CryptoKey', CryptoKey);
wc.CryptoKey = CryptoKey;
wc.isCryptoKey = isCryptoKey;
wc.slotsOf = slotsOf;
wc.createKey = createKey;
wc.usageIntersection = usageIntersection;
wc.checkUsages = checkUsages;
wc.cryptoKeyConverter = webidl.createInterfaceConverter('CryptoKey', isCryptoKey);
