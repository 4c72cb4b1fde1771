// @ts-check
// WritableStream, WritableStreamDefaultWriter and WritableStreamDefaultController
// (https://streams.spec.whatwg.org/#ws). The spec's internal slots live on "impl" objects that
// only the runtime can reach; each public object holds its impl in a private field. The
// abstract operations are named as in the spec and take impls.

const { FunctionPrototypeCall } = rt.primordials;
const S = rt.internal.streamsShared;
const {
  webidl,
  converters,
  Deferred,
  resolvedDeferred,
  rejectedDeferred,
  promiseRejectedWith,
  promiseResolvedUndefined,
  uponPromise,
  List,
  DequeueValue,
  EnqueueValueWithSize,
  PeekQueueValue,
  ResetQueue,
  QueuingStrategy,
  ExtractHighWaterMark,
  ExtractSizeAlgorithm,
  invokePromiseCallback,
  kInternal,
} = S;

const UnderlyingSink = webidl.createDictionaryConverter('UnderlyingSink', [
  { key: 'abort', converter: converters.Function },
  { key: 'close', converter: converters.Function },
  { key: 'start', converter: converters.Function },
  { key: 'type', converter: converters.any },
  { key: 'write', converter: converters.Function },
]);

/** The close sentinel put in a controller's queue. */
const closeSentinel = { __proto__: null };

// ---------------------------------------------------------------------------------------------
// Impl objects (the spec's internal slots).

class WritableStreamImpl {
  constructor() {
    /** @type {WritableStream | undefined} */
    this.pub = undefined;
    // InitializeWritableStream
    /** @type {'writable' | 'closed' | 'erroring' | 'errored'} */
    this.state = 'writable';
    /** @type {any} */
    this.storedError = undefined;
    /** @type {WriterImpl | undefined} */
    this.writer = undefined;
    /** @type {ControllerImpl | undefined} */
    this.controller = undefined;
    /** @type {Deferred | undefined} */
    this.inFlightWriteRequest = undefined;
    /** @type {Deferred | undefined} */
    this.closeRequest = undefined;
    /** @type {Deferred | undefined} */
    this.inFlightCloseRequest = undefined;
    /** @type {{ promise: Deferred, reason: any, wasAlreadyErroring: boolean } | undefined} */
    this.pendingAbortRequest = undefined;
    this.writeRequests = new List();
    this.backpressure = false;
  }
}

class WriterImpl {
  constructor() {
    /** @type {WritableStreamDefaultWriter | undefined} */
    this.pub = undefined;
    /** @type {WritableStreamImpl | undefined} */
    this.stream = undefined;
    /** @type {Deferred} */
    this.closedPromise = /** @type {any} */ (undefined);
    /** @type {Deferred} */
    this.readyPromise = /** @type {any} */ (undefined);
  }
}

class ControllerImpl {
  /** @param {WritableStreamImpl} stream */
  constructor(stream) {
    /** @type {WritableStreamDefaultController | undefined} */
    this.pub = undefined;
    this.stream = stream;
    this.queue = new List();
    this.queueTotalSize = 0;
    /** @type {any} an AbortController, when the runtime has one */
    this.abortController = undefined;
    this.started = false;
    this.strategyHWM = 1;
    /** @type {((chunk: any) => number) | undefined} */
    this.strategySizeAlgorithm = undefined;
    /** @type {((chunk: any) => Promise<any>) | undefined} */
    this.writeAlgorithm = undefined;
    /** @type {(() => Promise<any>) | undefined} */
    this.closeAlgorithm = undefined;
    /** @type {((reason: any) => Promise<any>) | undefined} */
    this.abortAlgorithm = undefined;
    // Reactions made once per controller, so a write allocates no closure.
    this.onWriteFulfilled = () => {
      WritableStreamDefaultControllerProcessWriteFulfilled(this);
    };
    this.onWriteRejected = (/** @type {any} */ reason) => {
      WritableStreamDefaultControllerProcessWriteRejected(this, reason);
    };
  }

  /** [[AbortSteps]] @param {any} reason */
  abortSteps(reason) {
    const result = /** @type {(reason: any) => Promise<any>} */ (this.abortAlgorithm)(reason);
    WritableStreamDefaultControllerClearAlgorithms(this);
    return result;
  }

  /** [[ErrorSteps]] */
  errorSteps() {
    ResetQueue(this);
  }
}

// ---------------------------------------------------------------------------------------------
// Public interfaces.

/** @type {(v: any) => WritableStreamImpl | undefined} */
let wsImpl;
/** @type {(impl: WritableStreamImpl) => WritableStream} */
let wsCreate;

class WritableStream {
  /** @type {WritableStreamImpl} */
  #impl;

  /**
   * @param {any} [underlyingSink]
   * @param {any} [strategy]
   */
  constructor(underlyingSink = undefined, strategy = undefined) {
    if (underlyingSink === kInternal) {
      this.#impl = strategy;
      strategy.pub = this;
      return;
    }
    const prefix = webidl.constructorPrefix('WritableStream');
    if (underlyingSink !== undefined) converters.object(underlyingSink, prefix, 'Argument 1');
    const strategyDict = QueuingStrategy(strategy, prefix, 'Argument 2');
    if (underlyingSink === undefined) underlyingSink = null;
    const sinkDict = UnderlyingSink(underlyingSink, prefix, 'Argument 1');
    if (sinkDict.type !== undefined) throw new RangeError(`${prefix}: Invalid type is specified`);
    const impl = new WritableStreamImpl();
    impl.pub = this;
    this.#impl = impl;
    const sizeAlgorithm = ExtractSizeAlgorithm(strategyDict);
    const highWaterMark = ExtractHighWaterMark(strategyDict, 1);
    SetUpWritableStreamDefaultControllerFromUnderlyingSink(impl, underlyingSink, sinkDict, highWaterMark, sizeAlgorithm);
  }

  get locked() {
    const s = wsImpl(this);
    if (s === undefined) webidl.illegalInvocation();
    return IsWritableStreamLocked(s);
  }

  /** @param {any} [reason] */
  abort(reason = undefined) {
    const s = wsImpl(this);
    if (s === undefined) return promiseRejectedWith(new TypeError('Illegal invocation'));
    if (IsWritableStreamLocked(s)) {
      return promiseRejectedWith(new TypeError("Failed to execute 'abort' on 'WritableStream': Cannot abort a locked stream"));
    }
    return WritableStreamAbort(s, reason);
  }

  close() {
    const s = wsImpl(this);
    if (s === undefined) return promiseRejectedWith(new TypeError('Illegal invocation'));
    if (IsWritableStreamLocked(s)) {
      return promiseRejectedWith(new TypeError("Failed to execute 'close' on 'WritableStream': Cannot close a locked stream"));
    }
    if (WritableStreamCloseQueuedOrInFlight(s)) {
      return promiseRejectedWith(new TypeError("Failed to execute 'close' on 'WritableStream': Cannot close a stream that is already closing or closed"));
    }
    return WritableStreamClose(s);
  }

  getWriter() {
    const s = wsImpl(this);
    if (s === undefined) webidl.illegalInvocation();
    return writerPublic(AcquireWritableStreamDefaultWriter(s));
  }

  static {
    wsImpl = (v) => (webidl.isObject(v) && #impl in v ? v.#impl : undefined);
    wsCreate = (impl) => new WritableStream(kInternal, impl);
  }
}
webidl.configureInterface(WritableStream, 'WritableStream');

/** @type {(v: any) => WriterImpl | undefined} */
let writerImpl;
/** @type {(impl: WriterImpl) => WritableStreamDefaultWriter} */
let writerCreate;

class WritableStreamDefaultWriter {
  /** @type {WriterImpl} */
  #impl;

  /** @param {WritableStream} stream */
  constructor(stream) {
    if (stream === kInternal) {
      const impl = /** @type {WriterImpl} */ (arguments[1]);
      this.#impl = impl;
      impl.pub = this;
      return;
    }
    const prefix = webidl.constructorPrefix('WritableStreamDefaultWriter');
    webidl.requiredArguments(arguments.length, 1, prefix);
    const s = wsImpl(stream);
    if (s === undefined) throw new TypeError(`${prefix}: parameter 1 is not of type 'WritableStream'.`);
    const impl = new WriterImpl();
    impl.pub = this;
    this.#impl = impl;
    SetUpWritableStreamDefaultWriter(impl, s);
  }

  get closed() {
    const w = writerImpl(this);
    if (w === undefined) return promiseRejectedWith(new TypeError('Illegal invocation'));
    return w.closedPromise.promise;
  }

  get desiredSize() {
    const w = writerImpl(this);
    if (w === undefined) webidl.illegalInvocation();
    if (w.stream === undefined) throw new TypeError('This writer has been released and cannot be used to get the desired size');
    return WritableStreamDefaultWriterGetDesiredSize(w);
  }

  get ready() {
    const w = writerImpl(this);
    if (w === undefined) return promiseRejectedWith(new TypeError('Illegal invocation'));
    return w.readyPromise.promise;
  }

  /** @param {any} [reason] */
  abort(reason = undefined) {
    const w = writerImpl(this);
    if (w === undefined) return promiseRejectedWith(new TypeError('Illegal invocation'));
    if (w.stream === undefined) return promiseRejectedWith(releasedError('abort'));
    return WritableStreamDefaultWriterAbort(w, reason);
  }

  close() {
    const w = writerImpl(this);
    if (w === undefined) return promiseRejectedWith(new TypeError('Illegal invocation'));
    const stream = w.stream;
    if (stream === undefined) return promiseRejectedWith(releasedError('close'));
    if (WritableStreamCloseQueuedOrInFlight(stream)) {
      return promiseRejectedWith(new TypeError("Failed to execute 'close' on 'WritableStreamDefaultWriter': Cannot close a stream that is already closing or closed"));
    }
    return WritableStreamDefaultWriterClose(w);
  }

  releaseLock() {
    const w = writerImpl(this);
    if (w === undefined) webidl.illegalInvocation();
    const stream = w.stream;
    if (stream === undefined) return;
    WritableStreamDefaultWriterRelease(w);
  }

  /** @param {any} [chunk] */
  write(chunk = undefined) {
    const w = writerImpl(this);
    if (w === undefined) return promiseRejectedWith(new TypeError('Illegal invocation'));
    if (w.stream === undefined) return promiseRejectedWith(releasedError('write to'));
    return WritableStreamDefaultWriterWrite(w, chunk);
  }

  static {
    writerImpl = (v) => (webidl.isObject(v) && #impl in v ? v.#impl : undefined);
    writerCreate = (impl) => new WritableStreamDefaultWriter(/** @type {any} */ (kInternal), /** @type {any} */ (impl));
  }
}
webidl.configureInterface(WritableStreamDefaultWriter, 'WritableStreamDefaultWriter');

/** @param {string} what */
function releasedError(what) {
  return new TypeError(`This writer has been released and cannot ${what} the stream`);
}

/** @param {WriterImpl} impl */
function writerPublic(impl) {
  return impl.pub !== undefined ? impl.pub : writerCreate(impl);
}

/** @type {(v: any) => ControllerImpl | undefined} */
let controllerImpl;

class WritableStreamDefaultController {
  /** @type {ControllerImpl} */
  #impl;

  constructor(key = undefined, impl = undefined) {
    if (key !== kInternal) webidl.illegalConstructor();
    this.#impl = /** @type {ControllerImpl} */ (impl);
  }

  get signal() {
    const c = controllerImpl(this);
    if (c === undefined) webidl.illegalInvocation();
    return c.abortController === undefined ? undefined : c.abortController.signal;
  }

  /** @param {any} [e] */
  error(e = undefined) {
    const c = controllerImpl(this);
    if (c === undefined) webidl.illegalInvocation();
    const state = c.stream.state;
    if (state !== 'writable') return;
    WritableStreamDefaultControllerError(c, e);
  }

  static {
    controllerImpl = (v) => (webidl.isObject(v) && #impl in v ? v.#impl : undefined);
  }
}
webidl.configureInterface(WritableStreamDefaultController, 'WritableStreamDefaultController');

// ---------------------------------------------------------------------------------------------
// Writable stream abstract operations.

/** @param {WritableStreamImpl} stream */
function AcquireWritableStreamDefaultWriter(stream) {
  const writer = new WriterImpl();
  SetUpWritableStreamDefaultWriter(writer, stream);
  return writer;
}

/**
 * CreateWritableStream. Returns the impl; its `pub` is the public WritableStream.
 * @param {() => any} startAlgorithm
 * @param {(chunk: any) => Promise<any>} writeAlgorithm
 * @param {() => Promise<any>} closeAlgorithm
 * @param {(reason: any) => Promise<any>} abortAlgorithm
 * @param {number} [highWaterMark]
 * @param {(chunk: any) => number} [sizeAlgorithm]
 */
function CreateWritableStream(startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm,
  highWaterMark = 1, sizeAlgorithm = sizeOneAlgorithm) {
  const stream = new WritableStreamImpl();
  wsCreate(stream);
  const controller = new ControllerImpl(stream);
  SetUpWritableStreamDefaultController(stream, controller, startAlgorithm, writeAlgorithm,
    closeAlgorithm, abortAlgorithm, highWaterMark, sizeAlgorithm);
  return stream;
}

function sizeOneAlgorithm() {
  return 1;
}

/** @param {WritableStreamImpl} stream */
function IsWritableStreamLocked(stream) {
  return stream.writer !== undefined;
}

/**
 * @param {WriterImpl} writer
 * @param {WritableStreamImpl} stream
 */
function SetUpWritableStreamDefaultWriter(writer, stream) {
  if (IsWritableStreamLocked(stream)) {
    throw new TypeError('Cannot create writer when WritableStream is locked');
  }
  writer.stream = stream;
  stream.writer = writer;
  const state = stream.state;
  if (state === 'writable') {
    if (!WritableStreamCloseQueuedOrInFlight(stream) && stream.backpressure) {
      writer.readyPromise = new Deferred();
    } else {
      writer.readyPromise = resolvedDeferred(undefined);
    }
    writer.closedPromise = new Deferred();
  } else if (state === 'erroring') {
    writer.readyPromise = rejectedDeferred(stream.storedError);
    writer.closedPromise = new Deferred();
  } else if (state === 'closed') {
    writer.readyPromise = resolvedDeferred(undefined);
    writer.closedPromise = resolvedDeferred(undefined);
  } else {
    const storedError = stream.storedError;
    writer.readyPromise = rejectedDeferred(storedError);
    writer.closedPromise = rejectedDeferred(storedError);
  }
}

/**
 * @param {WritableStreamImpl} stream
 * @param {any} reason
 * @returns {Promise<any>}
 */
function WritableStreamAbort(stream, reason) {
  if (stream.state === 'closed' || stream.state === 'errored') return promiseResolvedUndefined();
  const controller = /** @type {ControllerImpl} */ (stream.controller);
  const ac = controller.abortController;
  if (ac !== undefined) {
    const api = rt.internal.abortSignal;
    if (api !== undefined) api.abort(ac.signal, reason);
    else ac.abort(reason);
  }
  const state = stream.state;
  if (state === 'closed' || state === 'errored') return promiseResolvedUndefined();
  if (stream.pendingAbortRequest !== undefined) return stream.pendingAbortRequest.promise.promise;
  let wasAlreadyErroring = false;
  if (state === 'erroring') {
    wasAlreadyErroring = true;
    reason = undefined;
  }
  const promise = new Deferred();
  stream.pendingAbortRequest = { promise, reason, wasAlreadyErroring };
  if (!wasAlreadyErroring) WritableStreamStartErroring(stream, reason);
  return promise.promise;
}

/**
 * @param {WritableStreamImpl} stream
 * @returns {Promise<any>}
 */
function WritableStreamClose(stream) {
  const state = stream.state;
  if (state === 'closed' || state === 'errored') {
    return promiseRejectedWith(new TypeError(`The stream (in ${state} state) is not in the writable state and cannot be closed`));
  }
  const promise = new Deferred();
  stream.closeRequest = promise;
  const writer = stream.writer;
  if (writer !== undefined && stream.backpressure && state === 'writable') {
    writer.readyPromise.resolve(undefined);
  }
  WritableStreamDefaultControllerClose(/** @type {ControllerImpl} */ (stream.controller));
  return promise.promise;
}

/** @param {WritableStreamImpl} stream */
function WritableStreamAddWriteRequest(stream) {
  const promise = new Deferred();
  stream.writeRequests.push(promise);
  return promise;
}

/** @param {WritableStreamImpl} stream */
function WritableStreamCloseQueuedOrInFlight(stream) {
  return stream.closeRequest !== undefined || stream.inFlightCloseRequest !== undefined;
}

/**
 * @param {WritableStreamImpl} stream
 * @param {any} error
 */
function WritableStreamDealWithRejection(stream, error) {
  const state = stream.state;
  if (state === 'writable') {
    WritableStreamStartErroring(stream, error);
    return;
  }
  WritableStreamFinishErroring(stream);
}

/** @param {WritableStreamImpl} stream */
function WritableStreamFinishErroring(stream) {
  stream.state = 'errored';
  const controller = /** @type {ControllerImpl} */ (stream.controller);
  controller.errorSteps();
  const storedError = stream.storedError;
  const writeRequests = stream.writeRequests;
  stream.writeRequests = new List();
  while (writeRequests.length > 0) writeRequests.shift().reject(storedError);
  const abortRequest = stream.pendingAbortRequest;
  if (abortRequest === undefined) {
    WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
    return;
  }
  stream.pendingAbortRequest = undefined;
  if (abortRequest.wasAlreadyErroring) {
    abortRequest.promise.reject(storedError);
    WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
    return;
  }
  const promise = controller.abortSteps(abortRequest.reason);
  uponPromise(promise, () => {
    abortRequest.promise.resolve(undefined);
    WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
  }, (reason) => {
    abortRequest.promise.reject(reason);
    WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
  });
}

/** @param {WritableStreamImpl} stream */
function WritableStreamFinishInFlightClose(stream) {
  /** @type {Deferred} */ (stream.inFlightCloseRequest).resolve(undefined);
  stream.inFlightCloseRequest = undefined;
  const state = stream.state;
  if (state === 'erroring') {
    stream.storedError = undefined;
    if (stream.pendingAbortRequest !== undefined) {
      stream.pendingAbortRequest.promise.resolve(undefined);
      stream.pendingAbortRequest = undefined;
    }
  }
  stream.state = 'closed';
  const writer = stream.writer;
  if (writer !== undefined) writer.closedPromise.resolve(undefined);
}

/**
 * @param {WritableStreamImpl} stream
 * @param {any} error
 */
function WritableStreamFinishInFlightCloseWithError(stream, error) {
  /** @type {Deferred} */ (stream.inFlightCloseRequest).reject(error);
  stream.inFlightCloseRequest = undefined;
  if (stream.pendingAbortRequest !== undefined) {
    stream.pendingAbortRequest.promise.reject(error);
    stream.pendingAbortRequest = undefined;
  }
  WritableStreamDealWithRejection(stream, error);
}

/** @param {WritableStreamImpl} stream */
function WritableStreamFinishInFlightWrite(stream) {
  /** @type {Deferred} */ (stream.inFlightWriteRequest).resolve(undefined);
  stream.inFlightWriteRequest = undefined;
}

/**
 * @param {WritableStreamImpl} stream
 * @param {any} error
 */
function WritableStreamFinishInFlightWriteWithError(stream, error) {
  /** @type {Deferred} */ (stream.inFlightWriteRequest).reject(error);
  stream.inFlightWriteRequest = undefined;
  WritableStreamDealWithRejection(stream, error);
}

/** @param {WritableStreamImpl} stream */
function WritableStreamHasOperationMarkedInFlight(stream) {
  return stream.inFlightWriteRequest !== undefined || stream.inFlightCloseRequest !== undefined;
}

/** @param {WritableStreamImpl} stream */
function WritableStreamMarkCloseRequestInFlight(stream) {
  stream.inFlightCloseRequest = stream.closeRequest;
  stream.closeRequest = undefined;
}

/** @param {WritableStreamImpl} stream */
function WritableStreamMarkFirstWriteRequestInFlight(stream) {
  stream.inFlightWriteRequest = stream.writeRequests.shift();
}

/** @param {WritableStreamImpl} stream */
function WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream) {
  if (stream.closeRequest !== undefined) {
    stream.closeRequest.reject(stream.storedError);
    stream.closeRequest = undefined;
  }
  const writer = stream.writer;
  if (writer !== undefined) {
    writer.closedPromise.reject(stream.storedError);
    writer.closedPromise.markHandled();
  }
}

/**
 * @param {WritableStreamImpl} stream
 * @param {any} reason
 */
function WritableStreamStartErroring(stream, reason) {
  const controller = /** @type {ControllerImpl} */ (stream.controller);
  stream.state = 'erroring';
  stream.storedError = reason;
  const writer = stream.writer;
  if (writer !== undefined) WritableStreamDefaultWriterEnsureReadyPromiseRejected(writer, reason);
  if (!WritableStreamHasOperationMarkedInFlight(stream) && controller.started) {
    WritableStreamFinishErroring(stream);
  }
}

/**
 * @param {WritableStreamImpl} stream
 * @param {boolean} backpressure
 */
function WritableStreamUpdateBackpressure(stream, backpressure) {
  const writer = stream.writer;
  if (writer !== undefined && backpressure !== stream.backpressure) {
    if (backpressure) {
      writer.readyPromise = new Deferred();
    } else {
      writer.readyPromise.resolve(undefined);
    }
  }
  stream.backpressure = backpressure;
}

// ---------------------------------------------------------------------------------------------
// Writer abstract operations.

/**
 * @param {WriterImpl} writer
 * @param {any} reason
 */
function WritableStreamDefaultWriterAbort(writer, reason) {
  return WritableStreamAbort(/** @type {WritableStreamImpl} */ (writer.stream), reason);
}

/** @param {WriterImpl} writer */
function WritableStreamDefaultWriterClose(writer) {
  return WritableStreamClose(/** @type {WritableStreamImpl} */ (writer.stream));
}

/** @param {WriterImpl} writer */
function WritableStreamDefaultWriterCloseWithErrorPropagation(writer) {
  const stream = /** @type {WritableStreamImpl} */ (writer.stream);
  const state = stream.state;
  if (WritableStreamCloseQueuedOrInFlight(stream) || state === 'closed') return promiseResolvedUndefined();
  if (state === 'errored') return promiseRejectedWith(stream.storedError);
  return WritableStreamDefaultWriterClose(writer);
}

/**
 * @param {WriterImpl} writer
 * @param {any} error
 */
function WritableStreamDefaultWriterEnsureClosedPromiseRejected(writer, error) {
  if (writer.closedPromise.state === 0) {
    writer.closedPromise.reject(error);
  } else {
    writer.closedPromise = new Deferred();
    writer.closedPromise.reject(error);
  }
  writer.closedPromise.markHandled();
}

/**
 * @param {WriterImpl} writer
 * @param {any} error
 */
function WritableStreamDefaultWriterEnsureReadyPromiseRejected(writer, error) {
  if (writer.readyPromise.state === 0) {
    writer.readyPromise.reject(error);
  } else {
    writer.readyPromise = new Deferred();
    writer.readyPromise.reject(error);
  }
  writer.readyPromise.markHandled();
}

/** @param {WriterImpl} writer */
function WritableStreamDefaultWriterGetDesiredSize(writer) {
  const stream = /** @type {WritableStreamImpl} */ (writer.stream);
  const state = stream.state;
  if (state === 'errored' || state === 'erroring') return null;
  if (state === 'closed') return 0;
  return WritableStreamDefaultControllerGetDesiredSize(/** @type {ControllerImpl} */ (stream.controller));
}

/** @param {WriterImpl} writer */
function WritableStreamDefaultWriterRelease(writer) {
  const stream = /** @type {WritableStreamImpl} */ (writer.stream);
  const releasedError = new TypeError('Writer was released and can no longer be used to monitor the stream\'s closedness');
  WritableStreamDefaultWriterEnsureReadyPromiseRejected(writer, releasedError);
  WritableStreamDefaultWriterEnsureClosedPromiseRejected(writer, releasedError);
  stream.writer = undefined;
  writer.stream = undefined;
}

/**
 * @param {WriterImpl} writer
 * @param {any} chunk
 * @returns {Promise<any>}
 */
function WritableStreamDefaultWriterWrite(writer, chunk) {
  const stream = /** @type {WritableStreamImpl} */ (writer.stream);
  const controller = /** @type {ControllerImpl} */ (stream.controller);
  const chunkSize = WritableStreamDefaultControllerGetChunkSize(controller, chunk);
  if (stream !== writer.stream) return promiseRejectedWith(releasedError('write to'));
  const state = stream.state;
  if (state === 'errored') return promiseRejectedWith(stream.storedError);
  if (WritableStreamCloseQueuedOrInFlight(stream) || state === 'closed') {
    return promiseRejectedWith(new TypeError('The stream is closing or closed and cannot be written to'));
  }
  if (state === 'erroring') return promiseRejectedWith(stream.storedError);
  const promise = WritableStreamAddWriteRequest(stream);
  WritableStreamDefaultControllerWrite(controller, chunk, chunkSize);
  return promise.promise;
}

// ---------------------------------------------------------------------------------------------
// Controller abstract operations.

/**
 * @param {WritableStreamImpl} stream
 * @param {ControllerImpl} controller
 * @param {() => any} startAlgorithm
 * @param {(chunk: any) => Promise<any>} writeAlgorithm
 * @param {() => Promise<any>} closeAlgorithm
 * @param {(reason: any) => Promise<any>} abortAlgorithm
 * @param {number} highWaterMark
 * @param {(chunk: any) => number} sizeAlgorithm
 */
function SetUpWritableStreamDefaultController(stream, controller, startAlgorithm, writeAlgorithm,
  closeAlgorithm, abortAlgorithm, highWaterMark, sizeAlgorithm) {
  controller.stream = stream;
  stream.controller = controller;
  ResetQueue(controller);
  const AbortController = rt.internal.AbortController;
  controller.abortController = typeof AbortController === 'function' ? new AbortController() : undefined;
  controller.started = false;
  controller.strategySizeAlgorithm = sizeAlgorithm;
  controller.strategyHWM = highWaterMark;
  controller.writeAlgorithm = writeAlgorithm;
  controller.closeAlgorithm = closeAlgorithm;
  controller.abortAlgorithm = abortAlgorithm;
  const backpressure = WritableStreamDefaultControllerGetBackpressure(controller);
  WritableStreamUpdateBackpressure(stream, backpressure);
  const startResult = startAlgorithm();
  const startPromise = S.promiseResolvedWith(startResult);
  uponPromise(startPromise, () => {
    controller.started = true;
    WritableStreamDefaultControllerAdvanceQueueIfNeeded(controller);
  }, (r) => {
    controller.started = true;
    WritableStreamDealWithRejection(stream, r);
  });
}

/**
 * @param {WritableStreamImpl} stream
 * @param {any} underlyingSink
 * @param {Record<string, any>} sinkDict
 * @param {number} highWaterMark
 * @param {(chunk: any) => number} sizeAlgorithm
 */
function SetUpWritableStreamDefaultControllerFromUnderlyingSink(stream, underlyingSink, sinkDict,
  highWaterMark, sizeAlgorithm) {
  const controller = new ControllerImpl(stream);
  const pub = new WritableStreamDefaultController(/** @type {any} */ (kInternal), /** @type {any} */ (controller));
  controller.pub = pub;
  /** @type {() => any} */
  let startAlgorithm = () => undefined;
  /** @type {(chunk: any) => Promise<any>} */
  let writeAlgorithm = promiseResolvedUndefined;
  /** @type {() => Promise<any>} */
  let closeAlgorithm = promiseResolvedUndefined;
  /** @type {(reason: any) => Promise<any>} */
  let abortAlgorithm = promiseResolvedUndefined;
  const start = sinkDict.start;
  if (start !== undefined) startAlgorithm = () => FunctionPrototypeCall(start, underlyingSink, pub);
  const write = sinkDict.write;
  if (write !== undefined) writeAlgorithm = (chunk) => invokePromiseCallback(write, underlyingSink, chunk, pub);
  const close = sinkDict.close;
  if (close !== undefined) closeAlgorithm = () => invokePromiseCallback(close, underlyingSink);
  const abort = sinkDict.abort;
  if (abort !== undefined) abortAlgorithm = (reason) => invokePromiseCallback(abort, underlyingSink, reason);
  SetUpWritableStreamDefaultController(stream, controller, startAlgorithm, writeAlgorithm,
    closeAlgorithm, abortAlgorithm, highWaterMark, sizeAlgorithm);
}

/** @param {ControllerImpl} controller */
function WritableStreamDefaultControllerAdvanceQueueIfNeeded(controller) {
  const stream = controller.stream;
  if (!controller.started) return;
  if (stream.inFlightWriteRequest !== undefined) return;
  const state = stream.state;
  if (state === 'erroring') {
    WritableStreamFinishErroring(stream);
    return;
  }
  if (controller.queue.length === 0) return;
  const value = PeekQueueValue(controller);
  if (value === closeSentinel) {
    WritableStreamDefaultControllerProcessClose(controller);
  } else {
    WritableStreamDefaultControllerProcessWrite(controller, value);
  }
}

/** @param {ControllerImpl} controller */
function WritableStreamDefaultControllerClearAlgorithms(controller) {
  controller.writeAlgorithm = undefined;
  controller.closeAlgorithm = undefined;
  controller.abortAlgorithm = undefined;
  controller.strategySizeAlgorithm = undefined;
}

/** @param {ControllerImpl} controller */
function WritableStreamDefaultControllerClose(controller) {
  EnqueueValueWithSize(controller, closeSentinel, 0);
  WritableStreamDefaultControllerAdvanceQueueIfNeeded(controller);
}

/**
 * @param {ControllerImpl} controller
 * @param {any} error
 */
function WritableStreamDefaultControllerError(controller, error) {
  const stream = controller.stream;
  WritableStreamDefaultControllerClearAlgorithms(controller);
  WritableStreamStartErroring(stream, error);
}

/**
 * @param {ControllerImpl} controller
 * @param {any} error
 */
function WritableStreamDefaultControllerErrorIfNeeded(controller, error) {
  if (controller.stream.state === 'writable') WritableStreamDefaultControllerError(controller, error);
}

/** @param {ControllerImpl} controller */
function WritableStreamDefaultControllerGetBackpressure(controller) {
  return WritableStreamDefaultControllerGetDesiredSize(controller) <= 0;
}

/**
 * @param {ControllerImpl} controller
 * @param {any} chunk
 */
function WritableStreamDefaultControllerGetChunkSize(controller, chunk) {
  const size = controller.strategySizeAlgorithm;
  if (size === undefined) return 1;
  try {
    return size(chunk);
  } catch (e) {
    WritableStreamDefaultControllerErrorIfNeeded(controller, e);
    return 1;
  }
}

/** @param {ControllerImpl} controller */
function WritableStreamDefaultControllerGetDesiredSize(controller) {
  return controller.strategyHWM - controller.queueTotalSize;
}

/** @param {ControllerImpl} controller */
function WritableStreamDefaultControllerProcessClose(controller) {
  const stream = controller.stream;
  WritableStreamMarkCloseRequestInFlight(stream);
  DequeueValue(controller);
  const sinkClosePromise = /** @type {() => Promise<any>} */ (controller.closeAlgorithm)();
  WritableStreamDefaultControllerClearAlgorithms(controller);
  uponPromise(sinkClosePromise, () => {
    WritableStreamFinishInFlightClose(stream);
  }, (reason) => {
    WritableStreamFinishInFlightCloseWithError(stream, reason);
  });
}

/**
 * @param {ControllerImpl} controller
 * @param {any} chunk
 */
function WritableStreamDefaultControllerProcessWrite(controller, chunk) {
  const stream = controller.stream;
  WritableStreamMarkFirstWriteRequestInFlight(stream);
  const sinkWritePromise = /** @type {(chunk: any) => Promise<any>} */ (controller.writeAlgorithm)(chunk);
  uponPromise(sinkWritePromise, controller.onWriteFulfilled, controller.onWriteRejected);
}

/** @param {ControllerImpl} controller */
function WritableStreamDefaultControllerProcessWriteFulfilled(controller) {
  const stream = controller.stream;
  WritableStreamFinishInFlightWrite(stream);
  const state = stream.state;
  DequeueValue(controller);
  if (!WritableStreamCloseQueuedOrInFlight(stream) && state === 'writable') {
    const backpressure = WritableStreamDefaultControllerGetBackpressure(controller);
    WritableStreamUpdateBackpressure(stream, backpressure);
  }
  WritableStreamDefaultControllerAdvanceQueueIfNeeded(controller);
}

/**
 * @param {ControllerImpl} controller
 * @param {any} reason
 */
function WritableStreamDefaultControllerProcessWriteRejected(controller, reason) {
  const stream = controller.stream;
  if (stream.state === 'writable') WritableStreamDefaultControllerClearAlgorithms(controller);
  WritableStreamFinishInFlightWriteWithError(stream, reason);
}

/**
 * @param {ControllerImpl} controller
 * @param {any} chunk
 * @param {number} chunkSize
 */
function WritableStreamDefaultControllerWrite(controller, chunk, chunkSize) {
  try {
    EnqueueValueWithSize(controller, chunk, chunkSize);
  } catch (e) {
    WritableStreamDefaultControllerErrorIfNeeded(controller, e);
    return;
  }
  const stream = controller.stream;
  if (!WritableStreamCloseQueuedOrInFlight(stream) && stream.state === 'writable') {
    const backpressure = WritableStreamDefaultControllerGetBackpressure(controller);
    WritableStreamUpdateBackpressure(stream, backpressure);
  }
  WritableStreamDefaultControllerAdvanceQueueIfNeeded(controller);
}

// ---------------------------------------------------------------------------------------------

/** @param {WritableStreamImpl} stream */
function writableStreamPublic(stream) {
  return /** @type {WritableStream} */ (stream.pub);
}

S.WritableStream = WritableStream;
S.WritableStreamDefaultWriter = WritableStreamDefaultWriter;
S.WritableStreamDefaultController = WritableStreamDefaultController;
S.wsImpl = wsImpl;
S.writerImpl = writerImpl;
S.writerPublic = writerPublic;
S.writableStreamPublic = writableStreamPublic;
S.AcquireWritableStreamDefaultWriter = AcquireWritableStreamDefaultWriter;
S.CreateWritableStream = CreateWritableStream;
S.IsWritableStreamLocked = IsWritableStreamLocked;
S.WritableStreamAbort = WritableStreamAbort;
S.WritableStreamCloseQueuedOrInFlight = WritableStreamCloseQueuedOrInFlight;
S.WritableStreamDefaultWriterCloseWithErrorPropagation = WritableStreamDefaultWriterCloseWithErrorPropagation;
S.WritableStreamDefaultWriterGetDesiredSize = WritableStreamDefaultWriterGetDesiredSize;
S.WritableStreamDefaultWriterRelease = WritableStreamDefaultWriterRelease;
S.WritableStreamDefaultWriterWrite = WritableStreamDefaultWriterWrite;
S.WritableStreamDefaultControllerErrorIfNeeded = WritableStreamDefaultControllerErrorIfNeeded;

rt.internal.WritableStream = WritableStream;
rt.internal.WritableStreamDefaultWriter = WritableStreamDefaultWriter;
rt.internal.WritableStreamDefaultController = WritableStreamDefaultController;
rt.internal.isWritableStream = (/** @type {any} */ v) => wsImpl(v) !== undefined;
rt.expose('WritableStream', WritableStream);
rt.expose('WritableStreamDefaultWriter', WritableStreamDefaultWriter);
rt.expose('WritableStreamDefaultController', WritableStreamDefaultController);
