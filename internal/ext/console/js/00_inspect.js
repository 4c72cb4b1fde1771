// @ts-check
// Turns any value into readable text the way browsers' and Node's consoles do: strings nested
// in structures are quoted, objects show their own properties up to a depth, Maps, Sets, typed
// arrays and errors have their own forms, cycles print as [Circular]. Shared as
// rt.internal.inspect(value, options).

const {
  ArrayBufferIsView,
  ArrayIsArray,
  ArrayPrototypeJoin,
  ArrayPrototypePush,
  BigIntPrototypeToString,
  BooleanPrototypeValueOf,
  DatePrototypeGetTime,
  DatePrototypeToISOString,
  ErrorPrototypeToString,
  FunctionPrototypeToString,
  JSONStringify,
  MapPrototypeEntries,
  MapPrototypeGetSize,
  NumberPrototypeValueOf,
  ObjectGetOwnPropertyDescriptor,
  ObjectGetOwnPropertyNames,
  ObjectGetOwnPropertySymbols,
  ObjectGetPrototypeOf,
  ObjectIs,
  ObjectPrototypeHasOwnProperty,
  ObjectPrototypePropertyIsEnumerable,
  ObjectPrototypeToString,
  RegExpPrototypeExec,
  RegExpPrototypeToString,
  SafeMap,
  SafeSet,
  SetPrototypeGetSize,
  SetPrototypeValues,
  String,
  StringPrototypeCharCodeAt,
  StringPrototypeIncludes,
  StringPrototypeIndexOf,
  StringPrototypePadEnd,
  StringPrototypePadStart,
  MathFloor,
  MathMax,
  MathMin,
  MathRound,
  MathSqrt,
  StringPrototypeToUpperCase,
  NumberPrototypeToString,
  StringPrototypeSlice,
  StringPrototypeValueOf,
  SymbolPrototypeToString,
  SymbolPrototypeValueOf,
  SymbolToStringTag,
  TypedArrayPrototypeGetLength,
  ArrayBufferPrototypeGetByteLength,
  Uint8Array,
  uncurryThis,
} = rt.primordials;
const webidl = rt.internal.webidl;

const MapIteratorNext = uncurryThis(ObjectGetPrototypeOf(MapPrototypeEntries(new SafeMap())).next);
const SetIteratorNext = uncurryThis(ObjectGetPrototypeOf(SetPrototypeValues(new SafeSet())).next);
const WeakMapProto = ObjectGetPrototypeOf(new rt.primordials.WeakMap());
const WeakSetProto = ObjectGetPrototypeOf(new rt.primordials.WeakSet());
const PromiseProto = rt.primordials.Promise.prototype;

/** Lines that fit this width stay on one line. */
const breakLength = 80;
const maxArrayLength = 100;
const maxStringLength = 10000;

/**
 * @typedef {{ depth: number, seen: any[], indent: string, quoteStrings?: boolean }} Ctx
 */

/** How the runtime's own classes show (see core's 04_inspectors.js), by prototype. */
const inspectors = rt.internal.inspectors;

const identifierRe = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
// Characters escaped inside quoted strings.
const escapeRe = /[\x00-\x1f\x7f'\\]/;

/**
 * @param {string} s
 */
function quote(s) {
  if (s.length > maxStringLength) {
    return `${quote(StringPrototypeSlice(s, 0, maxStringLength))}... ${s.length - maxStringLength} more characters`;
  }
  if (RegExpPrototypeExec(escapeRe, s) === null) return `'${s}'`;
  if (!StringPrototypeIncludes(s, '"') && StringPrototypeIncludes(s, "'") && RegExpPrototypeExec(/[\x00-\x1f\x7f\\]/, s) === null) {
    return `"${s}"`;
  }
  let out = "'";
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c === 0x27) out += "\\'";
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0b) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c < 16 ? '0' : ''}${StringPrototypeToUpperCase(NumberPrototypeToString(c, 16))}`;
    else out += s[i];
  }
  return `${out}'`;
}

/**
 * Drops one trailing space.
 * @param {string} s
 */
function trimEnd(s) {
  return s.length > 0 && s[s.length - 1] === ' ' ? StringPrototypeSlice(s, 0, s.length - 1) : s;
}

/**
 * Indents every line after the first.
 * @param {string} text
 * @param {string} indent
 */
function indentLines(text, indent) {
  let out = '';
  let start = 0;
  for (;;) {
    const i = StringPrototypeIndexOf(text, '\n', start);
    if (i === -1) return out + StringPrototypeSlice(text, start);
    out += `${StringPrototypeSlice(text, start, i)}\n${indent}`;
    start = i + 1;
  }
}

/** @param {string | symbol} key */
function formatKey(key) {
  if (typeof key === 'symbol') return `[${SymbolPrototypeToString(key)}]`;
  return RegExpPrototypeExec(identifierRe, key) !== null ? key : quote(key);
}

/**
 * @param {any} v
 * @param {Ctx} ctx
 */
function formatPrimitive(v, ctx) {
  switch (typeof v) {
    case 'string':
      return ctx.quoteStrings === false ? v : quote(v);
    case 'number':
      return ObjectIs(v, -0) ? '-0' : `${v}`;
    case 'bigint':
      return `${BigIntPrototypeToString(v)}n`;
    case 'symbol':
      return SymbolPrototypeToString(v);
    case 'undefined':
      return 'undefined';
    case 'boolean':
      return v ? 'true' : 'false';
  }
  return v === null ? 'null' : String(v);
}

/**
 * The name a value's constructor shows, from its prototype chain, without running user getters.
 * @param {object} obj
 * @returns {string | null}
 */
function constructorName(obj) {
  let proto = obj;
  for (let i = 0; proto !== null && i < 1000; i++) {
    const d = ObjectGetOwnPropertyDescriptor(proto, 'constructor');
    if (d !== undefined && typeof d.value === 'function' && typeof d.value.name === 'string' && d.value.name !== '') {
      return d.value.name;
    }
    proto = ObjectGetPrototypeOf(proto);
  }
  return null;
}

/**
 * @param {object} obj
 * @param {string} fallback
 */
function prefixOf(obj, fallback) {
  const proto = ObjectGetPrototypeOf(obj);
  if (proto === null) return `[${fallback}: null prototype] `;
  const name = constructorName(obj);
  let tag = '';
  try {
    const t = /** @type {any} */ (obj)[SymbolToStringTag];
    if (typeof t === 'string' && t !== '' && t !== name) tag = ` [${t}]`;
  } catch {
    // ignore a throwing getter
  }
  if (name === 'Object' && tag === '') return '';
  return `${name === null ? fallback : name}${tag} `;
}

/**
 * Lays out entries on one line if they fit, else one per line.
 * @param {string} prefix e.g. "Map(2) "
 * @param {string[]} entries
 * @param {string} open
 * @param {string} close
 * @param {Ctx} ctx
 */
function reduceToSingleString(prefix, entries, open, close, ctx) {
  if (entries.length === 0) return `${prefix}${open}${close}`;
  let total = prefix.length + ctx.indent.length + entries.length + 2;
  let multiline = false;
  for (let i = 0; i < entries.length; i++) {
    total += entries[i].length;
    if (StringPrototypeIncludes(entries[i], '\n')) multiline = true;
  }
  if (!multiline && total + open.length + close.length <= breakLength) {
    return `${prefix}${open} ${ArrayPrototypeJoin(entries, ', ')} ${close}`;
  }
  const inner = `${ctx.indent}  `;
  return `${prefix}${open}\n${inner}${ArrayPrototypeJoin(entries, `,\n${inner}`)}\n${ctx.indent}${close}`;
}

/**
 * Packs many short array entries into aligned columns (as Node does), so a long array of
 * numbers takes a few lines instead of one line per item.
 * @param {string[]} entries
 * @param {number} extra trailing entries ("... n more items") that stay on their own line
 * @param {Ctx} ctx
 * @param {boolean} numeric right-align (numbers) instead of left-align
 * @returns {string[]}
 */
function groupArrayElements(entries, extra, ctx, numeric) {
  const n = entries.length - extra;
  if (n <= 6) return entries;
  let maxLength = 0;
  let totalLength = 0;
  for (let i = 0; i < n; i++) {
    const len = entries[i].length;
    if (len > 6 || StringPrototypeIncludes(entries[i], '\n')) return entries;
    totalLength += len + 2;
    if (len > maxLength) maxLength = len;
  }
  const actualMax = maxLength + 2;
  // Aim for a block about 2.5 times as wide as high, narrower when lengths vary a lot.
  const biasedMax = MathMax(actualMax - 3 - MathSqrt(actualMax - totalLength / n), 1);
  const columns = MathMin(
    MathRound(MathSqrt(2.5 * biasedMax * n) / biasedMax),
    MathFloor((breakLength - ctx.indent.length) / actualMax),
    12,
    15,
  );
  if (columns <= 1) return entries;
  /** @type {number[]} */
  const widths = [];
  for (let c = 0; c < columns; c++) {
    let w = 0;
    for (let i = c; i < n; i += columns) if (entries[i].length > w) w = entries[i].length;
    ArrayPrototypePush(widths, w + 2);
  }
  /** @type {string[]} */
  const out = [];
  for (let i = 0; i < n; i += columns) {
    const last = MathMin(i + columns, n);
    let line = '';
    for (let j = i; j < last - 1; j++) {
      const cell = `${entries[j]}, `;
      line += numeric ? StringPrototypePadStart(cell, widths[j - i], ' ') : StringPrototypePadEnd(cell, widths[j - i], ' ');
    }
    line += numeric ? StringPrototypePadStart(entries[last - 1], widths[last - 1 - i] - 2, ' ') : entries[last - 1];
    ArrayPrototypePush(out, line);
  }
  for (let i = n; i < entries.length; i++) ArrayPrototypePush(out, entries[i]);
  return out;
}

/**
 * Lays out grouped array lines: on one line if it all fits, else one group per line.
 * @param {string} prefix
 * @param {string[]} lines
 * @param {Ctx} ctx
 */
function reduceGrouped(prefix, lines, ctx) {
  if (lines.length === 1 && prefix.length + lines[0].length + ctx.indent.length + 4 <= breakLength) {
    return `${prefix}[ ${lines[0]} ]`;
  }
  const inner = `${ctx.indent}  `;
  return `${prefix}[\n${inner}${ArrayPrototypeJoin(lines, `,\n${inner}`)}\n${ctx.indent}]`;
}

/**
 * @param {any} v
 * @param {Ctx} ctx
 */
function formatValue(v, ctx) {
  if ((typeof v !== 'object' || v === null) && typeof v !== 'function') return formatPrimitive(v, ctx);
  for (let i = 0; i < ctx.seen.length; i++) if (ctx.seen[i] === v) return '[Circular]';
  const nested = { depth: ctx.depth, seen: ctx.seen, indent: ctx.indent, quoteStrings: true };
  ArrayPrototypePush(ctx.seen, v);
  try {
    return formatObject(v, nested);
  } finally {
    ctx.seen.length--;
  }
}

/**
 * @param {any} obj
 * @param {any} v
 * @param {Ctx} ctx
 */
function child(obj, v, ctx) {
  return formatValue(v, { depth: ctx.depth - 1, seen: ctx.seen, indent: `${ctx.indent}  `, quoteStrings: true });
}

/**
 * The own properties of an object as "key: value" entries.
 * @param {object} obj
 * @param {Ctx} ctx
 * @param {boolean} skipIndices
 * @param {string[]} entries
 */
function propertyEntries(obj, ctx, skipIndices, entries) {
  const names = ObjectGetOwnPropertyNames(obj);
  for (let i = 0; i < names.length; i++) {
    const key = names[i];
    if (skipIndices && RegExpPrototypeExec(/^(0|[1-9][0-9]*)$/, key) !== null) continue;
    if (!ObjectPrototypePropertyIsEnumerable(obj, key)) continue;
    ArrayPrototypePush(entries, propertyEntry(obj, key, ctx));
  }
  const symbols = ObjectGetOwnPropertySymbols(obj);
  for (let i = 0; i < symbols.length; i++) {
    if (!ObjectPrototypePropertyIsEnumerable(obj, symbols[i])) continue;
    ArrayPrototypePush(entries, propertyEntry(obj, symbols[i], ctx));
  }
}

/**
 * @param {object} obj
 * @param {string | symbol} key
 * @param {Ctx} ctx
 */
function propertyEntry(obj, key, ctx) {
  const d = /** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(obj, key));
  let value;
  if ('value' in d) value = child(obj, d.value, ctx);
  else if (d.get && d.set) value = '[Getter/Setter]';
  else if (d.get) value = '[Getter]';
  else if (d.set) value = '[Setter]';
  else value = 'undefined';
  return `${formatKey(key)}: ${value}`;
}

/**
 * @param {Function} fn
 */
function formatFunction(fn) {
  let source = '';
  try {
    source = FunctionPrototypeToString(fn);
  } catch {
    // a revoked proxy
  }
  const name = typeof fn.name === 'string' && fn.name !== '' ? fn.name : '';
  if (StringPrototypeSlice(source, 0, 5) === 'class' && RegExpPrototypeExec(/^class[\s{]/, source) !== null) {
    return name ? `[class ${name}]` : '[class (anonymous)]';
  }
  let kind = 'Function';
  const tag = ObjectPrototypeToString(fn);
  if (tag === '[object AsyncFunction]') kind = 'AsyncFunction';
  else if (tag === '[object GeneratorFunction]') kind = 'GeneratorFunction';
  else if (tag === '[object AsyncGeneratorFunction]') kind = 'AsyncGeneratorFunction';
  return name ? `[${kind}: ${name}]` : `[${kind} (anonymous)]`;
}

/**
 * @param {any} err
 * @param {Ctx} ctx
 */
function formatError(err, ctx) {
  let text;
  let stack;
  try {
    stack = err.stack;
  } catch {
    stack = undefined;
  }
  if (typeof stack === 'string' && stack !== '') {
    text = stack;
  } else {
    try {
      text = ErrorPrototypeToString(err);
    } catch {
      text = '[Error]';
    }
    text = `[${text}]`;
  }
  if (ctx.indent !== '') text = indentLines(text, ctx.indent);
  /** @type {string[]} */
  const entries = [];
  const names = ObjectGetOwnPropertyNames(err);
  for (let i = 0; i < names.length; i++) {
    const key = names[i];
    if (key === 'stack' || key === 'message') continue;
    if (!ObjectPrototypePropertyIsEnumerable(err, key)) continue;
    ArrayPrototypePush(entries, propertyEntry(err, key, ctx));
  }
  if (ObjectPrototypeHasOwnProperty(err, 'cause') && !ObjectPrototypePropertyIsEnumerable(err, 'cause')) {
    const d = ObjectGetOwnPropertyDescriptor(err, 'cause');
    if (d && 'value' in d) ArrayPrototypePush(entries, `[cause]: ${child(err, d.value, ctx)}`);
  }
  if (ObjectPrototypeHasOwnProperty(err, 'errors') && ArrayIsArray(err.errors)) {
    const d = ObjectGetOwnPropertyDescriptor(err, 'errors');
    if (d && 'value' in d && !ObjectPrototypePropertyIsEnumerable(err, 'errors')) {
      ArrayPrototypePush(entries, `[errors]: ${child(err, d.value, ctx)}`);
    }
  }
  if (entries.length === 0) return text;
  return reduceToSingleString(`${text} `, entries, '{', '}', { depth: ctx.depth, seen: ctx.seen, indent: ctx.indent });
}

/**
 * @param {any} obj
 * @returns {boolean}
 */
function isError(obj) {
  if (ObjectPrototypeToString(obj) === '[object Error]') return true;
  let proto = ObjectGetPrototypeOf(obj);
  for (let i = 0; proto !== null && i < 1000; i++) {
    if (proto === rt.primordials.ErrorPrototype) return true;
    proto = ObjectGetPrototypeOf(proto);
  }
  return false;
}

/**
 * @param {any} obj
 * @param {Ctx} ctx
 * @returns {string}
 */
function formatObject(obj, ctx) {
  if (typeof obj === 'function') {
    const base = formatFunction(obj);
    /** @type {string[]} */
    const entries = [];
    if (ctx.depth >= 0) propertyEntries(obj, ctx, false, entries);
    return entries.length === 0 ? base : reduceToSingleString(`${base} `, entries, '{', '}', ctx);
  }

  // Runtime classes with a registered inspector.
  let proto = ObjectGetPrototypeOf(obj);
  for (let i = 0; proto !== null && i < 1000; i++) {
    const inspector = inspectors.get(proto);
    if (inspector !== undefined) {
      const name = constructorName(obj) || 'Object';
      if (ctx.depth < 0) return `[${name}]`;
      /** @type {string[]} */
      const entries = [];
      const props = inspector(obj);
      for (let j = 0; j < props.length; j++) {
        ArrayPrototypePush(entries, `${formatKey(props[j][0])}: ${child(obj, props[j][1], ctx)}`);
      }
      return reduceToSingleString(`${name} `, entries, '{', '}', ctx);
    }
    proto = ObjectGetPrototypeOf(proto);
  }

  if (isError(obj)) return formatError(obj, ctx);

  if (ArrayIsArray(obj)) {
    if (ctx.depth < 0) return '[Array]';
    /** @type {string[]} */
    const entries = [];
    const n = obj.length;
    let holes = 0;
    const shown = n < maxArrayLength ? n : maxArrayLength;
    for (let i = 0; i < shown; i++) {
      if (!ObjectPrototypeHasOwnProperty(obj, i)) {
        holes++;
        continue;
      }
      if (holes > 0) {
        ArrayPrototypePush(entries, `<${holes} empty item${holes > 1 ? 's' : ''}>`);
        holes = 0;
      }
      ArrayPrototypePush(entries, child(obj, obj[i], ctx));
    }
    if (holes > 0) ArrayPrototypePush(entries, `<${holes} empty item${holes > 1 ? 's' : ''}>`);
    let numeric = true;
    for (let i = 0; i < entries.length; i++) {
      const c = StringPrototypeCharCodeAt(entries[i], 0);
      if (!((c >= 0x30 && c <= 0x39) || c === 0x2d)) numeric = false;
    }
    let extra = 0;
    if (n > shown) {
      ArrayPrototypePush(entries, `... ${n - shown} more item${n - shown > 1 ? 's' : ''}`);
      extra = 1;
    }
    const propsStart = entries.length;
    propertyEntries(obj, ctx, true, entries);
    const grouped = entries.length === propsStart ? groupArrayElements(entries, extra, ctx, numeric) : entries;
    if (grouped !== entries) return reduceGrouped(ObjectGetPrototypeOf(obj) === rt.primordials.ArrayPrototype ? '' : prefixOf(obj, 'Array'), grouped, ctx);
    const prefix = ObjectGetPrototypeOf(obj) === rt.primordials.ArrayPrototype ? '' : prefixOf(obj, 'Array');
    return reduceToSingleString(prefix, entries, '[', ']', ctx);
  }

  if (ArrayBufferIsView(obj) && webidl.isTypedArray(obj)) {
    const n = TypedArrayPrototypeGetLength(obj);
    const name = webidl.typedArrayName(obj);
    if (ctx.depth < 0) return `[${name}]`;
    /** @type {string[]} */
    const entries = [];
    const shown = n < maxArrayLength ? n : maxArrayLength;
    for (let i = 0; i < shown; i++) ArrayPrototypePush(entries, formatPrimitive(obj[i], ctx));
    let extra = 0;
    if (n > shown) {
      ArrayPrototypePush(entries, `... ${n - shown} more item${n - shown > 1 ? 's' : ''}`);
      extra = 1;
    }
    const grouped = groupArrayElements(entries, extra, ctx, true);
    if (grouped !== entries) return reduceGrouped(`${name}(${n}) `, grouped, ctx);
    return reduceToSingleString(`${name}(${n}) `, entries, '[', ']', ctx);
  }

  if (webidl.isArrayBuffer(obj)) {
    const length = ArrayBufferPrototypeGetByteLength(obj);
    const bytes = new Uint8Array(obj, 0, length < 50 ? length : 50);
    let hex = '';
    for (let i = 0; i < bytes.length; i++) {
      const h = NumberPrototypeToString(bytes[i], 16);
      hex += `${i > 0 ? ' ' : ''}${h.length < 2 ? '0' : ''}${h}`;
    }
    if (length > 50) hex += ` ... ${length - 50} more bytes`;
    return `ArrayBuffer { [Uint8Contents]: <${hex}>, byteLength: ${length} }`;
  }

  const tag = ObjectPrototypeToString(obj);
  /** @type {string[]} */
  const entries = [];
  switch (tag) {
    case '[object Map]': {
      let size;
      try {
        size = MapPrototypeGetSize(obj);
      } catch {
        break;
      }
      const prefix = trimEnd(prefixOf(obj, 'Map')) || 'Map';
      if (ctx.depth < 0) return `[${prefix}]`;
      const it = MapPrototypeEntries(obj);
      for (let i = 0; ; i++) {
        const r = MapIteratorNext(it);
        if (r.done) break;
        if (i >= maxArrayLength) {
          ArrayPrototypePush(entries, `... ${size - i} more item${size - i > 1 ? 's' : ''}`);
          break;
        }
        ArrayPrototypePush(entries, `${child(obj, r.value[0], ctx)} => ${child(obj, r.value[1], ctx)}`);
      }
      propertyEntries(obj, ctx, false, entries);
      return reduceToSingleString(`${prefix}(${size}) `, entries, '{', '}', ctx);
    }
    case '[object Set]': {
      let size;
      try {
        size = SetPrototypeGetSize(obj);
      } catch {
        break;
      }
      const prefix = trimEnd(prefixOf(obj, 'Set')) || 'Set';
      if (ctx.depth < 0) return `[${prefix}]`;
      const it = SetPrototypeValues(obj);
      for (let i = 0; ; i++) {
        const r = SetIteratorNext(it);
        if (r.done) break;
        if (i >= maxArrayLength) {
          ArrayPrototypePush(entries, `... ${size - i} more item${size - i > 1 ? 's' : ''}`);
          break;
        }
        ArrayPrototypePush(entries, child(obj, r.value, ctx));
      }
      propertyEntries(obj, ctx, false, entries);
      return reduceToSingleString(`${prefix}(${size}) `, entries, '{', '}', ctx);
    }
    case '[object Date]': {
      try {
        const t = DatePrototypeGetTime(obj);
        return t !== t ? 'Invalid Date' : DatePrototypeToISOString(obj);
      } catch {
        break;
      }
    }
    case '[object RegExp]':
      try {
        return RegExpPrototypeToString(obj);
      } catch {
        break;
      }
    case '[object Number]':
      try {
        return `[Number: ${formatPrimitive(NumberPrototypeValueOf(obj), ctx)}]`;
      } catch {
        break;
      }
    case '[object String]':
      try {
        return `[String: ${quote(StringPrototypeValueOf(obj))}]`;
      } catch {
        break;
      }
    case '[object Boolean]':
      try {
        return `[Boolean: ${BooleanPrototypeValueOf(obj)}]`;
      } catch {
        break;
      }
    case '[object Symbol]':
      try {
        return `[Symbol: ${SymbolPrototypeToString(SymbolPrototypeValueOf(obj))}]`;
      } catch {
        break;
      }
  }

  if (ObjectGetPrototypeOf(obj) === PromiseProto) return 'Promise { <unknown> }';
  if (ObjectGetPrototypeOf(obj) === WeakMapProto) return 'WeakMap { <items unknown> }';
  if (ObjectGetPrototypeOf(obj) === WeakSetProto) return 'WeakSet { <items unknown> }';

  const prefix = prefixOf(obj, 'Object');
  if (ctx.depth < 0) return `[${prefix === '' ? 'Object' : trimEnd(prefix)}]`;
  propertyEntries(obj, ctx, false, entries);
  return reduceToSingleString(prefix, entries, '{', '}', ctx);
}

/**
 * Inspects a value. Top-level strings are returned as they are.
 * @param {any} value
 * @param {{ depth?: number }} [options]
 */
function inspect(value, options = undefined) {
  const depth = options && typeof options.depth === 'number' ? options.depth : 2;
  return formatValue(value, { depth, seen: [], indent: '', quoteStrings: false });
}

/**
 * The JSON of a value for %j, or "[Circular]".
 * @param {any} v
 */
function json(v) {
  try {
    return JSONStringify(v);
  } catch {
    return '[Circular]';
  }
}

rt.internal.inspect = inspect;
rt.internal.inspectJSON = json;
rt.internal.indentLines = indentLines;
