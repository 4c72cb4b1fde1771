// @ts-check
// Captures the built-ins the runtime uses, before any user code runs, so that a worker which
// replaces Array.prototype.push or Promise.prototype.then changes nothing inside the runtime.
// Naming: `<Global>` for the constructor, `<Global><Static>` for static members,
// `<Global>Prototype<Method>(self, ...args)` for prototype methods (uncurried),
// `<Global>PrototypeGet<Accessor>(self)` for getters.

/** @type {Record<string, any>} */
const primordials = Object.create(null);
// The names the runtime's files mention (snapshot.Build lists every capitalised identifier in
// them): only those are captured, since each capture costs every isolate memory (capturing all
// of them cost 40 KiB of heap per worker, measured on V8 13.6). Without the list, everything is
// captured.
/** @type {Set<string> | null} */
const wanted = Array.isArray(rt.primordialNames) ? new Set(rt.primordialNames) : null;
delete rt.primordialNames;
/**
 * @param {string} name
 * @param {any} value
 */
function capture(name, value) {
  if (wanted === null || wanted.has(name)) primordials[name] = value;
}
const { apply, bind, call } = Function.prototype;
/** @type {(fn: Function) => (self: any, ...args: any[]) => any} */
const uncurryThis = bind.bind(call);
primordials.uncurryThis = uncurryThis;
/** @type {(fn: Function, self: any, args: ArrayLike<any>) => any} */
primordials.ReflectApply = Reflect.apply;

/** @param {string} name */
function upper(name) {
  return name[0].toUpperCase() + name.slice(1);
}

/**
 * @param {string} prefix
 * @param {object} src
 * @param {boolean} proto
 */
function copy(prefix, src, proto) {
  for (const key of Reflect.ownKeys(src)) {
    if (typeof key !== 'string') {
      if (key === Symbol.iterator || key === Symbol.asyncIterator) {
        const d = Reflect.getOwnPropertyDescriptor(src, key);
        if (d && typeof d.value === 'function') {
          const n = key === Symbol.iterator ? 'SymbolIterator' : 'SymbolAsyncIterator';
          capture(`${prefix}${n}`, proto ? uncurryThis(d.value) : d.value);
        }
      }
      continue;
    }
    const d = Reflect.getOwnPropertyDescriptor(src, key);
    if (!d) continue;
    const name = `${prefix}${upper(key)}`;
    if ('value' in d) {
      capture(name, proto && typeof d.value === 'function' ? uncurryThis(d.value) : d.value);
    } else {
      if (d.get) capture(`${prefix}Get${upper(key)}`, proto ? uncurryThis(d.get) : d.get);
      if (d.set) capture(`${prefix}Set${upper(key)}`, proto ? uncurryThis(d.set) : d.set);
    }
  }
}

for (const name of [
  'Array', 'ArrayBuffer', 'BigInt', 'Boolean', 'DataView', 'Date', 'Error', 'EvalError',
  'Float16Array', 'Float32Array', 'Float64Array', 'Function', 'Int16Array', 'Int32Array', 'Int8Array', 'Map',
  'Number', 'Object', 'Promise', 'RangeError', 'ReferenceError', 'RegExp', 'Set', 'String',
  'Symbol', 'SyntaxError', 'TypeError', 'URIError', 'Uint16Array', 'Uint32Array', 'Uint8Array',
  'Uint8ClampedArray', 'WeakMap', 'WeakRef', 'WeakSet', 'BigInt64Array', 'BigUint64Array',
  'FinalizationRegistry',
]) {
  const ctor = /** @type {any} */ (globalThis)[name];
  if (typeof ctor !== 'function') continue;
  primordials[name] = ctor;
  copy(name, ctor, false);
  if (ctor.prototype) copy(`${name}Prototype`, ctor.prototype, true);
}
for (const name of ['JSON', 'Math', 'Reflect', 'Atomics']) {
  const ns = /** @type {any} */ (globalThis)[name];
  if (ns) copy(name, ns, false);
}
const TypedArray = Object.getPrototypeOf(Uint8Array);
primordials.TypedArray = TypedArray;
copy('TypedArrayPrototype', TypedArray.prototype, true);
primordials.globalThis = globalThis;
primordials.isNaN = isNaN;
primordials.encodeURIComponent = encodeURIComponent;
primordials.decodeURIComponent = decodeURIComponent;

// Iterator prototypes, for runtime objects that implement iteration.
primordials.ArrayIteratorPrototype = Object.getPrototypeOf([][Symbol.iterator]());
primordials.ArrayIteratorPrototypeNext = uncurryThis(primordials.ArrayIteratorPrototype.next);
primordials.AsyncIteratorPrototype = Object.getPrototypeOf(
  Object.getPrototypeOf(async function* () {}).prototype);
primordials.IteratorPrototype = Object.getPrototypeOf(primordials.ArrayIteratorPrototype);

/**
 * Makes a class whose instances behave like Map but ignore changes to Map.prototype.
 * @template {Function} T
 * @param {T} Base
 * @returns {T}
 */
function makeSafe(Base) {
  // An explicit constructor: V8 10.2's default derived constructor spreads its arguments, which
  // calls Array.prototype[Symbol.iterator], a method the worker may have replaced.
  // @ts-ignore
  const Safe = class extends Base {
    /** @param {any} [iterable] */
    constructor(iterable) {
      super(iterable);
    }
  };
  for (const key of Reflect.ownKeys(Base.prototype)) {
    if (key === 'constructor') continue;
    const d = Reflect.getOwnPropertyDescriptor(Base.prototype, key);
    if (d) Reflect.defineProperty(Safe.prototype, key, d);
  }
  Object.freeze(Safe.prototype);
  Object.freeze(Safe);
  return /** @type {T} */ (/** @type {unknown} */ (Safe));
}
primordials.SafeMap = makeSafe(Map);
primordials.SafeSet = makeSafe(Set);
primordials.SafeWeakMap = makeSafe(WeakMap);
primordials.SafeWeakSet = makeSafe(WeakSet);

// Static methods are copied unbound (call them with FunctionPrototypeCall(PromiseReject,
// Promise, x)); these wrappers call the common ones with their constructor.
const promiseResolve = Promise.resolve;
const promiseReject = Promise.reject;
const reflectApply = Reflect.apply;
/** @type {(value: any) => Promise<any>} */
primordials.SafePromiseResolve = (value) => reflectApply(promiseResolve, Promise, [value]);
/** @type {(reason: any) => Promise<any>} */
primordials.PromiseResolveSafe = primordials.SafePromiseResolve;
/** @type {(reason: any) => Promise<any>} */
primordials.SafePromiseReject = (reason) => reflectApply(promiseReject, Promise, [reason]);

Object.freeze(primordials);
rt.primordials = primordials;
