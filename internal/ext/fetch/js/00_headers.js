// @ts-check
// Headers (https://fetch.spec.whatwg.org/#headers-class).
//
// A header list is kept flat, [name0, value0, name1, value1, …], with names in lower case (the
// Headers API never shows a name's original case). Server runtimes don't apply the browser's
// forbidden request/response header names, so the "request" and "response" guards only differ
// from "none" in name; "immutable" forbids every change, and "request-no-cors" (the headers of
// a Request whose mode is "no-cors") keeps only the no-CORS-safelisted request-headers.

const {
  ArrayPrototypePush,
  ArrayPrototypeSort,
  ArrayPrototypeSplice,
  RegExpPrototypeExec,
  StringPrototypeCharCodeAt,
  StringPrototypeSlice,
  StringPrototypeToLowerCase,
  SymbolIterator,
  TypeError,
} = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;

/** @typedef {'immutable' | 'request' | 'request-no-cors' | 'response' | 'none'} Guard */

const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const upperRe = /[A-Z]/;
// A normalized value must not contain NUL, LF or CR.
const invalidValueRe = /[\0\n\r]/;

/** @param {number} c */
function isHTTPWhitespace(c) {
  return c === 0x09 || c === 0x0a || c === 0x0d || c === 0x20;
}

/**
 * Strips leading and trailing HTTP whitespace ("normalize" a header value).
 * @param {string} value
 */
function normalizeValue(value) {
  let start = 0;
  let end = value.length;
  while (start < end && isHTTPWhitespace(StringPrototypeCharCodeAt(value, start))) start++;
  while (end > start && isHTTPWhitespace(StringPrototypeCharCodeAt(value, end - 1))) end--;
  return start === 0 && end === value.length ? value : StringPrototypeSlice(value, start, end);
}

/** @param {string} name */
function isValidName(name) {
  return RegExpPrototypeExec(tokenRe, name) !== null;
}

/** @param {string} value a normalized value */
function isValidValue(value) {
  return RegExpPrototypeExec(invalidValueRe, value) === null;
}

// CORS-unsafe request-header bytes: controls other than tab, and "():<>?@[\]{} and DEL.
const corsUnsafeRe = /[\x00-\x08\x0A-\x1F"():<>?@[\\\]{}\x7F]/;
// What Accept-Language and Content-Language values may hold.
const languageRe = /^[0-9A-Za-z *,\-.;=]*$/;

/**
 * Whether (name, value) is a no-CORS-safelisted request-header
 * (https://fetch.spec.whatwg.org/#no-cors-safelisted-request-header).
 * @param {string} name lower case
 * @param {string} value
 */
function isNoCorsSafelisted(name, value) {
  if (value.length > 128) return false;
  switch (name) {
    case 'accept':
      return RegExpPrototypeExec(corsUnsafeRe, value) === null;
    case 'accept-language':
    case 'content-language':
      return RegExpPrototypeExec(languageRe, value) !== null;
    case 'content-type': {
      if (RegExpPrototypeExec(corsUnsafeRe, value) !== null) return false;
      const mt = rt.internal.mime.parse(value);
      if (mt === null) return false;
      const essence = `${mt.type}/${mt.subtype}`;
      return essence === 'application/x-www-form-urlencoded' || essence === 'multipart/form-data' ||
        essence === 'text/plain';
    }
  }
  return false;
}

/** @param {string} name lower case */
function isNoCorsSafelistedName(name) {
  return name === 'accept' || name === 'accept-language' || name === 'content-language' || name === 'content-type';
}

/**
 * Removes the privileged no-CORS request-headers (Range) from a list.
 * @param {string[]} list
 */
function removePrivilegedNoCors(list) {
  for (let i = 0; i < list.length;) {
    if (list[i] === 'range') ArrayPrototypeSplice(list, i, 2);
    else i += 2;
  }
}

/** @param {string} name a valid name */
function lower(name) {
  return RegExpPrototypeExec(upperRe, name) === null ? name : StringPrototypeToLowerCase(name);
}

const convertHeadersInitSequence = webidl.createSequenceConverter(
  webidl.createSequenceConverter(converters.ByteString));
const convertHeadersInitRecord = webidl.createRecordConverter(converters.ByteString, converters.ByteString);

/** @type {(v: any) => boolean} */
let isHeaders;
/** @type {(h: Headers) => string[]} */
let headerListOf;
/** @type {(h: Headers, g: Guard) => void} */
let setGuard;
/** @type {(h: Headers) => Guard} */
let guardOf;
/** @type {(list: string[], guard: Guard) => Headers} */
let headersFromList;
/** @type {(h: Headers, init: any, prefix: string) => void} */
let fillHeaders;
/** @type {(h: Headers, name: string, value: string, prefix: string) => void} */
let appendHeader;

/** The entries method every Headers has, to recognise a Headers init that iterates normally. */
let originalEntries = /** @type {any} */ (null);

class Headers {
  /** @type {string[]} */
  #list = [];
  /** @type {Guard} */
  #guard = 'none';
  /**
   * The sorted and combined list, cached until the next change.
   * @type {string[] | null}
   */
  #sorted = null;

  /** @param {any} [init] */
  constructor(init = undefined) {
    const prefix = webidl.constructorPrefix('Headers');
    if (init !== undefined) this.#fill(init, prefix);
  }

  /**
   * The "fill" steps: appends every header of a HeadersInit.
   * @param {any} init
   * @param {string} prefix
   */
  #fill(init, prefix) {
    if (!webidl.isObject(init)) {
      throw new TypeError(`${prefix}: The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.`);
    }
    const method = init[SymbolIterator];
    if (method === undefined || method === null) {
      const record = convertHeadersInitRecord(init, prefix, 'Argument 1');
      for (const name in record) this.#append(name, record[name], prefix);
      return;
    }
    if (typeof method !== 'function') throw new TypeError(`${prefix}: The provided value is not iterable.`);
    if (method === originalEntries && isHeaders(init)) {
      // A Headers that iterates the standard way: copy its list (names are already valid).
      const sorted = init.#sortAndCombine();
      for (let i = 0; i < sorted.length; i += 2) this.#append(sorted[i], sorted[i + 1], prefix);
      return;
    }
    const pairs = convertHeadersInitSequence(init, prefix, 'Argument 1');
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[i];
      if (pair.length !== 2) {
        throw new TypeError(`${prefix}: Invalid value: header pairs must have exactly 2 items.`);
      }
      this.#append(pair[0], pair[1], prefix);
    }
  }

  /**
   * The "append" steps after conversion.
   * @param {string} name
   * @param {string} value
   * @param {string} prefix
   */
  #append(name, value, prefix) {
    value = normalizeValue(value);
    if (!isValidName(name)) throw new TypeError(`${prefix}: Invalid header name: '${name}'`);
    if (!isValidValue(value)) throw new TypeError(`${prefix}: Invalid header value for '${name}'`);
    if (this.#guard === 'immutable') throw new TypeError(`${prefix}: Headers are immutable`);
    const lname = lower(name);
    if (this.#guard === 'request-no-cors') {
      const current = getHeader(this.#list, lname);
      if (!isNoCorsSafelisted(lname, current === null ? value : `${current}, ${value}`)) return;
      ArrayPrototypePush(this.#list, lname, value);
      removePrivilegedNoCors(this.#list);
    } else {
      ArrayPrototypePush(this.#list, lname, value);
    }
    this.#sorted = null;
  }

  /**
   * @param {string} name
   * @param {string} prefix
   * @returns {string} the lower-case name
   */
  #checkName(name, prefix) {
    if (!isValidName(name)) throw new TypeError(`${prefix}: Invalid header name: '${name}'`);
    return lower(name);
  }

  /** "Sort and combine": lower-case names in order, values of a name joined, set-cookie apart. */
  #sortAndCombine() {
    if (this.#sorted !== null) return this.#sorted;
    const list = this.#list;
    /** @type {Array<[string, number]>} */
    const order = [];
    for (let i = 0; i < list.length; i += 2) ArrayPrototypePush(order, [list[i], i]);
    ArrayPrototypeSort(order, (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
    /** @type {string[]} */
    const out = [];
    for (let i = 0; i < order.length; i++) {
      const name = order[i][0];
      const value = list[order[i][1] + 1];
      if (name === 'set-cookie' || out.length === 0 || out[out.length - 2] !== name) {
        ArrayPrototypePush(out, name, value);
      } else {
        out[out.length - 1] += `, ${value}`;
      }
    }
    this.#sorted = out;
    return out;
  }

  /**
   * @param {string} name
   * @param {string} value
   */
  append(name, value) {
    if (!isHeaders(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('Headers', 'append');
    webidl.requiredArguments(arguments.length, 2, prefix);
    name = converters.ByteString(name, prefix, 'Argument 1');
    value = converters.ByteString(value, prefix, 'Argument 2');
    this.#append(name, value, prefix);
  }

  /** @param {string} name */
  delete(name) {
    if (!isHeaders(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('Headers', 'delete');
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = this.#checkName(converters.ByteString(name, prefix, 'Argument 1'), prefix);
    if (this.#guard === 'immutable') throw new TypeError(`${prefix}: Headers are immutable`);
    if (this.#guard === 'request-no-cors' && !isNoCorsSafelistedName(name) && name !== 'range') return;
    const list = this.#list;
    for (let i = 0; i < list.length;) {
      if (list[i] === name) ArrayPrototypeSplice(list, i, 2);
      else i += 2;
    }
    this.#sorted = null;
  }

  /** @param {string} name */
  get(name) {
    if (!isHeaders(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('Headers', 'get');
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = this.#checkName(converters.ByteString(name, prefix, 'Argument 1'), prefix);
    return getHeader(this.#list, name);
  }

  getSetCookie() {
    if (!isHeaders(this)) webidl.illegalInvocation();
    const list = this.#list;
    /** @type {string[]} */
    const out = [];
    for (let i = 0; i < list.length; i += 2) if (list[i] === 'set-cookie') ArrayPrototypePush(out, list[i + 1]);
    return out;
  }

  /** @param {string} name */
  has(name) {
    if (!isHeaders(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('Headers', 'has');
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = this.#checkName(converters.ByteString(name, prefix, 'Argument 1'), prefix);
    const list = this.#list;
    for (let i = 0; i < list.length; i += 2) if (list[i] === name) return true;
    return false;
  }

  /**
   * @param {string} name
   * @param {string} value
   */
  set(name, value) {
    if (!isHeaders(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('Headers', 'set');
    webidl.requiredArguments(arguments.length, 2, prefix);
    name = converters.ByteString(name, prefix, 'Argument 1');
    value = normalizeValue(converters.ByteString(value, prefix, 'Argument 2'));
    name = this.#checkName(name, prefix);
    if (!isValidValue(value)) throw new TypeError(`${prefix}: Invalid header value for '${name}'`);
    if (this.#guard === 'immutable') throw new TypeError(`${prefix}: Headers are immutable`);
    if (this.#guard === 'request-no-cors') {
      if (!isNoCorsSafelisted(name, value)) return;
      setHeader(this.#list, name, value);
      removePrivilegedNoCors(this.#list);
    } else {
      setHeader(this.#list, name, value);
    }
    this.#sorted = null;
  }

  static {
    isHeaders = (v) => webidl.isObject(v) && #list in v;
    headerListOf = (h) => h.#list;
    setGuard = (h, g) => {
      h.#guard = g;
    };
    guardOf = (h) => h.#guard;
    headersFromList = (list, guard) => {
      const h = new Headers();
      h.#list = list;
      h.#guard = guard;
      return h;
    };
    fillHeaders = (h, init, prefix) => h.#fill(init, prefix);
    appendHeader = (h, name, value, prefix) => h.#append(name, value, prefix);
    webidl.mixinPairIterable('Headers', Headers, isHeaders, (h) => h.#sortAndCombine());
  }
}
webidl.configureInterface(Headers, 'Headers');
originalEntries = /** @type {any} */ (Headers.prototype).entries;

/**
 * The combined value of a header in a list, or null ("get" a header).
 * @param {string[]} list
 * @param {string} name lower case
 */
function getHeader(list, name) {
  /** @type {string | null} */
  let value = null;
  for (let i = 0; i < list.length; i += 2) {
    if (list[i] === name) value = value === null ? list[i + 1] : `${value}, ${list[i + 1]}`;
  }
  return value;
}

/**
 * Replaces the first header of a name and removes the others ("set" a header).
 * @param {string[]} list
 * @param {string} name lower case
 * @param {string} value
 */
function setHeader(list, name, value) {
  let found = false;
  for (let i = 0; i < list.length;) {
    if (list[i] !== name) {
      i += 2;
    } else if (!found) {
      list[i + 1] = value;
      found = true;
      i += 2;
    } else {
      ArrayPrototypeSplice(list, i, 2);
    }
  }
  if (!found) ArrayPrototypePush(list, name, value);
}

/**
 * A Headers over a copy of a flat list whose names are given by a peer (any case); names are
 * lower-cased, nothing is validated (the list comes from Go's HTTP parser).
 * @param {string[]} list
 * @param {Guard} guard
 */
function headersFromTrustedList(list, guard) {
  /** @type {string[]} */
  const copy = [];
  for (let i = 0; i + 1 < list.length; i += 2) ArrayPrototypePush(copy, lower(list[i]), list[i + 1]);
  return headersFromList(copy, guard);
}

rt.internal.Headers = Headers;
rt.internal.headers = {
  __proto__: null,
  is: isHeaders,
  list: headerListOf,
  guard: guardOf,
  setGuard,
  fromList: headersFromList,
  fromTrustedList: headersFromTrustedList,
  fill: fillHeaders,
  append: appendHeader,
  get: getHeader,
  set: setHeader,
  copyList: (/** @type {Headers} */ h) => webidl.copyArray(headerListOf(h)),
  isValidName,
  isValidValue,
  normalizeValue,
};

rt.internal.inspectPairs(Headers);
rt.expose('Headers', Headers);
