// @ts-check
// WebIDL (https://webidl.spec.whatwg.org/): conversions from JavaScript values to IDL types, and
// the helpers every interface of the runtime uses (brand checks, pair iterators, argument counts,
// WebIDL-shaped property attributes). Shared as rt.internal.webidl.

const {
  ArrayBufferIsView,
  ArrayBufferPrototypeGetByteLength,
  ArrayPrototypePush,
  BigInt,
  BigIntAsIntN,
  BigIntAsUintN,
  FunctionPrototypeCall,
  IteratorPrototype,
  MathFloor,
  MathMax,
  MathMin,
  MathTrunc,
  Number,
  NumberIsFinite,
  NumberIsNaN,
  ObjectCreate,
  ObjectDefineProperty,
  ObjectFreeze,
  ObjectGetOwnPropertyDescriptor,
  ReflectGetOwnPropertyDescriptor,
  ReflectOwnKeys,
  RegExpPrototypeExec,
  String,
  StringPrototypeCharCodeAt,
  StringPrototypeSlice,
  SymbolIterator,
  SymbolToStringTag,
  TypeError,
  TypedArray,
  uncurryThis,
} = rt.primordials;

/** @type {(v: any) => string | undefined} */
const TypedArrayPrototypeGetToStringTag = uncurryThis(
  /** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(TypedArray.prototype, SymbolToStringTag)).get);

/**
 * A converter turns a JavaScript value into an IDL value or throws the spec's error.
 * `prefix` names the operation ("Failed to execute 'get' on 'Headers'"), `context` the value
 * ("Argument 1").
 * @typedef {(V: any, prefix?: string, context?: string, opts?: any) => any} Converter
 */

/**
 * @param {string | undefined} prefix
 * @param {string | undefined} context
 * @param {string} message
 */
function makeTypeError(prefix, context, message) {
  let text = message;
  if (context) text = `${context} ${text}`;
  if (prefix) text = `${prefix}: ${text}`;
  return new TypeError(text);
}

/**
 * The message prefix of an operation, the way browsers word it.
 * @param {string} iface
 * @param {string} member
 */
function operationPrefix(iface, member) {
  return `Failed to execute '${member}' on '${iface}'`;
}

/** @param {string} iface */
function constructorPrefix(iface) {
  return `Failed to construct '${iface}'`;
}

/**
 * Throws unless at least `required` arguments were passed.
 * @param {number} length
 * @param {number} required
 * @param {string} prefix
 */
function requiredArguments(length, required, prefix) {
  if (length < required) {
    const noun = required === 1 ? 'argument' : 'arguments';
    throw new TypeError(`${prefix}: ${required} ${noun} required, but only ${length} present.`);
  }
}

/** @returns {never} */
function illegalInvocation() {
  throw new TypeError('Illegal invocation');
}

/** @returns {never} */
function illegalConstructor() {
  throw new TypeError('Illegal constructor');
}

/** @param {any} V */
function isObject(V) {
  return (typeof V === 'object' && V !== null) || typeof V === 'function';
}

/** @type {Record<string, Converter>} */
const converters = ObjectCreate(null);

converters.any = (V) => V;

converters.undefined = () => undefined;

converters.boolean = (V) => !!V;

converters.object = (V, prefix, context) => {
  if (!isObject(V)) throw makeTypeError(prefix, context, 'is not an object.');
  return V;
};

converters.DOMString = (V, prefix, context, opts) => {
  if (typeof V === 'string') return V;
  if (V === null && opts && opts.treatNullAsEmptyString) return '';
  if (typeof V === 'symbol') {
    throw makeTypeError(prefix, context, 'is a symbol, which cannot be converted to a string.');
  }
  return String(V);
};

const lowSurrogateOrHigh = /[\uD800-\uDFFF]/;

/**
 * Replaces every lone surrogate with U+FFFD (the USVString conversion).
 * @param {string} S
 */
function toUSVString(S) {
  if (RegExpPrototypeExec(lowSurrogateOrHigh, S) === null) return S;
  let out = '';
  let start = 0;
  const n = S.length;
  for (let i = 0; i < n; i++) {
    const c = StringPrototypeCharCodeAt(S, i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && i + 1 < n) {
      const d = StringPrototypeCharCodeAt(S, i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    out += StringPrototypeSlice(S, start, i) + '\uFFFD';
    start = i + 1;
  }
  return out + StringPrototypeSlice(S, start);
}

converters.USVString = (V, prefix, context, opts) =>
  toUSVString(converters.DOMString(V, prefix, context, opts));

const nonLatin1 = /[^\x00-\xFF]/;

converters.ByteString = (V, prefix, context, opts) => {
  const S = converters.DOMString(V, prefix, context, opts);
  if (RegExpPrototypeExec(nonLatin1, S) !== null) {
    throw makeTypeError(prefix, context, 'is not a valid ByteString.');
  }
  return S;
};

/**
 * ToNumber without the BigInt conversion Number() would do (WebIDL throws for BigInt).
 * @param {any} V
 */
function toNumber(V) {
  return +V;
}

/**
 * The ConvertToInt abstract operation.
 * @param {number} bitLength
 * @param {boolean} signed
 * @returns {Converter}
 */
function createIntegerConverter(bitLength, signed) {
  const is64 = bitLength === 64;
  const upper = is64 ? 2 ** 53 - 1 : signed ? 2 ** (bitLength - 1) - 1 : 2 ** bitLength - 1;
  const lower = is64 ? (signed ? -(2 ** 53) + 1 : 0) : signed ? -(2 ** (bitLength - 1)) : 0;
  const twoToBits = 2 ** bitLength;
  const twoToBitsMinusOne = 2 ** (bitLength - 1);
  return (V, prefix, context, opts) => {
    let x = toNumber(V);
    if (x === 0) x = 0; // -0 → +0
    if (opts && opts.enforceRange) {
      if (!NumberIsFinite(x)) throw makeTypeError(prefix, context, 'is not a finite number.');
      x = MathTrunc(x);
      if (x < lower || x > upper) {
        throw makeTypeError(prefix, context, `is outside the accepted range of ${lower} to ${upper}, inclusive.`);
      }
      return x === 0 ? 0 : x;
    }
    if (!NumberIsNaN(x) && opts && opts.clamp) {
      x = MathMin(MathMax(x, lower), upper);
      const f = MathFloor(x);
      const d = x - f;
      if (d > 0.5 || (d === 0.5 && f % 2 !== 0)) x = f + 1;
      else x = f;
      return x === 0 ? 0 : x;
    }
    if (!NumberIsFinite(x)) return 0;
    x = MathTrunc(x);
    if (x >= lower && x <= upper) return x === 0 ? 0 : x;
    if (is64) {
      const big = BigInt(x);
      return Number(signed ? BigIntAsIntN(64, big) : BigIntAsUintN(64, big));
    }
    x %= twoToBits;
    if (x < 0) x += twoToBits;
    if (signed && x >= twoToBitsMinusOne) x -= twoToBits;
    return x === 0 ? 0 : x;
  };
}

converters.byte = createIntegerConverter(8, true);
converters.octet = createIntegerConverter(8, false);
converters.short = createIntegerConverter(16, true);
converters['unsigned short'] = createIntegerConverter(16, false);
converters.long = createIntegerConverter(32, true);
converters['unsigned long'] = createIntegerConverter(32, false);
converters['long long'] = createIntegerConverter(64, true);
converters['unsigned long long'] = createIntegerConverter(64, false);

converters.double = (V, prefix, context) => {
  const x = toNumber(V);
  if (!NumberIsFinite(x)) throw makeTypeError(prefix, context, 'is not a finite floating-point value.');
  return x;
};
converters['unrestricted double'] = (V) => toNumber(V);
converters.float = (V, prefix, context) => {
  const x = toNumber(V);
  if (!NumberIsFinite(x)) throw makeTypeError(prefix, context, 'is not a finite floating-point value.');
  return x; // float precision is not modelled
};
converters['unrestricted float'] = (V) => toNumber(V);

/** @param {any} V */
function isArrayBuffer(V) {
  if (!isObject(V)) return false;
  try {
    ArrayBufferPrototypeGetByteLength(V);
    return true;
  } catch {
    return false;
  }
}

/** @param {any} V */
function isTypedArray(V) {
  return TypedArrayPrototypeGetToStringTag(V) !== undefined;
}

/** @param {any} V */
function isUint8Array(V) {
  return TypedArrayPrototypeGetToStringTag(V) === 'Uint8Array';
}

/** @param {any} V */
function isDataView(V) {
  return ArrayBufferIsView(V) && TypedArrayPrototypeGetToStringTag(V) === undefined;
}

converters.ArrayBuffer = (V, prefix, context) => {
  if (!isArrayBuffer(V)) throw makeTypeError(prefix, context, "is not of type 'ArrayBuffer'.");
  return V;
};

converters.ArrayBufferView = (V, prefix, context) => {
  if (!ArrayBufferIsView(V)) throw makeTypeError(prefix, context, "is not of type 'ArrayBufferView'.");
  return V;
};

converters.Uint8Array = (V, prefix, context) => {
  if (TypedArrayPrototypeGetToStringTag(V) !== 'Uint8Array') {
    throw makeTypeError(prefix, context, "is not of type 'Uint8Array'.");
  }
  return V;
};

converters.BufferSource = (V, prefix, context) => {
  if (ArrayBufferIsView(V) || isArrayBuffer(V)) return V;
  throw makeTypeError(prefix, context, "is not of type '(ArrayBuffer or ArrayBufferView)'.");
};
converters.AllowSharedBufferSource = converters.BufferSource;

/** @type {Converter} */
converters.Function = (V, prefix, context) => {
  if (typeof V !== 'function') throw makeTypeError(prefix, context, 'is not a function.');
  return V;
};
converters.VoidFunction = converters.Function;

/**
 * @param {Converter} converter
 * @returns {Converter}
 */
function createNullableConverter(converter) {
  return (V, prefix, context, opts) =>
    V === null || V === undefined ? null : converter(V, prefix, context, opts);
}

/**
 * sequence<T>: iterates V with its own iterator, as the spec does.
 * @param {Converter} converter
 * @returns {Converter}
 */
function createSequenceConverter(converter) {
  return (V, prefix, context, opts) => {
    if (!isObject(V)) throw makeTypeError(prefix, context, 'can not be converted to a sequence.');
    const method = V[SymbolIterator];
    if (typeof method !== 'function') {
      throw makeTypeError(prefix, context, 'can not be converted to a sequence.');
    }
    return iterableToList(V, method, converter, prefix, context, opts);
  };
}

/**
 * Runs an iterator to its end, converting each value (the "create a sequence from an iterable"
 * steps).
 * @param {any} V
 * @param {Function} method
 * @param {Converter} converter
 * @param {string | undefined} prefix
 * @param {string | undefined} context
 * @param {any} opts
 */
function iterableToList(V, method, converter, prefix, context, opts) {
  const iter = FunctionPrototypeCall(method, V);
  if (!isObject(iter)) throw makeTypeError(prefix, context, 'has an iterator that is not an object.');
  const next = iter.next;
  /** @type {any[]} */
  const out = [];
  for (;;) {
    const res = FunctionPrototypeCall(next, iter);
    if (!isObject(res)) throw makeTypeError(prefix, context, 'has an iterator result that is not an object.');
    if (res.done) return out;
    ArrayPrototypePush(out, converter(res.value, prefix, `${context || 'Value'}[${out.length}]`, opts));
  }
}

/**
 * record<K, V>: a null-prototype object in the source's key order.
 * @param {Converter} keyConverter
 * @param {Converter} valueConverter
 * @returns {Converter}
 */
function createRecordConverter(keyConverter, valueConverter) {
  return (V, prefix, context, opts) => {
    if (!isObject(V)) throw makeTypeError(prefix, context, 'can not be converted to a record.');
    /** @type {Record<string, any>} */
    const result = ObjectCreate(null);
    const keys = ReflectOwnKeys(V);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const desc = ReflectGetOwnPropertyDescriptor(V, key);
      if (desc === undefined || !desc.enumerable) continue;
      const typedKey = keyConverter(key, prefix, context, opts);
      result[typedKey] = valueConverter(V[key], prefix, `${context || 'Value'}['${typedKey}']`, opts);
    }
    return result;
  };
}

/**
 * @typedef {{ key: string, converter: Converter, defaultValue?: any, required?: boolean,
 *   opts?: any }} DictionaryMember
 */

/**
 * A dictionary converter. Members are read in lexicographic order, inherited dictionaries first;
 * the result is a null-prototype object holding the members that are present (or defaulted).
 * @param {string} name
 * @param {...DictionaryMember[]} memberLists the inherited dictionaries' members first
 * @returns {Converter}
 */
function createDictionaryConverter(name, ...memberLists) {
  /** @type {DictionaryMember[]} */
  const members = [];
  for (let l = 0; l < memberLists.length; l++) {
    const list = memberLists[l];
    /** @type {DictionaryMember[]} */
    const sorted = [];
    for (let i = 0; i < list.length; i++) ArrayPrototypePush(sorted, list[i]);
    // Insertion sort: dictionaries are small.
    for (let i = 1; i < sorted.length; i++) {
      const m = sorted[i];
      let j = i - 1;
      while (j >= 0 && sorted[j].key > m.key) {
        sorted[j + 1] = sorted[j];
        j--;
      }
      sorted[j + 1] = m;
    }
    for (let i = 0; i < sorted.length; i++) ArrayPrototypePush(members, sorted[i]);
  }
  ObjectFreeze(members);
  return (V, prefix, context, opts) => {
    const isNullish = V === undefined || V === null;
    if (!isNullish && !isObject(V)) {
      throw makeTypeError(prefix, context || 'Value', `can not be converted to a dictionary '${name}'.`);
    }
    /** @type {Record<string, any>} */
    const result = ObjectCreate(null);
    for (let i = 0; i < members.length; i++) {
      const m = members[i];
      const value = isNullish ? undefined : V[m.key];
      if (value !== undefined) {
        result[m.key] = m.converter(value, prefix, `'${m.key}' member of '${name}'`, m.opts || opts);
      } else if (m.required) {
        throw makeTypeError(prefix, context || 'Value',
          `can not be converted to '${name}' because '${m.key}' is required in '${name}'.`);
      } else if ('defaultValue' in m) {
        result[m.key] = m.defaultValue;
      }
    }
    return result;
  };
}

/**
 * @param {string} name
 * @param {string[]} values
 * @returns {Converter}
 */
function createEnumConverter(name, values) {
  /** @type {Record<string, true>} */
  const set = ObjectCreate(null);
  for (let i = 0; i < values.length; i++) set[values[i]] = true;
  return (V, prefix, context) => {
    const S = converters.DOMString(V, prefix, context);
    if (set[S] !== true) {
      throw makeTypeError(prefix, context, `'${S}' is not a valid enum value of type ${name}.`);
    }
    return S;
  };
}

/**
 * A converter for an interface type given its brand check.
 * @param {string} name
 * @param {(V: any) => boolean} is
 * @returns {Converter}
 */
function createInterfaceConverter(name, is) {
  return (V, prefix, context) => {
    if (!is(V)) throw makeTypeError(prefix, context, `is not of type '${name}'.`);
    return V;
  };
}

/**
 * Gives a class the property attributes WebIDL requires: operations and attributes enumerable,
 * a Symbol.toStringTag, and the constants on both the constructor and the prototype.
 * @param {Function} ctor
 * @param {string} [name]
 * @param {Record<string, number>} [constants]
 */
function configureInterface(ctor, name = ctor.name, constants) {
  const proto = ctor.prototype;
  const keys = ReflectOwnKeys(proto);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === 'constructor' || typeof key === 'symbol') continue;
    const d = /** @type {PropertyDescriptor} */ (ReflectGetOwnPropertyDescriptor(proto, key));
    if (!d.enumerable) {
      d.enumerable = true;
      ObjectDefineProperty(proto, key, d);
    }
  }
  const statics = ReflectOwnKeys(ctor);
  for (let i = 0; i < statics.length; i++) {
    const key = statics[i];
    if (key === 'length' || key === 'name' || key === 'prototype' || typeof key === 'symbol') continue;
    const d = /** @type {PropertyDescriptor} */ (ReflectGetOwnPropertyDescriptor(ctor, key));
    if (!d.enumerable) {
      d.enumerable = true;
      ObjectDefineProperty(ctor, key, d);
    }
  }
  ObjectDefineProperty(proto, SymbolToStringTag, {
    __proto__: null, value: name, writable: false, enumerable: false, configurable: true,
  });
  if (constants) {
    const names = ReflectOwnKeys(constants);
    for (let i = 0; i < names.length; i++) {
      const key = names[i];
      const d = { __proto__: null, value: constants[/** @type {string} */ (key)], writable: false, enumerable: true, configurable: false };
      ObjectDefineProperty(ctor, key, d);
      ObjectDefineProperty(proto, key, d);
    }
  }
}

/**
 * Adds the pair-iterable members (entries, keys, values, forEach, Symbol.iterator) to an interface.
 * `pairs(obj)` returns the current value pairs to iterate over as a flat list
 * [key0, value0, key1, value1, …]; it is called again for every step, so an iterator sees
 * changes made while it runs, as the spec requires.
 * @param {string} name the interface name
 * @param {Function} ctor the interface
 * @param {(V: any) => boolean} is its brand check
 * @param {(obj: any) => any[]} pairs
 */
function mixinPairIterable(name, ctor, is, pairs) {
  const iteratorProto = ObjectCreate(IteratorPrototype);
  /** @type {WeakMap<object, { target: any, kind: number, index: number }>} */
  const state = new rt.primordials.SafeWeakMap();
  ObjectDefineProperty(iteratorProto, 'next', {
    __proto__: null,
    value: function next() {
      const s = isObject(this) ? state.get(this) : undefined;
      if (s === undefined) illegalInvocation();
      const list = pairs(s.target);
      const i = s.index * 2;
      if (i >= list.length) return { value: undefined, done: true };
      s.index++;
      if (s.kind === 0) return { value: list[i], done: false };
      if (s.kind === 1) return { value: list[i + 1], done: false };
      return { value: [list[i], list[i + 1]], done: false };
    },
    writable: true, enumerable: true, configurable: true,
  });
  ObjectDefineProperty(iteratorProto, SymbolToStringTag, {
    __proto__: null, value: `${name} Iterator`, writable: false, enumerable: false, configurable: true,
  });

  /**
   * @param {any} target
   * @param {number} kind
   */
  function createIterator(target, kind) {
    const it = ObjectCreate(iteratorProto);
    state.set(it, { target, kind, index: 0 });
    return it;
  }

  const methods = {
    entries() {
      if (!is(this)) illegalInvocation();
      return createIterator(this, 2);
    },
    keys() {
      if (!is(this)) illegalInvocation();
      return createIterator(this, 0);
    },
    values() {
      if (!is(this)) illegalInvocation();
      return createIterator(this, 1);
    },
    /**
     * @param {Function} callback
     * @param {any} [thisArg]
     */
    forEach(callback, thisArg = undefined) {
      if (!is(this)) illegalInvocation();
      const prefix = operationPrefix(name, 'forEach');
      requiredArguments(arguments.length, 1, prefix);
      converters.Function(callback, prefix, 'Argument 1');
      let list = pairs(this);
      for (let i = 0; i < list.length; i += 2) {
        FunctionPrototypeCall(callback, thisArg, list[i + 1], list[i], this);
        list = pairs(this);
      }
    },
  };
  const proto = ctor.prototype;
  const names = ['entries', 'keys', 'values', 'forEach'];
  for (let i = 0; i < names.length; i++) {
    const d = /** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(methods, names[i]));
    d.enumerable = true;
    ObjectDefineProperty(proto, names[i], d);
  }
  ObjectDefineProperty(proto, SymbolIterator, {
    __proto__: null, value: proto.entries, writable: true, enumerable: false, configurable: true,
  });
}

/**
 * A shallow copy of an array the runtime owns (Array.prototype.slice would consult the
 * user-replaceable Array[Symbol.species]).
 * @template T
 * @param {T[]} list
 * @returns {T[]}
 */
function copyArray(list) {
  /** @type {T[]} */
  const out = [];
  for (let i = 0; i < list.length; i++) out[i] = list[i];
  return out;
}

/**
 * Creates a plain `{ value, done }` object for iterator results the runtime builds itself.
 * @param {any} value
 * @param {boolean} done
 */
function iterResult(value, done) {
  return { value, done };
}

/**
 * Defines a [LegacyUnforgeable]-style or plain own data property with WebIDL attributes.
 * @param {object} obj
 * @param {PropertyKey} key
 * @param {any} value
 */
function defineHidden(obj, key, value) {
  ObjectDefineProperty(obj, key, {
    __proto__: null, value, writable: true, enumerable: false, configurable: true,
  });
}

/** The code units of a string as a Latin-1 string check, shared by atob/btoa-style APIs. */
const isLatin1 = (/** @type {string} */ s) => RegExpPrototypeExec(nonLatin1, s) === null;

const webidl = {
  __proto__: null,
  converters,
  makeTypeError,
  operationPrefix,
  constructorPrefix,
  requiredArguments,
  illegalInvocation,
  illegalConstructor,
  isObject,
  isArrayBuffer,
  isTypedArray,
  isUint8Array,
  isDataView,
  typedArrayName: TypedArrayPrototypeGetToStringTag,
  isLatin1,
  toUSVString,
  createIntegerConverter,
  createNullableConverter,
  createSequenceConverter,
  createRecordConverter,
  createDictionaryConverter,
  createEnumConverter,
  createInterfaceConverter,
  iterableToList,
  configureInterface,
  mixinPairIterable,
  iterResult,
  copyArray,
  defineHidden,
  /** A key that internal callers pass to constructors that users may not call. */
  illegalConstructorKey: Symbol('illegal constructor'),
};

rt.internal.webidl = webidl;
