// @ts-check
// Request (https://fetch.spec.whatwg.org/#request-class) and the hook the core uses to build the
// Request of an incoming HTTP request.
//
// Deviations a server runtime makes, as Workers does: no forbidden methods other than CONNECT,
// TRACE and TRACK, and no forbidden header names. Relative URLs are parsed against the
// environment's API base URL, which an islet worker does not have (rt.internal.setAPIBaseURL).

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
/** @type {(r: Request) => { method: string, url: string, headers: string[], body: any, redirect: string, blob: any, cache: string }} */
let requestParts;
/** @type {(r: Request, reason: any) => void} */
let requestCancelBody;
/** @type {(r: Request) => { method: string, url: string, headers: string[] }} */
let requestHead;

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
    // The Blob a blob: URL resolved to when the request was made (the URL's blob URL entry).
    blob: /** @type {any} */ (null),
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
    const s = this.#s;

    if (inputRequest === null) {
      const c = rt.internal.parseURLWithBase(input);
      if (c === null) throw new TypeError(`${prefix}: Invalid URL: '${input}'`);
      if (c[3] !== '' || c[4] !== '') {
        throw new TypeError(`${prefix}: Request cannot be constructed from a URL that includes credentials: '${input}'`);
      }
      s.url = c[0];
      if (c[2] === 'blob:') s.blob = rt.internal.resolveBlobURL(c);
    } else {
      const r = inputRequest.#s;
      s.url = r.url;
      s.blob = r.blob;
      s.method = r.method;
      s.redirect = r.redirect;
      s.mode = r.mode;
      s.credentials = r.credentials;
      s.cache = r.cache;
      s.referrer = r.referrer;
      s.referrerPolicy = r.referrerPolicy;
      s.integrity = r.integrity;
      s.keepalive = r.keepalive;
      s.priority = r.priority;
      s.signalSource = r.signal !== null ? r.signal : r.signalSource;
    }

    if (opts.window !== undefined && opts.window !== null) {
      throw new TypeError(`${prefix}: 'window' member of RequestInit must be null.`);
    }
    let initNotEmpty = false;
    for (const key in opts) {
      if (opts[key] !== undefined) {
        initNotEmpty = true;
        break;
      }
    }
    if (initNotEmpty) {
      if (s.mode === 'navigate') s.mode = 'same-origin';
      s.referrer = 'about:client';
      s.referrerPolicy = '';
    }
    if (opts.referrer !== undefined) {
      const referrer = opts.referrer;
      if (referrer === '') {
        s.referrer = '';
      } else {
        const c = rt.internal.parseURLWithBase(referrer);
        if (c === null) throw new TypeError(`${prefix}: Invalid referrer URL: '${referrer}'`);
        // "about:client", and a URL of another origin than the environment's, mean the client.
        // Without a base URL (an islet worker) there is no origin to compare with.
        const base = rt.internal.getAPIBaseURL();
        const baseParts = base === undefined ? null : rt.ops.url_parse(base, undefined);
        if (c[0] === 'about:client' || (baseParts !== null && (c[1] === 'null' || c[1] !== baseParts[1]))) {
          s.referrer = 'about:client';
        } else {
          s.referrer = c[0];
        }
      }
    }
    if (opts.referrerPolicy !== undefined) s.referrerPolicy = opts.referrerPolicy;
    if (opts.mode !== undefined) {
      if (opts.mode === 'navigate') throw new TypeError(`${prefix}: Cannot construct a Request with a RequestInit whose mode member is set as 'navigate'.`);
      s.mode = opts.mode;
    }
    if (opts.credentials !== undefined) s.credentials = opts.credentials;
    if (opts.cache !== undefined) s.cache = opts.cache;
    if (s.cache === 'only-if-cached' && s.mode !== 'same-origin') {
      throw new TypeError(`${prefix}: 'only-if-cached' can be set only with 'same-origin' mode`);
    }
    if (opts.redirect !== undefined) s.redirect = opts.redirect;
    if (opts.integrity !== undefined) s.integrity = opts.integrity;
    if (opts.keepalive !== undefined) s.keepalive = opts.keepalive;
    if (opts.method !== undefined) s.method = normalizeMethod(opts.method, prefix);
    if (opts.signal !== undefined) s.signalSource = opts.signal;
    if (opts.priority !== undefined) s.priority = opts.priority;

    // The headers: the input request's, or those of the init (then filtered by the
    // "request-no-cors" guard when the mode is "no-cors").
    const headers = new Headers();
    s.headers = headers;
    const list = H.list(headers);
    if (s.mode === 'no-cors') {
      const m = s.method;
      if (m !== 'GET' && m !== 'HEAD' && m !== 'POST') {
        throw new TypeError(`${prefix}: '${m}' is unsupported in no-cors mode.`);
      }
    }
    if (!initNotEmpty) {
      if (inputRequest !== null) {
        const src = H.list(inputRequest.#hdrs());
        for (let i = 0; i < src.length; i++) list[i] = src[i];
      }
      H.setGuard(headers, s.mode === 'no-cors' ? 'request-no-cors' : 'request');
    } else {
      if (s.mode === 'no-cors') H.setGuard(headers, 'request-no-cors');
      /** @type {any} */
      const init = opts.headers;
      if (init === undefined || H.is(init)) {
        // A Headers object's list (or the input request's) is appended header by header.
        /** @type {any} */
        const from = init !== undefined ? init : inputRequest !== null ? inputRequest.#hdrs() : null;
        if (from !== null) {
          const src = webidl.copyArray(H.list(from));
          for (let i = 0; i < src.length; i += 2) H.append(headers, src[i], src[i + 1], prefix);
        }
      } else {
        H.fill(headers, init, prefix);
      }
    }
    if (H.guard(headers) === 'none') H.setGuard(headers, 'request');

    const inputBody = inputRequest !== null ? inputRequest.#s.body : null;
    const hasInitBody = opts.body !== undefined && opts.body !== null;
    if ((hasInitBody || inputBody !== null) && (s.method === 'GET' || s.method === 'HEAD')) {
      throw new TypeError(`${prefix}: Request with GET/HEAD method cannot have body.`);
    }
    /** @type {{ source: any, stream: any, consumed: boolean } | null} */
    let initBody = null;
    let streamBody = false;
    if (hasInitBody) {
      const extracted = B.extract(opts.body, prefix);
      initBody = extracted.body;
      streamBody = initBody.source === null && initBody.stream !== null;
      if (streamBody && s.keepalive) {
        throw new TypeError(`${prefix}: A keepalive request cannot have a ReadableStream body.`);
      }
      if (extracted.type !== null && H.get(list, 'content-type') === null) {
        H.append(headers, 'content-type', extracted.type, prefix);
      }
    } else if (inputBody !== null) {
      streamBody = inputBody.source === null && inputBody.stream !== null;
    }
    if (streamBody) {
      if (initBody !== null && opts.duplex === undefined) {
        throw new TypeError(`${prefix}: The 'duplex' member must be 'half' when the body is a ReadableStream.`);
      }
      if (s.mode !== 'same-origin' && s.mode !== 'cors') {
        throw new TypeError(`${prefix}: A request with a ReadableStream body must have mode 'same-origin' or 'cors'.`);
      }
    }
    if (initBody !== null) {
      s.body = initBody;
    } else if (inputBody !== null) {
      if (B.unusable(inputBody)) {
        throw new TypeError(`${prefix}: Cannot construct a Request with a Request object that has already been used.`);
      }
      // The new request takes the body over: a source moves (the input's body reads as used);
      // a stream is proxied (the input keeps its stream, now locked and disturbed).
      if (inputBody.stream === null) {
        s.body = { source: inputBody.source, stream: null, consumed: false };
        inputRequest.#s.body = { source: null, stream: null, consumed: true };
      } else {
        s.body = { source: null, stream: B.streams().proxy(inputBody.stream), consumed: false };
      }
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
    r.#s.blob = this.#s.blob;
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
      return { method: r.#s.method, url: r.#s.url, headers: H.copyList(r.#hdrs()), body: out, redirect: r.#s.redirect,
        blob: r.#s.blob, cache: r.#s.cache };
    };
    requestHead = (r) => ({ method: r.#s.method, url: r.#s.url, headers: H.copyList(r.#hdrs()) });
    requestCancelBody = (r, reason) => {
      const body = r.#s.body;
      if (body === null || B.unusable(body)) return;
      const api = B.streams();
      api.cancelReader(api.getReader(B.stream(body)), reason);
    };
    B.mixin(Request, 'Request', isRequest, (r) => r.#s.body,
      (r) => H.get(H.list(r.#hdrs()), 'content-type'));
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
/** A Request's method, URL and a copy of its header list, leaving its body alone. */
rt.internal.requestHead = (/** @type {Request} */ r) => requestHead(r);
/** Cancels a Request's body (when its fetch is aborted before it starts). */
rt.internal.requestCancelBody = (/** @type {Request} */ r, /** @type {any} */ reason) => requestCancelBody(r, reason);

// (Not `body`: reading it would create the stream a string or bytes body does not have yet.)
rt.internal.inspectAttributes(Request, ['method', 'url', 'headers', 'bodyUsed', 'redirect', 'signal']);
rt.expose('Request', Request);
