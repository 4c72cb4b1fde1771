// @ts-check
// structuredClone (https://html.spec.whatwg.org/#dom-structuredclone). StructuredSerialize and
// StructuredDeserialize run as one pass over the value graph: `memory` maps every object seen to
// its copy, so cycles and shared references come out the same shape.
//
// Transfer: ArrayBuffers in the transfer list are validated, their contents copied into the
// clone, and the originals detached (ArrayBuffer.prototype.transfer). Copied rather than moved:
// the clone pass reads views over a buffer before it is detached.

const {
  ArrayBuffer,
  ArrayBufferIsView,
  ArrayBufferPrototypeGetByteLength,
  ArrayIsArray,
  ArrayPrototypePush,
  BigIntPrototypeValueOf,
  BooleanPrototypeValueOf,
  DataView,
  DataViewPrototypeGetBuffer,
  DataViewPrototypeGetByteLength,
  DataViewPrototypeGetByteOffset,
  Date,
  DatePrototypeGetTime,
  Error,
  EvalError,
  MapPrototypeForEach,
  MapPrototypeGetSize,
  MapPrototypeSet,
  NumberPrototypeValueOf,
  ObjectCreate,
  ObjectDefineProperty,
  ObjectGetOwnPropertyDescriptor,
  ObjectKeys,
  ObjectPrototypeHasOwnProperty,
  ObjectPrototypeToString,
  RangeError,
  ReferenceError,
  RegExp,
  RegExpPrototypeGetDotAll,
  RegExpPrototypeGetGlobal,
  RegExpPrototypeGetHasIndices,
  RegExpPrototypeGetIgnoreCase,
  RegExpPrototypeGetMultiline,
  RegExpPrototypeGetSource,
  RegExpPrototypeGetSticky,
  RegExpPrototypeGetUnicode,
  SafeMap,
  SetPrototypeAdd,
  SetPrototypeForEach,
  SetPrototypeGetSize,
  String,
  StringPrototypeValueOf,
  SymbolPrototypeValueOf,
  SyntaxError,
  TypeError,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeSet,
  URIError,
  Uint8Array,
  WeakMapPrototypeHas,
  WeakSetPrototypeHas,
} = rt.primordials;
const P = rt.primordials;
const webidl = rt.internal.webidl;

/** @param {string} message */
function dataCloneError(message) {
  return rt.internal.makeDOMException('DataCloneError', message);
}

/**
 * Whether `f(v)` runs without throwing: a brand check through a built-in that checks its
 * receiver's internal slots.
 * @param {(v: any, ...rest: any[]) => any} f
 * @param {any} v
 * @param {any} [arg]
 */
function has(f, v, arg) {
  try {
    f(v, arg);
    return true;
  } catch {
    return false;
  }
}

/** @type {Record<string, Function>} */
const errorConstructors = {
  __proto__: null,
  Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError,
};

/** @type {Record<string, Function>} */
const typedArrayConstructors = {
  __proto__: null,
  Int8Array: P.Int8Array,
  Uint8Array: P.Uint8Array,
  Uint8ClampedArray: P.Uint8ClampedArray,
  Int16Array: P.Int16Array,
  Uint16Array: P.Uint16Array,
  Int32Array: P.Int32Array,
  Uint32Array: P.Uint32Array,
  Float32Array: P.Float32Array,
  Float64Array: P.Float64Array,
  BigInt64Array: P.BigInt64Array,
  BigUint64Array: P.BigUint64Array,
};

/**
 * @param {any} obj
 * @param {string} key
 * @param {any} value
 */
function defineData(obj, key, value) {
  ObjectDefineProperty(obj, key, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
}

/**
 * @param {any} obj
 * @param {string} key
 * @param {any} value
 */
function defineHidden(obj, key, value) {
  ObjectDefineProperty(obj, key, { __proto__: null, value, writable: true, enumerable: false, configurable: true });
}

/**
 * @param {ArrayBuffer} buffer
 */
function copyArrayBuffer(buffer) {
  const len = ArrayBufferPrototypeGetByteLength(buffer);
  const out = new ArrayBuffer(len);
  TypedArrayPrototypeSet(new Uint8Array(out), new Uint8Array(buffer, 0, len), 0);
  return out;
}

/**
 * Copies the own enumerable string-keyed properties of `value` to `out`, cloning each value.
 * @param {any} value
 * @param {any} out
 * @param {SafeMap} memory
 */
function copyProperties(value, out, memory) {
  const keys = ObjectKeys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (!ObjectPrototypeHasOwnProperty(value, key)) continue;
    defineData(out, key, clone(value[key], memory));
  }
}

/**
 * @param {any} value
 * @param {SafeMap} memory
 * @returns {any}
 */
function clone(value, memory) {
  const t = typeof value;
  if (t === 'symbol') throw dataCloneError('Symbol values cannot be cloned.');
  if (t === 'function') throw dataCloneError(`${String(value.name || 'function')} could not be cloned.`);
  if (t !== 'object' || value === null) return value;
  if (memory.has(value)) return memory.get(value);

  /** @type {any} */
  let out;
  if (has(BooleanPrototypeValueOf, value)) {
    out = new P.Object(BooleanPrototypeValueOf(value));
  } else if (has(NumberPrototypeValueOf, value)) {
    out = new P.Object(NumberPrototypeValueOf(value));
  } else if (has(BigIntPrototypeValueOf, value)) {
    out = new P.Object(BigIntPrototypeValueOf(value));
  } else if (has(StringPrototypeValueOf, value)) {
    out = new P.Object(StringPrototypeValueOf(value));
  } else if (has(SymbolPrototypeValueOf, value)) {
    throw dataCloneError('Symbol objects cannot be cloned.');
  } else if (has(DatePrototypeGetTime, value)) {
    out = new Date(DatePrototypeGetTime(value));
  } else if (has(RegExpPrototypeGetGlobal, value) && RegExpPrototypeGetGlobal(value) !== undefined) {
    let flags = '';
    if (RegExpPrototypeGetHasIndices && RegExpPrototypeGetHasIndices(value)) flags += 'd';
    if (RegExpPrototypeGetGlobal(value)) flags += 'g';
    if (RegExpPrototypeGetIgnoreCase(value)) flags += 'i';
    if (RegExpPrototypeGetMultiline(value)) flags += 'm';
    if (RegExpPrototypeGetDotAll(value)) flags += 's';
    if (RegExpPrototypeGetUnicode(value)) flags += 'u';
    if (RegExpPrototypeGetSticky(value)) flags += 'y';
    out = new RegExp(RegExpPrototypeGetSource(value), flags);
  } else if (webidl.isArrayBuffer(value)) {
    out = copyArrayBuffer(value);
  } else if (ArrayBufferIsView(value)) {
    const name = webidl.typedArrayName(value);
    if (name === undefined) {
      const buffer = clone(DataViewPrototypeGetBuffer(value), memory);
      out = new DataView(buffer, DataViewPrototypeGetByteOffset(value), DataViewPrototypeGetByteLength(value));
    } else {
      const Ctor = typedArrayConstructors[name];
      if (Ctor === undefined) throw dataCloneError(`${name} could not be cloned.`);
      const buffer = clone(TypedArrayPrototypeGetBuffer(value), memory);
      out = new /** @type {any} */ (Ctor)(buffer, TypedArrayPrototypeGetByteOffset(value), TypedArrayPrototypeGetLength(value));
    }
  } else if (has(MapPrototypeGetSize, value)) {
    out = new P.Map();
    memory.set(value, out);
    /** @type {any[]} */
    const entries = [];
    MapPrototypeForEach(value, (/** @type {any} */ v, /** @type {any} */ k) => ArrayPrototypePush(entries, k, v));
    for (let i = 0; i < entries.length; i += 2) {
      MapPrototypeSet(out, clone(entries[i], memory), clone(entries[i + 1], memory));
    }
    return out;
  } else if (has(SetPrototypeGetSize, value)) {
    out = new P.Set();
    memory.set(value, out);
    /** @type {any[]} */
    const entries = [];
    SetPrototypeForEach(value, (/** @type {any} */ v) => ArrayPrototypePush(entries, v));
    for (let i = 0; i < entries.length; i++) SetPrototypeAdd(out, clone(entries[i], memory));
    return out;
  } else if (typeof rt.internal.isBlob === 'function' && rt.internal.isBlob(value)) {
    out = rt.internal.cloneBlob(value);
  } else if (ArrayIsArray(value)) {
    out = new P.Array(value.length);
    memory.set(value, out);
    copyProperties(value, out, memory);
    return out;
  } else {
    const tag = ObjectPrototypeToString(value);
    if (tag === '[object Error]') {
      return cloneError(value, memory);
    }
    if (has(WeakMapPrototypeHas, value, {}) || has(WeakSetPrototypeHas, value, {})) {
      throw dataCloneError(`${tag} could not be cloned.`);
    }
    // Ordinary objects (user classes included) have no tag of their own; everything else
    // with one — Promise, WeakRef, the runtime's interfaces (Response, URL, …) — is a
    // non-serializable exotic or platform object.
    if (tag !== '[object Object]' && tag !== '[object Arguments]') {
      throw dataCloneError(`${tag} could not be cloned.`);
    }
    out = {};
    memory.set(value, out);
    copyProperties(value, out, memory);
    return out;
  }
  memory.set(value, out);
  return out;
}

/**
 * An Error's serialization: its name (one of the standard error types, else "Error"), its own
 * message and stack, and its own cause (cloned). Other properties are not kept.
 * @param {any} value
 * @param {SafeMap} memory
 */
function cloneError(value, memory) {
  let name = value.name;
  if (typeof name !== 'string' || errorConstructors[name] === undefined) name = 'Error';
  const messageDesc = ObjectGetOwnPropertyDescriptor(value, 'message');
  const message = messageDesc !== undefined && 'value' in messageDesc ? String(messageDesc.value) : undefined;
  const out = ObjectCreate(errorConstructors[name].prototype);
  memory.set(value, out);
  if (message !== undefined) defineHidden(out, 'message', message);
  // V8 13.6 gives errors an own accessor for stack (a data property on V8 10.2).
  const stackDesc = ObjectGetOwnPropertyDescriptor(value, 'stack');
  let stack;
  if (stackDesc !== undefined) {
    stack = 'value' in stackDesc ? stackDesc.value : stackDesc.get !== undefined ? P.ReflectApply(stackDesc.get, value, []) : undefined;
  }
  if (typeof stack === 'string') defineHidden(out, 'stack', stack);
  const causeDesc = ObjectGetOwnPropertyDescriptor(value, 'cause');
  if (causeDesc !== undefined && 'value' in causeDesc) {
    defineHidden(out, 'cause', clone(causeDesc.value, memory));
  }
  return out;
}

const convertOptions = webidl.createDictionaryConverter('StructuredSerializeOptions', [
  { key: 'transfer', converter: webidl.createSequenceConverter(webidl.converters.object), defaultValue: [] },
]);

/**
 * @param {any} value
 * @param {any} [options]
 */
function structuredClone(value, options = undefined) {
  const prefix = "Failed to execute 'structuredClone'";
  webidl.requiredArguments(arguments.length, 1, prefix);
  const opts = convertOptions(options, prefix, 'Argument 2');
  const transfer = opts.transfer;
  const memory = new SafeMap();
  const seen = new P.SafeSet();
  for (let i = 0; i < transfer.length; i++) {
    const t = transfer[i];
    if (!webidl.isArrayBuffer(t)) {
      throw dataCloneError(`${prefix}: Value at index ${i} of the transfer list is not transferable.`);
    }
    if (seen.has(t)) throw dataCloneError(`${prefix}: ArrayBuffer at index ${i} is a duplicate of an earlier one.`);
    if (ArrayBufferPrototypeGetByteLength(t) === 0 && isDetached(t)) {
      throw dataCloneError(`${prefix}: ArrayBuffer at index ${i} is already detached.`);
    }
    seen.add(t);
  }
  const result = clone(value, memory);
  // The transferred buffers' contents went into the clone (copied, not moved); the originals
  // are detached, as a transfer leaves them.
  for (let i = 0; i < transfer.length; i++) P.ArrayBufferPrototypeTransfer(transfer[i]);
  return result;
}

/**
 * @param {ArrayBuffer} buffer
 */
function isDetached(buffer) {
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

rt.internal.structuredClone = (/** @type {any} */ value) => clone(value, new SafeMap());
rt.expose('structuredClone', structuredClone);
