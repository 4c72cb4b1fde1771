// @ts-check
// How console shows the runtime's own classes (URL, Request, Headers…). Each extension
// registers its classes here as it loads, so the getters an inspector calls are captured before
// any user code runs: console itself loads lazily, after user code may have patched a prototype.
const { ArrayPrototypePush, ObjectGetOwnPropertyDescriptor, ObjectGetPrototypeOf, SafeMap, uncurryThis } = rt.primordials;

/**
 * Inspectors by prototype: each returns the [name, value] pairs to print for an instance.
 * @type {Map<object, (v: any) => Array<[string, any]>>}
 */
const inspectors = new SafeMap();
rt.internal.inspectors = inspectors;

/**
 * Shows instances of ctor by their attributes, read through the getters found now on its
 * prototype chain. A getter that throws shows its exception.
 * @param {any} ctor
 * @param {string[]} attributes
 */
rt.internal.inspectAttributes = (ctor, attributes) => {
  /** @type {Array<[string, Function]>} */
  const getters = [];
  for (let i = 0; i < attributes.length; i++) {
    for (let proto = ctor.prototype; proto !== null; proto = ObjectGetPrototypeOf(proto)) {
      const d = ObjectGetOwnPropertyDescriptor(proto, attributes[i]);
      if (d !== undefined && typeof d.get === 'function') {
        ArrayPrototypePush(getters, [attributes[i], uncurryThis(d.get)]);
        break;
      }
    }
  }
  inspectors.set(ctor.prototype, (/** @type {any} */ obj) => {
    /** @type {Array<[string, any]>} */
    const out = [];
    for (let i = 0; i < getters.length; i++) {
      let value;
      try {
        value = getters[i][1](obj);
      } catch (err) {
        value = err;
      }
      ArrayPrototypePush(out, [getters[i][0], value]);
    }
    return out;
  });
};

/**
 * Shows instances of a pair list (URLSearchParams, Headers) as their entries, iterated with the
 * prototype's entries() and its iterator's next() as they are now.
 * @param {any} ctor
 */
rt.internal.inspectPairs = (ctor) => {
  const entries = uncurryThis(ctor.prototype.entries);
  const next = uncurryThis(ObjectGetPrototypeOf(entries(new ctor())).next);
  inspectors.set(ctor.prototype, (/** @type {any} */ obj) => {
    /** @type {Array<[string, any]>} */
    const out = [];
    const it = entries(obj);
    for (;;) {
      const r = next(it);
      if (r.done) return out;
      ArrayPrototypePush(out, [r.value[0], r.value[1]]);
    }
  });
};
