// @ts-check
// Request (https://fetch.spec.whatwg.org/#request-class) and the hook the core uses to build the
// Request of an incoming HTTP request.
//
// Deviations a server runtime makes, as Workers does: no forbidden methods other than CONNECT,
// TRACE and TRACK, no forbidden header names, and a ReadableStream body does not need
// `duplex: 'half'`.

const { StringPrototypeSplit } = rt.primordials;
const {
  RegExpPrototypeExec,
  StringPrototypeToUpperCase,
  TypeError,
} = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;
const H = rt.internal.headers;
const B = rt.internal.body;
const Headers = rt.internal.Headers;

const internal = Symbol('internal Request');
const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Methods the spec normalizes to upper case, by their upper-case form. */
const normalizedMethods = {
  __proto__: null, DELETE: 'DELETE', GET: 'GET', HEAD: 'HEAD', OPTIONS: 'OPTIONS', POST: 'POST', PUT: 'PUT',
};
const forbiddenMethods = { __proto__: null, CONNECT: true, TRACE: true, TRACK: true };

/**
 * Validates and normalizes a method.
 * @param {string} method
 * @param {string} prefix
 */
function normalizeMethod(method, prefix) {
  if (RegExpPrototypeExec(tokenRe, method) === null) throw new TypeError(`${prefix}: '${method}' is not a valid HTTP method.`);
  const upper = StringPrototypeToUpperCase(method);
  if (forbiddenMethods[/** @type {keyof forbiddenMethods} */ (upper)] === true) {
    throw new TypeError(`${prefix}: '${method}' HTTP method is unsupported.`);
  }
  const normalized = normalizedMethods[/** @type {keyof normalizedMethods} */ (upper)];
  return normalized === undefined ? method : normalized;
}

const requestInit = webidl.createDictionaryConverter('RequestInit', [
  { key: 'method', converter: converters.ByteString },
  { key: 'headers', converter: converters.any },
  { key: 'body', converter: converters.any },
  { key: 'referrer', converter: converters.USVString },
  { key: 'referrerPolicy', converter: webidl.createEnumConverter('ReferrerPolicy', ['', 'no-referrer', 'no-referrer-when-downgrade', 'same-origin', 'origin', 'strict-origin', 'origin-when-cross-origin', 'strict-origin-when-cross-origin', 'unsafe-url']) },
  { key: 'mode', converter: webidl.createEnumConverter('RequestMode', ['navigate', 'same-origin', 'no-cors', 'cors']) },
  { key: 'credentials', converter: webidl.createEnumConverter('RequestCredentials', ['omit', 'same-origin', 'include']) },
  { key: 'cache', converter: webidl.createEnumConverter('RequestCache', ['default', 'no-store', 'reload', 'no-cache', 'force-cache', 'only-if-cached']) },
  { key: 'redirect', converter: webidl.createEnumConverter('RequestRedirect', ['follow', 'error', 'manual']) },
  { key: 'integrity', converter: converters.DOMString },
  { key: 'keepalive', converter: converters.boolean },
  { key: 'signal', converter: webidl.createNullableConverter(webidl.createInterfaceConverter('AbortSignal', (v) => rt.internal.isAbortSignal(v))) },
  { key: 'duplex', converter: webidl.createEnumConverter('RequestDuplex', ['half']) },
  { key: 'priority', converter: webidl.createEnumConverter('RequestPriority', ['high', 'low', 'auto']) },
  { key: 'window', converter: converters.any },
]);

/** @type {(v: any) => boolean} */
let isRequest;
/** @type {(method: string, url: string, headerList: string[], body: any, signal?: any) => Request} */
let newIncomingRequest;
/** @type {(r: Request) => { method: string, url: string, headers: string[], body: any, redirect: string }} */
let requestParts;

class Request {
  // One private field holding a plain state object: defining many private fields per
  // instance takes V8 10.2's slow path in interpreted code (most isolates' code is).
  #s = {
    method: 'GET',
    url: '',
    headers: /** @type {any} */ (null),
    // An incoming request's headers before first use (a flat list, or joined by NUL); see #hdrs.
    headerSource: /** @type {string | string[] | null} */ (null),
    body: /** @type {{ source: any, stream: any, consumed: boolean } | null} */ (null),
    // The signal this request's signal follows, until `signal` is read.
    signalSource: /** @type {any} */ (null),
    signal: /** @type {any} */ (null),
    redirect: 'follow',
    mode: 'cors',
    credentials: 'same-origin',
    cache: 'default',
    referrer: 'about:client',
    referrerPolicy: '',
    integrity: '',
    keepalive: false,
    priority: 'auto',
  };

  #hdrs() {
    if (this.#s.headers === null) {
      const src = this.#s.headerSource;
      this.#s.headerSource = null;
      const list = typeof src === 'string' ? (src === '' ? [] : StringPrototypeSplit(src, '\0')) : (src ?? []);
      this.#s.headers = H.fromTrustedList(list, 'immutable');
    }
    return this.#s.headers;
  }

  /**
   * @param {any} input
   * @param {any} [init]
   */
  constructor(input, init = undefined) {
    if (input === internal) return;
    const prefix = webidl.constructorPrefix('Request');
    webidl.requiredArguments(arguments.length, 1, prefix);
    /** @type {Request | null} */
    let inputRequest = null;
    if (isRequest(input)) {
      inputRequest = input;
    } else {
      input = converters.USVString(input, prefix, 'Argument 1');
    }
    const opts = requestInit(init, prefix, 'Argument 2');

    if (inputRequest === null) {
      const c = rt.ops.url_parse(input, undefined);
      if (c === null) throw new TypeError(`${prefix}: Invalid URL: '${input}'`);
      if (c[3] !== '' || c[4] !== '') {
        throw new TypeError(`${prefix}: Request cannot be constructed from a URL that includes credentials: '${input}'`);
      }
      this.#s.url = c[0];
    } else {
      const r = inputRequest;
      this.#s.url = r.#s.url;
      this.#s.method = r.#s.method;
      this.#s.redirect = r.#s.redirect;
      this.#s.mode = r.#s.mode;
      this.#s.credentials = r.#s.credentials;
      this.#s.cache = r.#s.cache;
      this.#s.referrer = r.#s.referrer;
      this.#s.referrerPolicy = r.#s.referrerPolicy;
      this.#s.integrity = r.#s.integrity;
      this.#s.keepalive = r.#s.keepalive;
      this.#s.priority = r.#s.priority;
      this.#s.signalSource = r.#s.signal !== null ? r.#s.signal : r.#s.signalSource;
    }

    if (opts.window !== undefined && opts.window !== null) {
      throw new TypeError(`${prefix}: 'window' member of RequestInit must be null.`);
    }
    if (opts.referrer !== undefined) {
      const referrer = opts.referrer;
      if (referrer === '') {
        this.#s.referrer = '';
      } else {
        const c = rt.ops.url_parse(referrer, undefined);
        if (c === null) throw new TypeError(`${prefix}: Invalid referrer URL: '${referrer}'`);
        this.#s.referrer = c[0];
      }
    }
    if (opts.referrerPolicy !== undefined) this.#s.referrerPolicy = opts.referrerPolicy;
    if (opts.mode !== undefined) {
      if (opts.mode === 'navigate') throw new TypeError(`${prefix}: Cannot construct a Request with a RequestInit whose mode member is set as 'navigate'.`);
      this.#s.mode = opts.mode;
    } else if (inputRequest !== null && this.#s.mode === 'navigate') {
      this.#s.mode = 'same-origin';
    }
    if (opts.credentials !== undefined) this.#s.credentials = opts.credentials;
    if (opts.cache !== undefined) this.#s.cache = opts.cache;
    if (this.#s.cache === 'only-if-cached' && this.#s.mode !== 'same-origin') {
      throw new TypeError(`${prefix}: 'only-if-cached' can be set only with 'same-origin' mode`);
    }
    if (opts.redirect !== undefined) this.#s.redirect = opts.redirect;
    if (opts.integrity !== undefined) this.#s.integrity = opts.integrity;
    if (opts.keepalive !== undefined) this.#s.keepalive = opts.keepalive;
    if (opts.method !== undefined) this.#s.method = normalizeMethod(opts.method, prefix);
    if (opts.signal !== undefined) this.#s.signalSource = opts.signal;
    if (opts.priority !== undefined) this.#s.priority = opts.priority;

    const headers = new Headers();
    this.#s.headers = headers;
    if (opts.headers !== undefined) {
      H.fill(headers, opts.headers, prefix);
    } else if (inputRequest !== null) {
      const list = H.list(headers);
      const src = H.list(inputRequest.#hdrs());
      for (let i = 0; i < src.length; i++) list[i] = src[i];
    }
    H.setGuard(headers, 'request');

    const inputBody = inputRequest !== null ? inputRequest.#s.body : null;
    const hasInitBody = opts.body !== undefined && opts.body !== null;
    if ((hasInitBody || inputBody !== null) && (this.#s.method === 'GET' || this.#s.method === 'HEAD')) {
      throw new TypeError(`${prefix}: Request with GET/HEAD method cannot have body.`);
    }
    if (hasInitBody) {
      const extracted = B.extract(opts.body, prefix);
      this.#s.body = extracted.body;
      if (extracted.type !== null && !H.get(H.list(headers), 'content-type')) {
        H.append(headers, 'content-type', extracted.type, prefix);
      }
    } else if (inputBody !== null) {
      if (B.unusable(inputBody)) {
        throw new TypeError(`${prefix}: Cannot construct a Request with a Request object that has already been used.`);
      }
      // The new request takes the body over; the input request's body reads as used.
      this.#s.body = { source: inputBody.source, stream: inputBody.stream, consumed: false };
      inputRequest.#s.body = { source: null, stream: null, consumed: true };
    }
  }

  get method() {
    if (!isRequest(this)) webidl.illegalInvocation();
    return this.#s.method;
  }

  get url() {
    if (!isRequest(this)) webidl.illegalInvocation();
    return this.#s.url;
  }

  get headers() {
    if (!isRequest(this)) webidl.illegalInvocation();
    return this.#hdrs();
  }

  get destination() {
    if (!isRequest(this)) webidl.illegalInvocation();
    return '';
  }

  get referrer() {
    if (!isRequest(this)) webidl.illegalInvocation();
    return this.#s.referrer;
  }

  get referrerPolicy() {
    if (!isRequest(this)) webidl.illegalInvocation();
    return this.#s.referrerPolicy;
  }

  get mode() {
    if (!isRequest(this)) webidl.illegalInvocation();
    return this.#s.mode;
  }

  get credentials() {
    if (!isRequest(this)) webidl.illegalInvocation();
    return this.#s.credentials;
  }

  get cache() {
    if (!isRequest(this)) webidl.illegalInvocation();
    return this.#s.cache;
  }

  get redirect() {
    if (!isRequest(this)) webidl.illegalInvocation();
    return this.#s.redirect;
  }

  get integrity() {
    if (!isRequest(this)) webidl.illegalInvocation();
    return this.#s.integrity;
  }

  get keepalive() {
    if (!isRequest(this)) webidl.illegalInvocation();
    return this.#s.keepalive;
  }

  get isReloadNavigation() {
    if (!isRequest(this)) webidl.illegalInvocation();
    return false;
  }

  get isHistoryNavigation() {
    if (!isRequest(this)) webidl.illegalInvocation();
    return false;
  }

  get signal() {
    if (!isRequest(this)) webidl.illegalInvocation();
    return this.#getSignal();
  }

  #getSignal() {
    if (this.#s.signal === null) {
      const A = rt.internal.abortSignal;
      this.#s.signal = this.#s.signalSource === null ? A.create() : A.any([this.#s.signalSource]);
      this.#s.signalSource = null;
    }
    return this.#s.signal;
  }

  get duplex() {
    if (!isRequest(this)) webidl.illegalInvocation();
    return 'half';
  }

  clone() {
    if (!isRequest(this)) webidl.illegalInvocation();
    if (B.unusable(this.#s.body)) throw new TypeError("Failed to execute 'clone' on 'Request': Request body is already used");
    const r = new Request(internal);
    r.#s.method = this.#s.method;
    r.#s.url = this.#s.url;
    const own = this.#hdrs();
    r.#s.headers = H.fromList(H.copyList(own), H.guard(own));
    r.#s.body = this.#s.body === null ? null : B.clone(this.#s.body);
    r.#s.signalSource = this.#getSignal();
    r.#s.redirect = this.#s.redirect;
    r.#s.mode = this.#s.mode;
    r.#s.credentials = this.#s.credentials;
    r.#s.cache = this.#s.cache;
    r.#s.referrer = this.#s.referrer;
    r.#s.referrerPolicy = this.#s.referrerPolicy;
    r.#s.integrity = this.#s.integrity;
    r.#s.keepalive = this.#s.keepalive;
    r.#s.priority = this.#s.priority;
    return r;
  }

  static {
    isRequest = (v) => webidl.isObject(v) && #s in v;
    newIncomingRequest = (method, url, headerList, body, signal = null) => {
      const r = new Request(internal);
      r.#s.method = method;
      r.#s.url = url;
      r.#s.headers = null;
      r.#s.headerSource = headerList;
      r.#s.body = body === null || body === undefined ? null : { source: null, stream: body, consumed: false };
      r.#s.signalSource = signal;
      return r;
    };
    requestParts = (r) => {
      const body = r.#s.body;
      /** @type {any} */
      let out = null;
      if (body !== null) {
        if (B.unusable(body)) throw new TypeError('The Request body has already been used');
        out = body.stream === null ? body.source : body.stream;
        r.#s.body = { source: null, stream: null, consumed: true };
      }
      return { method: r.#s.method, url: r.#s.url, headers: H.copyList(r.#hdrs()), body: out, redirect: r.#s.redirect };
    };
    B.mixin(Request, 'Request', isRequest, (r) => r.#s.body,
      (r) => H.get(H.list(r.#hdrs()), 'content-type') || '');
  }
}
webidl.configureInterface(Request, 'Request');

rt.internal.Request = Request;
rt.internal.isRequest = isRequest;
/**
 * The Request of an incoming HTTP request: immutable headers from a flat [name, value, …] list,
 * a body that is null or a ReadableStream, and optionally an AbortSignal it follows (aborted
 * when the client goes away).
 */
rt.internal.newIncomingRequest = (/** @type {string} */ method, /** @type {string} */ url,
  /** @type {string[]} */ headerList, /** @type {any} */ body, /** @type {any} */ signal) =>
  newIncomingRequest(method, url, headerList, body, signal);
/** The parts of a Request for an outbound fetch; marks its body used. */
rt.internal.requestParts = (/** @type {Request} */ r) => requestParts(r);

rt.expose('Request', Request);
