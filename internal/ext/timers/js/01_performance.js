// @ts-check
// `performance`, as Workers has it: now() is the same frozen clock as Date.now() (it moves only
// between I/O events, never while JS runs), and timeOrigin is 0.
const { DateNow, ObjectDefineProperty, SymbolToStringTag, TypeError } = rt.primordials;

const key = Symbol('Performance');

class Performance {
  /** @param {symbol} k */
  constructor(k) {
    if (k !== key) throw new TypeError('Illegal constructor');
  }

  /** @returns {number} */
  now() {
    if (!(this instanceof Performance)) throw new TypeError('Illegal invocation');
    return DateNow();
  }

  get timeOrigin() {
    if (!(this instanceof Performance)) throw new TypeError('Illegal invocation');
    return 0;
  }

  toJSON() {
    return { timeOrigin: 0 };
  }
}
ObjectDefineProperty(Performance.prototype, SymbolToStringTag, { value: 'Performance', configurable: true });

rt.expose('Performance', Performance);
rt.expose('performance', new Performance(key));
rt.internal.now = DateNow;
