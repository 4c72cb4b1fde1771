// @ts-check
// The RSA algorithms: RSASSA-PKCS1-v1_5, RSA-PSS and RSA-OAEP
// (https://w3c.github.io/webcrypto/#rsassa-pkcs1).

const wc = rt.internal.webcrypto;
const ops = rt.ops;

/** @param {string} message */
const dataError = (message) => wc.domError('DataError', message);
/** @param {string} message */
const invalidAccess = (message) => wc.domError('InvalidAccessError', message);

const hashes = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];

/** The JWK "alg" of each algorithm, by hash. @type {Record<string, Record<string, string>>} */
const jwkAlgs = {
  __proto__: null,
  'RSASSA-PKCS1-v1_5': { __proto__: null, 'SHA-1': 'RS1', 'SHA-256': 'RS256', 'SHA-384': 'RS384', 'SHA-512': 'RS512' },
  'RSA-PSS': { __proto__: null, 'SHA-1': 'PS1', 'SHA-256': 'PS256', 'SHA-384': 'PS384', 'SHA-512': 'PS512' },
  'RSA-OAEP': {
    __proto__: null, 'SHA-1': 'RSA-OAEP', 'SHA-256': 'RSA-OAEP-256', 'SHA-384': 'RSA-OAEP-384',
    'SHA-512': 'RSA-OAEP-512',
  },
};

/**
 * The RsaHashedKeyAlgorithm record of a key held as DER.
 * @param {string} name
 * @param {Uint8Array} der
 * @param {boolean} isPrivate
 * @param {string} hash
 */
function rsaAlgorithm(name, der, isPrivate, hash) {
  const info = ops.crypto_rsa_info(der, isPrivate);
  return {
    __proto__: null,
    name,
    modulusLength: +info[0],
    publicExponent: ops.crypto_b64url_decode('e', info[1]),
    hash: { __proto__: null, name: hash },
  };
}

/** @param {'RSASSA-PKCS1-v1_5' | 'RSA-PSS' | 'RSA-OAEP'} name */
function rsa(name) {
  const isOAEP = name === 'RSA-OAEP';
  const publicUsages = isOAEP ? ['encrypt', 'wrapKey'] : ['verify'];
  const privateUsages = isOAEP ? ['decrypt', 'unwrapKey'] : ['sign'];
  const allUsages = isOAEP ? ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'] : ['sign', 'verify'];
  const algs = jwkAlgs[name];
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
      const pkcs8 = ops.crypto_generate('RSA', alg.modulusLength, alg.publicExponent);
      const algorithm = rsaAlgorithm(name, pkcs8, true, alg.hash.name);
      return wc.keyPair(pkcs8, algorithm, extractable, usages, publicUsages, privateUsages);
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
          wc.checkUsages(usages, publicUsages);
          der = ops.crypto_import('RSA', 'spki', keyData);
          break;
        case 'pkcs8':
          wc.checkUsages(usages, privateUsages);
          der = ops.crypto_import('RSA', 'pkcs8', keyData);
          isPrivate = true;
          break;
        case 'jwk': {
          const jwk = keyData;
          isPrivate = jwk.d !== undefined;
          wc.checkUsages(usages, isPrivate ? privateUsages : publicUsages);
          if (jwk.kty !== 'RSA') throw dataError("The JWK 'kty' member must be 'RSA'.");
          wc.checkJwkUse(jwk, usages, extractable, isOAEP ? 'enc' : 'sig');
          if (jwk.alg !== undefined) {
            let hash;
            for (let i = 0; i < hashes.length; i++) if (algs[hashes[i]] === jwk.alg) hash = hashes[i];
            if (hash === undefined) throw dataError(`The JWK 'alg' member '${jwk.alg}' is not one of ${name}.`);
            if (hash !== alg.hash.name) throw dataError(`The JWK 'alg' member does not match the hash ${alg.hash.name}.`);
          }
          if (jwk.n === undefined || jwk.e === undefined) throw dataError("The JWK members 'n' and 'e' are required.");
          if (isPrivate && jwk.oth !== undefined) {
            throw wc.domError('NotSupportedError', 'RSA keys with more than two primes are not supported.');
          }
          der = ops.crypto_import_jwk('RSA', '', jwk.n, jwk.e, jwk.d, jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi);
          break;
        }
        default:
          throw wc.domError('NotSupportedError', `${name} keys cannot be imported as '${format}'.`);
      }
      const algorithm = rsaAlgorithm(name, der, isPrivate, alg.hash.name);
      return wc.createKey(isPrivate ? 'private' : 'public', extractable, algorithm, usages, der);
    },
    /**
     * @param {string} format
     * @param {any} slots
     */
    exportKey(format, slots) {
      return wc.exportAsymmetric(format, slots, false, (/** @type {string[]} */ m, /** @type {boolean} */ isPrivate) => {
        /** @type {any} */
        const jwk = { alg: algs[slots.algorithm.hash.name] };
        if (isPrivate) {
          jwk.d = m[2];
          jwk.dp = m[5];
          jwk.dq = m[6];
        }
        jwk.e = m[1];
        wc.jwkCommon(jwk, slots);
        jwk.kty = 'RSA';
        jwk.n = m[0];
        if (isPrivate) {
          jwk.p = m[3];
          jwk.q = m[4];
          jwk.qi = m[7];
        }
        return jwk;
      });
    },
  };
  if (isOAEP) {
    impl.encrypt = (/** @type {any} */ alg, /** @type {any} */ slots, /** @type {Uint8Array} */ data) => {
      if (slots.type !== 'public') throw invalidAccess('Encrypting needs a public key.');
      return ops.crypto_rsa_oaep(true, slots.algorithm.hash.name, slots.handle, alg.label, data);
    };
    impl.decrypt = (/** @type {any} */ alg, /** @type {any} */ slots, /** @type {Uint8Array} */ data) => {
      if (slots.type !== 'private') throw invalidAccess('Decrypting needs a private key.');
      return ops.crypto_rsa_oaep(false, slots.algorithm.hash.name, slots.handle, alg.label, data);
    };
  } else {
    impl.sign = (/** @type {any} */ alg, /** @type {any} */ slots, /** @type {Uint8Array} */ data) => {
      if (slots.type !== 'private') throw invalidAccess('Signing needs a private key.');
      return ops.crypto_sign(name, slots.algorithm.hash.name, alg.saltLength ?? 0, slots.handle, data);
    };
    impl.verify = (/** @type {any} */ alg, /** @type {any} */ slots, /** @type {Uint8Array} */ signature,
      /** @type {Uint8Array} */ data) => {
      if (slots.type !== 'public') throw invalidAccess('Verifying needs a public key.');
      return ops.crypto_verify(name, slots.algorithm.hash.name, alg.saltLength ?? 0, slots.handle, signature, data);
    };
  }
  return impl;
}

wc.algorithms['RSASSA-PKCS1-v1_5'] = rsa('RSASSA-PKCS1-v1_5');
wc.algorithms['RSA-PSS'] = rsa('RSA-PSS');
wc.algorithms['RSA-OAEP'] = rsa('RSA-OAEP');
