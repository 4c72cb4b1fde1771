// @ts-check
// Crypto (https://w3c.github.io/webcrypto/#crypto-interface) and the `crypto` global:
// getRandomValues, randomUUID and the SubtleCrypto instance.

const {
  ObjectDefineProperty,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeSet,
  Uint8Array,
} = rt.primordials;
const webidl = rt.internal.webidl;
const wc = rt.internal.webcrypto;
const ops = rt.ops;

/** The integer typed arrays getRandomValues fills. */
const integerArrays = {
  __proto__: null,
  Int8Array: true,
  Uint8Array: true,
  Uint8ClampedArray: true,
  Int16Array: true,
  Uint16Array: true,
  Int32Array: true,
  Uint32Array: true,
  BigInt64Array: true,
  BigUint64Array: true,
};

/** @type {(v: any) => boolean} */
let isCrypto;

class Crypto {
  #brand = true;

  /** @param {symbol} key */
  constructor(key) {
    if (key !== webidl.illegalConstructorKey) webidl.illegalConstructor();
  }

  get subtle() {
    if (!isCrypto(this)) webidl.illegalInvocation();
    return wc.subtle;
  }

  /**
   * Fills an integer typed array with random values from the operating system's CSPRNG.
   * @template {ArrayBufferView} T
   * @param {T} array
   * @returns {T}
   */
  getRandomValues(array) {
    const prefix = webidl.operationPrefix('Crypto', 'getRandomValues');
    if (!isCrypto(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 1, prefix);
    webidl.converters.ArrayBufferView(array, prefix, 'Argument 1');
    const kind = webidl.typedArrayName(array);
    if (kind === undefined || integerArrays[/** @type {keyof integerArrays} */ (kind)] !== true) {
      throw wc.domError('TypeMismatchError',
        `${prefix}: The provided ArrayBufferView is of type '${kind === undefined ? 'DataView' : kind}', which is not an integer array type.`);
    }
    const n = TypedArrayPrototypeGetByteLength(array);
    if (n > 65536) {
      throw new wc.QuotaExceededError(
        `${prefix}: The ArrayBufferView's byte length (${n}) exceeds the number of bytes of entropy available via this API (65536).`);
    }
    if (n > 0) {
      const bytes = ops.crypto_random(n);
      if (kind === 'Uint8Array') {
        TypedArrayPrototypeSet(array, bytes);
      } else {
        TypedArrayPrototypeSet(new Uint8Array(TypedArrayPrototypeGetBuffer(array), TypedArrayPrototypeGetByteOffset(array), n),
          bytes);
      }
    }
    return array;
  }

  /** A random (version 4) UUID. */
  randomUUID() {
    if (!isCrypto(this)) webidl.illegalInvocation();
    return ops.crypto_random_uuid();
  }

  static {
    isCrypto = (v) => webidl.isObject(v) && #brand in v;
  }
}
webidl.configureInterface(Crypto);
ObjectDefineProperty(Crypto, 'prototype', { __proto__: null, writable: false });

rt.expose('Crypto', Crypto);
rt.expose('crypto', new Crypto(webidl.illegalConstructorKey));
