// @ts-check
// KMAC128 and KMAC256 from "Modern Algorithms in the Web Cryptography API"
// (https://wicg.github.io/webcrypto-modern-algos/#kmac): secret keys of any length, imported as
// "raw-secret" or an "oct" JWK, signing with NIST SP 800-185 KMAC (op crypto_kmac).

const { MathCeil, TypedArrayPrototypeGetLength } = rt.primordials;
const wc = rt.internal.webcrypto;
const ops = rt.ops;

/** @param {string} message */
const dataError = (message) => wc.domError('DataError', message);

/** @param {'KMAC128' | 'KMAC256'} name */
function kmac(name) {
  const defaultLength = name === 'KMAC128' ? 128 : 256;
  const jwkAlg = name === 'KMAC128' ? 'K128' : 'K256';
  return {
    __proto__: null,
    /**
     * @param {any} alg
     * @param {boolean} extractable
     * @param {string[]} usages
     */
    generateKey(alg, extractable, usages) {
      wc.checkUsages(usages, ['sign', 'verify']);
      const length = alg.length === undefined ? defaultLength : alg.length;
      if (length === 0) throw wc.domError('OperationError', `${name} key length must not be zero.`);
      if (length > wc.maxKeyBits) throw wc.domError('OperationError', `${name} keys are at most ${wc.maxKeyBits} bits.`);
      const handle = ops.crypto_random(MathCeil(length / 8));
      return wc.createKey('secret', extractable, { __proto__: null, name, length }, usages, handle);
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
      /** @type {Uint8Array} */
      let data;
      if (format === 'raw-secret') {
        data = keyData;
      } else if (format === 'jwk') {
        if (keyData.kty !== 'oct') throw dataError("The JWK 'kty' member must be 'oct'.");
        data = wc.jwkBytes(keyData, 'k');
        if (keyData.alg !== undefined && keyData.alg !== jwkAlg) {
          throw dataError(`The JWK 'alg' member must be '${jwkAlg}'.`);
        }
        wc.checkJwkUse(keyData, usages, extractable, 'sig');
      } else {
        throw wc.domError('NotSupportedError', `${name} keys cannot be imported as '${format}'.`);
      }
      let length = TypedArrayPrototypeGetLength(data) * 8;
      if (length === 0) throw dataError(`${name} key data must not be empty.`);
      if (alg.length !== undefined) {
        if (alg.length > length) throw dataError(`The ${name} length is longer than the key data.`);
        if (alg.length <= length - 8) throw dataError(`The ${name} length is shorter than the key data.`);
        length = alg.length;
      }
      return wc.createKey('secret', extractable, { __proto__: null, name, length }, usages, data);
    },
    /**
     * @param {string} format
     * @param {any} slots
     */
    exportKey(format, slots) {
      if (format === 'raw') throw wc.domError('NotSupportedError', `${name} keys cannot be exported as 'raw'.`);
      return wc.exportSecret(format, slots, jwkAlg);
    },
    /**
     * @param {any} alg
     * @param {any} slots
     * @param {Uint8Array} data
     */
    sign(alg, slots, data) {
      return ops.crypto_kmac(name, slots.handle, alg.customization, alg.length, data);
    },
    /**
     * @param {any} alg
     * @param {any} slots
     * @param {Uint8Array} signature
     * @param {Uint8Array} data
     */
    verify(alg, slots, signature, data) {
      return ops.crypto_kmac_verify(name, slots.handle, alg.customization, alg.length, signature, data);
    },
  };
}

wc.algorithms.KMAC128 = kmac('KMAC128');
wc.algorithms.KMAC256 = kmac('KMAC256');

const { ArrayPrototypeIncludes } = rt.primordials;

/**
 * The key-independent checks of generateKey: what would otherwise fail as an OperationError or
 * NotSupportedError once the key generation started.
 * @param {any} n a normalized generateKey algorithm
 */
function generateSupported(n) {
  switch (n.name) {
    case 'AES-CTR': case 'AES-CBC': case 'AES-GCM': case 'AES-KW':
      return n.length === 128 || n.length === 192 || n.length === 256;
    case 'HMAC': case 'KMAC128': case 'KMAC256':
      return n.length !== 0;
    case 'ECDSA': case 'ECDH':
      return ArrayPrototypeIncludes(['P-256', 'P-384', 'P-521'], n.namedCurve);
    case 'RSASSA-PKCS1-v1_5': case 'RSA-PSS': case 'RSA-OAEP': {
      const e = n.publicExponent;
      let value = 0;
      for (let i = 0; i < TypedArrayPrototypeGetLength(e); i++) value = value * 256 + e[i];
      return value === 65537 && n.modulusLength >= 1024 && n.modulusLength <= 4096 && n.modulusLength % 8 === 0;
    }
  }
  return true;
}

/**
 * The key-independent checks of deriveBits.
 * @param {any} n a normalized deriveBits algorithm
 * @param {number | null} length
 */
function deriveSupported(n, length) {
  switch (n.name) {
    case 'HKDF':
    case 'PBKDF2':
      if (length === null || length % 8 !== 0) return false;
      return n.name === 'HKDF' || n.iterations !== 0;
  }
  const pub = wc.slotsOf(n.public);
  return pub.type === 'public' && pub.algorithm.name === n.name;
}

/**
 * The key-independent checks of encrypt and decrypt.
 * @param {any} n a normalized encrypt/decrypt algorithm
 */
function cipherSupported(n) {
  switch (n.name) {
    case 'AES-CBC':
      return TypedArrayPrototypeGetLength(n.iv) === 16;
    case 'AES-CTR':
      return TypedArrayPrototypeGetLength(n.counter) === 16 && n.length >= 1 && n.length <= 128;
    case 'AES-GCM':
      return TypedArrayPrototypeGetLength(n.iv) > 0 &&
        (n.tagLength === undefined || ArrayPrototypeIncludes([32, 64, 96, 104, 112, 120, 128], n.tagLength));
  }
  return true;
}

/**
 * SubtleCrypto.supports: whether `operation` would accept these parameters. Throws (and so
 * answers false) where normalization or a key-independent check fails.
 * @param {string} operation
 * @param {any} algorithm
 * @param {number | null} length
 * @param {any} additional the derived, wrapped or unwrapped key's algorithm, if given
 */
function checkSupport(operation, algorithm, length, additional) {
  const normalize = wc.normalizeAlgorithm;
  switch (operation) {
    case 'encrypt':
    case 'decrypt':
      return cipherSupported(normalize(algorithm, operation));
    case 'sign':
    case 'verify':
      normalize(algorithm, operation);
      return true;
    case 'digest': {
      const n = normalize(algorithm, 'digest');
      return n.length === undefined || n.length % 8 === 0;
    }
    case 'generateKey':
      return generateSupported(normalize(algorithm, 'generateKey'));
    case 'importKey':
      normalize(algorithm, 'importKey');
      return true;
    case 'exportKey':
    case 'getPublicKey': {
      const impl = wc.algorithms[normalize(algorithm, 'importKey').name];
      return operation === 'exportKey' ? impl.exportKey !== undefined : impl.publicUsages !== undefined;
    }
    case 'deriveBits':
      return deriveSupported(normalize(algorithm, 'deriveBits'), length);
    case 'deriveKey': {
      const n = normalize(algorithm, 'deriveBits');
      if (additional === undefined) return false;
      normalize(additional, 'importKey');
      const lengthAlg = normalize(additional, 'get key length');
      return deriveSupported(n, wc.algorithms[lengthAlg.name].getKeyLength(lengthAlg));
    }
    case 'wrapKey':
    case 'unwrapKey': {
      let n;
      try {
        n = normalize(algorithm, operation);
      } catch {
        n = normalize(algorithm, operation === 'wrapKey' ? 'encrypt' : 'decrypt');
      }
      if (n.name !== 'AES-KW' && !cipherSupported(n)) return false;
      if (additional !== undefined) {
        const impl = wc.algorithms[normalize(additional, 'importKey').name];
        if (operation === 'wrapKey' && impl.exportKey === undefined) return false;
      }
      return true;
    }
  }
  return false;
}

wc.checkSupport = checkSupport;
