// @ts-check
// The runtime object's helpers every other file uses: exposing globals and async ops.
const {
  ObjectDefineProperty, Promise, ReflectApply, SafeMap, TypeError, Error,
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
