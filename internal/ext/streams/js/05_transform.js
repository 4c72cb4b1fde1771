// @ts-check
// TransformStream and TransformStreamDefaultController (https://streams.spec.whatwg.org/#ts).
// The stream's readable and writable sides are made with CreateReadableStream and
// CreateWritableStream; as elsewhere the internal slots are on impl objects.

const {
  FunctionPrototypeCall,
  RangeError,
  TypeError,
} = rt.primordials;
const S = rt.internal.streamsShared;
const {
  webidl,
  converters,
  Deferred,
  promiseRejectedWith,
  promiseResolvedUndefined,
  uponPromise,
  transformPromise,
  transformPromiseAdopting,
  QueuingStrategy,
  ExtractHighWaterMark,
  ExtractSizeAlgorithm,
  invokePromiseCallback,
  kInternal,
  CreateReadableStream,
  CreateWritableStream,
  readableStreamPublic,
  writableStreamPublic,
  ReadableStreamDefaultControllerCanCloseOrEnqueue,
  ReadableStreamDefaultControllerClose,
  ReadableStreamDefaultControllerEnqueue,
  ReadableStreamDefaultControllerError,
  ReadableStreamDefaultControllerGetDesiredSize,
  ReadableStreamDefaultControllerHasBackpressure,
  WritableStreamDefaultControllerErrorIfNeeded,
} = S;

const Transformer = webidl.createDictionaryConverter('Transformer', [
  { key: 'cancel', converter: converters.Function },
  { key: 'flush', converter: converters.Function },
  { key: 'readableType', converter: converters.any },
  { key: 'start', converter: converters.Function },
  { key: 'transform', converter: converters.Function },
  { key: 'writableType', converter: converters.any },
]);

// ---------------------------------------------------------------------------------------------
// Impl objects.

class TransformStreamImpl {
  constructor() {
    /** @type {TransformStream | undefined} */
    this.pub = undefined;
    /** @type {boolean | undefined} */
    this.backpressure = undefined;
    /** @type {Deferred | undefined} */
    this.backpressureChangePromise = undefined;
    /** @type {TransformControllerImpl} */
    this.controller = /** @type {any} */ (undefined);
    /** @type {any} a ReadableStreamImpl */
    this.readable = undefined;
    /** @type {any} a WritableStreamImpl */
    this.writable = undefined;
    /** The chunk of the write waiting for backpressure to lift (one write runs at a time). */
    this.pendingChunk = undefined;
    this.onBackpressureChange = () => {
      const writable = this.writable;
      if (writable.state === 'erroring') throw writable.storedError;
      const chunk = this.pendingChunk;
      this.pendingChunk = undefined;
      return TransformStreamDefaultControllerPerformTransform(this.controller, chunk);
    };
  }
}

class TransformControllerImpl {
  constructor() {
    /** @type {TransformStreamDefaultController | undefined} */
    this.pub = undefined;
    /** @type {TransformStreamImpl} */
    this.stream = /** @type {any} */ (undefined);
    /** @type {((chunk: any) => Promise<any>) | undefined} */
    this.transformAlgorithm = undefined;
    /** @type {(() => Promise<any>) | undefined} */
    this.flushAlgorithm = undefined;
    /** @type {((reason: any) => Promise<any>) | undefined} */
    this.cancelAlgorithm = undefined;
    /** @type {Deferred | undefined} */
    this.finishPromise = undefined;
    this.onTransformRejected = (/** @type {any} */ r) => {
      TransformStreamError(this.stream, r);
      throw r;
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Public interfaces.

/** @type {(v: any) => TransformStreamImpl | undefined} */
let tsImpl;

class TransformStream {
  /** @type {TransformStreamImpl} */
  #impl;

  /**
   * @param {any} [transformer]
   * @param {any} [writableStrategy]
   * @param {any} [readableStrategy]
   */
  constructor(transformer = undefined, writableStrategy = undefined, readableStrategy = undefined) {
    const prefix = webidl.constructorPrefix('TransformStream');
    if (transformer !== undefined) converters.object(transformer, prefix, 'Argument 1');
    const writableStrategyDict = QueuingStrategy(writableStrategy, prefix, 'Argument 2');
    const readableStrategyDict = QueuingStrategy(readableStrategy, prefix, 'Argument 3');
    if (transformer === undefined) transformer = null;
    const transformerDict = Transformer(transformer, prefix, 'Argument 1');
    if (transformerDict.readableType !== undefined) throw new RangeError(`${prefix}: Invalid readableType specified`);
    if (transformerDict.writableType !== undefined) throw new RangeError(`${prefix}: Invalid writableType specified`);
    const readableHighWaterMark = ExtractHighWaterMark(readableStrategyDict, 0);
    const readableSizeAlgorithm = ExtractSizeAlgorithm(readableStrategyDict);
    const writableHighWaterMark = ExtractHighWaterMark(writableStrategyDict, 1);
    const writableSizeAlgorithm = ExtractSizeAlgorithm(writableStrategyDict);
    const startPromise = new Deferred();
    const impl = new TransformStreamImpl();
    impl.pub = this;
    this.#impl = impl;
    InitializeTransformStream(impl, startPromise, writableHighWaterMark, writableSizeAlgorithm,
      readableHighWaterMark, readableSizeAlgorithm);
    SetUpTransformStreamDefaultControllerFromTransformer(impl, transformer, transformerDict);
    const start = transformerDict.start;
    if (start !== undefined) {
      startPromise.resolve(FunctionPrototypeCall(start, transformer, impl.controller.pub));
    } else {
      startPromise.resolve(undefined);
    }
  }

  get readable() {
    const t = tsImpl(this);
    if (t === undefined) webidl.illegalInvocation();
    return readableStreamPublic(t.readable);
  }

  get writable() {
    const t = tsImpl(this);
    if (t === undefined) webidl.illegalInvocation();
    return writableStreamPublic(t.writable);
  }

  static {
    tsImpl = (v) => (webidl.isObject(v) && #impl in v ? v.#impl : undefined);
  }
}
webidl.configureInterface(TransformStream, 'TransformStream');

/** @type {(v: any) => TransformControllerImpl | undefined} */
let controllerImpl;

class TransformStreamDefaultController {
  /** @type {TransformControllerImpl} */
  #impl;

  constructor(key = undefined, impl = undefined) {
    if (key !== kInternal) webidl.illegalConstructor();
    this.#impl = /** @type {TransformControllerImpl} */ (impl);
  }

  get desiredSize() {
    const c = controllerImpl(this);
    if (c === undefined) webidl.illegalInvocation();
    return ReadableStreamDefaultControllerGetDesiredSize(c.stream.readable.controller);
  }

  /** @param {any} [chunk] */
  enqueue(chunk = undefined) {
    const c = controllerImpl(this);
    if (c === undefined) webidl.illegalInvocation();
    TransformStreamDefaultControllerEnqueue(c, chunk);
  }

  /** @param {any} [reason] */
  error(reason = undefined) {
    const c = controllerImpl(this);
    if (c === undefined) webidl.illegalInvocation();
    TransformStreamDefaultControllerError(c, reason);
  }

  terminate() {
    const c = controllerImpl(this);
    if (c === undefined) webidl.illegalInvocation();
    TransformStreamDefaultControllerTerminate(c);
  }

  static {
    controllerImpl = (v) => (webidl.isObject(v) && #impl in v ? v.#impl : undefined);
  }
}
webidl.configureInterface(TransformStreamDefaultController, 'TransformStreamDefaultController');

// ---------------------------------------------------------------------------------------------
// Transform stream abstract operations.

/**
 * @param {TransformStreamImpl} stream
 * @param {Deferred} startPromise
 * @param {number} writableHighWaterMark
 * @param {(chunk: any) => number} writableSizeAlgorithm
 * @param {number} readableHighWaterMark
 * @param {(chunk: any) => number} readableSizeAlgorithm
 */
function InitializeTransformStream(stream, startPromise, writableHighWaterMark, writableSizeAlgorithm,
  readableHighWaterMark, readableSizeAlgorithm) {
  const startAlgorithm = () => startPromise.promise;
  stream.writable = CreateWritableStream(startAlgorithm,
    (chunk) => TransformStreamDefaultSinkWriteAlgorithm(stream, chunk),
    () => TransformStreamDefaultSinkCloseAlgorithm(stream),
    (reason) => TransformStreamDefaultSinkAbortAlgorithm(stream, reason),
    writableHighWaterMark, writableSizeAlgorithm);
  stream.readable = CreateReadableStream(startAlgorithm,
    () => TransformStreamDefaultSourcePullAlgorithm(stream),
    (reason) => TransformStreamDefaultSourceCancelAlgorithm(stream, reason),
    readableHighWaterMark, readableSizeAlgorithm);
  stream.backpressure = undefined;
  stream.backpressureChangePromise = undefined;
  TransformStreamSetBackpressure(stream, true);
  stream.controller = /** @type {any} */ (undefined);
}

/**
 * @param {TransformStreamImpl} stream
 * @param {any} e
 */
function TransformStreamError(stream, e) {
  ReadableStreamDefaultControllerError(stream.readable.controller, e);
  TransformStreamErrorWritableAndUnblockWrite(stream, e);
}

/**
 * @param {TransformStreamImpl} stream
 * @param {any} e
 */
function TransformStreamErrorWritableAndUnblockWrite(stream, e) {
  TransformStreamDefaultControllerClearAlgorithms(stream.controller);
  WritableStreamDefaultControllerErrorIfNeeded(stream.writable.controller, e);
  TransformStreamUnblockWrite(stream);
}

/**
 * @param {TransformStreamImpl} stream
 * @param {boolean} backpressure
 */
function TransformStreamSetBackpressure(stream, backpressure) {
  if (stream.backpressureChangePromise !== undefined) stream.backpressureChangePromise.resolve(undefined);
  stream.backpressureChangePromise = new Deferred();
  stream.backpressure = backpressure;
}

/** @param {TransformStreamImpl} stream */
function TransformStreamUnblockWrite(stream) {
  if (stream.backpressure) TransformStreamSetBackpressure(stream, false);
}

// ---------------------------------------------------------------------------------------------
// Default controller abstract operations.

/**
 * @param {TransformStreamImpl} stream
 * @param {TransformControllerImpl} controller
 * @param {(chunk: any) => Promise<any>} transformAlgorithm
 * @param {() => Promise<any>} flushAlgorithm
 * @param {(reason: any) => Promise<any>} cancelAlgorithm
 */
function SetUpTransformStreamDefaultController(stream, controller, transformAlgorithm, flushAlgorithm, cancelAlgorithm) {
  controller.stream = stream;
  stream.controller = controller;
  controller.transformAlgorithm = transformAlgorithm;
  controller.flushAlgorithm = flushAlgorithm;
  controller.cancelAlgorithm = cancelAlgorithm;
}

/**
 * @param {TransformStreamImpl} stream
 * @param {any} transformer
 * @param {Record<string, any>} transformerDict
 */
function SetUpTransformStreamDefaultControllerFromTransformer(stream, transformer, transformerDict) {
  const controller = new TransformControllerImpl();
  const pub = new TransformStreamDefaultController(/** @type {any} */ (kInternal), /** @type {any} */ (controller));
  controller.pub = pub;
  /** @type {(chunk: any) => Promise<any>} */
  let transformAlgorithm = (chunk) => {
    try {
      TransformStreamDefaultControllerEnqueue(controller, chunk);
    } catch (e) {
      return promiseRejectedWith(e);
    }
    return promiseResolvedUndefined();
  };
  /** @type {() => Promise<any>} */
  let flushAlgorithm = promiseResolvedUndefined;
  /** @type {(reason: any) => Promise<any>} */
  let cancelAlgorithm = promiseResolvedUndefined;
  const transform = transformerDict.transform;
  if (transform !== undefined) transformAlgorithm = (chunk) => invokePromiseCallback(transform, transformer, chunk, pub);
  const flush = transformerDict.flush;
  if (flush !== undefined) flushAlgorithm = () => invokePromiseCallback(flush, transformer, pub);
  const cancel = transformerDict.cancel;
  if (cancel !== undefined) cancelAlgorithm = (reason) => invokePromiseCallback(cancel, transformer, reason);
  SetUpTransformStreamDefaultController(stream, controller, transformAlgorithm, flushAlgorithm, cancelAlgorithm);
}

/** @param {TransformControllerImpl} controller */
function TransformStreamDefaultControllerClearAlgorithms(controller) {
  controller.transformAlgorithm = undefined;
  controller.flushAlgorithm = undefined;
  controller.cancelAlgorithm = undefined;
}

/**
 * @param {TransformControllerImpl} controller
 * @param {any} chunk
 */
function TransformStreamDefaultControllerEnqueue(controller, chunk) {
  const stream = controller.stream;
  const readableController = stream.readable.controller;
  if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(readableController)) {
    throw new TypeError('Readable side is not in a state that permits enqueue');
  }
  try {
    ReadableStreamDefaultControllerEnqueue(readableController, chunk);
  } catch (e) {
    TransformStreamErrorWritableAndUnblockWrite(stream, e);
    throw stream.readable.storedError;
  }
  const backpressure = ReadableStreamDefaultControllerHasBackpressure(readableController);
  if (backpressure !== stream.backpressure) TransformStreamSetBackpressure(stream, true);
}

/**
 * @param {TransformControllerImpl} controller
 * @param {any} e
 */
function TransformStreamDefaultControllerError(controller, e) {
  TransformStreamError(controller.stream, e);
}

/**
 * @param {TransformControllerImpl} controller
 * @param {any} chunk
 */
function TransformStreamDefaultControllerPerformTransform(controller, chunk) {
  const transformPromiseResult = /** @type {(chunk: any) => Promise<any>} */ (controller.transformAlgorithm)(chunk);
  return transformPromise(transformPromiseResult, undefined, controller.onTransformRejected);
}

/** @param {TransformControllerImpl} controller */
function TransformStreamDefaultControllerTerminate(controller) {
  const stream = controller.stream;
  ReadableStreamDefaultControllerClose(stream.readable.controller);
  const error = new TypeError('TransformStream terminated');
  TransformStreamErrorWritableAndUnblockWrite(stream, error);
}

// ---------------------------------------------------------------------------------------------
// Default sink and source algorithms.

/**
 * @param {TransformStreamImpl} stream
 * @param {any} chunk
 */
function TransformStreamDefaultSinkWriteAlgorithm(stream, chunk) {
  const controller = stream.controller;
  if (stream.backpressure) {
    stream.pendingChunk = chunk;
    return transformPromiseAdopting(/** @type {Deferred} */ (stream.backpressureChangePromise).promise,
      stream.onBackpressureChange);
  }
  return TransformStreamDefaultControllerPerformTransform(controller, chunk);
}

/**
 * @param {TransformStreamImpl} stream
 * @param {any} reason
 */
function TransformStreamDefaultSinkAbortAlgorithm(stream, reason) {
  const controller = stream.controller;
  if (controller.finishPromise !== undefined) return controller.finishPromise.promise;
  const readable = stream.readable;
  const finishPromise = new Deferred();
  controller.finishPromise = finishPromise;
  const cancelPromise = /** @type {(reason: any) => Promise<any>} */ (controller.cancelAlgorithm)(reason);
  TransformStreamDefaultControllerClearAlgorithms(controller);
  uponPromise(cancelPromise, () => {
    if (readable.state === 'errored') {
      finishPromise.reject(readable.storedError);
    } else {
      ReadableStreamDefaultControllerError(readable.controller, reason);
      finishPromise.resolve(undefined);
    }
  }, (r) => {
    ReadableStreamDefaultControllerError(readable.controller, r);
    finishPromise.reject(r);
  });
  return finishPromise.promise;
}

/** @param {TransformStreamImpl} stream */
function TransformStreamDefaultSinkCloseAlgorithm(stream) {
  const controller = stream.controller;
  if (controller.finishPromise !== undefined) return controller.finishPromise.promise;
  const readable = stream.readable;
  const finishPromise = new Deferred();
  controller.finishPromise = finishPromise;
  const flushPromise = /** @type {() => Promise<any>} */ (controller.flushAlgorithm)();
  TransformStreamDefaultControllerClearAlgorithms(controller);
  uponPromise(flushPromise, () => {
    if (readable.state === 'errored') {
      finishPromise.reject(readable.storedError);
    } else {
      ReadableStreamDefaultControllerClose(readable.controller);
      finishPromise.resolve(undefined);
    }
  }, (r) => {
    ReadableStreamDefaultControllerError(readable.controller, r);
    finishPromise.reject(r);
  });
  return finishPromise.promise;
}

/** @param {TransformStreamImpl} stream */
function TransformStreamDefaultSourcePullAlgorithm(stream) {
  TransformStreamSetBackpressure(stream, false);
  return /** @type {Deferred} */ (stream.backpressureChangePromise).promise;
}

/**
 * @param {TransformStreamImpl} stream
 * @param {any} reason
 */
function TransformStreamDefaultSourceCancelAlgorithm(stream, reason) {
  const controller = stream.controller;
  if (controller.finishPromise !== undefined) return controller.finishPromise.promise;
  const writable = stream.writable;
  const finishPromise = new Deferred();
  controller.finishPromise = finishPromise;
  const cancelPromise = /** @type {(reason: any) => Promise<any>} */ (controller.cancelAlgorithm)(reason);
  TransformStreamDefaultControllerClearAlgorithms(controller);
  uponPromise(cancelPromise, () => {
    if (writable.state === 'errored') {
      finishPromise.reject(writable.storedError);
    } else {
      WritableStreamDefaultControllerErrorIfNeeded(writable.controller, reason);
      TransformStreamUnblockWrite(stream);
      finishPromise.resolve(undefined);
    }
  }, (r) => {
    WritableStreamDefaultControllerErrorIfNeeded(writable.controller, r);
    TransformStreamUnblockWrite(stream);
    finishPromise.reject(r);
  });
  return finishPromise.promise;
}

// ---------------------------------------------------------------------------------------------

S.TransformStream = TransformStream;
S.TransformStreamDefaultController = TransformStreamDefaultController;
S.tsImpl = tsImpl;

rt.internal.TransformStream = TransformStream;
rt.internal.TransformStreamDefaultController = TransformStreamDefaultController;
rt.internal.isTransformStream = (/** @type {any} */ v) => tsImpl(v) !== undefined;
rt.expose('TransformStream', TransformStream);
rt.expose('TransformStreamDefaultController', TransformStreamDefaultController);
