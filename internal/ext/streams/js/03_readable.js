// @ts-check
// ReadableStream, ReadableStreamDefaultReader and ReadableStreamDefaultController
// (https://streams.spec.whatwg.org/#rs). Byte streams (ReadableByteStreamController, the BYOB
// reader and request) are in 04_readable_byte.js; async iteration and ReadableStream.from in
// 04_readable_iter.js; tee, pipeTo and the runtime's hooks in 04_readable_pipe.js. As in
// 02_writable.js, the spec's internal slots live on impl objects only the runtime can reach, and
// the abstract operations are named as in the spec and take impls. The operations defined in the later files are reached
// through rt.internal.streamsShared (S) when called, so the files may refer to each other.

const {
  FunctionPrototypeCall,
  ObjectDefineProperty,
  RangeError,
  SymbolAsyncIterator,
  TypeError,
} = rt.primordials;
const S = rt.internal.streamsShared;
const {
  webidl,
  converters,
  Deferred,
  resolvedDeferred,
  rejectedDeferred,
  returnUndefined,
  promiseResolvedWith,
  promiseRejectedWith,
  promiseResolvedUndefined,
  uponPromise,
  transformPromise,
  setPromiseIsHandled,
  List,
  DequeueValue,
  EnqueueValueWithSize,
  ResetQueue,
  QueuingStrategy,
  ExtractHighWaterMark,
  ExtractSizeAlgorithm,
  invokePromiseCallback,
  kInternal,
} = S;

const ReadableStreamType = webidl.createEnumConverter('ReadableStreamType', ['bytes']);
const ReadableStreamReaderMode = webidl.createEnumConverter('ReadableStreamReaderMode', ['byob']);

const UnderlyingSource = webidl.createDictionaryConverter('UnderlyingSource', [
  { key: 'autoAllocateChunkSize', converter: converters['unsigned long long'], opts: { enforceRange: true } },
  { key: 'cancel', converter: converters.Function },
  { key: 'pull', converter: converters.Function },
  { key: 'start', converter: converters.Function },
  { key: 'type', converter: ReadableStreamType },
]);

const ReadableStreamGetReaderOptions = webidl.createDictionaryConverter('ReadableStreamGetReaderOptions', [
  { key: 'mode', converter: ReadableStreamReaderMode },
]);

const ReadableStreamIteratorOptions = webidl.createDictionaryConverter('ReadableStreamIteratorOptions', [
  { key: 'preventCancel', converter: converters.boolean, defaultValue: false },
]);

const StreamPipeOptions = webidl.createDictionaryConverter('StreamPipeOptions', [
  { key: 'preventAbort', converter: converters.boolean, defaultValue: false },
  { key: 'preventCancel', converter: converters.boolean, defaultValue: false },
  { key: 'preventClose', converter: converters.boolean, defaultValue: false },
  { key: 'signal', converter: webidl.createInterfaceConverter('AbortSignal', S.isAbortSignal) },
]);

function sizeOne() {
  return 1;
}

// ---------------------------------------------------------------------------------------------
// Impl objects (the spec's internal slots).

class ReadableStreamImpl {
  constructor() {
    /** @type {ReadableStream | undefined} */
    this.pub = undefined;
    // InitializeReadableStream
    /** @type {'readable' | 'closed' | 'errored'} */
    this.state = 'readable';
    /** @type {DefaultReaderImpl | BYOBReaderImpl | undefined} */
    this.reader = undefined;
    /** @type {any} */
    this.storedError = undefined;
    this.disturbed = false;
    /** @type {any} a DefaultControllerImpl or (04_readable_byte.js) a ByteControllerImpl */
    this.controller = undefined;
  }
}

/**
 * A read request (https://streams.spec.whatwg.org/#read-request): any object with chunkSteps,
 * closeSteps and errorSteps methods.
 * @typedef {{ chunkSteps(chunk: any): void, closeSteps(): void, errorSteps(e: any): void }} ReadRequestLike
 */

/**
 * A read-into request: closeSteps takes the (empty) filled view or undefined.
 * @typedef {{ chunkSteps(chunk: any): void, closeSteps(chunk: any): void, errorSteps(e: any): void }} ReadIntoRequestLike
 */

class DefaultReaderImpl {
  constructor() {
    /** @type {ReadableStreamDefaultReader | undefined} */
    this.pub = undefined;
    /** @type {ReadableStreamImpl | undefined} */
    this.stream = undefined;
    /** @type {Deferred} */
    this.closedPromise = /** @type {any} */ (undefined);
    this.readRequests = new List();
  }
}
/** @type {boolean} */
DefaultReaderImpl.prototype.byob = false;

class BYOBReaderImpl {
  constructor() {
    /** @type {any} the public ReadableStreamBYOBReader */
    this.pub = undefined;
    /** @type {ReadableStreamImpl | undefined} */
    this.stream = undefined;
    /** @type {Deferred} */
    this.closedPromise = /** @type {any} */ (undefined);
    this.readIntoRequests = new List();
  }
}
/** @type {boolean} */
BYOBReaderImpl.prototype.byob = true;

class DefaultControllerImpl {
  constructor() {
    /** @type {ReadableStreamDefaultController | undefined} */
    this.pub = undefined;
    /** @type {ReadableStreamImpl} */
    this.stream = /** @type {any} */ (undefined);
    this.queue = new List();
    this.queueTotalSize = 0;
    this.started = false;
    this.closeRequested = false;
    this.pullAgain = false;
    this.pulling = false;
    /** @type {((chunk: any) => number) | undefined} */
    this.strategySizeAlgorithm = undefined;
    this.strategyHWM = 1;
    /** @type {(() => Promise<any>) | undefined} */
    this.pullAlgorithm = undefined;
    /** @type {((reason: any) => Promise<any>) | undefined} */
    this.cancelAlgorithm = undefined;
    // Reactions made once per controller, so a pull allocates no closure.
    this.onPullFulfilled = () => {
      this.pulling = false;
      if (this.pullAgain) {
        this.pullAgain = false;
        ReadableStreamDefaultControllerCallPullIfNeeded(this);
      }
    };
    this.onPullRejected = (/** @type {any} */ e) => {
      ReadableStreamDefaultControllerError(this, e);
    };
  }

  /** [[CancelSteps]] @param {any} reason */
  cancelSteps(reason) {
    ResetQueue(this);
    const result = /** @type {(reason: any) => Promise<any>} */ (this.cancelAlgorithm)(reason);
    ReadableStreamDefaultControllerClearAlgorithms(this);
    return result;
  }

  /** [[PullSteps]] @param {ReadRequestLike} readRequest */
  pullSteps(readRequest) {
    const stream = this.stream;
    if (this.queue.length > 0) {
      const chunk = DequeueValue(this);
      if (this.closeRequested && this.queue.length === 0) {
        ReadableStreamDefaultControllerClearAlgorithms(this);
        ReadableStreamClose(stream);
      } else {
        ReadableStreamDefaultControllerCallPullIfNeeded(this);
      }
      readRequest.chunkSteps(chunk);
    } else {
      ReadableStreamAddReadRequest(stream, readRequest);
      ReadableStreamDefaultControllerCallPullIfNeeded(this);
    }
  }

  /** [[ReleaseSteps]] */
  releaseSteps() {}
}
/** @type {boolean} */
DefaultControllerImpl.prototype.isByte = false;

// ---------------------------------------------------------------------------------------------
// Read requests the runtime makes.

/** The read request of ReadableStreamDefaultReader.read(): a promise of an iterator result. */
class ReadRequest extends Deferred {
  /** @param {any} chunk */
  chunkSteps(chunk) {
    this.res({ value: chunk, done: false });
  }

  closeSteps() {
    this.res({ value: undefined, done: true });
  }

  /** @param {any} e */
  errorSteps(e) {
    this.rej(e);
  }
}

// ---------------------------------------------------------------------------------------------
// Public interfaces.

/** @type {(v: any) => ReadableStreamImpl | undefined} */
let rsImpl;
/** @type {(impl: ReadableStreamImpl) => ReadableStream} */
let rsCreate;

class ReadableStream {
  /** @type {ReadableStreamImpl} */
  #impl;

  /**
   * @param {any} [underlyingSource]
   * @param {any} [strategy]
   */
  constructor(underlyingSource = undefined, strategy = undefined) {
    if (underlyingSource === kInternal) {
      this.#impl = strategy;
      strategy.pub = this;
      return;
    }
    const prefix = webidl.constructorPrefix('ReadableStream');
    if (underlyingSource !== undefined) converters.object(underlyingSource, prefix, 'Argument 1');
    const strategyDict = QueuingStrategy(strategy, prefix, 'Argument 2');
    if (underlyingSource === undefined) underlyingSource = null;
    const sourceDict = UnderlyingSource(underlyingSource, prefix, 'Argument 1');
    const impl = new ReadableStreamImpl();
    impl.pub = this;
    this.#impl = impl;
    if (sourceDict.type === 'bytes') {
      if (strategyDict.size !== undefined) {
        throw new RangeError(`${prefix}: The strategy for a byte stream cannot have a size function`);
      }
      const highWaterMark = ExtractHighWaterMark(strategyDict, 0);
      S.SetUpReadableByteStreamControllerFromUnderlyingSource(impl, underlyingSource, sourceDict, highWaterMark);
    } else {
      const sizeAlgorithm = ExtractSizeAlgorithm(strategyDict);
      const highWaterMark = ExtractHighWaterMark(strategyDict, 1);
      SetUpReadableStreamDefaultControllerFromUnderlyingSource(impl, underlyingSource, sourceDict,
        highWaterMark, sizeAlgorithm);
    }
  }

  /** @param {any} asyncIterable */
  static from(asyncIterable) {
    webidl.requiredArguments(arguments.length, 1, webidl.operationPrefix('ReadableStream', 'from'));
    return readableStreamPublic(S.ReadableStreamFromIterable(asyncIterable));
  }

  get locked() {
    const s = rsImpl(this);
    if (s === undefined) webidl.illegalInvocation();
    return IsReadableStreamLocked(s);
  }

  /** @param {any} [reason] */
  cancel(reason = undefined) {
    const s = rsImpl(this);
    if (s === undefined) return promiseRejectedWith(new TypeError('Illegal invocation'));
    if (IsReadableStreamLocked(s)) {
      return promiseRejectedWith(new TypeError("Failed to execute 'cancel' on 'ReadableStream': Cannot cancel a locked stream"));
    }
    return ReadableStreamCancel(s, reason);
  }

  /** @param {any} [options] */
  getReader(options = undefined) {
    const s = rsImpl(this);
    if (s === undefined) webidl.illegalInvocation();
    const opts = ReadableStreamGetReaderOptions(options, webidl.operationPrefix('ReadableStream', 'getReader'), 'Argument 1');
    if (opts.mode === undefined) return readerPublic(AcquireReadableStreamDefaultReader(s));
    return S.byobReaderPublic(AcquireReadableStreamBYOBReader(s));
  }

  /**
   * @param {any} transform
   * @param {any} [options]
   */
  pipeThrough(transform, options = undefined) {
    const s = rsImpl(this);
    if (s === undefined) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('ReadableStream', 'pipeThrough');
    webidl.requiredArguments(arguments.length, 1, prefix);
    const pair = ReadableWritablePair(transform, prefix, 'Argument 1');
    const opts = StreamPipeOptions(options, prefix, 'Argument 2');
    if (IsReadableStreamLocked(s)) throw new TypeError(`${prefix}: The ReadableStream is locked`);
    const dest = /** @type {any} */ (S.wsImpl(pair.writable));
    if (S.IsWritableStreamLocked(dest)) throw new TypeError(`${prefix}: The WritableStream is locked`);
    const promise = S.ReadableStreamPipeTo(s, dest, opts.preventClose, opts.preventAbort,
      opts.preventCancel, opts.signal);
    setPromiseIsHandled(promise);
    return pair.readable;
  }

  /**
   * @param {any} destination
   * @param {any} [options]
   */
  pipeTo(destination, options = undefined) {
    const s = rsImpl(this);
    if (s === undefined) return promiseRejectedWith(new TypeError('Illegal invocation'));
    const prefix = webidl.operationPrefix('ReadableStream', 'pipeTo');
    let dest;
    let opts;
    try {
      webidl.requiredArguments(arguments.length, 1, prefix);
      dest = S.wsImpl(destination);
      if (dest === undefined) throw new TypeError(`${prefix}: parameter 1 is not of type 'WritableStream'.`);
      opts = StreamPipeOptions(options, prefix, 'Argument 2');
    } catch (e) {
      return promiseRejectedWith(e);
    }
    if (IsReadableStreamLocked(s)) {
      return promiseRejectedWith(new TypeError(`${prefix}: The ReadableStream is locked`));
    }
    if (S.IsWritableStreamLocked(dest)) {
      return promiseRejectedWith(new TypeError(`${prefix}: The WritableStream is locked`));
    }
    return S.ReadableStreamPipeTo(s, dest, opts.preventClose, opts.preventAbort, opts.preventCancel, opts.signal);
  }

  tee() {
    const s = rsImpl(this);
    if (s === undefined) webidl.illegalInvocation();
    const branches = S.ReadableStreamTee(s, false);
    return [readableStreamPublic(branches[0]), readableStreamPublic(branches[1])];
  }

  /** @param {any} [options] */
  values(options = undefined) {
    const s = rsImpl(this);
    if (s === undefined) webidl.illegalInvocation();
    const opts = ReadableStreamIteratorOptions(options, webidl.operationPrefix('ReadableStream', 'values'), 'Argument 1');
    const reader = AcquireReadableStreamDefaultReader(s);
    return S.createAsyncIterator(reader, opts.preventCancel);
  }

  static {
    rsImpl = (v) => (webidl.isObject(v) && #impl in v ? v.#impl : undefined);
    rsCreate = (impl) => new ReadableStream(kInternal, impl);
  }
}
webidl.configureInterface(ReadableStream, 'ReadableStream');
ObjectDefineProperty(ReadableStream.prototype, SymbolAsyncIterator, {
  __proto__: null,
  value: ReadableStream.prototype.values,
  writable: true,
  enumerable: false,
  configurable: true,
});

const ReadableWritablePair = webidl.createDictionaryConverter('ReadableWritablePair', [
  { key: 'readable', converter: webidl.createInterfaceConverter('ReadableStream', (v) => rsImpl(v) !== undefined), required: true },
  { key: 'writable', converter: webidl.createInterfaceConverter('WritableStream', (v) => S.wsImpl(v) !== undefined), required: true },
]);

/** @param {ReadableStreamImpl} stream */
function readableStreamPublic(stream) {
  return stream.pub !== undefined ? stream.pub : rsCreate(stream);
}

/** @type {(v: any) => DefaultReaderImpl | undefined} */
let defaultReaderImpl;
/** @type {(impl: DefaultReaderImpl) => ReadableStreamDefaultReader} */
let defaultReaderCreate;

class ReadableStreamDefaultReader {
  /** @type {DefaultReaderImpl} */
  #impl;

  /** @param {ReadableStream} stream */
  constructor(stream) {
    if (stream === kInternal) {
      const impl = /** @type {DefaultReaderImpl} */ (arguments[1]);
      this.#impl = impl;
      impl.pub = this;
      return;
    }
    const prefix = webidl.constructorPrefix('ReadableStreamDefaultReader');
    webidl.requiredArguments(arguments.length, 1, prefix);
    const s = rsImpl(stream);
    if (s === undefined) throw new TypeError(`${prefix}: parameter 1 is not of type 'ReadableStream'.`);
    const impl = new DefaultReaderImpl();
    SetUpReadableStreamDefaultReader(impl, s);
    impl.pub = this;
    this.#impl = impl;
  }

  get closed() {
    const r = defaultReaderImpl(this);
    if (r === undefined) return promiseRejectedWith(new TypeError('Illegal invocation'));
    return r.closedPromise.promise;
  }

  /** @param {any} [reason] */
  cancel(reason = undefined) {
    const r = defaultReaderImpl(this);
    if (r === undefined) return promiseRejectedWith(new TypeError('Illegal invocation'));
    if (r.stream === undefined) return promiseRejectedWith(readerReleasedError('cancel'));
    return ReadableStreamReaderGenericCancel(r, reason);
  }

  read() {
    const r = defaultReaderImpl(this);
    if (r === undefined) return promiseRejectedWith(new TypeError('Illegal invocation'));
    if (r.stream === undefined) return promiseRejectedWith(readerReleasedError('read from'));
    const readRequest = new ReadRequest();
    ReadableStreamDefaultReaderRead(r, readRequest);
    return readRequest.promise;
  }

  releaseLock() {
    const r = defaultReaderImpl(this);
    if (r === undefined) webidl.illegalInvocation();
    if (r.stream === undefined) return;
    ReadableStreamDefaultReaderRelease(r);
  }

  static {
    defaultReaderImpl = (v) => (webidl.isObject(v) && #impl in v ? v.#impl : undefined);
    defaultReaderCreate = (impl) => new ReadableStreamDefaultReader(/** @type {any} */ (kInternal), /** @type {any} */ (impl));
  }
}
webidl.configureInterface(ReadableStreamDefaultReader, 'ReadableStreamDefaultReader');

/** @param {string} what */
function readerReleasedError(what) {
  return new TypeError(`This reader has been released and cannot ${what} the stream`);
}

/** @param {DefaultReaderImpl} impl */
function readerPublic(impl) {
  return impl.pub !== undefined ? impl.pub : defaultReaderCreate(impl);
}

/** @type {(v: any) => DefaultControllerImpl | undefined} */
let defaultControllerImpl;

class ReadableStreamDefaultController {
  /** @type {DefaultControllerImpl} */
  #impl;

  constructor(key = undefined, impl = undefined) {
    if (key !== kInternal) webidl.illegalConstructor();
    this.#impl = /** @type {DefaultControllerImpl} */ (impl);
  }

  get desiredSize() {
    const c = defaultControllerImpl(this);
    if (c === undefined) webidl.illegalInvocation();
    return ReadableStreamDefaultControllerGetDesiredSize(c);
  }

  close() {
    const c = defaultControllerImpl(this);
    if (c === undefined) webidl.illegalInvocation();
    if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(c)) {
      throw new TypeError("Failed to execute 'close' on 'ReadableStreamDefaultController': The stream is not in a state that permits close");
    }
    ReadableStreamDefaultControllerClose(c);
  }

  /** @param {any} [chunk] */
  enqueue(chunk = undefined) {
    const c = defaultControllerImpl(this);
    if (c === undefined) webidl.illegalInvocation();
    if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(c)) {
      throw new TypeError("Failed to execute 'enqueue' on 'ReadableStreamDefaultController': The stream is not in a state that permits enqueue");
    }
    ReadableStreamDefaultControllerEnqueue(c, chunk);
  }

  /** @param {any} [e] */
  error(e = undefined) {
    const c = defaultControllerImpl(this);
    if (c === undefined) webidl.illegalInvocation();
    ReadableStreamDefaultControllerError(c, e);
  }

  static {
    defaultControllerImpl = (v) => (webidl.isObject(v) && #impl in v ? v.#impl : undefined);
  }
}
webidl.configureInterface(ReadableStreamDefaultController, 'ReadableStreamDefaultController');

// ---------------------------------------------------------------------------------------------
// Readable stream abstract operations.

/** @param {ReadableStreamImpl} stream */
function AcquireReadableStreamBYOBReader(stream) {
  const reader = new BYOBReaderImpl();
  SetUpReadableStreamBYOBReader(reader, stream);
  return reader;
}

/** @param {ReadableStreamImpl} stream */
function AcquireReadableStreamDefaultReader(stream) {
  const reader = new DefaultReaderImpl();
  SetUpReadableStreamDefaultReader(reader, stream);
  return reader;
}

/**
 * CreateReadableStream. Returns the impl; its `pub` is the public ReadableStream.
 * @param {() => any} startAlgorithm
 * @param {() => Promise<any>} pullAlgorithm
 * @param {(reason: any) => Promise<any>} cancelAlgorithm
 * @param {number} [highWaterMark]
 * @param {(chunk: any) => number} [sizeAlgorithm]
 */
function CreateReadableStream(startAlgorithm, pullAlgorithm, cancelAlgorithm, highWaterMark = 1,
  sizeAlgorithm = sizeOne) {
  const stream = new ReadableStreamImpl();
  rsCreate(stream);
  const controller = new DefaultControllerImpl();
  SetUpReadableStreamDefaultController(stream, controller, startAlgorithm, pullAlgorithm,
    cancelAlgorithm, highWaterMark, sizeAlgorithm);
  return stream;
}

/** @param {ReadableStreamImpl} stream */
function IsReadableStreamLocked(stream) {
  return stream.reader !== undefined;
}


/**
 * @param {ReadableStreamImpl} stream
 * @param {ReadIntoRequestLike} readRequest
 */
function ReadableStreamAddReadIntoRequest(stream, readRequest) {
  /** @type {BYOBReaderImpl} */ (stream.reader).readIntoRequests.push(readRequest);
}

/**
 * @param {ReadableStreamImpl} stream
 * @param {ReadRequestLike} readRequest
 */
function ReadableStreamAddReadRequest(stream, readRequest) {
  /** @type {DefaultReaderImpl} */ (stream.reader).readRequests.push(readRequest);
}

/**
 * @param {ReadableStreamImpl} stream
 * @param {any} reason
 * @returns {Promise<any>}
 */
function ReadableStreamCancel(stream, reason) {
  stream.disturbed = true;
  if (stream.state === 'closed') return promiseResolvedUndefined();
  if (stream.state === 'errored') return promiseRejectedWith(stream.storedError);
  ReadableStreamClose(stream);
  const reader = stream.reader;
  if (reader !== undefined && reader.byob) {
    const byobReader = /** @type {BYOBReaderImpl} */ (reader);
    const readIntoRequests = byobReader.readIntoRequests;
    byobReader.readIntoRequests = new List();
    while (readIntoRequests.length > 0) readIntoRequests.shift().closeSteps(undefined);
  }
  const sourceCancelPromise = stream.controller.cancelSteps(reason);
  return transformPromise(sourceCancelPromise, returnUndefined);
}

/** @param {ReadableStreamImpl} stream */
function ReadableStreamClose(stream) {
  stream.state = 'closed';
  const reader = stream.reader;
  if (reader === undefined) return;
  reader.closedPromise.resolve(undefined);
  if (!reader.byob) {
    const defaultReader = /** @type {DefaultReaderImpl} */ (reader);
    const readRequests = defaultReader.readRequests;
    if (readRequests.length === 0) return;
    defaultReader.readRequests = new List();
    while (readRequests.length > 0) readRequests.shift().closeSteps();
  }
}

/**
 * @param {ReadableStreamImpl} stream
 * @param {any} e
 */
function ReadableStreamError(stream, e) {
  stream.state = 'errored';
  stream.storedError = e;
  const reader = stream.reader;
  if (reader === undefined) return;
  reader.closedPromise.reject(e);
  reader.closedPromise.markHandled();
  if (!reader.byob) {
    ReadableStreamDefaultReaderErrorReadRequests(/** @type {DefaultReaderImpl} */ (reader), e);
  } else {
    ReadableStreamBYOBReaderErrorReadIntoRequests(/** @type {BYOBReaderImpl} */ (reader), e);
  }
}

/**
 * @param {ReadableStreamImpl} stream
 * @param {any} chunk
 * @param {boolean} done
 */
function ReadableStreamFulfillReadIntoRequest(stream, chunk, done) {
  const reader = /** @type {BYOBReaderImpl} */ (stream.reader);
  const readIntoRequest = reader.readIntoRequests.shift();
  if (done) readIntoRequest.closeSteps(chunk);
  else readIntoRequest.chunkSteps(chunk);
}

/**
 * @param {ReadableStreamImpl} stream
 * @param {any} chunk
 * @param {boolean} done
 */
function ReadableStreamFulfillReadRequest(stream, chunk, done) {
  const reader = /** @type {DefaultReaderImpl} */ (stream.reader);
  const readRequest = reader.readRequests.shift();
  if (done) readRequest.closeSteps();
  else readRequest.chunkSteps(chunk);
}

/** @param {ReadableStreamImpl} stream */
function ReadableStreamGetNumReadIntoRequests(stream) {
  return /** @type {BYOBReaderImpl} */ (stream.reader).readIntoRequests.length;
}

/** @param {ReadableStreamImpl} stream */
function ReadableStreamGetNumReadRequests(stream) {
  return /** @type {DefaultReaderImpl} */ (stream.reader).readRequests.length;
}

/** @param {ReadableStreamImpl} stream */
function ReadableStreamHasBYOBReader(stream) {
  const reader = stream.reader;
  return reader !== undefined && reader.byob;
}

/** @param {ReadableStreamImpl} stream */
function ReadableStreamHasDefaultReader(stream) {
  const reader = stream.reader;
  return reader !== undefined && !reader.byob;
}

// ---------------------------------------------------------------------------------------------
// Reader abstract operations.

/**
 * @param {DefaultReaderImpl | BYOBReaderImpl} reader
 * @param {any} reason
 */
function ReadableStreamReaderGenericCancel(reader, reason) {
  return ReadableStreamCancel(/** @type {ReadableStreamImpl} */ (reader.stream), reason);
}

/**
 * @param {DefaultReaderImpl | BYOBReaderImpl} reader
 * @param {ReadableStreamImpl} stream
 */
function ReadableStreamReaderGenericInitialize(reader, stream) {
  reader.stream = stream;
  stream.reader = reader;
  const state = stream.state;
  if (state === 'readable') {
    reader.closedPromise = new Deferred();
  } else if (state === 'closed') {
    reader.closedPromise = resolvedDeferred(undefined);
  } else {
    reader.closedPromise = rejectedDeferred(stream.storedError);
  }
}

/** @param {DefaultReaderImpl | BYOBReaderImpl} reader */
function ReadableStreamReaderGenericRelease(reader) {
  const stream = /** @type {ReadableStreamImpl} */ (reader.stream);
  const e = new TypeError('Reader was released and can no longer be used to monitor the stream\'s closedness');
  if (stream.state === 'readable') {
    reader.closedPromise.reject(e);
  } else {
    reader.closedPromise = rejectedDeferred(e);
  }
  reader.closedPromise.markHandled();
  stream.controller.releaseSteps();
  stream.reader = undefined;
  reader.stream = undefined;
}

/**
 * @param {BYOBReaderImpl} reader
 * @param {any} e
 */
function ReadableStreamBYOBReaderErrorReadIntoRequests(reader, e) {
  const readIntoRequests = reader.readIntoRequests;
  if (readIntoRequests.length === 0) return;
  reader.readIntoRequests = new List();
  while (readIntoRequests.length > 0) readIntoRequests.shift().errorSteps(e);
}

/** @param {BYOBReaderImpl} reader */
function ReadableStreamBYOBReaderRelease(reader) {
  ReadableStreamReaderGenericRelease(reader);
  const e = new TypeError('Reader was released');
  ReadableStreamBYOBReaderErrorReadIntoRequests(reader, e);
}

/**
 * @param {DefaultReaderImpl} reader
 * @param {any} e
 */
function ReadableStreamDefaultReaderErrorReadRequests(reader, e) {
  const readRequests = reader.readRequests;
  if (readRequests.length === 0) return;
  reader.readRequests = new List();
  while (readRequests.length > 0) readRequests.shift().errorSteps(e);
}

/**
 * @param {DefaultReaderImpl} reader
 * @param {ReadRequestLike} readRequest
 */
function ReadableStreamDefaultReaderRead(reader, readRequest) {
  const stream = /** @type {ReadableStreamImpl} */ (reader.stream);
  stream.disturbed = true;
  const state = stream.state;
  if (state === 'closed') {
    readRequest.closeSteps();
  } else if (state === 'errored') {
    readRequest.errorSteps(stream.storedError);
  } else {
    stream.controller.pullSteps(readRequest);
  }
}

/** @param {DefaultReaderImpl} reader */
function ReadableStreamDefaultReaderRelease(reader) {
  ReadableStreamReaderGenericRelease(reader);
  const e = new TypeError('Reader was released');
  ReadableStreamDefaultReaderErrorReadRequests(reader, e);
}

/**
 * @param {BYOBReaderImpl} reader
 * @param {ReadableStreamImpl} stream
 */
function SetUpReadableStreamBYOBReader(reader, stream) {
  if (IsReadableStreamLocked(stream)) {
    throw new TypeError('Cannot create a reader for a locked ReadableStream');
  }
  if (!stream.controller.isByte) {
    throw new TypeError('Cannot create a BYOB reader for a stream that is not a byte stream');
  }
  ReadableStreamReaderGenericInitialize(reader, stream);
  reader.readIntoRequests = new List();
}

/**
 * @param {DefaultReaderImpl} reader
 * @param {ReadableStreamImpl} stream
 */
function SetUpReadableStreamDefaultReader(reader, stream) {
  if (IsReadableStreamLocked(stream)) {
    throw new TypeError('Cannot create a reader for a locked ReadableStream');
  }
  ReadableStreamReaderGenericInitialize(reader, stream);
  reader.readRequests = new List();
}

// ---------------------------------------------------------------------------------------------
// Default controller abstract operations.

/** @param {DefaultControllerImpl} controller */
function ReadableStreamDefaultControllerCallPullIfNeeded(controller) {
  if (!ReadableStreamDefaultControllerShouldCallPull(controller)) return;
  if (controller.pulling) {
    controller.pullAgain = true;
    return;
  }
  controller.pulling = true;
  const pullPromise = /** @type {() => Promise<any>} */ (controller.pullAlgorithm)();
  uponPromise(pullPromise, controller.onPullFulfilled, controller.onPullRejected);
}

/** @param {DefaultControllerImpl} controller */
function ReadableStreamDefaultControllerShouldCallPull(controller) {
  const stream = controller.stream;
  if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(controller)) return false;
  if (!controller.started) return false;
  if (IsReadableStreamLocked(stream) && !(/** @type {any} */ (stream.reader)).byob &&
    ReadableStreamGetNumReadRequests(stream) > 0) {
    return true;
  }
  const desiredSize = /** @type {number} */ (ReadableStreamDefaultControllerGetDesiredSize(controller));
  return desiredSize > 0;
}

/** @param {DefaultControllerImpl} controller */
function ReadableStreamDefaultControllerClearAlgorithms(controller) {
  controller.pullAlgorithm = undefined;
  controller.cancelAlgorithm = undefined;
  controller.strategySizeAlgorithm = undefined;
}

/** @param {DefaultControllerImpl} controller */
function ReadableStreamDefaultControllerClose(controller) {
  if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(controller)) return;
  const stream = controller.stream;
  controller.closeRequested = true;
  if (controller.queue.length === 0) {
    ReadableStreamDefaultControllerClearAlgorithms(controller);
    ReadableStreamClose(stream);
  }
}

/**
 * @param {DefaultControllerImpl} controller
 * @param {any} chunk
 */
function ReadableStreamDefaultControllerEnqueue(controller, chunk) {
  if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(controller)) return;
  const stream = controller.stream;
  const reader = stream.reader;
  if (reader !== undefined && !reader.byob && /** @type {DefaultReaderImpl} */ (reader).readRequests.length > 0) {
    ReadableStreamFulfillReadRequest(stream, chunk, false);
  } else {
    let chunkSize;
    try {
      chunkSize = /** @type {(chunk: any) => number} */ (controller.strategySizeAlgorithm)(chunk);
    } catch (e) {
      ReadableStreamDefaultControllerError(controller, e);
      throw e;
    }
    try {
      EnqueueValueWithSize(controller, chunk, chunkSize);
    } catch (e) {
      ReadableStreamDefaultControllerError(controller, e);
      throw e;
    }
  }
  ReadableStreamDefaultControllerCallPullIfNeeded(controller);
}

/**
 * @param {DefaultControllerImpl} controller
 * @param {any} e
 */
function ReadableStreamDefaultControllerError(controller, e) {
  const stream = controller.stream;
  if (stream.state !== 'readable') return;
  ResetQueue(controller);
  ReadableStreamDefaultControllerClearAlgorithms(controller);
  ReadableStreamError(stream, e);
}

/** @param {DefaultControllerImpl} controller */
function ReadableStreamDefaultControllerGetDesiredSize(controller) {
  const state = controller.stream.state;
  if (state === 'errored') return null;
  if (state === 'closed') return 0;
  return controller.strategyHWM - controller.queueTotalSize;
}

/** @param {DefaultControllerImpl} controller */
function ReadableStreamDefaultControllerHasBackpressure(controller) {
  return !ReadableStreamDefaultControllerShouldCallPull(controller);
}

/** @param {DefaultControllerImpl} controller */
function ReadableStreamDefaultControllerCanCloseOrEnqueue(controller) {
  return !controller.closeRequested && controller.stream.state === 'readable';
}

/**
 * @param {ReadableStreamImpl} stream
 * @param {DefaultControllerImpl} controller
 * @param {() => any} startAlgorithm
 * @param {() => Promise<any>} pullAlgorithm
 * @param {(reason: any) => Promise<any>} cancelAlgorithm
 * @param {number} highWaterMark
 * @param {(chunk: any) => number} sizeAlgorithm
 */
function SetUpReadableStreamDefaultController(stream, controller, startAlgorithm, pullAlgorithm,
  cancelAlgorithm, highWaterMark, sizeAlgorithm) {
  controller.stream = stream;
  ResetQueue(controller);
  controller.started = false;
  controller.closeRequested = false;
  controller.pullAgain = false;
  controller.pulling = false;
  controller.strategySizeAlgorithm = sizeAlgorithm;
  controller.strategyHWM = highWaterMark;
  controller.pullAlgorithm = pullAlgorithm;
  controller.cancelAlgorithm = cancelAlgorithm;
  stream.controller = controller;
  const startResult = startAlgorithm();
  const startPromise = promiseResolvedWith(startResult);
  uponPromise(startPromise, () => {
    controller.started = true;
    ReadableStreamDefaultControllerCallPullIfNeeded(controller);
  }, (r) => {
    ReadableStreamDefaultControllerError(controller, r);
  });
}

/**
 * @param {ReadableStreamImpl} stream
 * @param {any} underlyingSource
 * @param {Record<string, any>} sourceDict
 * @param {number} highWaterMark
 * @param {(chunk: any) => number} sizeAlgorithm
 */
function SetUpReadableStreamDefaultControllerFromUnderlyingSource(stream, underlyingSource, sourceDict,
  highWaterMark, sizeAlgorithm) {
  const controller = new DefaultControllerImpl();
  const pub = new ReadableStreamDefaultController(/** @type {any} */ (kInternal), /** @type {any} */ (controller));
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
  SetUpReadableStreamDefaultController(stream, controller, startAlgorithm, pullAlgorithm,
    cancelAlgorithm, highWaterMark, sizeAlgorithm);
}

// ---------------------------------------------------------------------------------------------

S.ReadableStream = ReadableStream;
S.ReadableStreamDefaultReader = ReadableStreamDefaultReader;
S.ReadableStreamDefaultController = ReadableStreamDefaultController;
S.ReadableStreamImpl = ReadableStreamImpl;
S.DefaultReaderImpl = DefaultReaderImpl;
S.BYOBReaderImpl = BYOBReaderImpl;
S.ReadRequest = ReadRequest;
S.rsImpl = rsImpl;
S.defaultReaderImpl = defaultReaderImpl;
S.readableStreamPublic = readableStreamPublic;
S.readerPublic = readerPublic;
S.sizeOne = sizeOne;
S.AcquireReadableStreamBYOBReader = AcquireReadableStreamBYOBReader;
S.AcquireReadableStreamDefaultReader = AcquireReadableStreamDefaultReader;
S.CreateReadableStream = CreateReadableStream;
S.IsReadableStreamLocked = IsReadableStreamLocked;
S.ReadableStreamAddReadIntoRequest = ReadableStreamAddReadIntoRequest;
S.ReadableStreamAddReadRequest = ReadableStreamAddReadRequest;
S.ReadableStreamCancel = ReadableStreamCancel;
S.ReadableStreamClose = ReadableStreamClose;
S.ReadableStreamError = ReadableStreamError;
S.ReadableStreamFulfillReadIntoRequest = ReadableStreamFulfillReadIntoRequest;
S.ReadableStreamFulfillReadRequest = ReadableStreamFulfillReadRequest;
S.ReadableStreamGetNumReadIntoRequests = ReadableStreamGetNumReadIntoRequests;
S.ReadableStreamGetNumReadRequests = ReadableStreamGetNumReadRequests;
S.ReadableStreamHasBYOBReader = ReadableStreamHasBYOBReader;
S.ReadableStreamHasDefaultReader = ReadableStreamHasDefaultReader;
S.ReadableStreamReaderGenericCancel = ReadableStreamReaderGenericCancel;
S.ReadableStreamReaderGenericInitialize = ReadableStreamReaderGenericInitialize;
S.ReadableStreamReaderGenericRelease = ReadableStreamReaderGenericRelease;
S.ReadableStreamBYOBReaderErrorReadIntoRequests = ReadableStreamBYOBReaderErrorReadIntoRequests;
S.ReadableStreamBYOBReaderRelease = ReadableStreamBYOBReaderRelease;
S.ReadableStreamDefaultReaderErrorReadRequests = ReadableStreamDefaultReaderErrorReadRequests;
S.ReadableStreamDefaultReaderRead = ReadableStreamDefaultReaderRead;
S.ReadableStreamDefaultReaderRelease = ReadableStreamDefaultReaderRelease;
S.SetUpReadableStreamBYOBReader = SetUpReadableStreamBYOBReader;
S.SetUpReadableStreamDefaultReader = SetUpReadableStreamDefaultReader;
S.ReadableStreamDefaultControllerClose = ReadableStreamDefaultControllerClose;
S.ReadableStreamDefaultControllerEnqueue = ReadableStreamDefaultControllerEnqueue;
S.ReadableStreamDefaultControllerError = ReadableStreamDefaultControllerError;
S.ReadableStreamDefaultControllerGetDesiredSize = ReadableStreamDefaultControllerGetDesiredSize;
S.ReadableStreamDefaultControllerHasBackpressure = ReadableStreamDefaultControllerHasBackpressure;
S.ReadableStreamDefaultControllerCanCloseOrEnqueue = ReadableStreamDefaultControllerCanCloseOrEnqueue;
S.UnderlyingSource = UnderlyingSource;

rt.internal.ReadableStream = ReadableStream;
rt.internal.ReadableStreamDefaultReader = ReadableStreamDefaultReader;
rt.internal.ReadableStreamDefaultController = ReadableStreamDefaultController;
rt.expose('ReadableStream', ReadableStream);
rt.expose('ReadableStreamDefaultReader', ReadableStreamDefaultReader);
rt.expose('ReadableStreamDefaultController', ReadableStreamDefaultController);
