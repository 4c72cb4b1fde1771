// @ts-check
// Streams Standard (https://streams.spec.whatwg.org/): helpers shared by the stream files —
// promises that never consult user-replaceable built-ins, queues, queue-with-sizes, buffer
// helpers, queuing-strategy extraction, callback invocation and abort-signal access. Shared
// with the later stream files as rt.internal.streamsShared.

const {
  ArrayBuffer,
  ArrayBufferIsView,
  ArrayBufferPrototypeGetByteLength,
  BigInt64Array,
  BigUint64Array,
  DataView,
  DataViewPrototypeGetBuffer,
  DataViewPrototypeGetByteLength,
  DataViewPrototypeGetByteOffset,
  Float32Array,
  Float64Array,
  FunctionPrototypeCall,
  Int16Array,
  Int32Array,
  Int8Array,
  NumberIsNaN,
  ObjectCreate,
  ObjectGetOwnPropertyDescriptor,
  ObjectPrototypeToString,
  Promise,
  PromisePrototypeThen,
  PromiseReject,
  PromiseResolveSafe,
  RangeError,
  SymbolToStringTag,
  TypeError,
  TypedArray,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeSet,
  Uint16Array,
  Uint32Array,
  Uint8Array,
  Uint8ClampedArray,
  uncurryThis,
} = rt.primordials;

const webidl = rt.internal.webidl;
const { converters } = webidl;

/** @type {(v: any) => string | undefined} */
const TypedArrayPrototypeGetToStringTag = uncurryThis(
  /** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(TypedArray.prototype, SymbolToStringTag)).get);

/** Engine support for ArrayBuffer.prototype.transfer / .detached (V8 ≥ 11.4), else undefined. */
const ArrayBufferPrototypeTransfer = rt.primordials.ArrayBufferPrototypeTransfer;
const ArrayBufferPrototypeGetDetached = rt.primordials.ArrayBufferPrototypeGetDetached;

// ---------------------------------------------------------------------------------------------
// Promises.
//
// Nothing here calls a method a worker can replace: promises are made with the captured
// constructor, chained with the captured `then`, and a promise is never resolved with another
// promise (that would call the other promise's user-visible `then`).

/** @type {(value?: any) => void} */
let capturedResolve;
/** @type {(reason?: any) => void} */
let capturedReject;
/**
 * One executor shared by every promise the streams make, so making a promise allocates no
 * executor closure.
 * @param {(value?: any) => void} res
 * @param {(reason?: any) => void} rej
 */
function captureExecutor(res, rej) {
  capturedResolve = res;
  capturedReject = rej;
}

/** A promise with its resolving functions and whether it has been settled. */
class Deferred {
  constructor() {
    /** @type {Promise<any>} */
    this.promise = new Promise(captureExecutor);
    /** @type {(value?: any) => void} */
    this.res = capturedResolve;
    /** @type {(reason?: any) => void} */
    this.rej = capturedReject;
    /** 0 pending, 1 fulfilled, 2 rejected. */
    this.state = 0;
  }

  /** @param {any} [value] */
  resolve(value) {
    if (this.state !== 0) return;
    this.state = 1;
    this.res(value);
  }

  /** @param {any} reason */
  reject(reason) {
    if (this.state !== 0) return;
    this.state = 2;
    this.rej(reason);
  }

  /** Sets [[PromiseIsHandled]] to true. */
  markHandled() {
    PromisePrototypeThen(this.promise, undefined, noop);
  }
}

/** @returns {Deferred} */
function newDeferred() {
  return new Deferred();
}

/** @param {any} [value] */
function resolvedDeferred(value) {
  const d = new Deferred();
  d.resolve(value);
  return d;
}

/** @param {any} reason */
function rejectedDeferred(reason) {
  const d = new Deferred();
  d.reject(reason);
  d.markHandled();
  return d;
}

function noop() {}
function returnUndefined() {
  return undefined;
}

const resolvedUndefined = PromiseResolveSafe(undefined);

/**
 * "A promise resolved with" a value (https://webidl.spec.whatwg.org/#a-promise-resolved-with):
 * always a new promise, so a promise or thenable value is adopted over later turns, as the
 * spec's ordering of reactions assumes (Promise.resolve would return a promise itself).
 * @param {any} value
 * @returns {Promise<any>}
 */
function promiseResolvedWith(value) {
  if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
    const d = new Deferred();
    if (ObjectPrototypeToString(value) === '[object Promise]') {
      // Adopting a promise takes a turn to call its `then` and one for the reaction; the
      // captured `then` stands in for the one a worker may have replaced.
      queueMicrotaskSafe(() => {
        try {
          PromisePrototypeThen(value, d.res, d.rej);
        } catch {
          d.res(value); // not a promise after all: a thenable
        }
      });
    } else {
      d.res(value); // a thenable's own `then` is called, as the spec does
    }
    return d.promise;
  }
  return PromiseResolveSafe(value);
}

/**
 * "A promise rejected with" a reason.
 * @param {any} reason
 * @returns {Promise<any>}
 */
function promiseRejectedWith(reason) {
  return FunctionPrototypeCall(PromiseReject, Promise, reason);
}

/** @returns {Promise<undefined>} */
function promiseResolvedUndefined() {
  // A fresh promise each time: callers may mark it handled or hand it to user code.
  return PromiseResolveSafe(undefined);
}

/**
 * "Upon fulfillment / rejection": the reaction's result is never a promise here, and the
 * derived promise never rejects unhandled (the rejection handler is always present).
 * @param {Promise<any>} promise
 * @param {((value: any) => any) | undefined} onFulfilled
 * @param {((reason: any) => any) | undefined} [onRejected]
 */
function uponPromise(promise, onFulfilled, onRejected) {
  PromisePrototypeThen(promise, onFulfilled, onRejected === undefined ? noop : onRejected);
}

/**
 * "Transforming" / "reacting to" a promise and returning the new promise.
 * @param {Promise<any>} promise
 * @param {((value: any) => any) | undefined} onFulfilled
 * @param {((reason: any) => any) | undefined} [onRejected]
 * @returns {Promise<any>}
 */
function transformPromise(promise, onFulfilled, onRejected) {
  return PromisePrototypeThen(promise, onFulfilled, onRejected);
}

/**
 * "Reacting" to a promise with fulfillment steps that return a promise: the result adopts that
 * promise as promise resolution would (a turn later), through the captured `then`.
 * @param {Promise<any>} promise
 * @param {(value: any) => Promise<any>} onFulfilled
 * @returns {Promise<any>}
 */
function transformPromiseAdopting(promise, onFulfilled) {
  const d = new Deferred();
  PromisePrototypeThen(promise, (v) => {
    /** @type {Promise<any>} */
    let result;
    try {
      result = onFulfilled(v);
    } catch (e) {
      d.reject(e);
      return;
    }
    queueMicrotaskSafe(() => forwardPromise(d, result));
  }, (e) => {
    d.reject(e);
  });
  return d.promise;
}

/** @param {Promise<any>} promise */
function setPromiseIsHandled(promise) {
  PromisePrototypeThen(promise, undefined, noop);
}

/**
 * Settles `deferred` the way `promise` settles, without resolving one promise with another.
 * @param {Deferred} deferred
 * @param {Promise<any>} promise
 */
function forwardPromise(deferred, promise) {
  PromisePrototypeThen(promise, (v) => { deferred.resolve(v); }, (e) => { deferred.reject(e); });
}

/** Runs `fn` in a microtask. @param {() => void} fn */
function queueMicrotaskSafe(fn) {
  PromisePrototypeThen(resolvedUndefined, fn, undefined);
}

// ---------------------------------------------------------------------------------------------
// A FIFO list: an array and a head index (amortised O(1) shift, no user-visible array methods).

class List {
  constructor() {
    /** @type {any[]} */
    this.items = [];
    this.head = 0;
    this.length = 0;
  }

  /** @param {any} v */
  push(v) {
    this.items[this.head + this.length] = v;
    this.length++;
  }

  shift() {
    const items = this.items;
    const i = this.head;
    const v = items[i];
    items[i] = undefined;
    this.length--;
    if (this.length === 0) {
      this.head = 0;
      if (items.length > 64) this.items = [];
    } else {
      this.head = i + 1;
      if (this.head >= 1024 && this.head > this.length) this.compact();
    }
    return v;
  }

  compact() {
    const items = this.items;
    const n = this.length;
    const head = this.head;
    /** @type {any[]} */
    const out = [];
    for (let i = 0; i < n; i++) out[i] = items[head + i];
    this.items = out;
    this.head = 0;
  }

  peek() {
    return this.items[this.head];
  }

  /** @param {number} i */
  at(i) {
    return this.items[this.head + i];
  }

  clear() {
    this.items = [];
    this.head = 0;
    this.length = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Queue-with-sizes (https://streams.spec.whatwg.org/#queue-with-sizes). A container has
// `queue` (a List of value, size, value, size, …) and `queueTotalSize`.

/**
 * @typedef {{ queue: List, queueTotalSize: number }} QueueContainer
 */

/** @param {QueueContainer} container */
function DequeueValue(container) {
  const queue = container.queue;
  const value = queue.shift();
  const size = queue.shift();
  container.queueTotalSize -= size;
  if (container.queueTotalSize < 0) container.queueTotalSize = 0; // rounding errors
  return value;
}

/**
 * @param {QueueContainer} container
 * @param {any} value
 * @param {any} size
 */
function EnqueueValueWithSize(container, value, size) {
  if (!IsNonNegativeNumber(size)) {
    throw new RangeError('The size of a chunk must be a finite, non-negative number.');
  }
  if (size === Infinity) {
    throw new RangeError('The size of a chunk must be a finite, non-negative number.');
  }
  container.queue.push(value);
  container.queue.push(size);
  container.queueTotalSize += size;
}

/** @param {QueueContainer} container */
function PeekQueueValue(container) {
  return container.queue.peek();
}

/** @param {QueueContainer} container */
function ResetQueue(container) {
  container.queue = new List();
  container.queueTotalSize = 0;
}

/** @param {any} v */
function IsNonNegativeNumber(v) {
  if (typeof v !== 'number') return false;
  if (NumberIsNaN(v)) return false;
  return v >= 0;
}

// ---------------------------------------------------------------------------------------------
// Buffers and views, read through captured getters (a worker can shadow `byteLength`).

/** @param {any} v */
function isTypedArray(v) {
  return TypedArrayPrototypeGetToStringTag(v) !== undefined;
}

/** @param {any} v */
function isArrayBufferView(v) {
  return ArrayBufferIsView(v);
}

/** @param {ArrayBufferView} v */
function viewBuffer(v) {
  return isTypedArray(v) ? TypedArrayPrototypeGetBuffer(v) : DataViewPrototypeGetBuffer(v);
}

/** @param {ArrayBufferView} v */
function viewByteOffset(v) {
  return isTypedArray(v) ? TypedArrayPrototypeGetByteOffset(v) : DataViewPrototypeGetByteOffset(v);
}

/** @param {ArrayBufferView} v */
function viewByteLength(v) {
  return isTypedArray(v) ? TypedArrayPrototypeGetByteLength(v) : DataViewPrototypeGetByteLength(v);
}

/**
 * The byte length of an ArrayBuffer, or -1 for anything else (a SharedArrayBuffer included).
 * @param {any} buffer
 */
function arrayBufferByteLength(buffer) {
  try {
    return ArrayBufferPrototypeGetByteLength(buffer);
  } catch {
    return -1;
  }
}

/**
 * The typed array constructors and element sizes, by [[TypedArrayName]].
 * @type {Record<string, [Function, number]>}
 */
const typedArrayTable = ObjectCreate(null);
typedArrayTable.Int8Array = [Int8Array, 1];
typedArrayTable.Uint8Array = [Uint8Array, 1];
typedArrayTable.Uint8ClampedArray = [Uint8ClampedArray, 1];
typedArrayTable.Int16Array = [Int16Array, 2];
typedArrayTable.Uint16Array = [Uint16Array, 2];
typedArrayTable.Int32Array = [Int32Array, 4];
typedArrayTable.Uint32Array = [Uint32Array, 4];
typedArrayTable.Float32Array = [Float32Array, 4];
typedArrayTable.Float64Array = [Float64Array, 8];
if (BigInt64Array) typedArrayTable.BigInt64Array = [BigInt64Array, 8];
if (BigUint64Array) typedArrayTable.BigUint64Array = [BigUint64Array, 8];

/**
 * The view's constructor (an intrinsic) and element size: [DataView, 1] for a DataView.
 * @param {ArrayBufferView} view
 * @returns {[Function, number]}
 */
function viewKind(view) {
  const tag = TypedArrayPrototypeGetToStringTag(view);
  if (tag === undefined) return [DataView, 1];
  return typedArrayTable[tag];
}

/**
 * The number of elements of a typed array (its [[ArrayLength]]).
 * @param {ArrayBufferView} view
 */
function typedArrayLength(view) {
  return TypedArrayPrototypeGetLength(view);
}

/**
 * IsDetachedBuffer. Without the engine's `detached` getter a detached buffer is recognised by
 * its zero byte length; every caller has already rejected zero-length buffers, so the two agree.
 * @param {ArrayBuffer} buffer
 */
function IsDetachedBuffer(buffer) {
  if (ArrayBufferPrototypeGetDetached !== undefined) return ArrayBufferPrototypeGetDetached(buffer);
  return ArrayBufferPrototypeGetByteLength(buffer) === 0;
}

/**
 * CanTransferArrayBuffer.
 * @param {ArrayBuffer} buffer
 */
function CanTransferArrayBuffer(buffer) {
  return !IsDetachedBuffer(buffer);
}

/**
 * TransferArrayBuffer: the buffer's bytes move to a new ArrayBuffer and the old one is
 * detached (ArrayBuffer.prototype.transfer).
 * @param {ArrayBuffer} buffer
 * @returns {ArrayBuffer}
 */
function TransferArrayBuffer(buffer) {
  if (IsDetachedBuffer(buffer)) throw new TypeError('The ArrayBuffer is detached.');
  return ArrayBufferPrototypeTransfer(buffer);
}

/**
 * CopyDataBlockBytes between two ArrayBuffers.
 * @param {ArrayBuffer} dest
 * @param {number} destStart
 * @param {ArrayBuffer} src
 * @param {number} srcStart
 * @param {number} count
 */
function CopyDataBlockBytes(dest, destStart, src, srcStart, count) {
  TypedArrayPrototypeSet(new Uint8Array(dest, destStart, count), new Uint8Array(src, srcStart, count), 0);
}

/**
 * CloneArrayBuffer(buffer, byteOffset, byteLength, %ArrayBuffer%).
 * @param {ArrayBuffer} buffer
 * @param {number} byteOffset
 * @param {number} byteLength
 */
function CloneArrayBuffer(buffer, byteOffset, byteLength) {
  const clone = new ArrayBuffer(byteLength);
  CopyDataBlockBytes(clone, 0, buffer, byteOffset, byteLength);
  return clone;
}

/**
 * CloneAsUint8Array.
 * @param {ArrayBufferView} view
 */
function CloneAsUint8Array(view) {
  const buffer = CloneArrayBuffer(viewBuffer(view), viewByteOffset(view), viewByteLength(view));
  return new Uint8Array(buffer);
}

// ---------------------------------------------------------------------------------------------
// Queuing strategies and callbacks.

const QueuingStrategy = webidl.createDictionaryConverter('QueuingStrategy', [
  { key: 'highWaterMark', converter: converters['unrestricted double'] },
  { key: 'size', converter: converters.Function },
]);

/**
 * ExtractHighWaterMark.
 * @param {Record<string, any>} strategy a converted QueuingStrategy
 * @param {number} defaultHWM
 */
function ExtractHighWaterMark(strategy, defaultHWM) {
  if (strategy.highWaterMark === undefined) return defaultHWM;
  const highWaterMark = strategy.highWaterMark;
  if (NumberIsNaN(highWaterMark) || highWaterMark < 0) {
    throw new RangeError('The highWaterMark of a queuing strategy must be a non-negative number.');
  }
  return highWaterMark;
}

/** @returns {number} */
function sizeOne() {
  return 1;
}

/**
 * ExtractSizeAlgorithm.
 * @param {Record<string, any>} strategy a converted QueuingStrategy
 * @returns {(chunk: any) => number}
 */
function ExtractSizeAlgorithm(strategy) {
  const size = strategy.size;
  if (size === undefined) return sizeOne;
  // Invoking a QueuingStrategySize callback returns an unrestricted double.
  return (chunk) => +FunctionPrototypeCall(size, undefined, chunk);
}

/**
 * Invokes a callback whose IDL return type is Promise<undefined>: a throw becomes a rejected
 * promise, a value becomes a promise resolved with it. The callback gets as many arguments as
 * were passed after thisArg.
 * @param {Function} fn
 * @param {any} thisArg
 * @param {any} [arg1]
 * @param {any} [arg2]
 * @returns {Promise<any>}
 */
function invokePromiseCallback(fn, thisArg, arg1, arg2) {
  let result;
  try {
    const n = arguments.length;
    if (n <= 2) result = FunctionPrototypeCall(fn, thisArg);
    else if (n === 3) result = FunctionPrototypeCall(fn, thisArg, arg1);
    else result = FunctionPrototypeCall(fn, thisArg, arg1, arg2);
  } catch (e) {
    return promiseRejectedWith(e);
  }
  // WebIDL converts the callback's result to a Promise with "a promise resolved with".
  return promiseResolvedWith(result);
}

/**
 * Calls a runtime-internal function that returns a promise (or a value), turning a throw into
 * a rejected promise.
 * @param {Function} fn
 * @param {any} [arg1]
 * @param {any} [arg2]
 * @returns {Promise<any>}
 */
function callToPromise(fn, arg1, arg2) {
  let result;
  try {
    result = fn(arg1, arg2);
  } catch (e) {
    return promiseRejectedWith(e);
  }
  return PromiseResolveSafe(result);
}

// ---------------------------------------------------------------------------------------------
// AbortSignal access: through rt.internal.abortSignal (the event extension) when present,
// else duck-typed (aborted, reason, addEventListener('abort')).

/** @param {any} v */
function isAbortSignal(v) {
  const api = rt.internal.abortSignal;
  if (api !== undefined) return api.is(v);
  return webidl.isObject(v) && 'aborted' in v && typeof v.addEventListener === 'function';
}

/** @param {any} signal */
function signalAborted(signal) {
  const api = rt.internal.abortSignal;
  if (api !== undefined) return api.aborted(signal);
  return !!signal.aborted;
}

/** @param {any} signal */
function signalReason(signal) {
  const api = rt.internal.abortSignal;
  if (api !== undefined) return api.reason(signal);
  return signal.reason;
}

/**
 * @param {any} signal
 * @param {() => void} algorithm
 */
function signalAdd(signal, algorithm) {
  const api = rt.internal.abortSignal;
  if (api !== undefined) api.add(signal, algorithm);
  else signal.addEventListener('abort', algorithm);
}

/**
 * @param {any} signal
 * @param {() => void} algorithm
 */
function signalRemove(signal, algorithm) {
  const api = rt.internal.abortSignal;
  if (api !== undefined) api.remove(signal, algorithm);
  else signal.removeEventListener('abort', algorithm);
}

// ---------------------------------------------------------------------------------------------
// Errors and WebIDL shapes.

/** @param {string} message */
function typeError(message) {
  return new TypeError(message);
}

/** @param {string} message */
function rangeError(message) {
  return new RangeError(message);
}

/** A key internal code passes to constructors that user code may not call. */
const kInternal = webidl.illegalConstructorKey;

rt.internal.streamsShared = {
  __proto__: null,
  webidl,
  converters,
  Deferred,
  newDeferred,
  resolvedDeferred,
  rejectedDeferred,
  noop,
  returnUndefined,
  promiseResolvedWith,
  promiseRejectedWith,
  promiseResolvedUndefined,
  uponPromise,
  transformPromise,
  transformPromiseAdopting,
  setPromiseIsHandled,
  forwardPromise,
  queueMicrotaskSafe,
  List,
  DequeueValue,
  EnqueueValueWithSize,
  PeekQueueValue,
  ResetQueue,
  IsNonNegativeNumber,
  isTypedArray,
  isArrayBufferView,
  viewBuffer,
  viewByteOffset,
  viewByteLength,
  viewKind,
  typedArrayLength,
  arrayBufferByteLength,
  IsDetachedBuffer,
  CanTransferArrayBuffer,
  TransferArrayBuffer,
  CopyDataBlockBytes,
  CloneArrayBuffer,
  CloneAsUint8Array,
  TypedArrayPrototypeGetToStringTag,
  QueuingStrategy,
  ExtractHighWaterMark,
  ExtractSizeAlgorithm,
  invokePromiseCallback,
  callToPromise,
  isAbortSignal,
  signalAborted,
  signalReason,
  signalAdd,
  signalRemove,
  typeError,
  rangeError,
  kInternal,
};
