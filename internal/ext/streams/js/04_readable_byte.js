// @ts-check
// Readable byte streams (https://streams.spec.whatwg.org/#rbs-controller-class):
// ReadableByteStreamController, ReadableStreamBYOBRequest and ReadableStreamBYOBReader, with
// their abstract operations. Without an engine or host way to detach an ArrayBuffer (V8 10.2),
// TransferArrayBuffer hands back the same buffer (see 00_common.js): nothing is copied, but a
// buffer given to the stream stays usable by its previous owner.

const {
  ArrayBuffer,
  FunctionPrototypeCall,
  MathMin,
  RangeError,
  TypeError,
  Uint8Array,
} = rt.primordials;
const S = rt.internal.streamsShared;
const {
  webidl,
  converters,
  Deferred,
  returnUndefined,
  promiseResolvedWith,
  promiseRejectedWith,
  promiseResolvedUndefined,
  uponPromise,
  List,
  ResetQueue,
  viewBuffer,
  viewByteOffset,
  viewByteLength,
  viewKind,
  typedArrayLength,
  isTypedArray,
  arrayBufferByteLength,
  IsDetachedBuffer,
  TransferArrayBuffer,
  CopyDataBlockBytes,
  CloneArrayBuffer,
  invokePromiseCallback,
  kInternal,
  ReadableStreamImpl,
  BYOBReaderImpl,
  rsImpl,
  ReadableStreamAddReadIntoRequest,
  ReadableStreamAddReadRequest,
  ReadableStreamClose,
  ReadableStreamError,
  ReadableStreamFulfillReadIntoRequest,
  ReadableStreamFulfillReadRequest,
  ReadableStreamGetNumReadIntoRequests,
  ReadableStreamGetNumReadRequests,
  ReadableStreamHasBYOBReader,
  ReadableStreamHasDefaultReader,
  ReadableStreamReaderGenericCancel,
  ReadableStreamBYOBReaderRelease,
  SetUpReadableStreamBYOBReader,
} = S;

const ReadableStreamBYOBReaderReadOptions = webidl.createDictionaryConverter('ReadableStreamBYOBReaderReadOptions', [
  { key: 'min', converter: converters['unsigned long long'], opts: { enforceRange: true }, defaultValue: 1 },
]);

/**
 * Converts an ArrayBufferView argument: a view on a SharedArrayBuffer is not one ([AllowShared]
 * is absent).
 * @param {any} V
 * @param {string} prefix
 * @param {string} context
 * @returns {ArrayBufferView}
 */
function convertView(V, prefix, context) {
  converters.ArrayBufferView(V, prefix, context);
  if (arrayBufferByteLength(viewBuffer(V)) < 0) {
    throw new TypeError(`${prefix}: ${context} is a view on a SharedArrayBuffer, which is not allowed.`);
  }
  return V;
}

// ---------------------------------------------------------------------------------------------
// Impl objects.

/** A pull-into descriptor (https://streams.spec.whatwg.org/#pull-into-descriptor). */
class PullIntoDescriptor {
  /**
   * @param {ArrayBuffer} buffer
   * @param {number} bufferByteLength
   * @param {number} byteOffset
   * @param {number} byteLength
   * @param {number} minimumFill
   * @param {number} elementSize
   * @param {Function} viewConstructor
   * @param {'default' | 'byob' | 'none'} readerType
   */
  constructor(buffer, bufferByteLength, byteOffset, byteLength, minimumFill, elementSize, viewConstructor, readerType) {
    this.buffer = buffer;
    this.bufferByteLength = bufferByteLength;
    this.byteOffset = byteOffset;
    this.byteLength = byteLength;
    this.bytesFilled = 0;
    this.minimumFill = minimumFill;
    this.elementSize = elementSize;
    this.viewConstructor = viewConstructor;
    this.readerType = readerType;
  }
}

/** A readable byte stream queue entry. */
class ByteQueueEntry {
  /**
   * @param {ArrayBuffer} buffer
   * @param {number} byteOffset
   * @param {number} byteLength
   */
  constructor(buffer, byteOffset, byteLength) {
    this.buffer = buffer;
    this.byteOffset = byteOffset;
    this.byteLength = byteLength;
  }
}

class BYOBRequestImpl {
  /**
   * @param {ByteControllerImpl} controller
   * @param {ArrayBufferView} view
   */
  constructor(controller, view) {
    /** @type {ReadableStreamBYOBRequest | undefined} */
    this.pub = undefined;
    /** @type {ByteControllerImpl | undefined} */
    this.controller = controller;
    /** @type {ArrayBufferView | null} */
    this.view = view;
  }
}

class ByteControllerImpl {
  constructor() {
    /** @type {ReadableByteStreamController | undefined} */
    this.pub = undefined;
    /** @type {any} */
    this.stream = undefined;
    /** @type {List} of ByteQueueEntry */
    this.queue = new List();
    this.queueTotalSize = 0;
    this.started = false;
    this.closeRequested = false;
    this.pullAgain = false;
    this.pulling = false;
    this.strategyHWM = 0;
    /** @type {(() => Promise<any>) | undefined} */
    this.pullAlgorithm = undefined;
    /** @type {((reason: any) => Promise<any>) | undefined} */
    this.cancelAlgorithm = undefined;
    /** @type {number | undefined} */
    this.autoAllocateChunkSize = undefined;
    /** @type {BYOBRequestImpl | null} */
    this.byobRequest = null;
    /** @type {List} of PullIntoDescriptor */
    this.pendingPullIntos = new List();
    this.onPullFulfilled = () => {
      this.pulling = false;
      if (this.pullAgain) {
        this.pullAgain = false;
        ReadableByteStreamControllerCallPullIfNeeded(this);
      }
    };
    this.onPullRejected = (/** @type {any} */ e) => {
      ReadableByteStreamControllerError(this, e);
    };
  }

  /** [[CancelSteps]] @param {any} reason */
  cancelSteps(reason) {
    ReadableByteStreamControllerClearPendingPullIntos(this);
    ResetQueue(this);
    const result = /** @type {(reason: any) => Promise<any>} */ (this.cancelAlgorithm)(reason);
    ReadableByteStreamControllerClearAlgorithms(this);
    return result;
  }

  /** [[PullSteps]] @param {any} readRequest */
  pullSteps(readRequest) {
    const stream = this.stream;
    if (this.queueTotalSize > 0) {
      ReadableByteStreamControllerFillReadRequestFromQueue(this, readRequest);
      return;
    }
    const autoAllocateChunkSize = this.autoAllocateChunkSize;
    if (autoAllocateChunkSize !== undefined) {
      let buffer;
      try {
        buffer = new ArrayBuffer(autoAllocateChunkSize);
      } catch (e) {
        readRequest.errorSteps(e);
        return;
      }
      this.pendingPullIntos.push(new PullIntoDescriptor(buffer, autoAllocateChunkSize, 0,
        autoAllocateChunkSize, 1, 1, Uint8Array, 'default'));
    }
    ReadableStreamAddReadRequest(stream, readRequest);
    ReadableByteStreamControllerCallPullIfNeeded(this);
  }

  /** [[ReleaseSteps]] */
  releaseSteps() {
    if (this.pendingPullIntos.length > 0) {
      const firstPendingPullInto = this.pendingPullIntos.peek();
      firstPendingPullInto.readerType = 'none';
      const list = new List();
      list.push(firstPendingPullInto);
      this.pendingPullIntos = list;
    }
  }
}
/** @type {boolean} */
ByteControllerImpl.prototype.isByte = true;

// ---------------------------------------------------------------------------------------------
// Public interfaces.

/** @type {(v: any) => ByteControllerImpl | undefined} */
let byteControllerImpl;

class ReadableByteStreamController {
  /** @type {ByteControllerImpl} */
  #impl;

  constructor(key = undefined, impl = undefined) {
    if (key !== kInternal) webidl.illegalConstructor();
    this.#impl = /** @type {ByteControllerImpl} */ (impl);
  }

  get byobRequest() {
    const c = byteControllerImpl(this);
    if (c === undefined) webidl.illegalInvocation();
    const request = ReadableByteStreamControllerGetBYOBRequest(c);
    return request === null ? null : byobRequestPublic(request);
  }

  get desiredSize() {
    const c = byteControllerImpl(this);
    if (c === undefined) webidl.illegalInvocation();
    return ReadableByteStreamControllerGetDesiredSize(c);
  }

  close() {
    const c = byteControllerImpl(this);
    if (c === undefined) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('ReadableByteStreamController', 'close');
    if (c.closeRequested) throw new TypeError(`${prefix}: The stream has already been closed`);
    if (c.stream.state !== 'readable') throw new TypeError(`${prefix}: The stream is not readable`);
    ReadableByteStreamControllerClose(c);
  }

  /** @param {ArrayBufferView} chunk */
  enqueue(chunk) {
    const c = byteControllerImpl(this);
    if (c === undefined) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('ReadableByteStreamController', 'enqueue');
    webidl.requiredArguments(arguments.length, 1, prefix);
    convertView(chunk, prefix, 'Argument 1');
    checkCanEnqueue(c, chunk, prefix);
    ReadableByteStreamControllerEnqueue(c, chunk);
  }

  /** @param {any} [e] */
  error(e = undefined) {
    const c = byteControllerImpl(this);
    if (c === undefined) webidl.illegalInvocation();
    ReadableByteStreamControllerError(c, e);
  }

  static {
    byteControllerImpl = (v) => (webidl.isObject(v) && #impl in v ? v.#impl : undefined);
  }
}
webidl.configureInterface(ReadableByteStreamController, 'ReadableByteStreamController');

/**
 * The checks of ReadableByteStreamController.enqueue(chunk) before the abstract operation.
 * @param {ByteControllerImpl} c
 * @param {ArrayBufferView} chunk
 * @param {string} prefix
 */
function checkCanEnqueue(c, chunk, prefix) {
  if (viewByteLength(chunk) === 0) throw new TypeError(`${prefix}: The chunk is empty`);
  if (arrayBufferByteLength(viewBuffer(chunk)) === 0) {
    throw new TypeError(`${prefix}: The chunk's buffer is detached or empty`);
  }
  if (c.closeRequested) throw new TypeError(`${prefix}: The stream has been closed`);
  if (c.stream.state !== 'readable') throw new TypeError(`${prefix}: The stream is not readable`);
}

/** @type {(v: any) => BYOBRequestImpl | undefined} */
let byobRequestImpl;
/** @type {(impl: BYOBRequestImpl) => ReadableStreamBYOBRequest} */
let byobRequestCreate;

class ReadableStreamBYOBRequest {
  /** @type {BYOBRequestImpl} */
  #impl;

  constructor(key = undefined, impl = undefined) {
    if (key !== kInternal) webidl.illegalConstructor();
    this.#impl = /** @type {BYOBRequestImpl} */ (impl);
    this.#impl.pub = this;
  }

  get view() {
    const r = byobRequestImpl(this);
    if (r === undefined) webidl.illegalInvocation();
    return r.view;
  }

  /** @param {number} bytesWritten */
  respond(bytesWritten) {
    const r = byobRequestImpl(this);
    if (r === undefined) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('ReadableStreamBYOBRequest', 'respond');
    webidl.requiredArguments(arguments.length, 1, prefix);
    const n = converters['unsigned long long'](bytesWritten, prefix, 'Argument 1', { enforceRange: true });
    if (r.controller === undefined) throw new TypeError(`${prefix}: This BYOB request has been invalidated`);
    if (IsDetachedBuffer(viewBuffer(/** @type {ArrayBufferView} */ (r.view)))) {
      throw new TypeError(`${prefix}: The BYOB request's buffer has been detached`);
    }
    ReadableByteStreamControllerRespond(r.controller, n);
  }

  /** @param {ArrayBufferView} view */
  respondWithNewView(view) {
    const r = byobRequestImpl(this);
    if (r === undefined) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('ReadableStreamBYOBRequest', 'respondWithNewView');
    webidl.requiredArguments(arguments.length, 1, prefix);
    convertView(view, prefix, 'Argument 1');
    if (r.controller === undefined) throw new TypeError(`${prefix}: This BYOB request has been invalidated`);
    if (IsDetachedBuffer(viewBuffer(view))) {
      throw new TypeError(`${prefix}: The view's buffer has been detached`);
    }
    ReadableByteStreamControllerRespondWithNewView(r.controller, view);
  }

  static {
    byobRequestImpl = (v) => (webidl.isObject(v) && #impl in v ? v.#impl : undefined);
    byobRequestCreate = (impl) => new ReadableStreamBYOBRequest(/** @type {any} */ (kInternal), /** @type {any} */ (impl));
  }
}
webidl.configureInterface(ReadableStreamBYOBRequest, 'ReadableStreamBYOBRequest');

/** @param {BYOBRequestImpl} impl */
function byobRequestPublic(impl) {
  return impl.pub !== undefined ? impl.pub : byobRequestCreate(impl);
}

/** The read-into request of ReadableStreamBYOBReader.read(). */
class ReadIntoRequest extends Deferred {
  /** @param {any} chunk */
  chunkSteps(chunk) {
    this.res({ value: chunk, done: false });
  }

  /** @param {any} chunk */
  closeSteps(chunk) {
    this.res({ value: chunk, done: true });
  }

  /** @param {any} e */
  errorSteps(e) {
    this.rej(e);
  }
}

/** @type {(v: any) => BYOBReaderImpl | undefined} */
let byobReaderImpl;
/** @type {(impl: BYOBReaderImpl) => ReadableStreamBYOBReader} */
let byobReaderCreate;

class ReadableStreamBYOBReader {
  /** @type {BYOBReaderImpl} */
  #impl;

  /** @param {any} stream */
  constructor(stream) {
    if (stream === kInternal) {
      const impl = /** @type {BYOBReaderImpl} */ (arguments[1]);
      this.#impl = impl;
      impl.pub = this;
      return;
    }
    const prefix = webidl.constructorPrefix('ReadableStreamBYOBReader');
    webidl.requiredArguments(arguments.length, 1, prefix);
    const s = rsImpl(stream);
    if (s === undefined) throw new TypeError(`${prefix}: parameter 1 is not of type 'ReadableStream'.`);
    const impl = new BYOBReaderImpl();
    SetUpReadableStreamBYOBReader(impl, s);
    impl.pub = this;
    this.#impl = impl;
  }

  get closed() {
    const r = byobReaderImpl(this);
    if (r === undefined) return promiseRejectedWith(new TypeError('Illegal invocation'));
    return r.closedPromise.promise;
  }

  /** @param {any} [reason] */
  cancel(reason = undefined) {
    const r = byobReaderImpl(this);
    if (r === undefined) return promiseRejectedWith(new TypeError('Illegal invocation'));
    if (r.stream === undefined) {
      return promiseRejectedWith(new TypeError('This reader has been released and cannot cancel the stream'));
    }
    return ReadableStreamReaderGenericCancel(r, reason);
  }

  /**
   * @param {ArrayBufferView} view
   * @param {any} [options]
   */
  read(view, options = undefined) {
    const r = byobReaderImpl(this);
    if (r === undefined) return promiseRejectedWith(new TypeError('Illegal invocation'));
    const prefix = webidl.operationPrefix('ReadableStreamBYOBReader', 'read');
    let opts;
    try {
      webidl.requiredArguments(arguments.length, 1, prefix);
      convertView(view, prefix, 'Argument 1');
      opts = ReadableStreamBYOBReaderReadOptions(options, prefix, 'Argument 2');
    } catch (e) {
      return promiseRejectedWith(e);
    }
    if (viewByteLength(view) === 0) return promiseRejectedWith(new TypeError(`${prefix}: The view is empty`));
    const buffer = viewBuffer(view);
    if (arrayBufferByteLength(buffer) === 0) {
      return promiseRejectedWith(new TypeError(`${prefix}: The view's buffer is detached or empty`));
    }
    if (IsDetachedBuffer(buffer)) return promiseRejectedWith(new TypeError(`${prefix}: The view's buffer is detached`));
    const min = opts.min;
    if (min === 0) return promiseRejectedWith(new TypeError(`${prefix}: options.min must be greater than 0`));
    if (isTypedArray(view)) {
      if (min > typedArrayLength(view)) {
        return promiseRejectedWith(new RangeError(`${prefix}: options.min is greater than the view's length`));
      }
    } else if (min > viewByteLength(view)) {
      return promiseRejectedWith(new RangeError(`${prefix}: options.min is greater than the view's byteLength`));
    }
    if (r.stream === undefined) {
      return promiseRejectedWith(new TypeError('This reader has been released and cannot read from the stream'));
    }
    const readIntoRequest = new ReadIntoRequest();
    ReadableStreamBYOBReaderRead(r, view, min, readIntoRequest);
    return readIntoRequest.promise;
  }

  releaseLock() {
    const r = byobReaderImpl(this);
    if (r === undefined) webidl.illegalInvocation();
    if (r.stream === undefined) return;
    ReadableStreamBYOBReaderRelease(r);
  }

  static {
    byobReaderImpl = (v) => (webidl.isObject(v) && #impl in v ? v.#impl : undefined);
    byobReaderCreate = (impl) => new ReadableStreamBYOBReader(/** @type {any} */ (kInternal), /** @type {any} */ (impl));
  }
}
webidl.configureInterface(ReadableStreamBYOBReader, 'ReadableStreamBYOBReader');

/** @param {BYOBReaderImpl} impl */
function byobReaderPublic(impl) {
  return impl.pub !== undefined ? impl.pub : byobReaderCreate(impl);
}

// ---------------------------------------------------------------------------------------------
// Abstract operations.

/**
 * @param {BYOBReaderImpl} reader
 * @param {ArrayBufferView} view
 * @param {number} min
 * @param {any} readIntoRequest
 */
function ReadableStreamBYOBReaderRead(reader, view, min, readIntoRequest) {
  const stream = /** @type {ReadableStreamImpl} */ (reader.stream);
  stream.disturbed = true;
  if (stream.state === 'errored') {
    readIntoRequest.errorSteps(stream.storedError);
  } else {
    ReadableByteStreamControllerPullInto(stream.controller, view, min, readIntoRequest);
  }
}

/**
 * CreateReadableByteStream. Returns the impl.
 * @param {() => any} startAlgorithm
 * @param {() => Promise<any>} pullAlgorithm
 * @param {(reason: any) => Promise<any>} cancelAlgorithm
 * @param {number} [highWaterMark] not in the spec's signature: the runtime's Go-backed sources set it
 */
function CreateReadableByteStream(startAlgorithm, pullAlgorithm, cancelAlgorithm, highWaterMark = 0) {
  const stream = new ReadableStreamImpl();
  S.readableStreamPublic(stream);
  const controller = new ByteControllerImpl();
  SetUpReadableByteStreamController(stream, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm,
    highWaterMark, undefined);
  return stream;
}

/** @param {ByteControllerImpl} controller */
function ReadableByteStreamControllerCallPullIfNeeded(controller) {
  if (!ReadableByteStreamControllerShouldCallPull(controller)) return;
  if (controller.pulling) {
    controller.pullAgain = true;
    return;
  }
  controller.pulling = true;
  const pullPromise = /** @type {() => Promise<any>} */ (controller.pullAlgorithm)();
  uponPromise(pullPromise, controller.onPullFulfilled, controller.onPullRejected);
}

/** @param {ByteControllerImpl} controller */
function ReadableByteStreamControllerClearAlgorithms(controller) {
  controller.pullAlgorithm = undefined;
  controller.cancelAlgorithm = undefined;
}

/** @param {ByteControllerImpl} controller */
function ReadableByteStreamControllerClearPendingPullIntos(controller) {
  ReadableByteStreamControllerInvalidateBYOBRequest(controller);
  controller.pendingPullIntos = new List();
}

/** @param {ByteControllerImpl} controller */
function ReadableByteStreamControllerClose(controller) {
  const stream = controller.stream;
  if (controller.closeRequested || stream.state !== 'readable') return;
  if (controller.queueTotalSize > 0) {
    controller.closeRequested = true;
    return;
  }
  if (controller.pendingPullIntos.length > 0) {
    const firstPendingPullInto = controller.pendingPullIntos.peek();
    if (firstPendingPullInto.bytesFilled % firstPendingPullInto.elementSize !== 0) {
      const e = new TypeError('Insufficient bytes to fill elements in the given buffer');
      ReadableByteStreamControllerError(controller, e);
      throw e;
    }
  }
  ReadableByteStreamControllerClearAlgorithms(controller);
  ReadableStreamClose(stream);
}

/**
 * @param {ReadableStreamImpl} stream
 * @param {PullIntoDescriptor} pullIntoDescriptor
 */
function ReadableByteStreamControllerCommitPullIntoDescriptor(stream, pullIntoDescriptor) {
  let done = false;
  if (stream.state === 'closed') done = true;
  const filledView = ReadableByteStreamControllerConvertPullIntoDescriptor(pullIntoDescriptor);
  if (pullIntoDescriptor.readerType === 'default') {
    ReadableStreamFulfillReadRequest(stream, filledView, done);
  } else {
    ReadableStreamFulfillReadIntoRequest(stream, filledView, done);
  }
}

/** @param {PullIntoDescriptor} pullIntoDescriptor */
function ReadableByteStreamControllerConvertPullIntoDescriptor(pullIntoDescriptor) {
  const bytesFilled = pullIntoDescriptor.bytesFilled;
  const elementSize = pullIntoDescriptor.elementSize;
  const buffer = TransferArrayBuffer(pullIntoDescriptor.buffer);
  const Ctor = /** @type {any} */ (pullIntoDescriptor.viewConstructor);
  return new Ctor(buffer, pullIntoDescriptor.byteOffset, bytesFilled / elementSize);
}

/**
 * @param {ByteControllerImpl} controller
 * @param {ArrayBufferView} chunk
 */
function ReadableByteStreamControllerEnqueue(controller, chunk) {
  const stream = controller.stream;
  if (controller.closeRequested || stream.state !== 'readable') return;
  const buffer = viewBuffer(chunk);
  const byteOffset = viewByteOffset(chunk);
  const byteLength = viewByteLength(chunk);
  if (IsDetachedBuffer(buffer)) throw new TypeError('The chunk\'s buffer is detached');
  const transferredBuffer = TransferArrayBuffer(buffer);
  if (controller.pendingPullIntos.length > 0) {
    const firstPendingPullInto = controller.pendingPullIntos.peek();
    if (IsDetachedBuffer(firstPendingPullInto.buffer)) {
      throw new TypeError('The BYOB request\'s buffer has been detached');
    }
    ReadableByteStreamControllerInvalidateBYOBRequest(controller);
    firstPendingPullInto.buffer = TransferArrayBuffer(firstPendingPullInto.buffer);
    if (firstPendingPullInto.readerType === 'none') {
      ReadableByteStreamControllerEnqueueDetachedPullIntoToQueue(controller, firstPendingPullInto);
    }
  }
  if (ReadableStreamHasDefaultReader(stream)) {
    ReadableByteStreamControllerProcessReadRequestsUsingQueue(controller);
    if (ReadableStreamGetNumReadRequests(stream) === 0) {
      ReadableByteStreamControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset, byteLength);
    } else {
      if (controller.pendingPullIntos.length > 0) ReadableByteStreamControllerShiftPendingPullInto(controller);
      const transferredView = new Uint8Array(transferredBuffer, byteOffset, byteLength);
      ReadableStreamFulfillReadRequest(stream, transferredView, false);
    }
  } else if (ReadableStreamHasBYOBReader(stream)) {
    ReadableByteStreamControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset, byteLength);
    const filledPullIntos = ReadableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(controller);
    commitAll(stream, filledPullIntos);
  } else {
    ReadableByteStreamControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset, byteLength);
  }
  ReadableByteStreamControllerCallPullIfNeeded(controller);
}

/**
 * @param {ReadableStreamImpl} stream
 * @param {List | null} filledPullIntos
 */
function commitAll(stream, filledPullIntos) {
  if (filledPullIntos === null) return;
  while (filledPullIntos.length > 0) {
    ReadableByteStreamControllerCommitPullIntoDescriptor(stream, filledPullIntos.shift());
  }
}

/**
 * @param {ByteControllerImpl} controller
 * @param {ArrayBuffer} buffer
 * @param {number} byteOffset
 * @param {number} byteLength
 */
function ReadableByteStreamControllerEnqueueChunkToQueue(controller, buffer, byteOffset, byteLength) {
  controller.queue.push(new ByteQueueEntry(buffer, byteOffset, byteLength));
  controller.queueTotalSize += byteLength;
}

/**
 * @param {ByteControllerImpl} controller
 * @param {ArrayBuffer} buffer
 * @param {number} byteOffset
 * @param {number} byteLength
 */
function ReadableByteStreamControllerEnqueueClonedChunkToQueue(controller, buffer, byteOffset, byteLength) {
  let cloneResult;
  try {
    cloneResult = CloneArrayBuffer(buffer, byteOffset, byteLength);
  } catch (e) {
    ReadableByteStreamControllerError(controller, e);
    throw e;
  }
  ReadableByteStreamControllerEnqueueChunkToQueue(controller, cloneResult, 0, byteLength);
}

/**
 * @param {ByteControllerImpl} controller
 * @param {PullIntoDescriptor} pullIntoDescriptor
 */
function ReadableByteStreamControllerEnqueueDetachedPullIntoToQueue(controller, pullIntoDescriptor) {
  if (pullIntoDescriptor.bytesFilled > 0) {
    ReadableByteStreamControllerEnqueueClonedChunkToQueue(controller, pullIntoDescriptor.buffer,
      pullIntoDescriptor.byteOffset, pullIntoDescriptor.bytesFilled);
  }
  ReadableByteStreamControllerShiftPendingPullInto(controller);
}

/**
 * @param {ByteControllerImpl} controller
 * @param {any} e
 */
function ReadableByteStreamControllerError(controller, e) {
  const stream = controller.stream;
  if (stream.state !== 'readable') return;
  ReadableByteStreamControllerClearPendingPullIntos(controller);
  ResetQueue(controller);
  ReadableByteStreamControllerClearAlgorithms(controller);
  ReadableStreamError(stream, e);
}

/**
 * @param {ByteControllerImpl} controller
 * @param {number} size
 * @param {PullIntoDescriptor} pullIntoDescriptor
 */
function ReadableByteStreamControllerFillHeadPullIntoDescriptor(controller, size, pullIntoDescriptor) {
  pullIntoDescriptor.bytesFilled += size;
}

/**
 * @param {ByteControllerImpl} controller
 * @param {PullIntoDescriptor} pullIntoDescriptor
 */
function ReadableByteStreamControllerFillPullIntoDescriptorFromQueue(controller, pullIntoDescriptor) {
  const maxBytesToCopy = MathMin(controller.queueTotalSize,
    pullIntoDescriptor.byteLength - pullIntoDescriptor.bytesFilled);
  const maxBytesFilled = pullIntoDescriptor.bytesFilled + maxBytesToCopy;
  let totalBytesToCopyRemaining = maxBytesToCopy;
  let ready = false;
  const remainderBytes = maxBytesFilled % pullIntoDescriptor.elementSize;
  const maxAlignedBytes = maxBytesFilled - remainderBytes;
  if (maxAlignedBytes >= pullIntoDescriptor.minimumFill) {
    totalBytesToCopyRemaining = maxAlignedBytes - pullIntoDescriptor.bytesFilled;
    ready = true;
  }
  const queue = controller.queue;
  while (totalBytesToCopyRemaining > 0) {
    const headOfQueue = /** @type {ByteQueueEntry} */ (queue.peek());
    const bytesToCopy = MathMin(totalBytesToCopyRemaining, headOfQueue.byteLength);
    const destStart = pullIntoDescriptor.byteOffset + pullIntoDescriptor.bytesFilled;
    CopyDataBlockBytes(pullIntoDescriptor.buffer, destStart, headOfQueue.buffer, headOfQueue.byteOffset, bytesToCopy);
    if (headOfQueue.byteLength === bytesToCopy) {
      queue.shift();
    } else {
      headOfQueue.byteOffset += bytesToCopy;
      headOfQueue.byteLength -= bytesToCopy;
    }
    controller.queueTotalSize -= bytesToCopy;
    ReadableByteStreamControllerFillHeadPullIntoDescriptor(controller, bytesToCopy, pullIntoDescriptor);
    totalBytesToCopyRemaining -= bytesToCopy;
  }
  return ready;
}

/**
 * @param {ByteControllerImpl} controller
 * @param {any} readRequest
 */
function ReadableByteStreamControllerFillReadRequestFromQueue(controller, readRequest) {
  const entry = /** @type {ByteQueueEntry} */ (controller.queue.shift());
  controller.queueTotalSize -= entry.byteLength;
  ReadableByteStreamControllerHandleQueueDrain(controller);
  const view = new Uint8Array(entry.buffer, entry.byteOffset, entry.byteLength);
  readRequest.chunkSteps(view);
}

/**
 * @param {ByteControllerImpl} controller
 * @returns {BYOBRequestImpl | null}
 */
function ReadableByteStreamControllerGetBYOBRequest(controller) {
  if (controller.byobRequest === null && controller.pendingPullIntos.length > 0) {
    const firstDescriptor = /** @type {PullIntoDescriptor} */ (controller.pendingPullIntos.peek());
    const view = new Uint8Array(firstDescriptor.buffer,
      firstDescriptor.byteOffset + firstDescriptor.bytesFilled,
      firstDescriptor.byteLength - firstDescriptor.bytesFilled);
    controller.byobRequest = new BYOBRequestImpl(controller, view);
  }
  return controller.byobRequest;
}

/** @param {ByteControllerImpl} controller */
function ReadableByteStreamControllerGetDesiredSize(controller) {
  const state = controller.stream.state;
  if (state === 'errored') return null;
  if (state === 'closed') return 0;
  return controller.strategyHWM - controller.queueTotalSize;
}

/** @param {ByteControllerImpl} controller */
function ReadableByteStreamControllerHandleQueueDrain(controller) {
  if (controller.queueTotalSize === 0 && controller.closeRequested) {
    ReadableByteStreamControllerClearAlgorithms(controller);
    ReadableStreamClose(controller.stream);
  } else {
    ReadableByteStreamControllerCallPullIfNeeded(controller);
  }
}

/** @param {ByteControllerImpl} controller */
function ReadableByteStreamControllerInvalidateBYOBRequest(controller) {
  const request = controller.byobRequest;
  if (request === null) return;
  request.controller = undefined;
  request.view = null;
  controller.byobRequest = null;
}

/**
 * @param {ByteControllerImpl} controller
 * @returns {List | null} the filled pull-into descriptors (null for none)
 */
function ReadableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(controller) {
  /** @type {List | null} */
  let filledPullIntos = null;
  while (controller.pendingPullIntos.length > 0) {
    if (controller.queueTotalSize === 0) break;
    const pullIntoDescriptor = /** @type {PullIntoDescriptor} */ (controller.pendingPullIntos.peek());
    if (ReadableByteStreamControllerFillPullIntoDescriptorFromQueue(controller, pullIntoDescriptor)) {
      ReadableByteStreamControllerShiftPendingPullInto(controller);
      if (filledPullIntos === null) filledPullIntos = new List();
      filledPullIntos.push(pullIntoDescriptor);
    }
  }
  return filledPullIntos;
}

/** @param {ByteControllerImpl} controller */
function ReadableByteStreamControllerProcessReadRequestsUsingQueue(controller) {
  const reader = controller.stream.reader;
  while (reader.readRequests.length > 0) {
    if (controller.queueTotalSize === 0) return;
    const readRequest = reader.readRequests.shift();
    ReadableByteStreamControllerFillReadRequestFromQueue(controller, readRequest);
  }
}

/**
 * @param {ByteControllerImpl} controller
 * @param {ArrayBufferView} view
 * @param {number} min
 * @param {any} readIntoRequest
 */
function ReadableByteStreamControllerPullInto(controller, view, min, readIntoRequest) {
  const stream = controller.stream;
  const kind = viewKind(view);
  const elementSize = kind[1];
  const ctor = kind[0];
  const minimumFill = min * elementSize;
  const byteOffset = viewByteOffset(view);
  const byteLength = viewByteLength(view);
  let buffer;
  try {
    buffer = TransferArrayBuffer(viewBuffer(view));
  } catch (e) {
    readIntoRequest.errorSteps(e);
    return;
  }
  const pullIntoDescriptor = new PullIntoDescriptor(buffer, arrayBufferByteLength(buffer), byteOffset,
    byteLength, minimumFill, elementSize, ctor, 'byob');
  if (controller.pendingPullIntos.length > 0) {
    controller.pendingPullIntos.push(pullIntoDescriptor);
    ReadableStreamAddReadIntoRequest(stream, readIntoRequest);
    return;
  }
  if (stream.state === 'closed') {
    const emptyView = new /** @type {any} */ (ctor)(pullIntoDescriptor.buffer, pullIntoDescriptor.byteOffset, 0);
    readIntoRequest.closeSteps(emptyView);
    return;
  }
  if (controller.queueTotalSize > 0) {
    if (ReadableByteStreamControllerFillPullIntoDescriptorFromQueue(controller, pullIntoDescriptor)) {
      const filledView = ReadableByteStreamControllerConvertPullIntoDescriptor(pullIntoDescriptor);
      ReadableByteStreamControllerHandleQueueDrain(controller);
      readIntoRequest.chunkSteps(filledView);
      return;
    }
    if (controller.closeRequested) {
      const e = new TypeError('Insufficient bytes to fill elements in the given buffer');
      ReadableByteStreamControllerError(controller, e);
      readIntoRequest.errorSteps(e);
      return;
    }
  }
  controller.pendingPullIntos.push(pullIntoDescriptor);
  ReadableStreamAddReadIntoRequest(stream, readIntoRequest);
  ReadableByteStreamControllerCallPullIfNeeded(controller);
}

/**
 * @param {ByteControllerImpl} controller
 * @param {number} bytesWritten
 */
function ReadableByteStreamControllerRespond(controller, bytesWritten) {
  const firstDescriptor = /** @type {PullIntoDescriptor} */ (controller.pendingPullIntos.peek());
  const state = controller.stream.state;
  if (state === 'closed') {
    if (bytesWritten !== 0) {
      throw new TypeError('bytesWritten must be 0 when calling respond() on a closed stream');
    }
  } else {
    if (bytesWritten === 0) {
      throw new TypeError('bytesWritten must be greater than 0 when calling respond() on a readable stream');
    }
    if (firstDescriptor.bytesFilled + bytesWritten > firstDescriptor.byteLength) {
      throw new RangeError('bytesWritten out of range');
    }
  }
  firstDescriptor.buffer = TransferArrayBuffer(firstDescriptor.buffer);
  ReadableByteStreamControllerRespondInternal(controller, bytesWritten);
}

/**
 * @param {ByteControllerImpl} controller
 * @param {PullIntoDescriptor} firstDescriptor
 */
function ReadableByteStreamControllerRespondInClosedState(controller, firstDescriptor) {
  if (firstDescriptor.readerType === 'none') ReadableByteStreamControllerShiftPendingPullInto(controller);
  const stream = controller.stream;
  if (ReadableStreamHasBYOBReader(stream)) {
    const filledPullIntos = new List();
    while (filledPullIntos.length < ReadableStreamGetNumReadIntoRequests(stream)) {
      filledPullIntos.push(ReadableByteStreamControllerShiftPendingPullInto(controller));
    }
    commitAll(stream, filledPullIntos);
  }
}

/**
 * @param {ByteControllerImpl} controller
 * @param {number} bytesWritten
 * @param {PullIntoDescriptor} pullIntoDescriptor
 */
function ReadableByteStreamControllerRespondInReadableState(controller, bytesWritten, pullIntoDescriptor) {
  ReadableByteStreamControllerFillHeadPullIntoDescriptor(controller, bytesWritten, pullIntoDescriptor);
  const stream = controller.stream;
  if (pullIntoDescriptor.readerType === 'none') {
    ReadableByteStreamControllerEnqueueDetachedPullIntoToQueue(controller, pullIntoDescriptor);
    commitAll(stream, ReadableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(controller));
    return;
  }
  if (pullIntoDescriptor.bytesFilled < pullIntoDescriptor.minimumFill) return;
  ReadableByteStreamControllerShiftPendingPullInto(controller);
  const remainderSize = pullIntoDescriptor.bytesFilled % pullIntoDescriptor.elementSize;
  if (remainderSize > 0) {
    const end = pullIntoDescriptor.byteOffset + pullIntoDescriptor.bytesFilled;
    ReadableByteStreamControllerEnqueueClonedChunkToQueue(controller, pullIntoDescriptor.buffer,
      end - remainderSize, remainderSize);
  }
  pullIntoDescriptor.bytesFilled -= remainderSize;
  const filledPullIntos = ReadableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(controller);
  ReadableByteStreamControllerCommitPullIntoDescriptor(stream, pullIntoDescriptor);
  commitAll(stream, filledPullIntos);
}

/**
 * @param {ByteControllerImpl} controller
 * @param {number} bytesWritten
 */
function ReadableByteStreamControllerRespondInternal(controller, bytesWritten) {
  const firstDescriptor = /** @type {PullIntoDescriptor} */ (controller.pendingPullIntos.peek());
  ReadableByteStreamControllerInvalidateBYOBRequest(controller);
  const state = controller.stream.state;
  if (state === 'closed') {
    ReadableByteStreamControllerRespondInClosedState(controller, firstDescriptor);
  } else {
    ReadableByteStreamControllerRespondInReadableState(controller, bytesWritten, firstDescriptor);
  }
  ReadableByteStreamControllerCallPullIfNeeded(controller);
}

/**
 * @param {ByteControllerImpl} controller
 * @param {ArrayBufferView} view
 */
function ReadableByteStreamControllerRespondWithNewView(controller, view) {
  const firstDescriptor = /** @type {PullIntoDescriptor} */ (controller.pendingPullIntos.peek());
  const state = controller.stream.state;
  const byteLength = viewByteLength(view);
  if (state === 'closed') {
    if (byteLength !== 0) {
      throw new TypeError('The view\'s length must be 0 when calling respondWithNewView() on a closed stream');
    }
  } else if (byteLength === 0) {
    throw new TypeError('The view\'s length must be greater than 0 when calling respondWithNewView() on a readable stream');
  }
  if (firstDescriptor.byteOffset + firstDescriptor.bytesFilled !== viewByteOffset(view)) {
    throw new RangeError('The region specified by view does not match byobRequest');
  }
  const buffer = viewBuffer(view);
  if (firstDescriptor.bufferByteLength !== arrayBufferByteLength(buffer)) {
    throw new RangeError('The buffer of view has different capacity than byobRequest');
  }
  if (firstDescriptor.bytesFilled + byteLength > firstDescriptor.byteLength) {
    throw new RangeError('The region specified by view is larger than byobRequest');
  }
  firstDescriptor.buffer = TransferArrayBuffer(buffer);
  ReadableByteStreamControllerRespondInternal(controller, byteLength);
}

/** @param {ByteControllerImpl} controller */
function ReadableByteStreamControllerShiftPendingPullInto(controller) {
  return /** @type {PullIntoDescriptor} */ (controller.pendingPullIntos.shift());
}

/** @param {ByteControllerImpl} controller */
function ReadableByteStreamControllerShouldCallPull(controller) {
  const stream = controller.stream;
  if (stream.state !== 'readable') return false;
  if (controller.closeRequested) return false;
  if (!controller.started) return false;
  const reader = stream.reader;
  if (reader !== undefined) {
    if (!reader.byob) {
      if (reader.readRequests.length > 0) return true;
    } else if (reader.readIntoRequests.length > 0) {
      return true;
    }
  }
  return /** @type {number} */ (ReadableByteStreamControllerGetDesiredSize(controller)) > 0;
}

/**
 * @param {ReadableStreamImpl} stream
 * @param {ByteControllerImpl} controller
 * @param {() => any} startAlgorithm
 * @param {() => Promise<any>} pullAlgorithm
 * @param {(reason: any) => Promise<any>} cancelAlgorithm
 * @param {number} highWaterMark
 * @param {number | undefined} autoAllocateChunkSize
 */
function SetUpReadableByteStreamController(stream, controller, startAlgorithm, pullAlgorithm,
  cancelAlgorithm, highWaterMark, autoAllocateChunkSize) {
  controller.stream = stream;
  controller.pullAgain = false;
  controller.pulling = false;
  controller.byobRequest = null;
  ResetQueue(controller);
  controller.closeRequested = false;
  controller.started = false;
  controller.strategyHWM = highWaterMark;
  controller.pullAlgorithm = pullAlgorithm;
  controller.cancelAlgorithm = cancelAlgorithm;
  controller.autoAllocateChunkSize = autoAllocateChunkSize;
  controller.pendingPullIntos = new List();
  stream.controller = controller;
  const startResult = startAlgorithm();
  uponPromise(promiseResolvedWith(startResult), () => {
    controller.started = true;
    ReadableByteStreamControllerCallPullIfNeeded(controller);
  }, (r) => {
    ReadableByteStreamControllerError(controller, r);
  });
}

/**
 * @param {ReadableStreamImpl} stream
 * @param {any} underlyingSource
 * @param {Record<string, any>} sourceDict
 * @param {number} highWaterMark
 */
function SetUpReadableByteStreamControllerFromUnderlyingSource(stream, underlyingSource, sourceDict, highWaterMark) {
  const controller = new ByteControllerImpl();
  const pub = new ReadableByteStreamController(/** @type {any} */ (kInternal), /** @type {any} */ (controller));
  controller.pub = pub;
  /** @type {() => any} */
  let startAlgorithm = returnUndefined;
  /** @type {() => Promise<any>} */
  let pullAlgorithm = promiseResolvedUndefined;
  /** @type {(reason: any) => Promise<any>} */
  let cancelAlgorithm = promiseResolvedUndefined;
  const start = sourceDict.start;
  if (start !== undefined) startAlgorithm = () => FunctionPrototypeCall(start, underlyingSource, pub);
  const pull = sourceDict.pull;
  if (pull !== undefined) pullAlgorithm = () => invokePromiseCallback(pull, underlyingSource, pub);
  const cancel = sourceDict.cancel;
  if (cancel !== undefined) cancelAlgorithm = (reason) => invokePromiseCallback(cancel, underlyingSource, reason);
  const autoAllocateChunkSize = sourceDict.autoAllocateChunkSize;
  if (autoAllocateChunkSize === 0) {
    throw new TypeError(`${webidl.constructorPrefix('ReadableStream')}: autoAllocateChunkSize must be greater than 0`);
  }
  SetUpReadableByteStreamController(stream, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm,
    highWaterMark, autoAllocateChunkSize);
}

// ---------------------------------------------------------------------------------------------

S.ReadableByteStreamController = ReadableByteStreamController;
S.ReadableStreamBYOBRequest = ReadableStreamBYOBRequest;
S.ReadableStreamBYOBReader = ReadableStreamBYOBReader;
S.ByteControllerImpl = ByteControllerImpl;
S.byobReaderPublic = byobReaderPublic;
S.checkCanEnqueue = checkCanEnqueue;
S.convertView = convertView;
S.CreateReadableByteStream = CreateReadableByteStream;
S.ReadableStreamBYOBReaderRead = ReadableStreamBYOBReaderRead;
S.ReadableByteStreamControllerClose = ReadableByteStreamControllerClose;
S.ReadableByteStreamControllerEnqueue = ReadableByteStreamControllerEnqueue;
S.ReadableByteStreamControllerError = ReadableByteStreamControllerError;
S.ReadableByteStreamControllerGetBYOBRequest = ReadableByteStreamControllerGetBYOBRequest;
S.ReadableByteStreamControllerGetDesiredSize = ReadableByteStreamControllerGetDesiredSize;
S.ReadableByteStreamControllerRespond = ReadableByteStreamControllerRespond;
S.ReadableByteStreamControllerRespondWithNewView = ReadableByteStreamControllerRespondWithNewView;
S.SetUpReadableByteStreamController = SetUpReadableByteStreamController;
S.SetUpReadableByteStreamControllerFromUnderlyingSource = SetUpReadableByteStreamControllerFromUnderlyingSource;

rt.internal.ReadableByteStreamController = ReadableByteStreamController;
rt.internal.ReadableStreamBYOBRequest = ReadableStreamBYOBRequest;
rt.internal.ReadableStreamBYOBReader = ReadableStreamBYOBReader;
rt.expose('ReadableByteStreamController', ReadableByteStreamController);
rt.expose('ReadableStreamBYOBRequest', ReadableStreamBYOBRequest);
rt.expose('ReadableStreamBYOBReader', ReadableStreamBYOBReader);
