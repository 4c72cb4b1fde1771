// @ts-check
// Web Crypto (https://w3c.github.io/webcrypto/): helpers the other files share through
// rt.internal.webcrypto, and the QuotaExceededError interface getRandomValues throws
// (https://webidl.spec.whatwg.org/#quotaexceedederror), which the webidl extension does not
// define yet.

const {
  ArrayBufferIsView,
  ArrayBufferPrototypeSlice,
  DataViewPrototypeGetBuffer,
  DataViewPrototypeGetByteLength,
  DataViewPrototypeGetByteOffset,
  ArrayBufferPrototypeGetByteLength,
  NumberIsFinite,
  ObjectDefineProperty,
  RangeError,
  StringFromCharCode,
  StringPrototypeCharCodeAt,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeSet,
  Uint8Array,
} = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;
const DOMException = rt.internal.DOMException;

/**
 * A DOMException with one of the spec's names.
 * @param {string} name
 * @param {string} message
 */
function domError(name, message) {
  return rt.internal.makeDOMException(name, message);
}

/**
 * A Uint8Array over the bytes of a BufferSource (not a copy; empty if detached).
 * @param {ArrayBuffer | ArrayBufferView} source
 * @returns {Uint8Array}
 */
function viewOf(source) {
  if (ArrayBufferIsView(source)) {
    if (webidl.isTypedArray(source)) {
      return new Uint8Array(TypedArrayPrototypeGetBuffer(source), TypedArrayPrototypeGetByteOffset(source),
        TypedArrayPrototypeGetByteLength(source));
    }
    return new Uint8Array(DataViewPrototypeGetBuffer(source), DataViewPrototypeGetByteOffset(source),
      DataViewPrototypeGetByteLength(source));
  }
  return new Uint8Array(source, 0, ArrayBufferPrototypeGetByteLength(source));
}

/**
 * "Get a copy of the bytes held by" a BufferSource.
 * @param {ArrayBuffer | ArrayBufferView} source
 * @returns {Uint8Array}
 */
function copyBytes(source) {
  const view = viewOf(source);
  const out = new Uint8Array(TypedArrayPrototypeGetByteLength(view));
  TypedArrayPrototypeSet(out, view);
  return out;
}

/**
 * The ArrayBuffer of a Uint8Array an op returned (its own buffer, exactly), or a copy of the
 * bytes of any other Uint8Array.
 * @param {Uint8Array} bytes
 * @returns {ArrayBuffer}
 */
function toArrayBuffer(bytes) {
  const buffer = TypedArrayPrototypeGetBuffer(bytes);
  const offset = TypedArrayPrototypeGetByteOffset(bytes);
  const length = TypedArrayPrototypeGetByteLength(bytes);
  if (offset === 0 && ArrayBufferPrototypeGetByteLength(buffer) === length) return buffer;
  return ArrayBufferPrototypeSlice(buffer, offset, offset + length);
}

/**
 * ASCII upper case (algorithm names match ASCII case-insensitively; toUpperCase would also
 * fold non-ASCII letters such as U+017F to ASCII).
 * @param {string} s
 */
function asciiUpper(s) {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    out += c >= 0x61 && c <= 0x7a ? StringFromCharCode(c - 0x20) : s[i];
  }
  return out;
}

/**
 * The bytes of a string of code units below 0x80 (JSON the runtime made).
 * @param {string} s
 */
function asciiBytes(s) {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = StringPrototypeCharCodeAt(s, i);
  return out;
}

const quotaOptions = webidl.createDictionaryConverter('QuotaExceededErrorOptions', [
  { key: 'quota', converter: converters.double },
  { key: 'requested', converter: converters.double },
]);

/** @type {(v: any) => boolean} */
let isQuotaExceededError;

class QuotaExceededError extends DOMException {
  /** @type {number | null} */
  #quota = null;
  /** @type {number | null} */
  #requested = null;

  /**
   * @param {string} [message]
   * @param {{ quota?: number, requested?: number }} [options]
   */
  constructor(message = '', options = undefined) {
    const prefix = webidl.constructorPrefix('QuotaExceededError');
    super(converters.DOMString(message, prefix, 'Argument 1'), 'QuotaExceededError');
    const opts = quotaOptions(options, prefix, 'Argument 2');
    if (opts.quota !== undefined && opts.quota < 0) {
      throw new RangeError(`${prefix}: quota must not be negative.`);
    }
    if (opts.requested !== undefined && opts.requested < 0) {
      throw new RangeError(`${prefix}: requested must not be negative.`);
    }
    if (opts.quota !== undefined && opts.requested !== undefined && opts.requested < opts.quota) {
      throw new RangeError(`${prefix}: requested must not be less than quota.`);
    }
    if (opts.quota !== undefined && NumberIsFinite(opts.quota)) this.#quota = opts.quota;
    if (opts.requested !== undefined && NumberIsFinite(opts.requested)) this.#requested = opts.requested;
  }

  get quota() {
    if (!isQuotaExceededError(this)) webidl.illegalInvocation();
    return this.#quota;
  }

  get requested() {
    if (!isQuotaExceededError(this)) webidl.illegalInvocation();
    return this.#requested;
  }

  static {
    isQuotaExceededError = (v) => webidl.isObject(v) && #quota in v;
  }
}
webidl.configureInterface(QuotaExceededError);
ObjectDefineProperty(QuotaExceededError, 'prototype', { __proto__: null, writable: false });
rt.expose('QuotaExceededError', QuotaExceededError);

rt.internal.webcrypto = {
  __proto__: null,
  domError,
  viewOf,
  copyBytes,
  toArrayBuffer,
  asciiUpper,
  asciiBytes,
  QuotaExceededError,
};
