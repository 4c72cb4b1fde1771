// @ts-check
// TextEncoder and TextDecoder (https://encoding.spec.whatwg.org/#api), atob and btoa
// (https://html.spec.whatwg.org/#atob). The codecs run in Go (ops encoding_*).

const {
  ArrayBufferIsView,
  DataViewPrototypeGetBuffer,
  DataViewPrototypeGetByteLength,
  DataViewPrototypeGetByteOffset,
  RangeError,
  RegExpPrototypeExec,
  StringFromCharCode,
  StringPrototypeCharCodeAt,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeSet,
  Uint8Array,
} = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;
const ops = rt.ops;

/** Labels handled without asking Go: the ones TextDecoder sees almost always. */
const commonLabels = {
  __proto__: null,
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'unicode-1-1-utf-8': 'utf-8',
  'utf-16le': 'utf-16le',
  'utf-16': 'utf-16le',
  'utf-16be': 'utf-16be',
};

/** @param {number} c */
function isAsciiWhitespace(c) {
  return c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20;
}

/**
 * The Encoding Standard's "get an encoding": the encoding's lower-case name, or null.
 * @param {string} label
 * @returns {string | null}
 */
function getEncoding(label) {
  const common = commonLabels[/** @type {keyof commonLabels} */ (label)];
  if (common !== undefined) return common;
  // Strip leading and trailing ASCII whitespace and ASCII-lowercase (not Unicode lowercase: the
  // Kelvin sign must not become "k").
  let start = 0;
  let end = label.length;
  while (start < end && isAsciiWhitespace(StringPrototypeCharCodeAt(label, start))) start++;
  while (end > start && isAsciiWhitespace(StringPrototypeCharCodeAt(label, end - 1))) end--;
  let name = '';
  for (let i = start; i < end; i++) {
    const c = StringPrototypeCharCodeAt(label, i);
    name += c >= 0x41 && c <= 0x5a ? StringFromCharCode(c + 0x20) : label[i];
  }
  return ops.encoding_label(name);
}

/**
 * A Uint8Array over the bytes of a BufferSource.
 * @param {ArrayBuffer | ArrayBufferView} input
 * @returns {Uint8Array}
 */
function bytesOf(input) {
  if (ArrayBufferIsView(input)) {
    if (webidl.isTypedArray(input)) {
      return new Uint8Array(TypedArrayPrototypeGetBuffer(input), TypedArrayPrototypeGetByteOffset(input),
        TypedArrayPrototypeGetByteLength(input));
    }
    return new Uint8Array(DataViewPrototypeGetBuffer(input), DataViewPrototypeGetByteOffset(input),
      DataViewPrototypeGetByteLength(input));
  }
  return new Uint8Array(input);
}

const decoderOptions = webidl.createDictionaryConverter('TextDecoderOptions', [
  { key: 'fatal', converter: converters.boolean, defaultValue: false },
  { key: 'ignoreBOM', converter: converters.boolean, defaultValue: false },
]);
const decodeOptions = webidl.createDictionaryConverter('TextDecodeOptions', [
  { key: 'stream', converter: converters.boolean, defaultValue: false },
]);

/** @type {(v: any) => boolean} */
let isTextDecoder;

class TextDecoder {
  /** @type {string} */
  #encoding;
  #fatal = false;
  #ignoreBOM = false;
  #bomSeen = false;
  #doNotFlush = false;
  /** Bytes of an incomplete sequence kept from the previous streaming call. @type {Uint8Array | null} */
  #pending = null;
  /** Decoder state kept from the previous streaming call (iso-2022-jp only; 0 is a new decoder). */
  #state = 0;

  /**
   * @param {string} [label]
   * @param {{ fatal?: boolean, ignoreBOM?: boolean }} [options]
   */
  constructor(label = 'utf-8', options = undefined) {
    const prefix = webidl.constructorPrefix('TextDecoder');
    label = converters.DOMString(label, prefix, 'Argument 1');
    const opts = decoderOptions(options, prefix, 'Argument 2');
    const encoding = getEncoding(label);
    if (encoding === null || encoding === 'replacement') {
      throw new RangeError(`${prefix}: The encoding label provided ('${label}') is invalid.`);
    }
    this.#encoding = encoding;
    this.#fatal = opts.fatal;
    this.#ignoreBOM = opts.ignoreBOM;
  }

  get encoding() {
    if (!isTextDecoder(this)) webidl.illegalInvocation();
    return this.#encoding;
  }

  get fatal() {
    if (!isTextDecoder(this)) webidl.illegalInvocation();
    return this.#fatal;
  }

  get ignoreBOM() {
    if (!isTextDecoder(this)) webidl.illegalInvocation();
    return this.#ignoreBOM;
  }

  /**
   * @param {ArrayBuffer | ArrayBufferView} [input]
   * @param {{ stream?: boolean }} [options]
   */
  decode(input = undefined, options = undefined) {
    if (!isTextDecoder(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('TextDecoder', 'decode');
    if (input !== undefined) input = converters.AllowSharedBufferSource(input, prefix, 'Argument 1');
    const stream = options === undefined ? false : decodeOptions(options, prefix, 'Argument 2').stream;
    if (!this.#doNotFlush) {
      this.#bomSeen = false;
      this.#pending = null;
      this.#state = 0;
    }
    this.#doNotFlush = stream;
    const stripBOM = !this.#ignoreBOM && !this.#bomSeen;
    if (!stream && this.#pending === null && this.#state === 0) {
      // One whole input: the common case, one op call.
      this.#bomSeen = true;
      return ops.encoding_decode(this.#encoding, input === undefined ? null : input, this.#fatal, stripBOM);
    }
    /** @type {Uint8Array} */
    let data;
    const pending = this.#pending;
    if (input === undefined) {
      data = pending === null ? new Uint8Array(0) : pending;
    } else if (pending === null) {
      data = bytesOf(input);
    } else {
      const bytes = bytesOf(input);
      const pl = TypedArrayPrototypeGetLength(pending);
      data = new Uint8Array(pl + TypedArrayPrototypeGetLength(bytes));
      TypedArrayPrototypeSet(data, pending, 0);
      TypedArrayPrototypeSet(data, bytes, pl);
    }
    this.#pending = null;
    const r = ops.encoding_decode_stream(this.#encoding, data, this.#fatal, stripBOM, stream, this.#state);
    const left = +r[1];
    this.#state = +r[2];
    const length = TypedArrayPrototypeGetLength(data);
    if (length - left > 0) this.#bomSeen = true;
    if (left > 0) {
      // Copy: the caller may reuse its buffer before the next call.
      const rest = new Uint8Array(left);
      TypedArrayPrototypeSet(rest, new Uint8Array(TypedArrayPrototypeGetBuffer(data),
        TypedArrayPrototypeGetByteOffset(data) + length - left, left), 0);
      this.#pending = rest;
    }
    return r[0];
  }

  static {
    isTextDecoder = (v) => webidl.isObject(v) && #encoding in v;
  }
}
webidl.configureInterface(TextDecoder, 'TextDecoder');

/** @type {(v: any) => boolean} */
let isTextEncoder;

class TextEncoder {
  #brand = true;

  get encoding() {
    if (!isTextEncoder(this)) webidl.illegalInvocation();
    return 'utf-8';
  }

  /** @param {string} [input] */
  encode(input = '') {
    if (!isTextEncoder(this)) webidl.illegalInvocation();
    // USVString: lone surrogates become U+FFFD when the string crosses into Go.
    const s = converters.DOMString(input, webidl.operationPrefix('TextEncoder', 'encode'), 'Argument 1');
    return ops.encoding_encode(s);
  }

  /**
   * @param {string} source
   * @param {Uint8Array} destination
   */
  encodeInto(source, destination) {
    if (!isTextEncoder(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('TextEncoder', 'encodeInto');
    webidl.requiredArguments(arguments.length, 2, prefix);
    source = converters.DOMString(source, prefix, 'Argument 1');
    destination = converters.Uint8Array(destination, prefix, 'Argument 2');
    const room = TypedArrayPrototypeGetLength(destination);
    const n = source.length;
    if (n * 3 <= room) {
      // Everything fits whatever the characters are.
      const bytes = ops.encoding_encode(source);
      TypedArrayPrototypeSet(destination, bytes, 0);
      return { read: n, written: TypedArrayPrototypeGetLength(bytes) };
    }
    let read = 0;
    let written = 0;
    while (read < n) {
      let c = StringPrototypeCharCodeAt(source, read);
      let units = 1;
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = read + 1 < n ? StringPrototypeCharCodeAt(source, read + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          units = 2;
        } else {
          c = 0xfffd;
        }
      }
      if (c < 0x80) {
        if (written + 1 > room) break;
        destination[written++] = c;
      } else if (c < 0x800) {
        if (written + 2 > room) break;
        destination[written++] = 0xc0 | (c >> 6);
        destination[written++] = 0x80 | (c & 0x3f);
      } else if (c < 0x10000) {
        if (written + 3 > room) break;
        destination[written++] = 0xe0 | (c >> 12);
        destination[written++] = 0x80 | ((c >> 6) & 0x3f);
        destination[written++] = 0x80 | (c & 0x3f);
      } else {
        if (written + 4 > room) break;
        destination[written++] = 0xf0 | (c >> 18);
        destination[written++] = 0x80 | ((c >> 12) & 0x3f);
        destination[written++] = 0x80 | ((c >> 6) & 0x3f);
        destination[written++] = 0x80 | (c & 0x3f);
      }
      read += units;
    }
    return { read, written };
  }

  static {
    isTextEncoder = (v) => webidl.isObject(v) && #brand in v;
  }
}
webidl.configureInterface(TextEncoder, 'TextEncoder');

const asciiOnly = /^[\x00-\x7f]*$/;

/**
 * UTF-8 encodes a string (lone surrogates become U+FFFD). For the runtime's own use.
 * @param {string} s
 * @returns {Uint8Array}
 */
function utf8Encode(s) {
  return ops.encoding_encode(s);
}

/**
 * UTF-8 decodes bytes with replacement and without a BOM check (the Encoding Standard's
 * "UTF-8 decode without BOM"), or with BOM stripping ("UTF-8 decode") when stripBOM is true.
 * @param {ArrayBuffer | ArrayBufferView} bytes
 * @param {boolean} [stripBOM]
 * @returns {string}
 */
function utf8Decode(bytes, stripBOM = false) {
  return ops.encoding_decode('utf-8', bytes, false, stripBOM);
}

/** @param {string} data */
function atob(data) {
  const prefix = "Failed to execute 'atob'";
  webidl.requiredArguments(arguments.length, 1, prefix);
  data = converters.DOMString(data, prefix, 'Argument 1');
  return ops.encoding_atob(data);
}

/** @param {string} data */
function btoa(data) {
  const prefix = "Failed to execute 'btoa'";
  webidl.requiredArguments(arguments.length, 1, prefix);
  data = converters.DOMString(data, prefix, 'Argument 1');
  if (!webidl.isLatin1(data)) {
    throw rt.internal.makeDOMException('InvalidCharacterError',
      `${prefix}: The string to be encoded contains characters outside of the Latin1 range.`);
  }
  return ops.encoding_btoa(data);
}

rt.internal.TextEncoder = TextEncoder;
rt.internal.TextDecoder = TextDecoder;
rt.internal.getEncoding = getEncoding;
rt.internal.utf8Encode = utf8Encode;
rt.internal.utf8Decode = utf8Decode;
rt.internal.isAscii = (/** @type {string} */ s) => RegExpPrototypeExec(asciiOnly, s) !== null;

rt.internal.inspectAttributes(TextEncoder, ['encoding']);
rt.internal.inspectAttributes(TextDecoder, ['encoding', 'fatal', 'ignoreBOM']);
rt.expose('TextEncoder', TextEncoder);
rt.expose('TextDecoder', TextDecoder);
rt.expose('atob', atob);
rt.expose('btoa', btoa);
