// @ts-check
// ReadableStreamTee (default and byte streams), ReadableStreamPipeTo
// (https://streams.spec.whatwg.org/#rs-abstract-ops) and the hooks the rest of the runtime uses
// (rt.internal.readableStream*, newReadableStreamFrom*). The hooks never go through
// user-visible prototype methods.

const {
  TypeError,
  TypedArrayPrototypeSet,
  Uint8Array,
} = rt.primordials;
const S = rt.internal.streamsShared;
const {
  Deferred,
  noop,
  returnUndefined,
  promiseRejectedWith,
  promiseResolvedUndefined,
  uponPromise,
  transformPromise,
  forwardPromise,
  queueMicrotaskSafe,
  List,
  isArrayBufferView,
  viewBuffer,
  viewByteOffset,
  viewByteLength,
  CloneAsUint8Array,
  callToPromise,
  signalAborted,
  signalReason,
  signalAdd,
  signalRemove,
  rsImpl,
  defaultReaderImpl,
  readableStreamPublic,
  AcquireReadableStreamDefaultReader,
  AcquireReadableStreamBYOBReader,
  CreateReadableStream,
  IsReadableStreamLocked,
  ReadableStreamCancel,
  ReadableStreamReaderGenericCancel,
  ReadableStreamDefaultReaderRead,
  ReadableStreamDefaultReaderRelease,
  ReadableStreamBYOBReaderRelease,
  ReadableStreamDefaultControllerClose,
  ReadableStreamDefaultControllerEnqueue,
  ReadableStreamDefaultControllerError,
  ByteControllerImpl,
  CreateReadableByteStream,
  ReadableStreamBYOBReaderRead,
  ReadableByteStreamControllerClose,
  ReadableByteStreamControllerEnqueue,
  ReadableByteStreamControllerError,
  ReadableByteStreamControllerGetBYOBRequest,
  ReadableByteStreamControllerGetDesiredSize,
  ReadableByteStreamControllerRespond,
  ReadableByteStreamControllerRespondWithNewView,
  SetUpReadableByteStreamController,
  checkCanEnqueue,
  AcquireWritableStreamDefaultWriter,
  WritableStreamAbort,
  WritableStreamCloseQueuedOrInFlight,
  WritableStreamDefaultWriterCloseWithErrorPropagation,
  WritableStreamDefaultWriterGetDesiredSize,
  WritableStreamDefaultWriterRelease,
  WritableStreamDefaultWriterWrite,
} = S;

/** A settled promise the internal pull algorithms return; never handed to user code. */
const resolvedPromise = promiseResolvedUndefined();

/**
 * StructuredClone for the tee's second branch, when the host provides it; otherwise the chunk
 * itself.
 * @param {any} v
 */
function structuredCloneChunk(v) {
  const clone = rt.internal.structuredClone;
  return typeof clone === 'function' ? clone(v) : v;
}

// ---------------------------------------------------------------------------------------------
// ReadableStreamTee.

/**
 * @param {any} stream a ReadableStreamImpl
 * @param {boolean} cloneForBranch2
 * @returns {any[]} two ReadableStreamImpls
 */
function ReadableStreamTee(stream, cloneForBranch2) {
  if (stream.controller.isByte) return ReadableByteStreamTee(stream);
  return ReadableStreamDefaultTee(stream, cloneForBranch2);
}

/**
 * The state of ReadableStreamDefaultTee; it is its own read request.
 */
class DefaultTee {
  /**
   * @param {any} stream
   * @param {boolean} cloneForBranch2
   */
  constructor(stream, cloneForBranch2) {
    this.stream = stream;
    this.reader = AcquireReadableStreamDefaultReader(stream);
    this.cloneForBranch2 = cloneForBranch2;
    this.reading = false;
    this.readAgain = false;
    this.canceled1 = false;
    this.canceled2 = false;
    /** @type {any} */
    this.reason1 = undefined;
    /** @type {any} */
    this.reason2 = undefined;
    /** @type {any} */
    this.branch1 = undefined;
    /** @type {any} */
    this.branch2 = undefined;
    this.cancelPromise = new Deferred();
    /** @type {any} the chunk whose steps wait for the microtask */
    this.pendingChunk = undefined;
    this.pullAlgorithm = () => this.pull();
    this.cancel1Algorithm = (/** @type {any} */ reason) => this.cancel(reason, false);
    this.cancel2Algorithm = (/** @type {any} */ reason) => this.cancel(reason, true);
    this.processChunk = () => this.chunkMicrotask();
  }

  pull() {
    if (this.reading) {
      this.readAgain = true;
      return resolvedPromise;
    }
    this.reading = true;
    ReadableStreamDefaultReaderRead(this.reader, this);
    return resolvedPromise;
  }

  /** @param {any} chunk */
  chunkSteps(chunk) {
    this.pendingChunk = chunk;
    queueMicrotaskSafe(this.processChunk);
  }

  chunkMicrotask() {
    const chunk = this.pendingChunk;
    this.pendingChunk = undefined;
    this.readAgain = false;
    let chunk2 = chunk;
    if (!this.canceled2 && this.cloneForBranch2) {
      try {
        chunk2 = structuredCloneChunk(chunk);
      } catch (e) {
        ReadableStreamDefaultControllerError(this.branch1.controller, e);
        ReadableStreamDefaultControllerError(this.branch2.controller, e);
        forwardPromise(this.cancelPromise, ReadableStreamCancel(this.stream, e));
        return;
      }
    }
    if (!this.canceled1) ReadableStreamDefaultControllerEnqueue(this.branch1.controller, chunk);
    if (!this.canceled2) ReadableStreamDefaultControllerEnqueue(this.branch2.controller, chunk2);
    this.reading = false;
    if (this.readAgain) this.pull();
  }

  closeSteps() {
    this.reading = false;
    if (!this.canceled1) ReadableStreamDefaultControllerClose(this.branch1.controller);
    if (!this.canceled2) ReadableStreamDefaultControllerClose(this.branch2.controller);
    if (!this.canceled1 || !this.canceled2) this.cancelPromise.resolve(undefined);
  }

  errorSteps() {
    this.reading = false;
  }

  /**
   * cancel1Algorithm / cancel2Algorithm.
   * @param {any} reason
   * @param {boolean} second
   */
  cancel(reason, second) {
    if (second) {
      this.canceled2 = true;
      this.reason2 = reason;
    } else {
      this.canceled1 = true;
      this.reason1 = reason;
    }
    if (this.canceled1 && this.canceled2) {
      const compositeReason = [this.reason1, this.reason2];
      forwardPromise(this.cancelPromise, ReadableStreamCancel(this.stream, compositeReason));
    }
    return this.cancelPromise.promise;
  }
}

/**
 * @param {any} stream
 * @param {boolean} cloneForBranch2
 */
function ReadableStreamDefaultTee(stream, cloneForBranch2) {
  const tee = new DefaultTee(stream, cloneForBranch2);
  tee.branch1 = CreateReadableStream(returnUndefined, tee.pullAlgorithm, tee.cancel1Algorithm);
  tee.branch2 = CreateReadableStream(returnUndefined, tee.pullAlgorithm, tee.cancel2Algorithm);
  uponPromise(tee.reader.closedPromise.promise, undefined, (r) => {
    ReadableStreamDefaultControllerError(tee.branch1.controller, r);
    ReadableStreamDefaultControllerError(tee.branch2.controller, r);
    if (!tee.canceled1 || !tee.canceled2) tee.cancelPromise.resolve(undefined);
  });
  return [tee.branch1, tee.branch2];
}

/** The read-into request of the byte tee's BYOB reads. */
class ByteTeeReadIntoRequest {
  /** @param {ByteTee} tee */
  constructor(tee) {
    this.tee = tee;
  }

  /** @param {any} chunk */
  chunkSteps(chunk) {
    this.tee.pendingChunk = chunk;
    queueMicrotaskSafe(this.tee.processBYOBChunk);
  }

  /** @param {any} chunk */
  closeSteps(chunk) {
    this.tee.byobCloseSteps(chunk);
  }

  errorSteps() {
    this.tee.reading = false;
  }
}

/**
 * The state of ReadableByteStreamTee; it is the read request of its default-reader reads.
 */
class ByteTee {
  /** @param {any} stream */
  constructor(stream) {
    this.stream = stream;
    /** @type {any} a default or BYOB reader impl */
    this.reader = AcquireReadableStreamDefaultReader(stream);
    this.reading = false;
    this.readAgainForBranch1 = false;
    this.readAgainForBranch2 = false;
    this.canceled1 = false;
    this.canceled2 = false;
    /** @type {any} */
    this.reason1 = undefined;
    /** @type {any} */
    this.reason2 = undefined;
    /** @type {any} */
    this.branch1 = undefined;
    /** @type {any} */
    this.branch2 = undefined;
    this.cancelPromise = new Deferred();
    /** @type {any} */
    this.pendingChunk = undefined;
    /** Whether the BYOB read in flight is for branch 2. */
    this.forBranch2 = false;
    this.readIntoRequest = new ByteTeeReadIntoRequest(this);
    this.pull1Algorithm = () => this.pull(false);
    this.pull2Algorithm = () => this.pull(true);
    this.cancel1Algorithm = (/** @type {any} */ reason) => this.cancel(reason, false);
    this.cancel2Algorithm = (/** @type {any} */ reason) => this.cancel(reason, true);
    this.processChunk = () => this.chunkMicrotask();
    this.processBYOBChunk = () => this.byobChunkMicrotask();
  }

  /** @param {any} thisReader */
  forwardReaderError(thisReader) {
    uponPromise(thisReader.closedPromise.promise, undefined, (r) => {
      if (thisReader !== this.reader) return;
      ReadableByteStreamControllerError(this.branch1.controller, r);
      ReadableByteStreamControllerError(this.branch2.controller, r);
      if (!this.canceled1 || !this.canceled2) this.cancelPromise.resolve(undefined);
    });
  }

  pullWithDefaultReader() {
    if (this.reader.byob) {
      ReadableStreamBYOBReaderRelease(this.reader);
      this.reader = AcquireReadableStreamDefaultReader(this.stream);
      this.forwardReaderError(this.reader);
    }
    ReadableStreamDefaultReaderRead(this.reader, this);
  }

  /** @param {any} chunk */
  chunkSteps(chunk) {
    this.pendingChunk = chunk;
    queueMicrotaskSafe(this.processChunk);
  }

  chunkMicrotask() {
    const chunk = this.pendingChunk;
    this.pendingChunk = undefined;
    this.readAgainForBranch1 = false;
    this.readAgainForBranch2 = false;
    let chunk2 = chunk;
    if (!this.canceled1 && !this.canceled2) {
      try {
        chunk2 = CloneAsUint8Array(chunk);
      } catch (e) {
        this.errorBranchesAndCancel(e);
        return;
      }
    }
    if (!this.canceled1) ReadableByteStreamControllerEnqueue(this.branch1.controller, chunk);
    if (!this.canceled2) ReadableByteStreamControllerEnqueue(this.branch2.controller, chunk2);
    this.reading = false;
    this.pullAgainIfNeeded();
  }

  /** @param {any} e */
  errorBranchesAndCancel(e) {
    ReadableByteStreamControllerError(this.branch1.controller, e);
    ReadableByteStreamControllerError(this.branch2.controller, e);
    forwardPromise(this.cancelPromise, ReadableStreamCancel(this.stream, e));
  }

  pullAgainIfNeeded() {
    if (this.readAgainForBranch1) this.pull(false);
    else if (this.readAgainForBranch2) this.pull(true);
  }

  closeSteps() {
    this.reading = false;
    const c1 = this.branch1.controller;
    const c2 = this.branch2.controller;
    if (!this.canceled1) ReadableByteStreamControllerClose(c1);
    if (!this.canceled2) ReadableByteStreamControllerClose(c2);
    if (c1.pendingPullIntos.length > 0) ReadableByteStreamControllerRespond(c1, 0);
    if (c2.pendingPullIntos.length > 0) ReadableByteStreamControllerRespond(c2, 0);
    if (!this.canceled1 || !this.canceled2) this.cancelPromise.resolve(undefined);
  }

  errorSteps() {
    this.reading = false;
  }

  /**
   * @param {ArrayBufferView} view
   * @param {boolean} forBranch2
   */
  pullWithBYOBReader(view, forBranch2) {
    if (!this.reader.byob) {
      ReadableStreamDefaultReaderRelease(this.reader);
      this.reader = AcquireReadableStreamBYOBReader(this.stream);
      this.forwardReaderError(this.reader);
    }
    this.forBranch2 = forBranch2;
    ReadableStreamBYOBReaderRead(this.reader, view, 1, this.readIntoRequest);
  }

  byobChunkMicrotask() {
    const chunk = this.pendingChunk;
    this.pendingChunk = undefined;
    this.readAgainForBranch1 = false;
    this.readAgainForBranch2 = false;
    const forBranch2 = this.forBranch2;
    const byobCanceled = forBranch2 ? this.canceled2 : this.canceled1;
    const otherCanceled = forBranch2 ? this.canceled1 : this.canceled2;
    const byobController = (forBranch2 ? this.branch2 : this.branch1).controller;
    const otherController = (forBranch2 ? this.branch1 : this.branch2).controller;
    if (!otherCanceled) {
      let clonedChunk;
      try {
        clonedChunk = CloneAsUint8Array(chunk);
      } catch (e) {
        this.errorBranchesAndCancel(e);
        return;
      }
      if (!byobCanceled) ReadableByteStreamControllerRespondWithNewView(byobController, chunk);
      ReadableByteStreamControllerEnqueue(otherController, clonedChunk);
    } else if (!byobCanceled) {
      ReadableByteStreamControllerRespondWithNewView(byobController, chunk);
    }
    this.reading = false;
    this.pullAgainIfNeeded();
  }

  /** @param {any} chunk */
  byobCloseSteps(chunk) {
    this.reading = false;
    const forBranch2 = this.forBranch2;
    const byobCanceled = forBranch2 ? this.canceled2 : this.canceled1;
    const otherCanceled = forBranch2 ? this.canceled1 : this.canceled2;
    const byobController = (forBranch2 ? this.branch2 : this.branch1).controller;
    const otherController = (forBranch2 ? this.branch1 : this.branch2).controller;
    if (!byobCanceled) ReadableByteStreamControllerClose(byobController);
    if (!otherCanceled) ReadableByteStreamControllerClose(otherController);
    if (chunk !== undefined) {
      if (!byobCanceled) ReadableByteStreamControllerRespondWithNewView(byobController, chunk);
      if (!otherCanceled && otherController.pendingPullIntos.length > 0) {
        ReadableByteStreamControllerRespond(otherController, 0);
      }
    }
    if (!byobCanceled || !otherCanceled) this.cancelPromise.resolve(undefined);
  }

  /**
   * pull1Algorithm / pull2Algorithm.
   * @param {boolean} second
   */
  pull(second) {
    if (this.reading) {
      if (second) this.readAgainForBranch2 = true;
      else this.readAgainForBranch1 = true;
      return resolvedPromise;
    }
    this.reading = true;
    const byobRequest = ReadableByteStreamControllerGetBYOBRequest((second ? this.branch2 : this.branch1).controller);
    if (byobRequest === null) {
      this.pullWithDefaultReader();
    } else {
      this.pullWithBYOBReader(/** @type {ArrayBufferView} */ (byobRequest.view), second);
    }
    return resolvedPromise;
  }

  /**
   * cancel1Algorithm / cancel2Algorithm.
   * @param {any} reason
   * @param {boolean} second
   */
  cancel(reason, second) {
    if (second) {
      this.canceled2 = true;
      this.reason2 = reason;
    } else {
      this.canceled1 = true;
      this.reason1 = reason;
    }
    if (this.canceled1 && this.canceled2) {
      const compositeReason = [this.reason1, this.reason2];
      forwardPromise(this.cancelPromise, ReadableStreamCancel(this.stream, compositeReason));
    }
    return this.cancelPromise.promise;
  }
}

/** @param {any} stream */
function ReadableByteStreamTee(stream) {
  const tee = new ByteTee(stream);
  tee.branch1 = CreateReadableByteStream(returnUndefined, tee.pull1Algorithm, tee.cancel1Algorithm);
  tee.branch2 = CreateReadableByteStream(returnUndefined, tee.pull2Algorithm, tee.cancel2Algorithm);
  tee.forwardReaderError(tee.reader);
  return [tee.branch1, tee.branch2];
}

// ---------------------------------------------------------------------------------------------
// ReadableStreamPipeTo.

/**
 * The state of one pipe; it is the read request of its reads.
 */
class Pipe {
  /**
   * @param {any} source
   * @param {any} dest
   * @param {boolean} preventClose
   * @param {boolean} preventAbort
   * @param {boolean} preventCancel
   * @param {any} signal
   */
  constructor(source, dest, preventClose, preventAbort, preventCancel, signal) {
    this.source = source;
    this.dest = dest;
    this.preventClose = preventClose;
    this.preventAbort = preventAbort;
    this.preventCancel = preventCancel;
    this.signal = signal;
    this.reader = AcquireReadableStreamDefaultReader(source);
    this.writer = AcquireWritableStreamDefaultWriter(dest);
    this.shuttingDown = false;
    this.promise = new Deferred();
    /** The last write, as a promise that always fulfills. */
    this.currentWrite = promiseResolvedUndefined();
    /** A read is in flight, or its chunk waits to be written. */
    this.reading = false;
    /** The source has delivered its close or error: no more reads. */
    this.sourceDone = false;
    /** The chunk read, written in a microtask (never synchronously inside the source's enqueue()). */
    this.pendingChunk = undefined;
    /** @type {(() => void) | undefined} */
    this.abortAlgorithm = undefined;
    this.onReady = () => this.pump();
    this.onChunk = () => this.writeChunk();
  }

  start() {
    const source = this.source;
    const dest = this.dest;
    const readerClosed = this.reader.closedPromise.promise;
    // Errors must be propagated forward.
    if (source.state === 'errored') {
      this.sourceErrored(source.storedError);
    } else {
      uponPromise(readerClosed, undefined, (e) => this.sourceErrored(e));
    }
    // Errors must be propagated backward.
    if (dest.state === 'errored') {
      this.destErrored(dest.storedError);
    } else {
      uponPromise(this.writer.closedPromise.promise, undefined, (e) => this.destErrored(e));
    }
    // Closing must be propagated forward.
    if (source.state === 'closed') {
      this.sourceClosed();
    } else {
      uponPromise(readerClosed, () => this.sourceClosed());
    }
    // Closing must be propagated backward.
    if (WritableStreamCloseQueuedOrInFlight(dest) || dest.state === 'closed') {
      const destClosed = new TypeError('The destination writable stream closed before all data could be piped to it');
      if (!this.preventCancel) {
        this.shutdownWithAnAction(() => ReadableStreamCancel(source, destClosed), true, destClosed);
      } else {
        this.shutdown(true, destClosed);
      }
    }
    this.pump();
  }

  /** @param {any} storedError */
  sourceErrored(storedError) {
    if (!this.preventAbort) {
      this.shutdownWithAnAction(() => WritableStreamAbort(this.dest, storedError), true, storedError);
    } else {
      this.shutdown(true, storedError);
    }
  }

  /** @param {any} storedError */
  destErrored(storedError) {
    if (!this.preventCancel) {
      this.shutdownWithAnAction(() => ReadableStreamCancel(this.source, storedError), true, storedError);
    } else {
      this.shutdown(true, storedError);
    }
  }

  sourceClosed() {
    if (!this.preventClose) {
      this.shutdownWithAnAction(() => WritableStreamDefaultWriterCloseWithErrorPropagation(this.writer), false, undefined);
    } else {
      this.shutdown(false, undefined);
    }
  }

  /** Reads while the destination wants chunks: backpressure is the writer's desired size. */
  pump() {
    while (!this.shuttingDown && !this.reading && !this.sourceDone) {
      const writer = this.writer;
      const desiredSize = WritableStreamDefaultWriterGetDesiredSize(writer);
      if (desiredSize === null) return;
      if (desiredSize <= 0) {
        const ready = writer.readyPromise;
        if (ready.state === 0) uponPromise(ready.promise, this.onReady);
        return;
      }
      this.reading = true;
      ReadableStreamDefaultReaderRead(this.reader, this);
    }
  }

  /** @param {any} chunk */
  chunkSteps(chunk) {
    this.pendingChunk = chunk;
    queueMicrotaskSafe(this.onChunk);
  }

  writeChunk() {
    const chunk = this.pendingChunk;
    this.pendingChunk = undefined;
    this.reading = false;
    // A chunk that was read is written, even while shutting down, unless the pipe has finished.
    if (this.writer.stream === undefined) return;
    const write = WritableStreamDefaultWriterWrite(this.writer, chunk);
    this.currentWrite = transformPromise(write, undefined, noop);
    this.pump();
  }

  closeSteps() {
    this.reading = false;
    this.sourceDone = true;
  }

  errorSteps() {
    this.reading = false;
    this.sourceDone = true;
  }

  /** @param {() => void} then */
  waitForWritesToFinish(then) {
    const oldCurrentWrite = this.currentWrite;
    uponPromise(oldCurrentWrite, () => {
      if (oldCurrentWrite !== this.currentWrite) this.waitForWritesToFinish(then);
      else then();
    });
  }

  /**
   * @param {() => Promise<any>} action
   * @param {boolean} isError
   * @param {any} originalError
   */
  shutdownWithAnAction(action, isError, originalError) {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    const doTheRest = () => {
      uponPromise(action(), () => this.finalize(isError, originalError), (newError) => this.finalize(true, newError));
    };
    const dest = this.dest;
    if (dest.state === 'writable' && !WritableStreamCloseQueuedOrInFlight(dest)) {
      this.waitForWritesToFinish(doTheRest);
    } else {
      doTheRest();
    }
  }

  /**
   * @param {boolean} isError
   * @param {any} error
   */
  shutdown(isError, error) {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    const dest = this.dest;
    if (dest.state === 'writable' && !WritableStreamCloseQueuedOrInFlight(dest)) {
      this.waitForWritesToFinish(() => this.finalize(isError, error));
    } else {
      this.finalize(isError, error);
    }
  }

  /**
   * @param {boolean} isError
   * @param {any} error
   */
  finalize(isError, error) {
    WritableStreamDefaultWriterRelease(this.writer);
    ReadableStreamDefaultReaderRelease(this.reader);
    if (this.signal !== undefined) signalRemove(this.signal, /** @type {() => void} */ (this.abortAlgorithm));
    if (isError) this.promise.reject(error);
    else this.promise.resolve(undefined);
  }
}

/**
 * "Waiting for all" of up to two promises: fulfilled when all are, or rejected with the first
 * rejection.
 * @param {Promise<any> | undefined} p1
 * @param {Promise<any> | undefined} p2
 */
function waitForAll(p1, p2) {
  const result = new Deferred();
  let remaining = (p1 !== undefined ? 1 : 0) + (p2 !== undefined ? 1 : 0);
  if (remaining === 0) {
    result.resolve(undefined);
    return result.promise;
  }
  const onFulfilled = () => {
    if (--remaining === 0) result.resolve(undefined);
  };
  const onRejected = (/** @type {any} */ e) => {
    result.reject(e);
  };
  if (p1 !== undefined) uponPromise(p1, onFulfilled, onRejected);
  if (p2 !== undefined) uponPromise(p2, onFulfilled, onRejected);
  return result.promise;
}

/**
 * ReadableStreamPipeTo. A byte stream source is read with a default reader.
 * @param {any} source
 * @param {any} dest
 * @param {boolean} preventClose
 * @param {boolean} preventAbort
 * @param {boolean} preventCancel
 * @param {any} [signal]
 * @returns {Promise<any>}
 */
function ReadableStreamPipeTo(source, dest, preventClose, preventAbort, preventCancel, signal = undefined) {
  const pipe = new Pipe(source, dest, preventClose, preventAbort, preventCancel, signal);
  source.disturbed = true;
  if (signal !== undefined) {
    const abortAlgorithm = () => {
      const error = signalReason(signal);
      pipe.shutdownWithAnAction(() => {
        let abortAction;
        let cancelAction;
        if (!preventAbort) {
          abortAction = dest.state === 'writable' ? WritableStreamAbort(dest, error) : promiseResolvedUndefined();
        }
        if (!preventCancel) {
          cancelAction = source.state === 'readable' ? ReadableStreamCancel(source, error) : promiseResolvedUndefined();
        }
        return waitForAll(abortAction, cancelAction);
      }, true, error);
    };
    pipe.abortAlgorithm = abortAlgorithm;
    if (signalAborted(signal)) {
      abortAlgorithm();
      return pipe.promise.promise;
    }
    signalAdd(signal, abortAlgorithm);
  }
  pipe.start();
  return pipe.promise.promise;
}

// ---------------------------------------------------------------------------------------------
// The runtime's hooks.

/**
 * The controller a Go-backed source's pull(controller) receives: enqueue, close and error that
 * no worker can reach or replace.
 */
class PullSourceController {
  /** @param {any} controller a ByteControllerImpl */
  constructor(controller) {
    this.controller = controller;
  }

  get desiredSize() {
    return ReadableByteStreamControllerGetDesiredSize(this.controller);
  }

  /**
   * Enqueues a chunk (an ArrayBufferView). An empty chunk is skipped, and the source is pulled
   * again once the current pull settles.
   * @param {ArrayBufferView} chunk
   */
  enqueue(chunk) {
    const c = this.controller;
    if (!isArrayBufferView(chunk)) throw new TypeError('The chunk is not an ArrayBufferView');
    if (viewByteLength(chunk) === 0) {
      c.pullAgain = true;
      return;
    }
    checkCanEnqueue(c, chunk, 'enqueue');
    ReadableByteStreamControllerEnqueue(c, chunk);
  }

  close() {
    const c = this.controller;
    if (c.closeRequested || c.stream.state !== 'readable') throw new TypeError('The stream is not readable');
    ReadableByteStreamControllerClose(c);
  }

  /** @param {any} e */
  error(e) {
    ReadableByteStreamControllerError(this.controller, e);
  }
}

/**
 * A byte stream over a Go-backed source. `start`, when given, receives the controller at once
 * (to error or close the stream from outside a pull, e.g. when a fetch is aborted).
 * @param {(controller: PullSourceController) => any} pull
 * @param {((reason: any) => any) | undefined} cancel
 * @param {number} [highWaterMark]
 * @param {(controller: PullSourceController) => void} [start]
 */
function newReadableStreamFromPull(pull, cancel, highWaterMark = 0, start = undefined) {
  const stream = new S.ReadableStreamImpl();
  readableStreamPublic(stream);
  const controller = new ByteControllerImpl();
  const pc = new PullSourceController(controller);
  if (typeof start === 'function') start(pc);
  const pullAlgorithm = () => callToPromise(pull, pc);
  const cancelAlgorithm = typeof cancel === 'function'
    ? (/** @type {any} */ reason) => callToPromise(cancel, reason)
    : promiseResolvedUndefined;
  SetUpReadableByteStreamController(stream, controller, returnUndefined, pullAlgorithm, cancelAlgorithm,
    highWaterMark, undefined);
  return stream.pub;
}

/**
 * A byte stream that yields `bytes` and closes. The stream takes `bytes` over: its buffer must
 * not be changed afterwards.
 * @param {Uint8Array} bytes
 */
function newReadableStreamFromBytes(bytes) {
  const stream = CreateReadableByteStream(returnUndefined, promiseResolvedUndefined, promiseResolvedUndefined);
  const controller = stream.controller;
  if (viewByteLength(bytes) > 0) ReadableByteStreamControllerEnqueue(controller, bytes);
  ReadableByteStreamControllerClose(controller);
  return stream.pub;
}

/**
 * A reader impl from a reader impl or a public ReadableStreamDefaultReader.
 * @param {any} reader
 */
function toReaderImpl(reader) {
  if (reader instanceof S.DefaultReaderImpl) return reader;
  const impl = defaultReaderImpl(reader);
  if (impl === undefined) throw new TypeError('Not a ReadableStreamDefaultReader');
  return impl;
}

/**
 * The impl of a public ReadableStream.
 * @param {any} stream
 */
function toStreamImpl(stream) {
  const s = rsImpl(stream);
  if (s === undefined) throw new TypeError('Not a ReadableStream');
  return s;
}

/**
 * @param {any} stream a public ReadableStream
 * @returns {any} a default reader (impl)
 */
function readableStreamGetReader(stream) {
  return AcquireReadableStreamDefaultReader(toStreamImpl(stream));
}

/**
 * The read request of readableStreamRead: its results have no prototype, so resolving the
 * promise with one never finds a `then` a worker put on Object.prototype.
 */
class InternalReadRequest extends Deferred {
  /** @param {any} chunk */
  chunkSteps(chunk) {
    this.res({ __proto__: null, value: chunk, done: false });
  }

  closeSteps() {
    this.res({ __proto__: null, value: undefined, done: true });
  }

  /** @param {any} e */
  errorSteps(e) {
    this.rej(e);
  }
}

/**
 * @param {any} reader
 * @returns {Promise<{ done: boolean, value: any }>}
 */
function readableStreamRead(reader) {
  const r = toReaderImpl(reader);
  if (r.stream === undefined) {
    return promiseRejectedWith(new TypeError('This reader has been released and cannot read from the stream'));
  }
  const readRequest = new InternalReadRequest();
  ReadableStreamDefaultReaderRead(r, readRequest);
  return readRequest.promise;
}

/**
 * @param {any} reader
 * @param {any} reason
 */
function readableStreamCancel(reader, reason) {
  const r = toReaderImpl(reader);
  if (r.stream === undefined) {
    return promiseRejectedWith(new TypeError('This reader has been released and cannot cancel the stream'));
  }
  return ReadableStreamReaderGenericCancel(r, reason);
}

/** @param {any} reader */
function readableStreamReleaseReader(reader) {
  const r = toReaderImpl(reader);
  if (r.stream === undefined) return;
  ReadableStreamDefaultReaderRelease(r);
}

/**
 * Reads a stream to its end and concatenates its chunks; it is its own read request.
 */
const isUint8Array = rt.internal.webidl.isUint8Array;

class ReadAll extends Deferred {
  /**
   * @param {any} reader
   * @param {boolean} [uint8Only] chunks must be Uint8Arrays (the Fetch standard's bodies)
   */
  constructor(reader, uint8Only = false) {
    super();
    this.reader = reader;
    this.uint8Only = uint8Only;
    /** Chunks of a byte stream are the stream's own; others are copied as they are read. */
    this.copy = !reader.stream.controller.isByte;
    this.chunks = new List();
    this.totalLength = 0;
    this.reading = false;
    this.startingRead = false;
    this.done = false;
  }

  pump() {
    while (!this.done && !this.reading) {
      this.reading = true;
      this.startingRead = true;
      ReadableStreamDefaultReaderRead(this.reader, this);
      this.startingRead = false;
    }
  }

  /** @param {any} chunk */
  chunkSteps(chunk) {
    this.reading = false;
    if (this.uint8Only ? !isUint8Array(chunk) : !isArrayBufferView(chunk)) {
      this.done = true;
      const e = new TypeError(this.uint8Only ? 'The body\'s chunks must be Uint8Arrays' :
        'The stream\'s chunks must be ArrayBufferViews (such as Uint8Array)');
      ReadableStreamCancel(this.reader.stream, e);
      this.reject(e);
      return;
    }
    const length = viewByteLength(chunk);
    if (length > 0) {
      let bytes = new Uint8Array(viewBuffer(chunk), viewByteOffset(chunk), length);
      if (this.copy) bytes = CloneAsUint8Array(bytes);
      this.chunks.push(bytes);
      this.totalLength += length;
    }
    if (!this.startingRead) this.pump();
  }

  closeSteps() {
    this.reading = false;
    this.done = true;
    const chunks = this.chunks;
    if (this.copy && chunks.length === 1) {
      this.resolve(chunks.shift());
      return;
    }
    const out = new Uint8Array(this.totalLength);
    let offset = 0;
    while (chunks.length > 0) {
      const bytes = chunks.shift();
      TypedArrayPrototypeSet(out, bytes, offset);
      offset += viewByteLength(bytes);
    }
    this.resolve(out);
  }

  /** @param {any} e */
  errorSteps(e) {
    this.reading = false;
    this.done = true;
    this.reject(e);
  }
}

/**
 * Reads all of a stream's bytes (Body's text(), arrayBuffer(), …).
 * @param {any} stream a public ReadableStream
 * @returns {Promise<Uint8Array>}
 */
function readableStreamReadAll(stream) {
  const s = rsImpl(stream);
  if (s === undefined) return promiseRejectedWith(new TypeError('Not a ReadableStream'));
  if (IsReadableStreamLocked(s)) return promiseRejectedWith(new TypeError('The ReadableStream is locked'));
  const reader = AcquireReadableStreamDefaultReader(s);
  const readAll = new ReadAll(reader);
  readAll.pump();
  return readAll.promise;
}

/**
 * ReadAll that reports to callbacks instead of a promise, so no promise is ever resolved with
 * the bytes (a worker's Object.prototype.then would see them).
 */
class Collect extends ReadAll {
  /**
   * @param {any} reader
   * @param {(bytes: Uint8Array) => void} onBytes
   * @param {(e: any) => void} onError
   * @param {boolean} uint8Only
   */
  constructor(reader, onBytes, onError, uint8Only) {
    super(reader, uint8Only);
    this.onBytes = onBytes;
    this.onError = onError;
  }

  /** @param {any} [value] */
  resolve(value) {
    if (this.state !== 0) return;
    this.state = 1;
    this.onBytes(value);
  }

  /** @param {any} reason */
  reject(reason) {
    if (this.state !== 0) return;
    this.state = 2;
    this.onError(reason);
  }
}

/**
 * Reads all of a stream's bytes and calls onBytes with them, or onError (the Fetch standard's
 * "fully read" of a body). The stream is locked before this returns.
 * @param {any} stream a public ReadableStream
 * @param {(bytes: Uint8Array) => void} onBytes
 * @param {(e: any) => void} onError
 * @param {boolean} uint8Only chunks must be Uint8Arrays
 */
function readableStreamCollect(stream, onBytes, onError, uint8Only) {
  const s = rsImpl(stream);
  if (s === undefined) {
    onError(new TypeError('Not a ReadableStream'));
    return;
  }
  if (IsReadableStreamLocked(s)) {
    onError(new TypeError('The ReadableStream is locked'));
    return;
  }
  const reader = AcquireReadableStreamDefaultReader(s);
  const collect = new Collect(reader, onBytes, onError, !!uint8Only);
  collect.pump();
}

/** The read request of a proxy's pull: forwards one chunk to the proxy's controller. */
class ProxyReadRequest extends Deferred {
  /** @param {any} controller the proxy's default controller */
  constructor(controller) {
    super();
    this.controller = controller;
  }

  /** @param {any} chunk */
  chunkSteps(chunk) {
    ReadableStreamDefaultControllerEnqueue(this.controller, chunk);
    this.resolve(undefined);
  }

  closeSteps() {
    ReadableStreamDefaultControllerClose(this.controller);
    this.resolve(undefined);
  }

  /** @param {any} e */
  errorSteps(e) {
    ReadableStreamDefaultControllerError(this.controller, e);
    this.resolve(undefined);
  }
}

/**
 * "Create a proxy" for a stream (https://streams.spec.whatwg.org/#readablestream-create-a-proxy):
 * a new stream that reads from `stream`, which is locked and disturbed at once. It pulls one
 * chunk at a time rather than piping through an identity TransformStream; what a reader sees is
 * the same.
 * @param {any} stream a public ReadableStream, not locked
 */
function readableStreamProxy(stream) {
  const s = toStreamImpl(stream);
  if (IsReadableStreamLocked(s)) throw new TypeError('The ReadableStream is locked');
  const reader = AcquireReadableStreamDefaultReader(s);
  s.disturbed = true;
  /** @type {any} */
  let proxy;
  const pull = () => {
    const request = new ProxyReadRequest(proxy.controller);
    ReadableStreamDefaultReaderRead(reader, request);
    return request.promise;
  };
  const cancel = (/** @type {any} */ reason) => ReadableStreamReaderGenericCancel(reader, reason);
  proxy = CreateReadableStream(returnUndefined, pull, cancel, 0);
  return readableStreamPublic(proxy);
}

S.ReadableStreamTee = ReadableStreamTee;
S.ReadableStreamPipeTo = ReadableStreamPipeTo;

rt.internal.isReadableStream = (/** @type {any} */ v) => rsImpl(v) !== undefined;
rt.internal.isReadableStreamLocked = (/** @type {any} */ s) => IsReadableStreamLocked(toStreamImpl(s));
rt.internal.isReadableStreamDisturbed = (/** @type {any} */ s) => toStreamImpl(s).disturbed;
rt.internal.newReadableStreamFromPull = newReadableStreamFromPull;
rt.internal.newReadableStreamFromBytes = newReadableStreamFromBytes;
rt.internal.readableStreamGetReader = readableStreamGetReader;
rt.internal.readableStreamRead = readableStreamRead;
rt.internal.readableStreamCancel = readableStreamCancel;
rt.internal.readableStreamReleaseReader = readableStreamReleaseReader;
rt.internal.readableStreamReadAll = readableStreamReadAll;
rt.internal.readableStreamCollect = readableStreamCollect;
rt.internal.readableStreamProxy = readableStreamProxy;
/**
 * ReadableStreamTee for the runtime (Request/Response clone): two public branches.
 * @param {any} stream
 * @param {boolean} cloneForBranch2
 */
rt.internal.readableStreamTee = (stream, cloneForBranch2) => {
  const s = rsImpl(stream);
  if (s === undefined) throw new TypeError('Not a ReadableStream');
  if (IsReadableStreamLocked(s)) throw new TypeError('The ReadableStream is locked');
  const branches = ReadableStreamTee(s, !!cloneForBranch2);
  return [readableStreamPublic(branches[0]), readableStreamPublic(branches[1])];
};
