// @ts-check
// Response (https://fetch.spec.whatwg.org/#response-class) and the hooks the core uses to send
// a Response back over HTTP.

const {
  JSONStringify,
  RangeError,
  RegExpPrototypeExec,
  TypeError,
} = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;
const H = rt.internal.headers;
const B = rt.internal.body;
const Headers = rt.internal.Headers;

const internal = Symbol('internal Response');
// reason-phrase = *( HTAB / SP / VCHAR / obs-text )
const reasonPhraseRe = /^[\t\x20-\x7E\x80-\xFF]*$/;

/** @param {number} status */
function isNullBodyStatus(status) {
  return status === 101 || status === 103 || status === 204 || status === 205 || status === 304;
}

/** @param {number} status */
function isRedirectStatus(status) {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

const responseInit = webidl.createDictionaryConverter('ResponseInit', [
  { key: 'status', converter: converters['unsigned short'], defaultValue: 200 },
  { key: 'statusText', converter: converters.ByteString, defaultValue: '' },
  { key: 'headers', converter: converters.any },
]);

/** @type {(v: any) => boolean} */
let isResponse;
/** @type {(r: Response) => any} */
let responseParts;
/** @type {(r: any) => { status: number, statusText: string, headers: string[] }} */
let responseHead;
/** @type {(status: number, statusText: string, headerList: string[], stream: any, url: string, redirected: boolean) => Response} */
let newFetchedResponse;

class Response {
  // One private field holding a plain state object: defining many private fields per
  // instance takes V8 10.2's slow path in interpreted code (most isolates' code is).
  #s = {
    type: /** @type {'basic' | 'cors' | 'default' | 'error' | 'opaque' | 'opaqueredirect'} */ ('default'),
    // The response URL without fragment, or '' (constructed responses have none).
    url: '',
    redirected: false,
    status: 200,
    statusText: '',
    headers: /** @type {Headers} */ (/** @type {any} */ (null)),
    body: /** @type {{ source: any, stream: any, consumed: boolean } | null} */ (null),
  };

  /**
   * @param {any} [body]
   * @param {any} [init]
   */
  constructor(body = null, init = undefined) {
    if (body === internal) return;
    if (init === undefined && typeof body === 'string') {
      // `new Response("text")`, the commonest response: the steps below, without the generic
      // dictionary and BodyInit conversions (a worker's first requests run interpreted, and
      // with thousands of isolates most requests do).
      this.#s.headers = H.fromList(['content-type', 'text/plain;charset=UTF-8'], 'response');
      this.#s.body = { source: webidl.toUSVString(body), stream: null, consumed: false };
      return;
    }
    const prefix = webidl.constructorPrefix('Response');
    const opts = responseInit(init, prefix, 'Argument 2');
    this.#s.headers = H.fromList([], 'response');
    const extracted = body === null || body === undefined ? null : B.extract(body, prefix);
    this.#initialize(opts, extracted, prefix);
  }

  /**
   * The "initialize a response" steps.
   * @param {any} opts a converted ResponseInit
   * @param {{ body: any, type: string | null } | null} extracted
   * @param {string} prefix
   */
  #initialize(opts, extracted, prefix) {
    const status = opts.status;
    if (status < 200 || status > 599) {
      throw new RangeError(`${prefix}: The status provided (${status}) is outside the range [200, 599].`);
    }
    const statusText = opts.statusText;
    if (RegExpPrototypeExec(reasonPhraseRe, statusText) === null) {
      throw new TypeError(`${prefix}: Invalid statusText: '${statusText}'`);
    }
    this.#s.status = status;
    this.#s.statusText = statusText;
    if (opts.headers !== undefined) H.fill(this.#s.headers, opts.headers, prefix);
    if (extracted !== null) {
      if (isNullBodyStatus(status)) {
        throw new TypeError(`${prefix}: Response with null body status cannot have body`);
      }
      this.#s.body = extracted.body;
      if (extracted.type !== null && H.get(H.list(this.#s.headers), 'content-type') === null) {
        H.append(this.#s.headers, 'content-type', extracted.type, prefix);
      }
    }
  }

  static error() {
    const r = new Response(internal);
    r.#s.type = 'error';
    r.#s.status = 0;
    r.#s.headers = H.fromList([], 'immutable');
    return r;
  }

  /**
   * @param {string} url
   * @param {number} [status]
   */
  static redirect(url, status = 302) {
    const prefix = webidl.operationPrefix('Response', 'redirect');
    webidl.requiredArguments(arguments.length, 1, prefix);
    url = converters.USVString(url, prefix, 'Argument 1');
    status = converters['unsigned short'](status, prefix, 'Argument 2');
    const c = rt.internal.parseURLWithBase(url);
    if (c === null) throw new TypeError(`${prefix}: Invalid URL: '${url}'`);
    if (!isRedirectStatus(status)) throw new RangeError(`${prefix}: Invalid status code: ${status}`);
    const r = new Response(internal);
    r.#s.status = status;
    r.#s.headers = H.fromList(['location', c[0]], 'immutable');
    return r;
  }

  /**
   * @param {any} data
   * @param {any} [init]
   */
  static json(data, init = undefined) {
    const prefix = webidl.operationPrefix('Response', 'json');
    webidl.requiredArguments(arguments.length, 1, prefix);
    const opts = responseInit(init, prefix, 'Argument 2');
    const text = JSONStringify(data);
    if (text === undefined) throw new TypeError(`${prefix}: The data is not JSON serializable`);
    const r = new Response(internal);
    r.#s.headers = H.fromList([], 'response');
    r.#initialize(opts, { body: { source: text, stream: null, consumed: false }, type: 'application/json' }, prefix);
    return r;
  }

  get type() {
    if (!isResponse(this)) webidl.illegalInvocation();
    return this.#s.type;
  }

  get url() {
    if (!isResponse(this)) webidl.illegalInvocation();
    return this.#s.url;
  }

  get redirected() {
    if (!isResponse(this)) webidl.illegalInvocation();
    return this.#s.redirected;
  }

  get status() {
    if (!isResponse(this)) webidl.illegalInvocation();
    return this.#s.status;
  }

  get ok() {
    if (!isResponse(this)) webidl.illegalInvocation();
    return this.#s.status >= 200 && this.#s.status <= 299;
  }

  get statusText() {
    if (!isResponse(this)) webidl.illegalInvocation();
    return this.#s.statusText;
  }

  get headers() {
    if (!isResponse(this)) webidl.illegalInvocation();
    return this.#s.headers;
  }

  clone() {
    if (!isResponse(this)) webidl.illegalInvocation();
    if (B.unusable(this.#s.body)) throw new TypeError("Failed to execute 'clone' on 'Response': Response body is already used");
    const r = new Response(internal);
    r.#s.type = this.#s.type;
    r.#s.url = this.#s.url;
    r.#s.redirected = this.#s.redirected;
    r.#s.status = this.#s.status;
    r.#s.statusText = this.#s.statusText;
    r.#s.headers = H.fromList(H.copyList(this.#s.headers), H.guard(this.#s.headers));
    r.#s.body = this.#s.body === null ? null : B.clone(this.#s.body);
    return r;
  }

  static {
    isResponse = (v) => webidl.isObject(v) && #s in v;
    responseParts = (r) => {
      if (!isResponse(r)) throw new TypeError('The value is not a Response');
      const body = r.#s.body;
      /** @type {any} */
      let out = null;
      if (body !== null) {
        if (B.unusable(body)) throw new TypeError('The body of the Response has already been used');
        out = body.stream === null ? body.source : body.stream;
        r.#s.body = { source: null, stream: null, consumed: true };
      }
      // The header list itself, not a copy: the caller reads it at once and keeps nothing.
      return { status: r.#s.status, statusText: r.#s.statusText, headers: H.list(r.#s.headers), body: out };
    };
    responseHead = (r) => {
      if (!isResponse(r)) throw new TypeError('The value is not a Response');
      return { status: r.#s.status, statusText: r.#s.statusText, headers: H.copyList(r.#s.headers) };
    };
    newFetchedResponse = (status, statusText, headerList, stream, url, redirected) => {
      const r = new Response(internal);
      r.#s.type = 'basic';
      r.#s.status = status;
      r.#s.statusText = statusText;
      r.#s.headers = H.fromTrustedList(headerList, 'immutable');
      r.#s.body = stream === null ? null : { source: null, stream, consumed: false };
      r.#s.url = url;
      r.#s.redirected = redirected;
      return r;
    };
    B.mixin(Response, 'Response', isResponse, (r) => r.#s.body,
      (r) => H.get(H.list(r.#s.headers), 'content-type'));
  }
}
webidl.configureInterface(Response, 'Response');

rt.internal.Response = Response;
/** A Response received by outbound fetch: type "basic", immutable headers, a streamed body. */
rt.internal.newFetchedResponse = (/** @type {any[]} */ ...a) => newFetchedResponse(a[0], a[1], a[2], a[3], a[4], a[5]);
rt.internal.isResponse = isResponse;
/**
 * What the core sends for a Response: { status, statusText, headers, body } where headers is a
 * flat [name, value, …] list with lower-case names (each set-cookie its own entry) and body is
 * null, a string, a Uint8Array or a ReadableStream. Marks the body used; throws a TypeError for
 * a non-Response or a used body. The header list is the Response's own: read it, do not keep it.
 */
rt.internal.responseParts = (/** @type {any} */ r) => responseParts(r);
/** A Response's status, status text and a copy of its header list, leaving its body alone. */
rt.internal.responseHead = (/** @type {any} */ r) => responseHead(r);

rt.internal.inspectAttributes(Response, ['status', 'statusText', 'headers', 'bodyUsed', 'ok', 'redirected', 'type', 'url']);
rt.expose('Response', Response);
