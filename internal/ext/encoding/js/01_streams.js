// @ts-check
// TextEncoderStream and TextDecoderStream (https://encoding.spec.whatwg.org/#interface-textencoderstream),
// built on the streams extension's TransformStream (rt.internal.TransformStream). Its methods are
// captured when this file loads if the streams extension loaded first, else at the first
// construction; without it the constructors throw a TypeError.

const {
  ObjectGetOwnPropertyDescriptor,
  ObjectGetPrototypeOf,
  StringPrototypeCharCodeAt,
  StringPrototypeSlice,
  TypeError,
  TypedArrayPrototypeGetLength,
  Uint8Array,
  uncurryThis,
} = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;
const TextDecoder = rt.internal.TextDecoder;
const decode = uncurryThis(TextDecoder.prototype.decode);
const getEncoding = uncurryThis(/** @type {Function} */ (/** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(TextDecoder.prototype, 'encoding')).get));
const getFatal = uncurryThis(/** @type {Function} */ (/** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(TextDecoder.prototype, 'fatal')).get));
const getIgnoreBOM = uncurryThis(/** @type {Function} */ (/** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(TextDecoder.prototype, 'ignoreBOM')).get));

/**
 * @typedef {{ TransformStream: any, readable: (t: any) => any, writable: (t: any) => any,
 *   enqueue: (c: any, chunk: any) => void }} TransformAPI
 */

/** @type {TransformAPI | null} */
let transformAPI = null;

/** @returns {TransformAPI} */
function transforms() {
  if (transformAPI !== null) return transformAPI;
  const TS = rt.internal.TransformStream;
  if (typeof TS !== 'function') throw new TypeError('TransformStream is not available');
  /** @type {any} */
  let enqueue = null;
  new TS({
    /** @param {any} c */
    start(c) {
      enqueue = uncurryThis(ObjectGetPrototypeOf(c).enqueue);
    },
  });
  const proto = TS.prototype;
  transformAPI = {
    TransformStream: TS,
    readable: uncurryThis(/** @type {Function} */ (/** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(proto, 'readable')).get)),
    writable: uncurryThis(/** @type {Function} */ (/** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(proto, 'writable')).get)),
    enqueue,
  };
  return transformAPI;
}
// Streams load lazily (internal/ext/streams): transforms() runs on first use.

const decoderOptions = webidl.createDictionaryConverter('TextDecoderOptions', [
  { key: 'fatal', converter: converters.boolean, defaultValue: false },
  { key: 'ignoreBOM', converter: converters.boolean, defaultValue: false },
]);

/** @type {(v: any) => boolean} */
let isTextDecoderStream;

class TextDecoderStream {
  /** @type {any} */
  #decoder;
  /** @type {any} */
  #transform;

  /**
   * @param {string} [label]
   * @param {any} [options]
   */
  constructor(label = 'utf-8', options = undefined) {
    const prefix = webidl.constructorPrefix('TextDecoderStream');
    label = converters.DOMString(label, prefix, 'Argument 1');
    const opts = decoderOptions(options, prefix, 'Argument 2');
    const decoder = new TextDecoder(label, opts);
    const api = transforms();
    this.#decoder = decoder;
    this.#transform = new api.TransformStream({
      /**
       * @param {any} chunk
       * @param {any} controller
       */
      transform(chunk, controller) {
        chunk = converters.AllowSharedBufferSource(chunk, "Failed to execute 'transform' on 'TextDecoderStream'", 'chunk');
        const text = decode(decoder, chunk, { stream: true });
        if (text !== '') api.enqueue(controller, text);
      },
      /** @param {any} controller */
      flush(controller) {
        const text = decode(decoder);
        if (text !== '') api.enqueue(controller, text);
      },
    });
  }

  get encoding() {
    if (!isTextDecoderStream(this)) webidl.illegalInvocation();
    return getEncoding(this.#decoder);
  }

  get fatal() {
    if (!isTextDecoderStream(this)) webidl.illegalInvocation();
    return getFatal(this.#decoder);
  }

  get ignoreBOM() {
    if (!isTextDecoderStream(this)) webidl.illegalInvocation();
    return getIgnoreBOM(this.#decoder);
  }

  get readable() {
    if (!isTextDecoderStream(this)) webidl.illegalInvocation();
    return transforms().readable(this.#transform);
  }

  get writable() {
    if (!isTextDecoderStream(this)) webidl.illegalInvocation();
    return transforms().writable(this.#transform);
  }

  static {
    isTextDecoderStream = (v) => webidl.isObject(v) && #decoder in v;
  }
}
webidl.configureInterface(TextDecoderStream, 'TextDecoderStream');

/** @type {(v: any) => boolean} */
let isTextEncoderStream;

class TextEncoderStream {
  /** @type {any} */
  #transform;

  constructor() {
    const api = transforms();
    /** A high surrogate held back from the end of the previous chunk, or ''. */
    let pending = '';
    this.#transform = new api.TransformStream({
      /**
       * @param {any} chunk
       * @param {any} controller
       */
      transform(chunk, controller) {
        let s = pending + converters.DOMString(chunk, "Failed to execute 'transform' on 'TextEncoderStream'", 'chunk');
        pending = '';
        if (s === '') return;
        const last = StringPrototypeCharCodeAt(s, s.length - 1);
        if (last >= 0xd800 && last <= 0xdbff) {
          pending = StringPrototypeSlice(s, s.length - 1);
          s = StringPrototypeSlice(s, 0, s.length - 1);
          if (s === '') return;
        }
        const bytes = rt.internal.utf8Encode(s);
        if (TypedArrayPrototypeGetLength(bytes) > 0) api.enqueue(controller, bytes);
      },
      /** @param {any} controller */
      flush(controller) {
        if (pending !== '') api.enqueue(controller, new Uint8Array([0xef, 0xbf, 0xbd]));
        pending = '';
      },
    });
  }

  get encoding() {
    if (!isTextEncoderStream(this)) webidl.illegalInvocation();
    return 'utf-8';
  }

  get readable() {
    if (!isTextEncoderStream(this)) webidl.illegalInvocation();
    return transforms().readable(this.#transform);
  }

  get writable() {
    if (!isTextEncoderStream(this)) webidl.illegalInvocation();
    return transforms().writable(this.#transform);
  }

  static {
    isTextEncoderStream = (v) => webidl.isObject(v) && #transform in v;
  }
}
webidl.configureInterface(TextEncoderStream, 'TextEncoderStream');

rt.internal.TextDecoderStream = TextDecoderStream;
rt.internal.TextEncoderStream = TextEncoderStream;
rt.expose('TextDecoderStream', TextDecoderStream);
rt.expose('TextEncoderStream', TextEncoderStream);
