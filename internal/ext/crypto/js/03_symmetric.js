// @ts-check
// The secret-key algorithms: AES-CTR, AES-CBC, AES-GCM, AES-KW, HMAC, HKDF and PBKDF2
// (https://w3c.github.io/webcrypto/#aes-ctr and the sections after it), and the JWK member
// checks every algorithm shares.
//
// An algorithm is a record of the operations it supports, called by the SubtleCrypto methods
// (06_subtle.js) once the generic checks are done:
//   generateKey(alg, extractable, usages) → CryptoKey | CryptoKeyPair
//   importKey(format, keyData, alg, extractable, usages) → CryptoKey (keyData: a Uint8Array
//     copy, or a JsonWebKey record)
//   exportKey(format, slots) → ArrayBuffer | JsonWebKey object
//   encrypt/decrypt/wrapKey/unwrapKey(alg, slots, data), sign(alg, slots, data),
//   verify(alg, slots, signature, data), deriveBits(alg, slots, length) → Uint8Array / boolean
//   getKeyLength(alg) → number | null
// where `slots` are the key's internal slots (01_key.js).

const {
  ArrayPrototypeIncludes, MathCeil, StringPrototypeSlice, TypeError, TypedArrayPrototypeGetLength,
  TypedArrayPrototypeSubarray,
} = rt.primordials;
const wc = rt.internal.webcrypto;
const ops = rt.ops;

/** @param {string} message */
const dataError = (message) => wc.domError('DataError', message);
/** @param {string} message */
const operationError = (message) => wc.domError('OperationError', message);
/** @param {string} message */
const notSupported = (message) => wc.domError('NotSupportedError', message);

/**
 * The use, key_ops and ext checks of a JWK import.
 * @param {any} jwk
 * @param {string[]} usages
 * @param {boolean} extractable
 * @param {string} use the "use" value the key's usages need ("enc" or "sig")
 */
function checkJwkUse(jwk, usages, extractable, use) {
  if (usages.length !== 0 && jwk.use !== undefined && jwk.use !== use) {
    throw dataError(`The JWK 'use' member must be '${use}'.`);
  }
  const keyOps = jwk.key_ops;
  if (keyOps !== undefined) {
    for (let i = 0; i < keyOps.length; i++) {
      for (let j = i + 1; j < keyOps.length; j++) {
        if (keyOps[i] === keyOps[j]) throw dataError(`The JWK 'key_ops' member lists '${keyOps[i]}' twice.`);
      }
    }
    for (let i = 0; i < usages.length; i++) {
      if (!ArrayPrototypeIncludes(keyOps, usages[i])) {
        throw dataError(`The JWK 'key_ops' member does not allow '${usages[i]}'.`);
      }
    }
  }
  if (jwk.ext === false && extractable) {
    throw dataError('The JWK is not extractable (ext: false) but extractable was requested.');
  }
}

/**
 * Decodes a base64url JWK member (a DataError if it is missing or malformed).
 * @param {any} jwk
 * @param {string} member
 * @returns {Uint8Array}
 */
function jwkBytes(jwk, member) {
  const value = jwk[member];
  if (value === undefined) throw dataError(`The JWK member '${member}' is missing.`);
  return ops.crypto_b64url_decode(member, value);
}

/** @param {string} format */
const isRawSecret = (format) => format === 'raw' || format === 'raw-secret';

/**
 * Exports a secret key as raw bytes or as an "oct" JWK.
 * @param {string} format
 * @param {any} slots
 * @param {string | undefined} alg the JWK "alg"
 */
function exportSecret(format, slots, alg) {
  if (isRawSecret(format)) return wc.toArrayBuffer(wc.copyBytes(slots.handle));
  if (format === 'jwk') {
    /** @type {any} */
    const jwk = {};
    if (alg !== undefined) jwk.alg = alg;
    jwk.ext = slots.extractable;
    jwk.k = ops.crypto_b64url_encode(slots.handle);
    jwk.key_ops = wc.usageIntersection(slots.usages, slots.usages);
    jwk.kty = 'oct';
    return jwk;
  }
  throw notSupported(`Keys of ${slots.algorithm.name} cannot be exported as '${format}'.`);
}

/** @param {number} bits */
const isAesLength = (bits) => bits === 128 || bits === 192 || bits === 256;

/** @param {string} name */
function aes(name) {
  const allowed = name === 'AES-KW' ? ['wrapKey', 'unwrapKey'] : ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'];
  const suffix = StringPrototypeSlice(name, 4);
  /** @param {number} bits */
  const jwkAlg = (bits) => `A${bits}${suffix}`;
  /** @type {any} */
  const impl = {
    __proto__: null,
    /**
     * @param {any} alg
     * @param {boolean} extractable
     * @param {string[]} usages
     */
    generateKey(alg, extractable, usages) {
      wc.checkUsages(usages, allowed);
      if (!isAesLength(alg.length)) throw operationError('AES key length must be 128, 192 or 256 bits.');
      const handle = ops.crypto_random(alg.length / 8);
      return wc.createKey('secret', extractable, { __proto__: null, name, length: alg.length }, usages, handle);
    },
    /**
     * @param {string} format
     * @param {any} keyData
     * @param {any} alg
     * @param {boolean} extractable
     * @param {string[]} usages
     */
    importKey(format, keyData, alg, extractable, usages) {
      wc.checkUsages(usages, allowed);
      /** @type {Uint8Array} */
      let data;
      if (isRawSecret(format)) {
        data = keyData;
        if (!isAesLength(TypedArrayPrototypeGetLength(data) * 8)) throw dataError('AES key data must be 128, 192 or 256 bits.');
      } else if (format === 'jwk') {
        if (keyData.kty !== 'oct') throw dataError("The JWK 'kty' member must be 'oct'.");
        data = jwkBytes(keyData, 'k');
        if (!isAesLength(TypedArrayPrototypeGetLength(data) * 8)) throw dataError('AES key data must be 128, 192 or 256 bits.');
        if (keyData.alg !== undefined && keyData.alg !== jwkAlg(TypedArrayPrototypeGetLength(data) * 8)) {
          throw dataError(`The JWK 'alg' member must be '${jwkAlg(TypedArrayPrototypeGetLength(data) * 8)}'.`);
        }
        checkJwkUse(keyData, usages, extractable, 'enc');
      } else {
        throw notSupported(`${name} keys cannot be imported as '${format}'.`);
      }
      return wc.createKey('secret', extractable, { __proto__: null, name, length: TypedArrayPrototypeGetLength(data) * 8 }, usages, data);
    },
    /**
     * @param {string} format
     * @param {any} slots
     */
    exportKey(format, slots) {
      return exportSecret(format, slots, jwkAlg(slots.algorithm.length));
    },
    /** @param {any} alg */
    getKeyLength(alg) {
      if (!isAesLength(alg.length)) throw operationError('AES key length must be 128, 192 or 256 bits.');
      return alg.length;
    },
  };
  if (name === 'AES-KW') {
    impl.wrapKey = (/** @type {any} */ alg, /** @type {any} */ slots, /** @type {Uint8Array} */ data) =>
      ops.crypto_aes_kw(true, slots.handle, data);
    impl.unwrapKey = (/** @type {any} */ alg, /** @type {any} */ slots, /** @type {Uint8Array} */ data) =>
      ops.crypto_aes_kw(false, slots.handle, data);
    return impl;
  }
  /**
   * @param {boolean} enc
   * @param {any} alg
   * @param {any} slots
   * @param {Uint8Array} data
   */
  const crypt = (enc, alg, slots, data) => {
    switch (name) {
      case 'AES-CBC':
        return ops.crypto_aes_cbc(enc, slots.handle, alg.iv, data);
      case 'AES-CTR':
        return ops.crypto_aes_ctr(slots.handle, alg.counter, alg.length, data);
      default: {
        const tagLength = alg.tagLength === undefined ? 128 : alg.tagLength;
        return ops.crypto_aes_gcm(enc, slots.handle, alg.iv, alg.additionalData, tagLength, data);
      }
    }
  };
  impl.encrypt = (/** @type {any} */ alg, /** @type {any} */ slots, /** @type {Uint8Array} */ data) =>
    crypt(true, alg, slots, data);
  impl.decrypt = (/** @type {any} */ alg, /** @type {any} */ slots, /** @type {Uint8Array} */ data) =>
    crypt(false, alg, slots, data);
  return impl;
}

/** The longest secret key generateKey makes (1 MiB, the bound of op crypto_random). */
const maxKeyBits = 8 << 20;

/**
 * The block size in bits of a hash (HMAC's default key length).
 * @param {string} hash
 */
const blockBits = (hash) => (hash === 'SHA-384' || hash === 'SHA-512' ? 1024 : 512);

/** @param {string} hash */
const hmacJwkAlg = (hash) => `HS${StringPrototypeSlice(hash, 4)}`;

const hmac = {
  __proto__: null,
  /**
   * @param {any} alg
   * @param {boolean} extractable
   * @param {string[]} usages
   */
  generateKey(alg, extractable, usages) {
    wc.checkUsages(usages, ['sign', 'verify']);
    let length = blockBits(alg.hash.name);
    if (alg.length !== undefined) {
      if (alg.length === 0) throw operationError('HMAC key length must not be zero.');
      length = alg.length;
    }
    if (length > maxKeyBits) throw operationError(`HMAC keys are at most ${maxKeyBits} bits.`);
    const handle = ops.crypto_random(MathCeil(length / 8));
    const algorithm = { __proto__: null, name: 'HMAC', length, hash: { __proto__: null, name: alg.hash.name } };
    return wc.createKey('secret', extractable, algorithm, usages, handle);
  },
  /**
   * @param {string} format
   * @param {any} keyData
   * @param {any} alg
   * @param {boolean} extractable
   * @param {string[]} usages
   */
  importKey(format, keyData, alg, extractable, usages) {
    wc.checkUsages(usages, ['sign', 'verify']);
    const hash = alg.hash.name;
    /** @type {Uint8Array} */
    let data;
    if (isRawSecret(format)) {
      data = keyData;
    } else if (format === 'jwk') {
      if (keyData.kty !== 'oct') throw dataError("The JWK 'kty' member must be 'oct'.");
      data = jwkBytes(keyData, 'k');
      if (keyData.alg !== undefined && keyData.alg !== hmacJwkAlg(hash)) {
        throw dataError(`The JWK 'alg' member must be '${hmacJwkAlg(hash)}'.`);
      }
      checkJwkUse(keyData, usages, extractable, 'sig');
    } else {
      throw notSupported(`HMAC keys cannot be imported as '${format}'.`);
    }
    let length = TypedArrayPrototypeGetLength(data) * 8;
    if (length === 0) throw dataError('HMAC key data must not be empty.');
    if (alg.length !== undefined) {
      if (alg.length > length) throw dataError('The HMAC length is longer than the key data.');
      if (alg.length <= length - 8) throw dataError('The HMAC length is shorter than the key data.');
      length = alg.length;
    }
    const algorithm = { __proto__: null, name: 'HMAC', length, hash: { __proto__: null, name: hash } };
    return wc.createKey('secret', extractable, algorithm, usages, data);
  },
  /**
   * @param {string} format
   * @param {any} slots
   */
  exportKey(format, slots) {
    return exportSecret(format, slots, hmacJwkAlg(slots.algorithm.hash.name));
  },
  /**
   * @param {any} alg
   * @param {any} slots
   * @param {Uint8Array} data
   */
  sign(alg, slots, data) {
    return ops.crypto_hmac(slots.algorithm.hash.name, slots.handle, data);
  },
  /**
   * @param {any} alg
   * @param {any} slots
   * @param {Uint8Array} signature
   * @param {Uint8Array} data
   */
  verify(alg, slots, signature, data) {
    return ops.crypto_hmac_verify(slots.algorithm.hash.name, slots.handle, signature, data);
  },
  /** @param {any} alg */
  getKeyLength(alg) {
    if (alg.length === undefined) return blockBits(alg.hash.name);
    if (alg.length !== 0) return alg.length;
    throw new TypeError('HMAC key length must not be zero.');
  },
};

/**
 * HKDF and PBKDF2: raw, non-extractable key material for deriveBits/deriveKey.
 * @param {string} name
 * @param {(alg: any, slots: any, bytes: number) => Uint8Array} derive
 */
function kdf(name, derive) {
  return {
    __proto__: null,
    /**
     * @param {string} format
     * @param {any} keyData
     * @param {any} alg
     * @param {boolean} extractable
     * @param {string[]} usages
     */
    importKey(format, keyData, alg, extractable, usages) {
      if (!isRawSecret(format)) throw notSupported(`${name} keys can only be imported as 'raw'.`);
      wc.checkUsages(usages, ['deriveKey', 'deriveBits']);
      if (extractable !== false) throw wc.domError('SyntaxError', `${name} keys cannot be extractable.`);
      return wc.createKey('secret', false, { __proto__: null, name }, usages, keyData);
    },
    /**
     * @param {any} alg
     * @param {any} slots
     * @param {number | null} length
     */
    deriveBits(alg, slots, length) {
      if (length === null) throw operationError(`${name} needs a length.`);
      if (length % 8 !== 0) throw operationError(`The ${name} length must be a multiple of 8.`);
      return derive(alg, slots, length / 8);
    },
    getKeyLength() {
      return null;
    },
  };
}

const hkdf = kdf('HKDF', (alg, slots, bytes) =>
  ops.crypto_hkdf(alg.hash.name, slots.handle, alg.salt, alg.info, bytes));
// PBKDF2 runs in steps (op crypto_pbkdf2 returns its progress until it is done), so the CPU
// watchdog can stop a request that asks for a huge iteration count between two steps.
const pbkdf2 = kdf('PBKDF2', (alg, slots, bytes) => {
  if (alg.iterations === 0) throw operationError('PBKDF2 needs at least one iteration.');
  let r = ops.crypto_pbkdf2(alg.hash.name, slots.handle, alg.salt, alg.iterations, bytes, null);
  while (r[0] === 1) {
    r = ops.crypto_pbkdf2(alg.hash.name, slots.handle, alg.salt, alg.iterations, bytes, TypedArrayPrototypeSubarray(r, 1));
  }
  return TypedArrayPrototypeSubarray(r, 1);
});

wc.algorithms = {
  __proto__: null,
  'AES-CTR': aes('AES-CTR'),
  'AES-CBC': aes('AES-CBC'),
  'AES-GCM': aes('AES-GCM'),
  'AES-KW': aes('AES-KW'),
  HMAC: hmac,
  HKDF: hkdf,
  PBKDF2: pbkdf2,
};
wc.checkJwkUse = checkJwkUse;
wc.jwkBytes = jwkBytes;
wc.exportSecret = exportSecret;
wc.maxKeyBits = maxKeyBits;
