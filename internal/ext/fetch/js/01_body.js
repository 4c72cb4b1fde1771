// @ts-check
// The Body mixin (https://fetch.spec.whatwg.org/#body-mixin) and body extraction.
//
// A body made from a string or bytes keeps that source and creates its ReadableStream only when
// `.body` is read: text(), json(), arrayBuffer() and the response path to Go then never build
// a stream.

const {
  ArrayBufferIsView,
  DataViewPrototypeGetBuffer,
  DataViewPrototypeGetByteLength,
  DataViewPrototypeGetByteOffset,
  JSONParse,
  ObjectGetOwnPropertyDescriptor,
  ObjectGetPrototypeOf,
  ObjectDefineProperty,
  Promise,
  StringPrototypeCharCodeAt,
  StringPrototypeSlice,
  TypeError,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeSet,
  Uint8Array,
  ArrayBufferPrototypeGetByteLength,
  uncurryThis,
} = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;

/**
 * A body (https://fetch.spec.whatwg.org/#concept-body). `source` is the string or bytes it was
 * made from, until `stream` is created from it; `consumed` marks a source-only body as read.
 * @typedef {{ source: string | Uint8Array | null, stream: any, consumed: boolean }} Body
 */

/**
 * The ReadableStream methods the runtime uses, captured before user code can change them.
 * @typedef {{
 *   ReadableStream: any, getReader: (s: any) => any, tee: (s: any) => any[],
 *   locked: (s: any) => boolean, read: (r: any) => Promise<any>, releaseLock: (r: any) => void,
 *   cancelReader: (r: any, reason?: any) => Promise<void>,
 *   fromBytes: (bytes: Uint8Array) => any,
 *   collect: (s: any, onBytes: (b: Uint8Array) => void, onError: (e: any) => void, uint8Only: boolean) => void,
 *   proxy: (s: any) => any,
 * }} StreamsAPI
 */

/** @type {StreamsAPI | null} */
let streamsAPI = null;

/**
 * The streams extension's hooks, which no worker can reach or replace. Streams load lazily
 * (internal/ext/streams), so they are looked up on first use, not when this file runs.
 * @returns {StreamsAPI}
 */
function streams() {
  if (streamsAPI !== null) return streamsAPI;
  const I = rt.internal;
  if (typeof I.ReadableStream !== 'function') throw new TypeError('ReadableStream is not available');
  streamsAPI = {
    ReadableStream: I.ReadableStream,
    getReader: I.readableStreamGetReader,
    tee: (/** @type {any} */ s) => I.readableStreamTee(s, true),
    locked: I.isReadableStreamLocked,
    read: I.readableStreamRead,
    releaseLock: I.readableStreamReleaseReader,
    cancelReader: I.readableStreamCancel,
    fromBytes: I.newReadableStreamFromBytes,
    collect: I.readableStreamCollect,
    proxy: I.readableStreamProxy,
  };
  return streamsAPI;
}

/** @param {any} v */
function isReadableStream(v) {
  const is = rt.internal.isReadableStream;
  if (typeof is === 'function') return is(v);
  const RS = rt.internal.ReadableStream;
  return typeof RS === 'function' && v instanceof RS;
}

/** @param {any} stream */
function isDisturbed(stream) {
  const f = rt.internal.isReadableStreamDisturbed;
  if (typeof f === 'function') return f(stream);
  return streams().locked(stream);
}

/** @param {any} stream */
function isLocked(stream) {
  return streams().locked(stream);
}

/**
 * A fresh copy of a Uint8Array (without the species lookup `slice` would do).
 * @param {Uint8Array} view
 */
function copyUint8(view) {
  const copy = new Uint8Array(TypedArrayPrototypeGetLength(view));
  TypedArrayPrototypeSet(copy, view, 0);
  return copy;
}

/**
 * A copy of the bytes of a BufferSource.
 * @param {ArrayBuffer | ArrayBufferView} input
 * @returns {Uint8Array}
 */
function copyBytes(input) {
  if (ArrayBufferIsView(input)) {
    if (webidl.isTypedArray(input)) {
      return copyUint8(new Uint8Array(TypedArrayPrototypeGetBuffer(input),
        TypedArrayPrototypeGetByteOffset(input), TypedArrayPrototypeGetByteLength(input)));
    }
    return copyUint8(new Uint8Array(DataViewPrototypeGetBuffer(input),
      DataViewPrototypeGetByteOffset(input), DataViewPrototypeGetByteLength(input)));
  }
  return copyUint8(new Uint8Array(input, 0, ArrayBufferPrototypeGetByteLength(input)));
}

/**
 * "Extract" a body from a BodyInit: the body and its Content-Type (or null).
 * @param {any} object
 * @param {string} prefix
 * @returns {{ body: Body, type: string | null }}
 */
function extractBody(object, prefix) {
  if (typeof object === 'string') {
    return { body: { source: webidl.toUSVString(object), stream: null, consumed: false }, type: 'text/plain;charset=UTF-8' };
  }
  if (webidl.isObject(object)) {
    if (ArrayBufferIsView(object) || webidl.isArrayBuffer(object)) {
      return { body: { source: copyBytes(object), stream: null, consumed: false }, type: null };
    }
    if (rt.internal.isURLSearchParams && rt.internal.isURLSearchParams(object)) {
      return {
        body: { source: rt.internal.serializeSearchParams(object), stream: null, consumed: false },
        type: 'application/x-www-form-urlencoded;charset=UTF-8',
      };
    }
    if (isReadableStream(object)) {
      if (isDisturbed(object) || isLocked(object)) {
        throw new TypeError(`${prefix}: The body's ReadableStream is disturbed or locked.`);
      }
      return { body: { source: null, stream: object, consumed: false }, type: null };
    }
    const isBlob = rt.internal.isBlob;
    if (typeof isBlob === 'function' && isBlob(object)) {
      return { body: { source: rt.internal.blobBytes(object), stream: null, consumed: false }, type: rt.internal.blobType(object) || null };
    }
    const isFormData = rt.internal.isFormData;
    if (typeof isFormData === 'function' && isFormData(object)) {
      const encoded = rt.internal.encodeFormData(object);
      return { body: { source: encoded.bytes, stream: null, consumed: false }, type: encoded.type };
    }
  }
  // The USVString member of the BodyInit union takes everything else.
  const s = converters.USVString(object, prefix, "'body'");
  return { body: { source: s, stream: null, consumed: false }, type: 'text/plain;charset=UTF-8' };
}

/**
 * The body's stream, created from its source on first use.
 * @param {Body} body
 */
function bodyStream(body) {
  if (body.stream !== null) return body.stream;
  const api = streams();
  if (body.consumed) {
    // Read already: an empty stream that is disturbed and locked, as reading it would leave it.
    const s = api.fromBytes(new Uint8Array(0));
    const reader = api.getReader(s);
    api.read(reader);
    body.stream = s;
    return s;
  }
  const source = body.source;
  const bytes = typeof source === 'string' ? rt.internal.utf8Encode(source) : /** @type {Uint8Array} */ (source);
  body.source = null;
  body.stream = api.fromBytes(bytes);
  return body.stream;
}

/** @param {Body | null} body */
function bodyUsed(body) {
  if (body === null) return false;
  return body.stream === null ? body.consumed : isDisturbed(body.stream);
}

/**
 * "Unusable": used, or its stream locked.
 * @param {Body | null} body
 */
function bodyUnusable(body) {
  if (body === null) return false;
  if (body.stream === null) return body.consumed;
  return isDisturbed(body.stream) || isLocked(body.stream);
}

/**
 * "Clone" a body: a stream body is teed (this body keeps one branch); a source body is copied.
 * @param {Body} body
 * @returns {Body}
 */
function cloneBody(body) {
  if (body.stream === null) {
    const source = body.source;
    const copy = typeof source === 'string' || source === null ? source : copyUint8(source);
    return { source: copy, stream: null, consumed: body.consumed };
  }
  // "Tee a ReadableStream": the second branch gets structured clones of the chunks.
  const branches = streams().tee(body.stream);
  body.stream = branches[0];
  return { source: null, stream: branches[1], consumed: false };
}

/**
 * Reads a stream to its end; every chunk must be a Uint8Array. The stream is locked at once.
 * @param {any} stream
 * @returns {Promise<Uint8Array>}
 */
function readAllBytes(stream) {
  return new Promise((resolve, reject) => {
    streams().collect(stream, resolve, reject, true);
  });
}

/**
 * "Consume body" (https://fetch.spec.whatwg.org/#concept-body-consume-body): takes a body's
 * content (its source when no stream exists, else all its stream's bytes) and resolves with
 * convert(content). Only the final value goes through promise resolution, so a worker that
 * defines Object.prototype.then cannot see or change the bytes on their way.
 * @param {Body | null} body
 * @param {(data: string | Uint8Array) => any} convert
 * @returns {Promise<any>}
 */
function consumeBody(body, convert) {
  return new Promise((resolve, reject) => {
    if (bodyUnusable(body)) {
      throw new TypeError(bodyUsed(body) ? 'Body has already been used' : 'Body is locked');
    }
    if (body === null) {
      resolve(convert(new Uint8Array(0)));
    } else if (body.stream === null) {
      body.consumed = true;
      const source = /** @type {string | Uint8Array} */ (body.source);
      body.source = null;
      resolve(convert(source));
    } else {
      streams().collect(body.stream, (bytes) => {
        /** @type {any} */
        let value;
        try {
          value = convert(bytes);
        } catch (e) {
          reject(e);
          return;
        }
        resolve(value);
      }, reject, true);
    }
  });
}

/**
 * Takes a body's content: the source (string or bytes) when no stream exists, else all the
 * stream's bytes. Marks the body used.
 * @param {Body | null} body
 * @returns {Promise<string | Uint8Array> | string | Uint8Array}
 */
function takeBody(body) {
  if (body === null) return new Uint8Array(0);
  if (body.stream === null) {
    body.consumed = true;
    const source = /** @type {string | Uint8Array} */ (body.source);
    body.source = null;
    return source;
  }
  return readAllBytes(body.stream);
}

/**
 * UTF-8 decode (with BOM removal) of a body's content.
 * @param {string | Uint8Array} data
 */
function asText(data) {
  if (typeof data === 'string') {
    return data.length > 0 && StringPrototypeCharCodeAt(data, 0) === 0xfeff ? StringPrototypeSlice(data, 1) : data;
  }
  return rt.internal.utf8Decode(data, true);
}

/** @param {string | Uint8Array} data */
function asBytes(data) {
  return typeof data === 'string' ? rt.internal.utf8Encode(data) : data;
}

/**
 * The MIME type of a body's headers ("get the MIME type"), serialized, or "" for failure.
 * @param {string | null} contentType the combined Content-Type header value, or null
 */
function mimeTypeOf(contentType) {
  const mime = rt.internal.mime;
  const mt = mime.extract(contentType);
  return mt === null ? '' : mime.serialize(mt);
}

/** @param {string | Uint8Array} data */
function toArrayBuffer(data) {
  const bytes = asBytes(data);
  const buffer = TypedArrayPrototypeGetBuffer(bytes);
  if (TypedArrayPrototypeGetByteOffset(bytes) === 0 &&
    ArrayBufferPrototypeGetByteLength(buffer) === TypedArrayPrototypeGetByteLength(bytes)) {
    return buffer;
  }
  return TypedArrayPrototypeGetBuffer(copyUint8(bytes));
}

/** @param {string | Uint8Array} data */
function toJSON(data) {
  return JSONParse(asText(data));
}

/**
 * Adds the Body mixin's members to Request or Response.
 * @param {Function} ctor
 * @param {string} name
 * @param {(v: any) => boolean} is
 * @param {(obj: any) => Body | null} getBody
 * @param {(obj: any) => string | null} getContentType the combined Content-Type value, or null
 */
function mixinBody(ctor, name, is, getBody, getContentType) {
  /**
   * @param {any} self
   * @param {(data: string | Uint8Array) => any} convert
   */
  function consume(self, convert) {
    if (!is(self)) {
      return new Promise(() => {
        webidl.illegalInvocation();
      });
    }
    return consumeBody(getBody(self), convert);
  }

  const members = {
    get body() {
      if (!is(this)) webidl.illegalInvocation();
      const body = getBody(this);
      return body === null ? null : bodyStream(body);
    },
    get bodyUsed() {
      if (!is(this)) webidl.illegalInvocation();
      return bodyUsed(getBody(this));
    },
    arrayBuffer() {
      return consume(this, toArrayBuffer);
    },
    blob() {
      const self = this;
      return consume(this, (data) => {
        const Blob = rt.internal.Blob;
        if (typeof Blob !== 'function') {
          throw rt.internal.makeDOMException('NotSupportedError', `${name}.blob() is not supported yet`);
        }
        return new Blob([asBytes(data)], { type: mimeTypeOf(getContentType(self)) });
      });
    },
    bytes() {
      return consume(this, asBytes);
    },
    formData() {
      const self = this;
      return consume(this, (data) => {
        const parse = rt.internal.parseFormData;
        if (typeof parse !== 'function') throw new TypeError(`${name}.formData() is not supported`);
        return parse(asBytes(data), mimeTypeOf(getContentType(self)));
      });
    },
    json() {
      return consume(this, toJSON);
    },
    text() {
      return consume(this, asText);
    },
  };
  const proto = ctor.prototype;
  const keys = ['body', 'bodyUsed', 'arrayBuffer', 'blob', 'bytes', 'formData', 'json', 'text'];
  for (let i = 0; i < keys.length; i++) {
    const d = /** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(members, keys[i]));
    d.enumerable = true;
    ObjectDefineProperty(proto, keys[i], d);
  }
}

rt.internal.body = {
  __proto__: null,
  extract: extractBody,
  stream: bodyStream,
  used: bodyUsed,
  unusable: bodyUnusable,
  clone: cloneBody,
  take: takeBody,
  consume: consumeBody,
  readAllBytes,
  mixin: mixinBody,
  isReadableStream,
  streams,
  asText,
  asBytes,
};
