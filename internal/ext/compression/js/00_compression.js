// @ts-check
// CompressionStream and DecompressionStream (https://compression.spec.whatwg.org/), each a
// GenericTransformStream over a TransformStream whose transformer drives a Go codec (ops
// compression_new/push/pull/finish/free, see compression.go).
//
// Each written chunk is pushed to the codec, then output is pulled from it a bounded chunk at a
// time: after each chunk is enqueued, if the readable side has no pending read the transform
// waits for the next one, so a decompression bomb never produces more than one chunk ahead of
// its reader. The Go state is freed when the stream completes, errors or is cancelled, and by a
// FinalizationRegistry when an abandoned stream is collected.

const {
  ArrayBufferIsView,
  DataViewPrototypeGetBuffer,
  FinalizationRegistry,
  FinalizationRegistryPrototypeRegister,
  FinalizationRegistryPrototypeUnregister,
  ObjectGetOwnPropertyDescriptor,
  TypeError,
  TypedArrayPrototypeGetBuffer,
  uncurryThis,
} = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;
/** The streams extension's internals (loading it if it is not loaded yet). */
const S = rt.internal.streamsShared;
const TransformStream = S.TransformStream;
const tsImpl = S.tsImpl;
const controllerProto = S.TransformStreamDefaultController.prototype;
const enqueue = uncurryThis(/** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(controllerProto, 'enqueue')).value);
const ops = rt.ops;

const formatConverter = webidl.createEnumConverter('CompressionFormat', ['brotli', 'deflate', 'deflate-raw', 'gzip']);

/** Frees the Go state of streams that were dropped without finishing. */
const registry = new FinalizationRegistry((/** @type {number} */ id) => {
  ops.compression_free(id);
});

/**
 * The chunk as a BufferSource not backed by a SharedArrayBuffer, else a TypeError.
 * @param {any} chunk
 * @param {string} iface
 */
function toBufferSource(chunk, iface) {
  const prefix = `Failed to execute 'transform' on '${iface}'`;
  converters.BufferSource(chunk, prefix, 'chunk');
  if (ArrayBufferIsView(chunk)) {
    const buffer = webidl.isDataView(chunk) ? DataViewPrototypeGetBuffer(chunk) : TypedArrayPrototypeGetBuffer(chunk);
    if (!webidl.isArrayBuffer(buffer)) throw new TypeError(`${prefix}: the chunk is backed by a SharedArrayBuffer.`);
  }
  return chunk;
}

/**
 * Makes the TransformStream behind a CompressionStream (compress true) or DecompressionStream.
 * @param {string} format
 * @param {boolean} compress
 * @param {string} iface
 */
function newCodecTransform(format, compress, iface) {
  /** The Go state's id: 0 until the first chunk, -1 once freed. */
  let id = 0;
  /** @type {any} */
  let stream;
  const token = { __proto__: null };

  const ensure = () => {
    if (id === 0) {
      id = ops.compression_new(format, compress);
      FinalizationRegistryPrototypeRegister(registry, transformer, id, token);
    }
  };
  const free = () => {
    if (id > 0) {
      FinalizationRegistryPrototypeUnregister(registry, token);
      ops.compression_free(id);
    }
    id = -1;
  };

  /**
   * Pulls and enqueues output until the codec needs input (or, last, is done). A chunk is
   * pulled before waiting for the reader, so the transform completes as soon as the input is
   * used up, and at most one chunk waits here while the readable side has backpressure.
   * Returns undefined when it finished at once, else a promise.
   * @param {any} controller
   * @param {boolean} last free the state when done
   * @returns {Promise<void> | undefined}
   */
  const drain = (controller, last) => {
    /** @type {any} */
    let deferred;
    /** @type {Uint8Array | undefined} */
    let held;
    const step = () => {
      try {
        for (;;) {
          if (id < 0) break; // cancelled while waiting
          if (held !== undefined) {
            const impl = tsImpl(stream);
            if (impl.backpressure) {
              if (deferred === undefined) deferred = new S.Deferred();
              S.uponPromise(impl.backpressureChangePromise.promise, step);
              return deferred.promise;
            }
            enqueue(controller, held);
            held = undefined;
          }
          const out = ops.compression_pull(id);
          if (out === null) break;
          held = out;
        }
      } catch (e) {
        free();
        if (deferred === undefined) throw e;
        deferred.reject(e);
        return undefined;
      }
      if (last) free();
      if (deferred !== undefined) deferred.resolve(undefined);
      return undefined;
    };
    return step();
  };

  const transformer = {
    __proto__: null,
    /**
     * @param {any} chunk
     * @param {any} controller
     */
    transform(chunk, controller) {
      try {
        toBufferSource(chunk, iface);
        if (id < 0) throw new TypeError(`${iface}: the stream is closed`);
        ensure();
        ops.compression_push(id, chunk);
      } catch (e) {
        free();
        throw e;
      }
      return drain(controller, false);
    },
    /** @param {any} controller */
    flush(controller) {
      try {
        if (id < 0) throw new TypeError(`${iface}: the stream is closed`);
        ensure();
        ops.compression_finish(id);
      } catch (e) {
        free();
        throw e;
      }
      return drain(controller, true);
    },
    cancel() {
      free();
    },
  };
  stream = new TransformStream(transformer);
  return stream;
}

/** @type {(v: any) => boolean} */
let isCompressionStream;

class CompressionStream {
  /** @type {any} */
  #transform;

  /** @param {string} format */
  constructor(format) {
    const prefix = webidl.constructorPrefix('CompressionStream');
    webidl.requiredArguments(arguments.length, 1, prefix);
    format = formatConverter(format, prefix, 'Argument 1');
    this.#transform = newCodecTransform(format, true, 'CompressionStream');
  }

  get readable() {
    if (!isCompressionStream(this)) webidl.illegalInvocation();
    return S.readableStreamPublic(tsImpl(this.#transform).readable);
  }

  get writable() {
    if (!isCompressionStream(this)) webidl.illegalInvocation();
    return S.writableStreamPublic(tsImpl(this.#transform).writable);
  }

  static {
    isCompressionStream = (v) => webidl.isObject(v) && #transform in v;
  }
}
webidl.configureInterface(CompressionStream, 'CompressionStream');

/** @type {(v: any) => boolean} */
let isDecompressionStream;

class DecompressionStream {
  /** @type {any} */
  #transform;

  /** @param {string} format */
  constructor(format) {
    const prefix = webidl.constructorPrefix('DecompressionStream');
    webidl.requiredArguments(arguments.length, 1, prefix);
    format = formatConverter(format, prefix, 'Argument 1');
    this.#transform = newCodecTransform(format, false, 'DecompressionStream');
  }

  get readable() {
    if (!isDecompressionStream(this)) webidl.illegalInvocation();
    return S.readableStreamPublic(tsImpl(this.#transform).readable);
  }

  get writable() {
    if (!isDecompressionStream(this)) webidl.illegalInvocation();
    return S.writableStreamPublic(tsImpl(this.#transform).writable);
  }

  static {
    isDecompressionStream = (v) => webidl.isObject(v) && #transform in v;
  }
}
webidl.configureInterface(DecompressionStream, 'DecompressionStream');

rt.expose('CompressionStream', CompressionStream);
rt.expose('DecompressionStream', DecompressionStream);
