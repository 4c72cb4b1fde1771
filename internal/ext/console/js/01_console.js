// @ts-check
// The console namespace (https://console.spec.whatwg.org/). Each call formats its arguments
// (printf-style substitutions, then the rest inspected and joined by spaces) and makes one op
// call: rt.ops.console_log(level, text), level 0 = debug, 1 = log/info, 2 = warn, 3 = error.

const {
  ArrayPrototypeJoin,
  ArrayPrototypePush,
  DateNow,
  MathMax,
  Number,
  NumberParseFloat,
  NumberParseInt,
  NumberPrototypeToFixed,
  ObjectDefineProperty,
  ObjectGetOwnPropertyDescriptor,
  ObjectKeys,
  SafeMap,
  String,
  StringPrototypeCharCodeAt,
  StringPrototypeIndexOf,
  StringPrototypeRepeat,
  StringPrototypeSlice,
  SymbolToStringTag,
} = rt.primordials;
const inspect = rt.internal.inspect;
const indentLines = rt.internal.indentLines;

const DEBUG = 0;
const LOG = 1;
const WARN = 2;
const ERROR = 3;

/**
 * Formats console arguments: the Console standard's Formatter for a leading format string, then
 * every remaining argument, strings as they are and other values inspected.
 * @param {any[]} args
 * @returns {string}
 */
function format(args) {
  if (args.length === 0) return '';
  /** @type {string[]} */
  const parts = [];
  let next = 0;
  const first = args[0];
  if (typeof first === 'string' && args.length > 1 && StringPrototypeIndexOf(first, '%') !== -1) {
    next = 1;
    let out = '';
    let start = 0;
    for (let i = 0; i < first.length - 1; i++) {
      if (StringPrototypeCharCodeAt(first, i) !== 0x25) continue; // %
      const spec = first[i + 1];
      let text;
      if (spec === '%') {
        text = '%';
      } else if (next >= args.length) {
        continue;
      } else {
        const arg = args[next];
        switch (spec) {
          case 's':
            text = typeof arg === 'string' ? arg : typeof arg === 'bigint' ? `${arg}n`
              : typeof arg === 'symbol' ? String(arg)
              : typeof arg === 'object' && arg !== null ? inspect(arg, { depth: 1 }) : `${arg}`;
            break;
          case 'd':
          case 'i':
            if (typeof arg === 'bigint') text = `${arg}n`;
            else if (typeof arg === 'symbol' || (typeof arg === 'object' && arg !== null)) text = 'NaN';
            else text = `${spec === 'i' ? NumberParseInt(`${arg}`, 10) : Number(arg)}`;
            break;
          case 'f':
            text = typeof arg === 'symbol' ? 'NaN' : `${NumberParseFloat(`${arg}`)}`;
            break;
          case 'o':
            text = inspect(arg, { depth: 4 });
            break;
          case 'O':
            text = inspect(arg);
            break;
          case 'j':
            text = rt.internal.inspectJSON(arg);
            break;
          case 'c':
            text = ''; // CSS has no meaning here
            break;
          default:
            continue;
        }
        next++;
      }
      out += StringPrototypeSlice(first, start, i) + text;
      start = i + 2;
      i++;
    }
    ArrayPrototypePush(parts, out + StringPrototypeSlice(first, start));
  }
  for (let i = next; i < args.length; i++) {
    const a = args[i];
    ArrayPrototypePush(parts, typeof a === 'string' ? a : inspect(a));
  }
  return ArrayPrototypeJoin(parts, ' ');
}

let groupIndent = '';

/**
 * @param {number} level
 * @param {string} text
 */
function print(level, text) {
  if (groupIndent !== '') text = groupIndent + indentLines(text, groupIndent);
  rt.ops.console_log(level, text);
}

/**
 * @param {number} level
 * @param {any[]} args
 */
function log(level, args) {
  print(level, format(args));
}

/** @type {Map<string, number>} */
const counts = new SafeMap();
/** @type {Map<string, number>} */
const timers = new SafeMap();

function now() {
  const f = rt.internal.now;
  return typeof f === 'function' ? f() : DateNow();
}

/** @param {number} ms */
function formatDuration(ms) {
  if (ms >= 1000) return `${NumberPrototypeToFixed(ms / 1000, 3)}s`;
  return `${NumberPrototypeToFixed(ms, 3)}ms`;
}

/** @param {any} label */
function labelOf(label) {
  return label === undefined ? 'default' : `${label}`;
}

/**
 * A box-drawn table of an array or object's rows, like Node's console.table.
 * @param {any} data
 * @param {string[] | undefined} properties
 */
function table(data, properties) {
  if (typeof data !== 'object' || data === null) return null;
  const indexHeader = '(index)';
  const valuesHeader = 'Values';
  /** @type {string[]} */
  const columns = [];
  /** @type {Map<string, boolean>} */
  const columnSet = new SafeMap();
  /** @type {Array<{ index: string, cells: Map<string, string>, value: string | null }>} */
  const rows = [];
  let hasValues = false;
  const keys = ObjectKeys(data);
  for (let r = 0; r < keys.length; r++) {
    const row = data[keys[r]];
    /** @type {Map<string, string>} */
    const cells = new SafeMap();
    let value = null;
    if (typeof row === 'object' && row !== null) {
      const rowKeys = properties === undefined ? ObjectKeys(row) : properties;
      for (let c = 0; c < rowKeys.length; c++) {
        const k = rowKeys[c];
        if (!columnSet.has(k)) {
          columnSet.set(k, true);
          ArrayPrototypePush(columns, k);
        }
        if (k in row) cells.set(k, formatCell(row[k]));
      }
    } else {
      value = formatCell(row);
      hasValues = true;
    }
    ArrayPrototypePush(rows, { index: keys[r], cells, value });
  }
  const header = [indexHeader];
  for (let i = 0; i < columns.length; i++) ArrayPrototypePush(header, columns[i]);
  if (hasValues) ArrayPrototypePush(header, valuesHeader);
  /** @type {string[][]} */
  const matrix = [];
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    const line = [row.index];
    for (let c = 0; c < columns.length; c++) {
      const v = row.cells.get(columns[c]);
      ArrayPrototypePush(line, v === undefined ? '' : v);
    }
    if (hasValues) ArrayPrototypePush(line, row.value === null ? '' : row.value);
    ArrayPrototypePush(matrix, line);
  }
  /** @type {number[]} */
  const widths = [];
  for (let c = 0; c < header.length; c++) {
    let w = header[c].length;
    for (let r = 0; r < matrix.length; r++) w = MathMax(w, matrix[r][c].length);
    ArrayPrototypePush(widths, w + 2);
  }
  /**
   * @param {string} s
   * @param {number} w
   */
  const center = (s, w) => {
    const left = (w - s.length) >> 1;
    return StringPrototypeRepeat(' ', left) + s + StringPrototypeRepeat(' ', w - s.length - left);
  };
  /**
   * @param {string} l
   * @param {string} m
   * @param {string} r
   */
  const rule = (l, m, r) => {
    /** @type {string[]} */
    const segs = [];
    for (let c = 0; c < widths.length; c++) ArrayPrototypePush(segs, StringPrototypeRepeat('─', widths[c]));
    return l + ArrayPrototypeJoin(segs, m) + r;
  };
  /** @param {string[]} cells */
  const line = (cells) => {
    /** @type {string[]} */
    const segs = [];
    for (let c = 0; c < cells.length; c++) ArrayPrototypePush(segs, center(cells[c], widths[c]));
    return `│${ArrayPrototypeJoin(segs, '│')}│`;
  };
  /** @type {string[]} */
  const out = [rule('┌', '┬', '┐'), line(header), rule('├', '┼', '┤')];
  for (let r = 0; r < matrix.length; r++) ArrayPrototypePush(out, line(matrix[r]));
  ArrayPrototypePush(out, rule('└', '┴', '┘'));
  return ArrayPrototypeJoin(out, '\n');
}

/** @param {any} v */
function formatCell(v) {
  return typeof v === 'string' ? `'${v}'` : inspect(v, { depth: 0 });
}

const consoleMethods = {
  /** @param {...any} args */
  log(...args) {
    log(LOG, args);
  },
  /** @param {...any} args */
  info(...args) {
    log(LOG, args);
  },
  /** @param {...any} args */
  debug(...args) {
    log(DEBUG, args);
  },
  /** @param {...any} args */
  warn(...args) {
    log(WARN, args);
  },
  /** @param {...any} args */
  error(...args) {
    log(ERROR, args);
  },
  /**
   * @param {any} [condition]
   * @param {...any} data
   */
  assert(condition = false, ...data) {
    if (condition) return;
    if (data.length === 0) {
      data = ['Assertion failed'];
    } else if (typeof data[0] === 'string') {
      data[0] = `Assertion failed: ${data[0]}`;
    } else {
      /** @type {any[]} */
      const all = ['Assertion failed:'];
      for (let i = 0; i < data.length; i++) ArrayPrototypePush(all, data[i]);
      data = all;
    }
    log(ERROR, data);
  },
  clear() {},
  /** @param {...any} args */
  trace(...args) {
    const holder = {};
    rt.primordials.ErrorCaptureStackTrace(holder, consoleMethods.trace);
    const stack = `${/** @type {any} */ (holder).stack}`;
    const nl = StringPrototypeIndexOf(stack, '\n');
    const frames = nl === -1 ? '' : StringPrototypeSlice(stack, nl);
    print(LOG, `Trace${args.length > 0 ? `: ${format(args)}` : ''}${frames}`);
  },
  /**
   * @param {any} tabularData
   * @param {string[]} [properties]
   */
  table(tabularData, properties = undefined) {
    const text = table(tabularData, properties);
    if (text === null) log(LOG, [tabularData]);
    else print(LOG, text);
  },
  /**
   * @param {any} item
   * @param {any} [options]
   */
  dir(item, options = undefined) {
    print(LOG, inspect(item, options));
  },
  /** @param {...any} args */
  dirxml(...args) {
    log(LOG, args);
  },
  /** @param {string} [label] */
  count(label = undefined) {
    const l = labelOf(label);
    const n = (counts.get(l) || 0) + 1;
    counts.set(l, n);
    print(LOG, `${l}: ${n}`);
  },
  /** @param {string} [label] */
  countReset(label = undefined) {
    const l = labelOf(label);
    if (!counts.has(l)) print(WARN, `Count for '${l}' does not exist`);
    else counts.set(l, 0);
  },
  /** @param {...any} args */
  group(...args) {
    if (args.length > 0) log(LOG, args);
    groupIndent += '  ';
  },
  /** @param {...any} args */
  groupCollapsed(...args) {
    if (args.length > 0) log(LOG, args);
    groupIndent += '  ';
  },
  groupEnd() {
    groupIndent = StringPrototypeSlice(groupIndent, 0, MathMax(0, groupIndent.length - 2));
  },
  /** @param {string} [label] */
  time(label = undefined) {
    const l = labelOf(label);
    if (timers.has(l)) {
      print(WARN, `Timer '${l}' already exists`);
      return;
    }
    timers.set(l, now());
  },
  /**
   * @param {string} [label]
   * @param {...any} data
   */
  timeLog(label = undefined, ...data) {
    const l = labelOf(label);
    const start = timers.get(l);
    if (start === undefined) {
      print(WARN, `Timer '${l}' does not exist`);
      return;
    }
    const text = `${l}: ${formatDuration(now() - start)}`;
    print(LOG, data.length > 0 ? `${text} ${format(data)}` : text);
  },
  /** @param {string} [label] */
  timeEnd(label = undefined) {
    const l = labelOf(label);
    const start = timers.get(l);
    if (start === undefined) {
      print(WARN, `Timer '${l}' does not exist`);
      return;
    }
    timers.delete(l);
    print(LOG, `${l}: ${formatDuration(now() - start)}`);
  },
};

// The namespace object: its operations are enumerable, writable and configurable data
// properties, and it has a @@toStringTag of "console".
const console = {};
const names = ObjectKeys(consoleMethods);
for (let i = 0; i < names.length; i++) {
  const d = /** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(consoleMethods, names[i]));
  ObjectDefineProperty(console, names[i], {
    __proto__: null, value: d.value, writable: true, enumerable: true, configurable: true,
  });
}
ObjectDefineProperty(console, SymbolToStringTag, {
  __proto__: null, value: 'console', writable: false, enumerable: false, configurable: true,
});

rt.internal.console = console;
rt.internal.format = format;
/** Logs values at the error level, as console.error does (used for uncaught errors). */
rt.internal.consoleError = (/** @type {any[]} */ ...args) => log(ERROR, args);
rt.internal.consoleLog = (/** @type {number} */ level, /** @type {any[]} */ ...args) => log(level, args);

rt.expose('console', console);
