// @ts-check
// Bounds what user code may ask of some V8 built-ins that would otherwise abort the process or
// hold a thread past any CPU limit.
//
// String.prototype.split into more parts than V8's largest array (2^27 elements) aborts the whole
// process ("Fatal JavaScript invalid size error"): a split that could make more than 2^26 parts is
// refused with a RangeError.
//
// The arrays user code may hand to V8's array built-ins are bounded too. On an array with dictionary
// (sparse) elements, V8 13.6's sort, indexOf, join, reverse, fill, slice, filter, flat, with and
// the others below loop over the whole length in C++ without checking for termination: on an
// array of length 2^32-1 one call ran for minutes past a 50 ms CPU limit, holding its thread.
// A dense array longer than the bound cannot fit in a worker's memory limit anyway (8 bytes an
// element), so refusing the call loses nothing a worker can have.
//
// slice is wrapped too, though TurboFan inlines it: on a long string (Array.prototype.slice.call
// of a 2^28-character string) V8 13.6 aborts the whole process ("Fatal JavaScript out of memory:
// invalid table size"), and a sparse array of length 2^32-2 held its thread for 111 s. The
// wrapper costs about 6-10 ns a call (measured: 3 million a.slice(1) on a 10-element array, 58
// against 76-94 ms). It reads no length it would not read anyway, so an array-like object whose
// length is a getter sees one read, as the standard says.
//
// Left unwrapped on purpose: the other methods TurboFan inlines into hot loops (indexOf,
// includes, filter, map, forEach, reduce, find…, and the iterators, whose replacement would turn
// off V8's fast array iteration everywhere). Of those, indexOf and filter are as slow on such an
// array; a turn stuck in one gives its executor slot up after limits.StuckAfter and its tenant is
// refused until it ends (internal/sched).
const {
  ArrayIsArray, MathFloor, ObjectDefineProperty, ObjectGetOwnPropertyDescriptor, RangeError, ReflectApply,
  StringPrototypeValueOf, uncurryThis,
} = rt.primordials;

/** The most parts a split may make (V8's largest array is 2^27 elements). */
const maxSplitParts = 2 ** 26;
{
  const split = String.prototype.split;
  const wrapper = {
    /**
     * @this {unknown}
     * @param {unknown} separator
     * @param {unknown} limit
     */
    split(separator, limit) {
      if (typeof this === 'string' && this.length > maxSplitParts) {
        let most = this.length + 1;
        if (typeof separator === 'string' && separator.length > 0) most = MathFloor(this.length / separator.length) + 1;
        const cap = limit === undefined ? 2 ** 32 - 1 : Number(limit) >>> 0;
        if (most > cap) most = cap;
        if (most > maxSplitParts) {
          throw new RangeError(`String.prototype.split of a string of length ${this.length} could make ${most} parts; ` +
            `islet refuses splits into more than ${maxSplitParts} parts (V8 cannot hold an array that long)`);
        }
      }
      return ReflectApply(split, this, [separator, limit]);
    },
  }.split;
  const desc = /** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(String.prototype, 'split'));
  ObjectDefineProperty(String.prototype, 'split', { ...desc, value: wrapper });
}

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
          `is refused: islet bounds the arrays built-ins work on at ${maxLength} elements (on longer ones ` +
          `V8 can neither stop them at the CPU time limit nor always survive them)`);
      }
      return ReflectApply(original, this, args);
    },
  }[name];
  ObjectDefineProperty(wrapper, 'length', /** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(original, 'length')));
  const desc = /** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(proto, name));
  ObjectDefineProperty(proto, name, { ...desc, value: wrapper });
}

{
  const slice = Array.prototype.slice;
  const sliceCall = uncurryThis(slice);
  /** @param {unknown} receiver */
  const stringLength = (receiver) => {
    if (typeof receiver === 'string') return receiver.length;
    if (typeof receiver !== 'object' || receiver === null || ArrayIsArray(receiver)) return -1;
    try {
      return StringPrototypeValueOf(receiver).length; // a String object; anything else throws
    } catch {
      return -1;
    }
  };
  const wrapper = {
    /**
     * @this {unknown}
     * @param {unknown} start
     * @param {unknown} end
     */
    slice(start, end) {
      const length = ArrayIsArray(this) ? /** @type {unknown[]} */ (this).length : stringLength(this);
      if (length > maxLength) {
        throw new RangeError(`Array.prototype.slice on ${ArrayIsArray(this) ? 'an array' : 'a string'} of length ${length} ` +
          `is refused: islet bounds the arrays built-ins work on at ${maxLength} elements (on longer ones ` +
          `V8 can neither stop them at the CPU time limit nor always survive them)`);
      }
      return sliceCall(this, start, end);
    },
  }.slice;
  const desc = /** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(Array.prototype, 'slice'));
  ObjectDefineProperty(Array.prototype, 'slice', { ...desc, value: wrapper });
}
