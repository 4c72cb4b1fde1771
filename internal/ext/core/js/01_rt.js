// @ts-check
// The runtime object's helpers every other file uses: exposing globals and async ops.
const {
  ObjectDefineProperty, Promise, ReflectApply, SafeMap, SafeSet, TypeError, Error, ReflectDeleteProperty,
  ReflectGet,
} = rt.primordials;

/**
 * Defines a global the way WebIDL does for interfaces and namespaces: writable, configurable,
 * not enumerable.
 * @param {string} name
 * @param {unknown} value
 */
rt.expose = (name, value) => {
  ObjectDefineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
};

/** @type {Map<number, {resolve: (v: any) => void, reject: (e: any) => void}>} */
const pendingOps = new SafeMap();
let nextPromiseId = 1;

/**
 * Starts async op `name` and returns a promise that a later turn settles.
 * @param {string} name
 * @param {...any} args
 * @returns {Promise<any>}
 */
rt.opAsync = (name, ...args) => {
  const fn = rt.ops[name];
  if (typeof fn !== 'function') throw new TypeError(`unknown async op ${name}`);
  const id = nextPromiseId++;
  // No spread: it would call Array.prototype[Symbol.iterator], which the worker may replace.
  const callArgs = [id];
  for (let i = 0; i < args.length; i++) callArgs[i + 1] = args[i];
  return new Promise((resolve, reject) => {
    pendingOps.set(id, { resolve, reject });
    try {
      ReflectApply(fn, undefined, callArgs);
    } catch (e) {
      pendingOps.delete(id);
      reject(e);
    }
  });
};

/**
 * Settles the promise of async op `id`. Called by Go in its own turn. A failed op passes the
 * error's class (1 Error, 2 TypeError, 3 RangeError, 4 DOMException), name and message.
 * @param {number} id
 * @param {boolean} ok
 * @param {any} value
 * @param {number} [errClass]
 * @param {string} [errName]
 */
rt.host.opComplete = (id, ok, value, errClass, errName) => {
  const p = pendingOps.get(id);
  if (p === undefined) return;
  pendingOps.delete(id);
  if (ok) {
    p.resolve(value);
    return;
  }
  p.reject(rt.internal.makeError(errClass ?? 1, errName ?? '', value));
};

/**
 * Makes the JS error an op failure describes.
 * @param {number} errClass
 * @param {string} name
 * @param {string} message
 */
rt.internal.makeError = (errClass, name, message) => {
  switch (errClass) {
    case 2: return new TypeError(message);
    case 3: return new rt.primordials.RangeError(message);
    case 4:
      if (typeof rt.internal.makeDOMException === 'function') return rt.internal.makeDOMException(name, message);
  }
  return new Error(message);
};

/**
 * The built-ins as they were before any user code ran: for each object, its own properties'
 * descriptors. A lazy extension's files run after user code, which may have replaced
 * Array.prototype[Symbol.iterator], Promise.prototype.then or Object.prototype.then; their top
 * level runs with these put back (withPristineBuiltins).
 * @type {Array<{obj: any, keys: Array<string|symbol>, descs: PropertyDescriptor[], strict: boolean}>}
 */
const pristine = [];
{
  const { ReflectOwnKeys, ReflectGetOwnPropertyDescriptor, ObjectGetPrototypeOf } = rt.primordials;
  const TypedArray = ObjectGetPrototypeOf(Uint8Array);
  const prototypes = [
    Object.prototype, Function.prototype, Array.prototype, rt.primordials.ArrayIteratorPrototype,
    rt.primordials.IteratorPrototype, rt.primordials.AsyncIteratorPrototype, Promise.prototype, Map.prototype,
    Set.prototype, WeakMap.prototype, WeakSet.prototype, String.prototype, Symbol.prototype, Number.prototype,
    Error.prototype, ArrayBuffer.prototype, TypedArray.prototype, Uint8Array.prototype, DataView.prototype,
    RegExp.prototype, Date.prototype,
  ];
  const namespaces = [Object, Function, Array, Promise, Reflect, JSON, Math, Symbol, Number, String, ArrayBuffer, TypedArray];
  const capture = (/** @type {any} */ obj, /** @type {boolean} */ strict) => {
    const keys = ReflectOwnKeys(obj);
    const descs = [];
    for (let i = 0; i < keys.length; i++) descs[i] = ReflectGetOwnPropertyDescriptor(obj, keys[i]);
    pristine[pristine.length] = { obj, keys, descs, strict };
  };
  for (let i = 0; i < prototypes.length; i++) capture(prototypes[i], true);
  for (let i = 0; i < namespaces.length; i++) capture(namespaces[i], false);
  capture(globalThis, false);
}

/**
 * Whether two property descriptors (either may be undefined) hold the same value or accessors.
 * @param {PropertyDescriptor | undefined} a
 * @param {PropertyDescriptor | undefined} b
 */
const sameProperty = (a, b) => a === undefined || b === undefined ? a === b
  : a.value === b.value && a.get === b.get && a.set === b.set;

/**
 * Runs fn with the built-ins put back as they were before user code ran, then restores the
 * worker's changes. On prototypes (strict), properties the worker added are hidden too. A
 * property fn itself redefined (a lazily loaded extension's global, say) keeps fn's value.
 * @template T
 * @param {() => T} fn
 * @returns {T}
 */
rt.internal.withPristineBuiltins = (fn) => {
  const { ReflectOwnKeys, ReflectGetOwnPropertyDescriptor, ReflectDefineProperty } = rt.primordials;
  /** @type {Array<[any, string|symbol, PropertyDescriptor|undefined, PropertyDescriptor|undefined]>} */
  const changed = []; // [object, key, the worker's property, the one put back]
  for (let i = 0; i < pristine.length; i++) {
    const { obj, keys, descs, strict } = pristine[i];
    const known = new SafeSet();
    for (let j = 0; j < keys.length; j++) {
      known.add(keys[j]);
      const now = ReflectGetOwnPropertyDescriptor(obj, keys[j]);
      const was = descs[j];
      if (!sameProperty(now, was)) {
        if (ReflectDefineProperty(obj, keys[j], was)) changed[changed.length] = [obj, keys[j], now, was];
      }
    }
    if (!strict) continue;
    const current = ReflectOwnKeys(obj);
    for (let j = 0; j < current.length; j++) {
      if (known.has(current[j])) continue;
      const now = ReflectGetOwnPropertyDescriptor(obj, current[j]);
      if (ReflectDeleteProperty(obj, current[j])) changed[changed.length] = [obj, current[j], now, undefined];
    }
  }
  try {
    return fn();
  } finally {
    for (let i = changed.length - 1; i >= 0; i--) {
      const c = changed[i]; // (no array destructuring: it would iterate)
      if (!sameProperty(ReflectGetOwnPropertyDescriptor(c[0], c[1]), c[3])) continue; // fn's own
      if (c[2] === undefined) ReflectDeleteProperty(c[0], c[1]);
      else ReflectDefineProperty(c[0], c[1], c[2]);
    }
  }
};

/** @type {Set<string>} */
const lazyLoaded = new SafeSet();

/**
 * Defines accessors that load lazy extension `name` (kept out of the snapshot) the first time
 * one of its globals or rt.internal names is read or written. Loading removes the accessors;
 * the extension's files then define the real values.
 * @param {string} name
 * @param {string[]} globals
 * @param {string[]} internals
 */
rt.defineLazy = (name, globals, internals) => {
  const load = () => {
    if (lazyLoaded.has(name)) return;
    for (let i = 0; i < globals.length; i++) ReflectDeleteProperty(globalThis, globals[i]);
    for (let i = 0; i < internals.length; i++) ReflectDeleteProperty(rt.internal, internals[i]);
    try {
      rt.internal.withPristineBuiltins(() => rt.ops.runtime_load(name));
      lazyLoaded.add(name);
    } catch (e) {
      // Put the accessors back, so a later read tries again (and fails the same way).
      define();
      throw e;
    }
  };
  /**
   * @param {object} target
   * @param {string} key
   */
  const lazyProperty = (target, key) => {
    ObjectDefineProperty(target, key, {
      get() {
        load();
        return ReflectGet(target, key);
      },
      set(value) {
        load();
        ObjectDefineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
      },
      configurable: true,
      enumerable: false,
    });
  };
  const define = () => {
    for (let i = 0; i < globals.length; i++) lazyProperty(globalThis, globals[i]);
    for (let i = 0; i < internals.length; i++) lazyProperty(rt.internal, internals[i]);
  };
  define();
};
