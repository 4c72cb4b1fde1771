// @ts-check
// Bounds the arrays user code may hand to V8's array built-ins. On an array with dictionary
// (sparse) elements, V8 13.6's sort, indexOf, join, reverse, fill, slice, filter, flat, with and
// the others below loop over the whole length in C++ without checking for termination: on an
// array of length 2^32-1 one call ran for minutes past a 50 ms CPU limit, holding its thread.
// A dense array longer than the bound cannot fit in a worker's memory limit anyway (8 bytes an
// element), so refusing the call loses nothing a worker can have.
//
// Left unwrapped on purpose: the methods TurboFan inlines into hot loops (indexOf, includes,
// slice, filter, map, forEach, reduce, find…, and the iterators, whose replacement would turn off
// V8's fast array iteration everywhere). Of those, indexOf, slice and filter are as slow on such
// an array; a turn stuck in one gives its executor slot up after limits.StuckAfter and its
// tenant is refused until it ends (internal/sched).
const {
  ArrayIsArray, ObjectDefineProperty, ObjectGetOwnPropertyDescriptor, RangeError, ReflectApply,
} = rt.primordials;

/** The longest array the guarded built-ins take (2^25 elements, 256 MiB of doubles). */
const maxLength = 2 ** 25;

const guarded = [
  'concat', 'copyWithin', 'fill', 'flat', 'flatMap', 'join', 'lastIndexOf', 'reverse', 'sort', 'splice',
  'toLocaleString', 'toReversed', 'toSorted', 'toSpliced', 'toString', 'with',
];

const proto = /** @type {Record<string, Function>} */ (/** @type {unknown} */ (Array.prototype));
for (let i = 0; i < guarded.length; i++) {
  const name = guarded[i];
  const original = proto[name];
  if (typeof original !== 'function') continue;
  const wrapper = {
    /**
     * @this {unknown}
     * @param {...unknown} args
     */
    [name](...args) {
      if (ArrayIsArray(this) && /** @type {unknown[]} */ (this).length > maxLength) {
        throw new RangeError(`Array.prototype.${name} on an array of length ${/** @type {unknown[]} */ (this).length} ` +
          `is refused: islet bounds the arrays built-ins work on at ${maxLength} elements (a sparse array ` +
          `that long cannot be stopped by the CPU time limit)`);
      }
      return ReflectApply(original, this, args);
    },
  }[name];
  ObjectDefineProperty(wrapper, 'length', /** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(original, 'length')));
  const desc = /** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(proto, name));
  ObjectDefineProperty(proto, name, { ...desc, value: wrapper });
}
