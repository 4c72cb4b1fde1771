// @ts-check
// ReadableStream async iteration (the WebIDL asynchronous iterator with the stream's iteration
// steps: values(), [Symbol.asyncIterator]()) and ReadableStream.from
// (ReadableStreamFromIterable).

const {
  AsyncIteratorPrototype,
  FunctionPrototypeCall,
  ObjectDefineProperty,
  ObjectFreeze,
  ObjectGetOwnPropertyDescriptor,
  ObjectSetPrototypeOf,
  PromisePrototypeThen,
  ReflectDeleteProperty,
  String,
  SymbolAsyncIterator,
  SymbolIterator,
  SymbolToStringTag,
  TypeError,
} = rt.primordials;
const S = rt.internal.streamsShared;
const {
  webidl,
  Deferred,
  returnUndefined,
  promiseResolvedWith,
  promiseRejectedWith,
  promiseResolvedUndefined,
  transformPromise,
  CreateReadableStream,
  ReadableStreamDefaultControllerClose,
  ReadableStreamDefaultControllerEnqueue,
  ReadableStreamDefaultReaderRead,
  ReadableStreamDefaultReaderRelease,
  ReadableStreamReaderGenericCancel,
} = S;

// ---------------------------------------------------------------------------------------------
// ReadableStream.from.

/**
 * ReadableStreamFromIterable.
 * @param {any} asyncIterable
 */
function ReadableStreamFromIterable(asyncIterable) {
  const source = new IterableSource(asyncIterable);
  const stream = CreateReadableStream(returnUndefined, source.pull, source.cancel, 0);
  source.controller = stream.controller;
  return stream;
}

/**
 * GetMethod(V, P).
 * @param {any} V
 * @param {PropertyKey} P
 */
function GetMethod(V, P) {
  const func = V[P];
  if (func === undefined || func === null) return undefined;
  if (typeof func !== 'function') throw new TypeError(`${String(P)} is not a function`);
  return func;
}

/**
 * The iterator record and algorithms of ReadableStream.from. A synchronous iterator is wrapped
 * the way CreateAsyncFromSyncIterator does: each value is awaited before it is enqueued.
 */
class IterableSource {
  /** @param {any} iterable */
  constructor(iterable) {
    // GetIterator(asyncIterable, async)
    let method = GetMethod(iterable, SymbolAsyncIterator);
    this.sync = false;
    if (method === undefined) {
      method = GetMethod(iterable, SymbolIterator);
      if (method === undefined) {
        throw new TypeError("Failed to execute 'from' on 'ReadableStream': The argument is not iterable");
      }
      this.sync = true;
    }
    const iterator = FunctionPrototypeCall(method, iterable);
    if (!webidl.isObject(iterator)) {
      throw new TypeError("Failed to execute 'from' on 'ReadableStream': The iterator is not an object");
    }
    this.iterator = iterator;
    this.nextMethod = iterator.next;
    /** @type {any} */
    this.controller = /** @type {any} */ (undefined);
    /** @type {() => Promise<any>} */
    this.pull = () => this.pullSteps();
    /** @type {(reason: any) => Promise<any>} */
    this.cancel = (reason) => this.cancelSteps(reason);
    this.onIterResult = (/** @type {any} */ iterResult) => {
      if (!webidl.isObject(iterResult)) throw new TypeError('The iterator result is not an object');
      if (iterResult.done) {
        ReadableStreamDefaultControllerClose(this.controller);
      } else {
        ReadableStreamDefaultControllerEnqueue(this.controller, iterResult.value);
      }
    };
    this.onSyncValue = (/** @type {any} */ value) => {
      ReadableStreamDefaultControllerEnqueue(this.controller, value);
    };
    this.onSyncDone = () => {
      ReadableStreamDefaultControllerClose(this.controller);
    };
    this.onSyncValueRejected = (/** @type {any} */ reason) => {
      // A rejected value closes the synchronous iterator (AsyncFromSyncIteratorContinuation).
      try {
        const ret = GetMethod(this.iterator, 'return');
        if (ret !== undefined) FunctionPrototypeCall(ret, this.iterator);
      } catch {
        // The rejection reason wins.
      }
      throw reason;
    };
  }

  /** @returns {Promise<any>} */
  pullSteps() {
    let nextResult;
    try {
      nextResult = FunctionPrototypeCall(this.nextMethod, this.iterator);
      if (!webidl.isObject(nextResult)) throw new TypeError('The iterator result is not an object');
      if (this.sync) {
        const done = !!nextResult.done;
        const value = nextResult.value;
        let valueWrapper;
        try {
          valueWrapper = promiseResolvedWith(value);
        } catch (e) {
          if (!done) this.onSyncValueRejected(e);
          throw e;
        }
        if (done) return transformPromise(valueWrapper, this.onSyncDone);
        return transformPromise(valueWrapper, this.onSyncValue, this.onSyncValueRejected);
      }
    } catch (e) {
      return promiseRejectedWith(e);
    }
    return transformPromise(promiseResolvedWith(nextResult), this.onIterResult);
  }

  /**
   * @param {any} reason
   * @returns {Promise<any>}
   */
  cancelSteps(reason) {
    const iterator = this.iterator;
    let returnResult;
    try {
      const returnMethod = GetMethod(iterator, 'return');
      if (returnMethod === undefined) return promiseResolvedUndefined();
      returnResult = FunctionPrototypeCall(returnMethod, iterator, reason);
      if (this.sync) {
        if (!webidl.isObject(returnResult)) throw new TypeError('The iterator result is not an object');
        // AsyncFromSyncIteratorContinuation: reads done, then awaits the value.
        void returnResult.done;
        return transformPromise(promiseResolvedWith(returnResult.value), returnUndefined);
      }
    } catch (e) {
      return promiseRejectedWith(e);
    }
    return transformPromise(promiseResolvedWith(returnResult), checkIterResultObject);
  }
}

/** @param {any} iterResult */
function checkIterResultObject(iterResult) {
  if (!webidl.isObject(iterResult)) throw new TypeError('The iterator result is not an object');
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Async iteration (WebIDL asynchronous iterators, with the ReadableStream's iteration steps).

/** "End of iteration", resolved by the read request when the stream closes. */
const endOfIteration = ObjectFreeze({ __proto__: null });

class AsyncIteratorState {
  /**
   * @param {any} reader
   * @param {boolean} preventCancel
   */
  constructor(reader, preventCancel) {
    this.reader = reader;
    this.preventCancel = preventCancel;
    /** @type {Promise<any> | null} */
    this.ongoing = null;
    this.finished = false;
    this.onFulfilled = (/** @type {any} */ next) => {
      this.ongoing = null;
      if (next === endOfIteration) {
        this.finished = true;
        return { value: undefined, done: true };
      }
      return { value: next, done: false };
    };
    this.onRejected = (/** @type {any} */ reason) => {
      this.ongoing = null;
      this.finished = true;
      throw reason;
    };
    this.nextSteps = () => asyncIteratorNextSteps(this);
  }
}

/** The read request of the async iterator's "get the next iteration result". */
class IteratorReadRequest extends Deferred {
  /** @param {any} reader */
  constructor(reader) {
    super();
    this.reader = reader;
  }

  /** @param {any} chunk */
  chunkSteps(chunk) {
    this.resolve(chunk);
  }

  closeSteps() {
    ReadableStreamDefaultReaderRelease(this.reader);
    this.resolve(endOfIteration);
  }

  /** @param {any} e */
  errorSteps(e) {
    ReadableStreamDefaultReaderRelease(this.reader);
    this.reject(e);
  }
}

/**
 * @param {AsyncIteratorState} st
 * @returns {Promise<any>}
 */
function asyncIteratorNextSteps(st) {
  if (st.finished) return promiseResolvedWith({ value: undefined, done: true });
  const reader = st.reader;
  const readRequest = new IteratorReadRequest(reader);
  if (reader.stream === undefined) {
    readRequest.reject(new TypeError('The iterator\'s reader was released'));
  } else {
    ReadableStreamDefaultReaderRead(reader, readRequest);
  }
  return PromisePrototypeThen(readRequest.promise, st.onFulfilled, st.onRejected);
}

/**
 * The asynchronous iterator return steps.
 * @param {AsyncIteratorState} st
 * @param {any} value
 * @returns {Promise<any>}
 */
function asyncIteratorReturnSteps(st, value) {
  if (st.finished) return promiseResolvedWith({ value, done: true });
  st.finished = true;
  const reader = st.reader;
  if (reader.stream === undefined) return promiseResolvedUndefined();
  if (!st.preventCancel) {
    const result = ReadableStreamReaderGenericCancel(reader, value);
    ReadableStreamDefaultReaderRelease(reader);
    return result;
  }
  ReadableStreamDefaultReaderRelease(reader);
  return promiseResolvedUndefined();
}

/** @type {(v: any) => AsyncIteratorState | undefined} */
let iteratorState;
/** @type {(st: AsyncIteratorState) => object} */
let iteratorCreate;

class ReadableStreamAsyncIterator {
  /** @type {AsyncIteratorState} */
  #state;

  /** @param {AsyncIteratorState} st */
  constructor(st) {
    this.#state = st;
  }

  next() {
    const st = iteratorState(this);
    if (st === undefined) return promiseRejectedWith(new TypeError('Illegal invocation'));
    const ongoing = st.ongoing;
    if (ongoing !== null) {
      st.ongoing = PromisePrototypeThen(ongoing, st.nextSteps, st.nextSteps);
    } else {
      st.ongoing = asyncIteratorNextSteps(st);
    }
    return st.ongoing;
  }

  /** @param {any} value */
  return(value) {
    const st = iteratorState(this);
    if (st === undefined) return promiseRejectedWith(new TypeError('Illegal invocation'));
    const returnSteps = () => asyncIteratorReturnSteps(st, value);
    const ongoing = st.ongoing;
    if (ongoing !== null) {
      st.ongoing = PromisePrototypeThen(ongoing, returnSteps, returnSteps);
    } else {
      st.ongoing = returnSteps();
    }
    return PromisePrototypeThen(st.ongoing, () => ({ value, done: true }), undefined);
  }

  static {
    iteratorState = (v) => (webidl.isObject(v) && #state in v ? v.#state : undefined);
    iteratorCreate = (st) => new ReadableStreamAsyncIterator(st);
  }
}
{
  // %ReadableStreamAsyncIteratorPrototype%: next and return, enumerable, on %AsyncIteratorPrototype%.
  const proto = ReadableStreamAsyncIterator.prototype;
  ReflectDeleteProperty(proto, 'constructor');
  ObjectSetPrototypeOf(proto, AsyncIteratorPrototype);
  for (const key of ['next', 'return']) {
    const d = /** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(proto, key));
    d.enumerable = true;
    ObjectDefineProperty(proto, key, d);
  }
  ObjectDefineProperty(proto, SymbolToStringTag, {
    __proto__: null, value: 'ReadableStream AsyncIterator', writable: false, enumerable: false, configurable: true,
  });
}

/**
 * @param {any} reader
 * @param {boolean} preventCancel
 */
function createAsyncIterator(reader, preventCancel) {
  return iteratorCreate(new AsyncIteratorState(reader, preventCancel));
}

S.ReadableStreamFromIterable = ReadableStreamFromIterable;
S.createAsyncIterator = createAsyncIterator;
