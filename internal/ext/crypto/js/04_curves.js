// @ts-check
// The elliptic-curve algorithms: ECDSA and ECDH on P-256, P-384 and P-521
// (https://w3c.github.io/webcrypto/#ecdsa), Ed25519 and X25519
// (https://w3c.github.io/webcrypto/#ed25519), and what the asymmetric algorithms share: key
// pairs, and the spki/pkcs8/raw/jwk export of a key held as DER.

const { ArrayPrototypeIncludes, MathCeil, TypedArrayPrototypeGetLength, TypedArrayPrototypeSubarray } = rt.primordials;
const wc = rt.internal.webcrypto;
const ops = rt.ops;

/** @param {string} message */
const dataError = (message) => wc.domError('DataError', message);
/** @param {string} message */
const invalidAccess = (message) => wc.domError('InvalidAccessError', message);
/** @param {string} message */
const notSupported = (message) => wc.domError('NotSupportedError', message);

/**
 * A CryptoKeyPair of a new private key (PKCS #8) and its public key.
 * @param {Uint8Array} pkcs8
 * @param {any} algorithm the shared KeyAlgorithm record
 * @param {boolean} extractable
 * @param {string[]} usages
 * @param {string[]} publicUsages the usages a public key of the algorithm may have
 * @param {string[]} privateUsages
 */
function keyPair(pkcs8, algorithm, extractable, usages, publicUsages, privateUsages) {
  const spki = ops.crypto_public_of(pkcs8);
  return {
    privateKey: wc.createKey('private', extractable, algorithm, wc.usageIntersection(usages, privateUsages), pkcs8),
    publicKey: wc.createKey('public', true, algorithm, wc.usageIntersection(usages, publicUsages), spki),
  };
}

/**
 * Exports an asymmetric key held as DER: spki, pkcs8, raw (or raw-public) where `raw` is
 * true, and jwk, whose members `jwk(members, isPrivate)` builds from the key material the
 * Go side returns.
 * @param {string} format
 * @param {any} slots
 * @param {boolean} raw
 * @param {(members: string[], isPrivate: boolean) => any} jwk
 */
function exportAsymmetric(format, slots, raw, jwk) {
  const isPrivate = slots.type === 'private';
  switch (format) {
    case 'spki':
      if (isPrivate) throw invalidAccess('Only public keys can be exported as spki.');
      return wc.toArrayBuffer(wc.copyBytes(slots.handle));
    case 'pkcs8':
      if (!isPrivate) throw invalidAccess('Only private keys can be exported as pkcs8.');
      return wc.toArrayBuffer(wc.copyBytes(slots.handle));
    case 'raw':
    case 'raw-public':
      if (!raw) break;
      if (isPrivate) throw invalidAccess(`Only public keys can be exported as ${format}.`);
      return wc.toArrayBuffer(ops.crypto_export_raw(slots.handle));
    case 'jwk':
      return jwk(ops.crypto_export_jwk(slots.handle, isPrivate), isPrivate);
  }
  throw notSupported(`Keys of ${slots.algorithm.name} cannot be exported as '${format}'.`);
}

/**
 * Sets the key_ops and ext members of an exported JWK.
 * @param {any} jwk
 * @param {any} slots
 */
function jwkCommon(jwk, slots) {
  jwk.ext = slots.extractable;
  jwk.key_ops = wc.usageIntersection(slots.usages, slots.usages);
}

/**
 * The first `length` bits of a shared secret (all of it when length is null).
 * @param {Uint8Array} secret
 * @param {number | null} length
 */
function truncateBits(secret, length) {
  if (length === null) return secret;
  if (length > TypedArrayPrototypeGetLength(secret) * 8) {
    throw wc.domError('OperationError', 'The requested length is longer than the shared secret.');
  }
  const out = wc.copyBytes(TypedArrayPrototypeSubarray(secret, 0, MathCeil(length / 8)));
  if (length % 8 !== 0) out[TypedArrayPrototypeGetLength(out) - 1] &= (0xff << (8 - (length % 8))) & 0xff;
  return out;
}

/**
 * The ECDH / X25519 derive bits operation.
 * @param {any} alg EcdhKeyDeriveParams
 * @param {any} slots the private key's
 * @param {number | null} length
 */
function deriveShared(alg, slots, length) {
  if (slots.type !== 'private') throw invalidAccess('The base key must be a private key.');
  const pub = wc.slotsOf(alg.public);
  if (pub.type !== 'public') throw invalidAccess("The 'public' key must be a public key.");
  if (pub.algorithm.name !== slots.algorithm.name) {
    throw invalidAccess(`The 'public' key is not a ${slots.algorithm.name} key.`);
  }
  if (pub.algorithm.namedCurve !== slots.algorithm.namedCurve) {
    throw invalidAccess("The 'public' key is on another curve.");
  }
  return truncateBits(ops.crypto_derive(slots.handle, pub.handle), length);
}

const curves = ['P-256', 'P-384', 'P-521'];
const ecdsaJwkAlg = { __proto__: null, 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

/** @param {'ECDSA' | 'ECDH'} name */
function ec(name) {
  const isECDSA = name === 'ECDSA';
  const publicUsages = isECDSA ? ['verify'] : [];
  const privateUsages = isECDSA ? ['sign'] : ['deriveKey', 'deriveBits'];
  const allUsages = isECDSA ? ['sign', 'verify'] : ['deriveKey', 'deriveBits'];
  /** @type {any} */
  const impl = {
    __proto__: null,
    publicUsages,
    /**
     * @param {any} alg
     * @param {boolean} extractable
     * @param {string[]} usages
     */
    generateKey(alg, extractable, usages) {
      wc.checkUsages(usages, allUsages);
      if (!ArrayPrototypeIncludes(curves, alg.namedCurve)) {
        throw notSupported(`Unsupported named curve '${alg.namedCurve}'.`);
      }
      const algorithm = { __proto__: null, name, namedCurve: alg.namedCurve };
      return keyPair(ops.crypto_generate('EC', alg.namedCurve), algorithm, extractable, usages, publicUsages, privateUsages);
    },
    /**
     * @param {string} format
     * @param {any} keyData
     * @param {any} alg
     * @param {boolean} extractable
     * @param {string[]} usages
     */
    importKey(format, keyData, alg, extractable, usages) {
      const curve = alg.namedCurve;
      let isPrivate = false;
      /** @type {Uint8Array} */
      let der;
      switch (format) {
        case 'spki':
        case 'raw':
        case 'raw-public':
          wc.checkUsages(usages, publicUsages);
          if (!ArrayPrototypeIncludes(curves, curve)) throw dataError(`Unsupported named curve '${curve}'.`);
          der = ops.crypto_import('EC', format === 'spki' ? 'spki' : 'raw', keyData, curve);
          break;
        case 'pkcs8':
          wc.checkUsages(usages, privateUsages);
          if (!ArrayPrototypeIncludes(curves, curve)) throw dataError(`Unsupported named curve '${curve}'.`);
          der = ops.crypto_import('EC', 'pkcs8', keyData, curve);
          isPrivate = true;
          break;
        case 'jwk':
          isPrivate = keyData.d !== undefined;
          wc.checkUsages(usages, isPrivate ? privateUsages : publicUsages);
          if (keyData.kty !== 'EC') throw dataError("The JWK 'kty' member must be 'EC'.");
          wc.checkJwkUse(keyData, usages, extractable, isECDSA ? 'sig' : 'enc');
          if (keyData.crv !== curve) throw dataError(`The JWK 'crv' member must be '${curve}'.`);
          if (!ArrayPrototypeIncludes(curves, curve)) throw notSupported(`Unsupported named curve '${curve}'.`);
          if (isECDSA && keyData.alg !== undefined && keyData.alg !== ecdsaJwkAlg[curve]) {
            throw dataError(`The JWK 'alg' member must be '${ecdsaJwkAlg[curve]}'.`);
          }
          if (keyData.x === undefined || keyData.y === undefined) {
            throw dataError("The JWK members 'x' and 'y' are required.");
          }
          der = ops.crypto_import_jwk('EC', curve, keyData.x, keyData.y, keyData.d);
          break;
        default:
          throw notSupported(`${name} keys cannot be imported as '${format}'.`);
      }
      const algorithm = { __proto__: null, name, namedCurve: curve };
      return wc.createKey(isPrivate ? 'private' : 'public', extractable, algorithm, usages, der);
    },
    /**
     * @param {string} format
     * @param {any} slots
     */
    exportKey(format, slots) {
      return exportAsymmetric(format, slots, true, (m, isPrivate) => {
        /** @type {any} */
        const jwk = { crv: slots.algorithm.namedCurve };
        if (isPrivate) jwk.d = m[2];
        jwkCommon(jwk, slots);
        jwk.kty = 'EC';
        jwk.x = m[0];
        jwk.y = m[1];
        return jwk;
      });
    },
  };
  if (isECDSA) {
    impl.sign = (/** @type {any} */ alg, /** @type {any} */ slots, /** @type {Uint8Array} */ data) => {
      if (slots.type !== 'private') throw invalidAccess('Signing needs a private key.');
      return ops.crypto_sign('ECDSA', alg.hash.name, 0, slots.handle, data);
    };
    impl.verify = (/** @type {any} */ alg, /** @type {any} */ slots, /** @type {Uint8Array} */ signature,
      /** @type {Uint8Array} */ data) => {
      if (slots.type !== 'public') throw invalidAccess('Verifying needs a public key.');
      return ops.crypto_verify('ECDSA', alg.hash.name, 0, slots.handle, signature, data);
    };
  } else {
    impl.deriveBits = deriveShared;
  }
  return impl;
}

/** @param {'Ed25519' | 'X25519'} name */
function okp(name) {
  const isEd = name === 'Ed25519';
  const publicUsages = isEd ? ['verify'] : [];
  const privateUsages = isEd ? ['sign'] : ['deriveKey', 'deriveBits'];
  const allUsages = isEd ? ['sign', 'verify'] : ['deriveKey', 'deriveBits'];
  /** @type {any} */
  const impl = {
    __proto__: null,
    publicUsages,
    /**
     * @param {any} alg
     * @param {boolean} extractable
     * @param {string[]} usages
     */
    generateKey(alg, extractable, usages) {
      wc.checkUsages(usages, allUsages);
      return keyPair(ops.crypto_generate(name), { __proto__: null, name }, extractable, usages, publicUsages,
        privateUsages);
    },
    /**
     * @param {string} format
     * @param {any} keyData
     * @param {any} alg
     * @param {boolean} extractable
     * @param {string[]} usages
     */
    importKey(format, keyData, alg, extractable, usages) {
      let isPrivate = false;
      /** @type {Uint8Array} */
      let der;
      switch (format) {
        case 'spki':
        case 'raw':
        case 'raw-public':
          wc.checkUsages(usages, publicUsages);
          der = ops.crypto_import(name, format === 'spki' ? 'spki' : 'raw', keyData);
          break;
        case 'pkcs8':
          wc.checkUsages(usages, privateUsages);
          der = ops.crypto_import(name, 'pkcs8', keyData);
          isPrivate = true;
          break;
        case 'jwk':
          isPrivate = keyData.d !== undefined;
          wc.checkUsages(usages, isPrivate ? privateUsages : publicUsages);
          if (keyData.kty !== 'OKP') throw dataError("The JWK 'kty' member must be 'OKP'.");
          if (keyData.crv !== name) throw dataError(`The JWK 'crv' member must be '${name}'.`);
          if (isEd && keyData.alg !== undefined && keyData.alg !== 'Ed25519' && keyData.alg !== 'EdDSA') {
            throw dataError("The JWK 'alg' member must be 'Ed25519' or 'EdDSA'.");
          }
          wc.checkJwkUse(keyData, usages, extractable, isEd ? 'sig' : 'enc');
          if (keyData.x === undefined) throw dataError("The JWK member 'x' is required.");
          der = ops.crypto_import_jwk(name, '', keyData.x, keyData.d);
          break;
        default:
          throw notSupported(`${name} keys cannot be imported as '${format}'.`);
      }
      return wc.createKey(isPrivate ? 'private' : 'public', extractable, { __proto__: null, name }, usages, der);
    },
    /**
     * @param {string} format
     * @param {any} slots
     */
    exportKey(format, slots) {
      return exportAsymmetric(format, slots, true, (m, isPrivate) => {
        /** @type {any} */
        const jwk = {};
        if (isEd) jwk.alg = 'Ed25519';
        jwk.crv = name;
        if (isPrivate) jwk.d = m[1];
        jwkCommon(jwk, slots);
        jwk.kty = 'OKP';
        jwk.x = m[0];
        return jwk;
      });
    },
  };
  if (isEd) {
    impl.sign = (/** @type {any} */ alg, /** @type {any} */ slots, /** @type {Uint8Array} */ data) => {
      if (slots.type !== 'private') throw invalidAccess('Signing needs a private key.');
      return ops.crypto_sign('Ed25519', '', 0, slots.handle, data);
    };
    impl.verify = (/** @type {any} */ alg, /** @type {any} */ slots, /** @type {Uint8Array} */ signature,
      /** @type {Uint8Array} */ data) => {
      if (slots.type !== 'public') throw invalidAccess('Verifying needs a public key.');
      return ops.crypto_verify('Ed25519', '', 0, slots.handle, signature, data);
    };
  } else {
    impl.deriveBits = deriveShared;
  }
  return impl;
}

wc.algorithms.ECDSA = ec('ECDSA');
wc.algorithms.ECDH = ec('ECDH');
wc.algorithms.Ed25519 = okp('Ed25519');
wc.algorithms.X25519 = okp('X25519');
wc.keyPair = keyPair;
wc.exportAsymmetric = exportAsymmetric;
wc.jwkCommon = jwkCommon;
