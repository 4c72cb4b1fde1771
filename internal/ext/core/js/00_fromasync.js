// @ts-check
// Array.fromAsync (ECMAScript 2024, https://tc39.es/ecma262/#sec-array.fromasync), which V8
// 10.2 lacks: it collects an async iterable, a sync iterable (awaiting each value) or an
// array-like (awaiting each element) into a new array, mapping each value if asked. Added only
// where V8 does not have it. Like 00_builtins.js it runs before the primordials are captured
// and before any user code, so the built-ins it captures are the original ones.

const { Array: ArrayCtor, Object: ObjectCtor, Symbol: SymbolCtor, TypeError: TypeErrorCtor } = globalThis;
const ReflectApply = Reflect.apply;
const ReflectConstruct = Reflect.construct;
const ObjectDefineProperty = ObjectCtor.defineProperty;
const SymbolAsyncIterator = SymbolCtor.asyncIterator;
const SymbolIterator = SymbolCtor.iterator;
const MathMin = Math.min;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** @param {any} f */
function isConstructor(f) {
  if (typeof f !== 'function') return false;
  try {
    ReflectConstruct(String, [], f);
    return true;
  } catch {
    return false;
  }
}

/**
 * @param {any} obj
 * @param {string | number} key
 * @param {any} value
 */
function createDataProperty(obj, key, value) {
  ObjectDefineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** @param {any} v */
function toLength(v) {
  const n = +v;
  if (!(n > 0)) return 0;
  return MathMin(n - (n % 1), MAX_SAFE);
}

/**
 * Closes an iterator after an abrupt completion, ignoring what return() does.
 * @param {any} iterator
 */
async function closeIterator(iterator) {
  try {
    const ret = iterator.return;
    if (ret !== undefined && ret !== null) await ReflectApply(ret, iterator, []);
  } catch {
    // the original error wins
  }
}

if (typeof ArrayCtor.fromAsync !== 'function') {
  const methods = {
    /**
     * @this {any}
     * @param {any} items
     * @param {any} [mapfn]
     * @param {any} [thisArg]
     */
    // eslint-disable-next-line no-unused-vars
    async fromAsync(items, mapfn = undefined, thisArg = undefined) {
      const C = this;
      const mapping = mapfn !== undefined;
      if (mapping && typeof mapfn !== 'function') {
        throw new TypeErrorCtor('Array.fromAsync: the mapping function is not callable');
      }
      if (items === null || items === undefined) {
        throw new TypeErrorCtor('Array.fromAsync: items is null or undefined');
      }
      let usingAsync = items[SymbolAsyncIterator];
      let usingSync;
      if (usingAsync === undefined || usingAsync === null) {
        usingAsync = undefined;
        usingSync = items[SymbolIterator];
        if (usingSync === null) usingSync = undefined;
      }
      if (usingAsync !== undefined || usingSync !== undefined) {
        const method = usingAsync ?? usingSync;
        if (typeof method !== 'function') throw new TypeErrorCtor('Array.fromAsync: the iterator method is not callable');
        const A = isConstructor(C) ? ReflectConstruct(C, []) : [];
        const iterator = ReflectApply(method, items, []);
        if ((typeof iterator !== 'object' && typeof iterator !== 'function') || iterator === null) {
          throw new TypeErrorCtor('Array.fromAsync: the iterator is not an object');
        }
        const next = iterator.next;
        for (let k = 0; ; k++) {
          if (k >= MAX_SAFE) {
            const err = new TypeErrorCtor('Array.fromAsync: too many elements');
            await closeIterator(iterator);
            throw err;
          }
          let result = ReflectApply(next, iterator, []);
          if (usingAsync !== undefined) result = await result;
          if ((typeof result !== 'object' && typeof result !== 'function') || result === null) {
            throw new TypeErrorCtor('Array.fromAsync: an iterator result is not an object');
          }
          if (result.done) {
            A.length = k;
            return A;
          }
          let value = result.value;
          try {
            if (usingAsync === undefined) value = await value;
            if (mapping) value = await ReflectApply(mapfn, thisArg, [value, k]);
            createDataProperty(A, k, value);
          } catch (err) {
            await closeIterator(iterator);
            throw err;
          }
        }
      }
      const arrayLike = ObjectCtor(items);
      const len = toLength(arrayLike.length);
      const A = isConstructor(C) ? ReflectConstruct(C, [len]) : new ArrayCtor(len);
      for (let k = 0; k < len; k++) {
        let value = await arrayLike[k];
        if (mapping) value = await ReflectApply(mapfn, thisArg, [value, k]);
        createDataProperty(A, k, value);
      }
      A.length = len;
      return A;
    },
  };
  ObjectDefineProperty(ArrayCtor, 'fromAsync', { value: methods.fromAsync, writable: true, enumerable: false, configurable: true });
}
