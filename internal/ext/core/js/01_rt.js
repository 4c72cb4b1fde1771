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
  return new Promise((resolve, reject) => {
    pendingOps.set(id, { resolve, reject });
    try {
      ReflectApply(fn, undefined, [id, ...args]);
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
      rt.ops.runtime_load(name);
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
