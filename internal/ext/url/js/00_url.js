// @ts-check
// URL and URLSearchParams (https://url.spec.whatwg.org/#api). Parsing and the setters run in Go
// (ops url_parse, url_set, url_parse_search_params); a URL object keeps the components the op
// returns, so the getters cross no boundary.

const {
  ArrayPrototypePush,
  ArrayPrototypeSort,
  ArrayPrototypeSplice,
  RegExpPrototypeExec,
  SafeMap,
  StringPrototypeCharCodeAt,
  StringPrototypeSlice,
  SymbolIterator,
  TypeError,
} = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;
const ops = rt.ops;

// Component indices of the op results (internal/ext/url: Comp*).
const HREF = 0;
const ORIGIN = 1;
const PROTOCOL = 2;
const USERNAME = 3;
const PASSWORD = 4;
const HOST = 5;
const HOSTNAME = 6;
const PORT = 7;
const PATHNAME = 8;
const SEARCH = 9;
const HASH = 10;

/** Passed by the runtime itself to build a URL from components it already has. */
const fromComponents = Symbol('URL from components');

/** @type {(v: any) => boolean} */
let isURL;
/** @type {(url: URL) => string[]} */
let componentsOf;
/** @type {(url: URL, c: string[]) => void} */
let setComponents;

/** @type {(v: any) => boolean} */
let isURLSearchParams;
/** @type {(url: URL) => URLSearchParams} */
let newLinkedSearchParams;
/** @type {(params: URLSearchParams, query: string) => void} */
let resetSearchParams;
/** @type {(params: URLSearchParams) => string} */
let serializeSearchParams;

/**
 * @param {string} search "" or "?…"
 */
function queryOf(search) {
  return search === '' ? '' : StringPrototypeSlice(search, 1);
}

class URL {
  /** @type {string[]} */
  #c;
  /** @type {URLSearchParams | null} */
  #query = null;

  /**
   * @param {string} url
   * @param {string} [base]
   */
  constructor(url, base = undefined) {
    if (/** @type {any} */ (url) === fromComponents) {
      this.#c = /** @type {any} */ (base);
      return;
    }
    const prefix = webidl.constructorPrefix('URL');
    webidl.requiredArguments(arguments.length, 1, prefix);
    url = converters.USVString(url, prefix, 'Argument 1');
    if (base !== undefined) base = converters.USVString(base, prefix, 'Argument 2');
    const c = ops.url_parse(url, base);
    if (c === null) throw new TypeError(`${prefix}: Invalid URL`);
    this.#c = c;
  }

  /**
   * @param {string} url
   * @param {string} [base]
   */
  static parse(url, base = undefined) {
    const prefix = webidl.operationPrefix('URL', 'parse');
    webidl.requiredArguments(arguments.length, 1, prefix);
    url = converters.USVString(url, prefix, 'Argument 1');
    if (base !== undefined) base = converters.USVString(base, prefix, 'Argument 2');
    const c = ops.url_parse(url, base);
    return c === null ? null : new URL(/** @type {any} */ (fromComponents), c);
  }

  /**
   * @param {string} url
   * @param {string} [base]
   */
  static canParse(url, base = undefined) {
    const prefix = webidl.operationPrefix('URL', 'canParse');
    webidl.requiredArguments(arguments.length, 1, prefix);
    url = converters.USVString(url, prefix, 'Argument 1');
    if (base !== undefined) base = converters.USVString(base, prefix, 'Argument 2');
    return ops.url_parse(url, base) !== null;
  }

  /**
   * Runs a setter in Go and takes the new components.
   * @param {number} which
   * @param {any} value
   * @param {string} name
   */
  #set(which, value, name) {
    const v = converters.USVString(value, `Failed to set the '${name}' property on 'URL'`, 'Value');
    const c = ops.url_set(this.#c[HREF], which, v);
    if (c === null) throw new TypeError(`Failed to set the '${name}' property on 'URL': Invalid URL`);
    const searchChanged = c[SEARCH] !== this.#c[SEARCH];
    this.#c = c;
    if (this.#query !== null && (which === HREF || which === SEARCH || searchChanged)) {
      resetSearchParams(this.#query, queryOf(c[SEARCH]));
    }
  }

  get href() {
    if (!isURL(this)) webidl.illegalInvocation();
    return this.#c[HREF];
  }

  set href(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    this.#set(HREF, value, 'href');
  }

  toString() {
    if (!isURL(this)) webidl.illegalInvocation();
    return this.#c[HREF];
  }

  toJSON() {
    if (!isURL(this)) webidl.illegalInvocation();
    return this.#c[HREF];
  }

  get origin() {
    if (!isURL(this)) webidl.illegalInvocation();
    return this.#c[ORIGIN];
  }

  get protocol() {
    if (!isURL(this)) webidl.illegalInvocation();
    return this.#c[PROTOCOL];
  }

  set protocol(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    this.#set(PROTOCOL, value, 'protocol');
  }

  get username() {
    if (!isURL(this)) webidl.illegalInvocation();
    return this.#c[USERNAME];
  }

  set username(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    this.#set(USERNAME, value, 'username');
  }

  get password() {
    if (!isURL(this)) webidl.illegalInvocation();
    return this.#c[PASSWORD];
  }

  set password(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    this.#set(PASSWORD, value, 'password');
  }

  get host() {
    if (!isURL(this)) webidl.illegalInvocation();
    return this.#c[HOST];
  }

  set host(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    this.#set(HOST, value, 'host');
  }

  get hostname() {
    if (!isURL(this)) webidl.illegalInvocation();
    return this.#c[HOSTNAME];
  }

  set hostname(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    this.#set(HOSTNAME, value, 'hostname');
  }

  get port() {
    if (!isURL(this)) webidl.illegalInvocation();
    return this.#c[PORT];
  }

  set port(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    this.#set(PORT, value, 'port');
  }

  get pathname() {
    if (!isURL(this)) webidl.illegalInvocation();
    return this.#c[PATHNAME];
  }

  set pathname(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    this.#set(PATHNAME, value, 'pathname');
  }

  get search() {
    if (!isURL(this)) webidl.illegalInvocation();
    return this.#c[SEARCH];
  }

  set search(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    this.#set(SEARCH, value, 'search');
  }

  get searchParams() {
    if (!isURL(this)) webidl.illegalInvocation();
    if (this.#query === null) this.#query = newLinkedSearchParams(this);
    return this.#query;
  }

  get hash() {
    if (!isURL(this)) webidl.illegalInvocation();
    return this.#c[HASH];
  }

  set hash(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    this.#set(HASH, value, 'hash');
  }

  /**
   * Adds an entry to the blob URL store (https://w3c.github.io/FileAPI/#dfn-createObjectURL).
   * @param {any} obj
   */
  static createObjectURL(obj) {
    const prefix = webidl.operationPrefix('URL', 'createObjectURL');
    webidl.requiredArguments(arguments.length, 1, prefix);
    if (!rt.internal.isBlob(obj)) {
      throw new TypeError(`${prefix}: parameter 1 is not of type 'Blob'.`);
    }
    const url = `blob:${environmentOrigin()}/${ops.url_blob_uuid()}`;
    blobURLStore.set(url, obj);
    return url;
  }

  /**
   * Removes an entry from the blob URL store (https://w3c.github.io/FileAPI/#dfn-revokeObjectURL).
   * @param {string} url
   */
  static revokeObjectURL(url) {
    const prefix = webidl.operationPrefix('URL', 'revokeObjectURL');
    webidl.requiredArguments(arguments.length, 1, prefix);
    url = converters.DOMString(url, prefix, 'Argument 1');
    const c = ops.url_parse(url, undefined);
    if (c === null || c[PROTOCOL] !== 'blob:' || c[ORIGIN] !== environmentOrigin()) return;
    // Only the exact URL: one with a fragment names no entry.
    blobURLStore.delete(c[HREF]);
  }

  static {
    isURL = (v) => webidl.isObject(v) && #c in v;
    componentsOf = (u) => u.#c;
    setComponents = (u, c) => {
      u.#c = c;
    };
  }
}
webidl.configureInterface(URL, 'URL');

// The application/x-www-form-urlencoded serializer: bytes outside [A-Za-z0-9*-._] are
// percent-encoded (as UTF-8), and a space becomes "+".
const formSafe = /^[A-Za-z0-9*\-._]*$/;
/** @type {string[]} */
const byteEscape = [];
for (let i = 0; i < 256; i++) {
  const h = i.toString(16).toUpperCase();
  ArrayPrototypePush(byteEscape, i < 16 ? `%0${h}` : `%${h}`);
}
/** @type {boolean[]} */
const safeByte = [];
for (let i = 0; i < 128; i++) {
  safeByte[i] = (i >= 0x30 && i <= 0x39) || (i >= 0x41 && i <= 0x5a) || (i >= 0x61 && i <= 0x7a) ||
    i === 0x2a || i === 0x2d || i === 0x2e || i === 0x5f;
}

/** @param {string} s */
function formEncode(s) {
  if (RegExpPrototypeExec(formSafe, s) !== null) return s;
  let out = '';
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = StringPrototypeCharCodeAt(s, i);
    if (c < 0x80) {
      if (safeByte[c]) out += s[i];
      else if (c === 0x20) out += '+';
      else out += byteEscape[c];
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? StringPrototypeCharCodeAt(s, i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else {
        c = 0xfffd;
      }
    }
    if (c < 0x800) {
      out += byteEscape[0xc0 | (c >> 6)] + byteEscape[0x80 | (c & 0x3f)];
    } else if (c < 0x10000) {
      out += byteEscape[0xe0 | (c >> 12)] + byteEscape[0x80 | ((c >> 6) & 0x3f)] +
        byteEscape[0x80 | (c & 0x3f)];
    } else {
      out += byteEscape[0xf0 | (c >> 18)] + byteEscape[0x80 | ((c >> 12) & 0x3f)] +
        byteEscape[0x80 | ((c >> 6) & 0x3f)] + byteEscape[0x80 | (c & 0x3f)];
    }
  }
  return out;
}

/**
 * Serializes a flat name/value list as application/x-www-form-urlencoded.
 * @param {string[]} list
 */
function serializeForm(list) {
  let out = '';
  for (let i = 0; i < list.length; i += 2) {
    if (i > 0) out += '&';
    out += `${formEncode(list[i])}=${formEncode(list[i + 1])}`;
  }
  return out;
}

/** @param {string} s */
function parseForm(s) {
  return s === '' ? [] : ops.url_parse_search_params(s);
}

const convertPair = webidl.createSequenceConverter(converters.USVString);
const convertRecord = webidl.createRecordConverter(converters.USVString, converters.USVString);

class URLSearchParams {
  /**
   * The list of name-value pairs, flat: [name0, value0, name1, value1, …].
   * @type {string[]}
   */
  #list = [];
  /** @type {URL | null} */
  #url = null;

  /** @param {any} [init] */
  constructor(init = '') {
    const prefix = webidl.constructorPrefix('URLSearchParams');
    if (webidl.isObject(init)) {
      const method = init[SymbolIterator];
      if (method !== undefined && method !== null) {
        if (typeof method !== 'function') {
          throw new TypeError(`${prefix}: The provided value is not iterable.`);
        }
        const pairs = webidl.iterableToList(init, method, convertPair, prefix, 'Argument 1', undefined);
        const list = this.#list;
        for (let i = 0; i < pairs.length; i++) {
          const pair = pairs[i];
          if (pair.length !== 2) {
            throw new TypeError(`${prefix}: Each query pair must be an iterable [name, value] tuple`);
          }
          ArrayPrototypePush(list, pair[0], pair[1]);
        }
      } else {
        const record = convertRecord(init, prefix, 'Argument 1');
        const list = this.#list;
        for (const name in record) ArrayPrototypePush(list, name, record[name]);
      }
    } else {
      let s = converters.USVString(init, prefix, 'Argument 1');
      if (s !== '' && StringPrototypeCharCodeAt(s, 0) === 0x3f) s = StringPrototypeSlice(s, 1);
      this.#list = parseForm(s);
    }
  }

  /** The update steps: writes the list back to the linked URL's query. */
  #update() {
    const url = this.#url;
    if (url === null) return;
    const serialized = serializeForm(this.#list);
    const c = ops.url_set(componentsOf(url)[HREF], SEARCH, serialized);
    if (c !== null) setComponents(url, c);
  }

  get size() {
    if (!isURLSearchParams(this)) webidl.illegalInvocation();
    return this.#list.length / 2;
  }

  /**
   * @param {string} name
   * @param {string} value
   */
  append(name, value) {
    if (!isURLSearchParams(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('URLSearchParams', 'append');
    webidl.requiredArguments(arguments.length, 2, prefix);
    name = converters.USVString(name, prefix, 'Argument 1');
    value = converters.USVString(value, prefix, 'Argument 2');
    ArrayPrototypePush(this.#list, name, value);
    this.#update();
  }

  /**
   * @param {string} name
   * @param {string} [value]
   */
  delete(name, value = undefined) {
    if (!isURLSearchParams(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('URLSearchParams', 'delete');
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = converters.USVString(name, prefix, 'Argument 1');
    if (value !== undefined) value = converters.USVString(value, prefix, 'Argument 2');
    const list = this.#list;
    for (let i = 0; i < list.length;) {
      if (list[i] === name && (value === undefined || list[i + 1] === value)) {
        ArrayPrototypeSplice(list, i, 2);
      } else {
        i += 2;
      }
    }
    this.#update();
  }

  /** @param {string} name */
  get(name) {
    if (!isURLSearchParams(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('URLSearchParams', 'get');
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = converters.USVString(name, prefix, 'Argument 1');
    const list = this.#list;
    for (let i = 0; i < list.length; i += 2) if (list[i] === name) return list[i + 1];
    return null;
  }

  /** @param {string} name */
  getAll(name) {
    if (!isURLSearchParams(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('URLSearchParams', 'getAll');
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = converters.USVString(name, prefix, 'Argument 1');
    const list = this.#list;
    /** @type {string[]} */
    const out = [];
    for (let i = 0; i < list.length; i += 2) if (list[i] === name) ArrayPrototypePush(out, list[i + 1]);
    return out;
  }

  /**
   * @param {string} name
   * @param {string} [value]
   */
  has(name, value = undefined) {
    if (!isURLSearchParams(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('URLSearchParams', 'has');
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = converters.USVString(name, prefix, 'Argument 1');
    if (value !== undefined) value = converters.USVString(value, prefix, 'Argument 2');
    const list = this.#list;
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === name && (value === undefined || list[i + 1] === value)) return true;
    }
    return false;
  }

  /**
   * @param {string} name
   * @param {string} value
   */
  set(name, value) {
    if (!isURLSearchParams(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('URLSearchParams', 'set');
    webidl.requiredArguments(arguments.length, 2, prefix);
    name = converters.USVString(name, prefix, 'Argument 1');
    value = converters.USVString(value, prefix, 'Argument 2');
    const list = this.#list;
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
    this.#update();
  }

  sort() {
    if (!isURLSearchParams(this)) webidl.illegalInvocation();
    const list = this.#list;
    /** @type {Array<[string, string]>} */
    const pairs = [];
    for (let i = 0; i < list.length; i += 2) ArrayPrototypePush(pairs, [list[i], list[i + 1]]);
    // A stable sort by code units (the sort V8 uses is stable; < compares code units).
    ArrayPrototypeSort(pairs, (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (let i = 0; i < pairs.length; i++) {
      list[2 * i] = pairs[i][0];
      list[2 * i + 1] = pairs[i][1];
    }
    this.#update();
  }

  toString() {
    if (!isURLSearchParams(this)) webidl.illegalInvocation();
    return serializeForm(this.#list);
  }

  static {
    isURLSearchParams = (v) => webidl.isObject(v) && #list in v;
    newLinkedSearchParams = (url) => {
      const p = new URLSearchParams();
      p.#url = url;
      p.#list = parseForm(queryOf(componentsOf(url)[SEARCH]));
      return p;
    };
    resetSearchParams = (p, query) => {
      p.#list = parseForm(query);
    };
    serializeSearchParams = (p) => serializeForm(p.#list);
    webidl.mixinPairIterable('URLSearchParams', URLSearchParams, isURLSearchParams, (p) => p.#list);
  }
}
webidl.configureInterface(URLSearchParams, 'URLSearchParams');

/**
 * The blob URL store (https://w3c.github.io/FileAPI/#BlobURLStore) of this isolate: blob URL
 * (without fragment) → Blob.
 * @type {Map<string, any>}
 */
const blobURLStore = new SafeMap();

/**
 * The serialized origin of the environment: that of its API base URL, or "null" (opaque) when
 * it has none, as for an islet worker.
 */
function environmentOrigin() {
  if (apiBaseURL === undefined) return 'null';
  const c = ops.url_parse(apiBaseURL, undefined);
  return c === null ? 'null' : c[ORIGIN];
}

/**
 * Resolves a blob URL (https://w3c.github.io/FileAPI/#blob-url-resolve): the Blob its entry in
 * the store holds, or null. The fragment is ignored.
 * @param {string[]} c the URL's components
 */
function resolveBlobURL(c) {
  if (c[PROTOCOL] !== 'blob:') return null;
  const href = c[HASH] === '' ? c[HREF] : StringPrototypeSlice(c[HREF], 0, c[HREF].length - c[HASH].length);
  const blob = blobURLStore.get(href);
  return blob === undefined ? null : blob;
}
rt.internal.resolveBlobURL = resolveBlobURL;

/**
 * The environment's API base URL (https://html.spec.whatwg.org/#api-base-url): for a worker,
 * the URL its script was fetched from. An islet worker has none, so relative URLs given to
 * `new Request()`, `fetch()` and `Response.redirect()` fail, as on other server runtimes; an
 * embedder that runs scripts at a URL (a test harness's worker scope) sets it with
 * rt.internal.setAPIBaseURL.
 * @type {string | undefined}
 */
let apiBaseURL;

rt.internal.setAPIBaseURL = (/** @type {string | undefined} */ href) => {
  apiBaseURL = href === undefined ? undefined : `${href}`;
};
rt.internal.getAPIBaseURL = () => apiBaseURL;
/**
 * Parses a URL string against the API base URL (the "parse a URL" of the HTML standard): its
 * components (see HREF…HASH), or null on failure.
 * @param {string} input
 * @returns {string[] | null}
 */
rt.internal.parseURLWithBase = (input) => ops.url_parse(input, apiBaseURL);

rt.internal.URL = URL;
rt.internal.isURL = isURL;
rt.internal.URLSearchParams = URLSearchParams;
rt.internal.isURLSearchParams = isURLSearchParams;
/** The application/x-www-form-urlencoded serialization of a URLSearchParams (for bodies). */
rt.internal.serializeSearchParams = (/** @type {URLSearchParams} */ p) => serializeSearchParams(p);
rt.internal.formEncode = formEncode;
rt.internal.parseForm = parseForm;

rt.internal.inspectAttributes(URL, ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash']);
rt.internal.inspectPairs(URLSearchParams);
rt.expose('URL', URL);
rt.expose('URLSearchParams', URLSearchParams);
