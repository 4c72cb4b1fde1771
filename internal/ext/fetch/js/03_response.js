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

class Response {
  /** @type {'basic' | 'cors' | 'default' | 'error' | 'opaque' | 'opaqueredirect'} */
  #type = 'default';
  /** The response URL without fragment, or '' (constructed responses have none). */
  #url = '';
  #redirected = false;
  #status = 200;
  #statusText = '';
  /** @type {Headers} */
  #headers = /** @type {any} */ (null);
  /** @type {{ source: any, stream: any, consumed: boolean } | null} */
  #body = null;

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
      this.#headers = H.fromList(['content-type', 'text/plain;charset=UTF-8'], 'response');
      this.#body = { source: webidl.toUSVString(body), stream: null, consumed: false };
      return;
    }
    const prefix = webidl.constructorPrefix('Response');
    const opts = responseInit(init, prefix, 'Argument 2');
    this.#headers = H.fromList([], 'response');
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
    this.#status = status;
    this.#statusText = statusText;
    if (opts.headers !== undefined) H.fill(this.#headers, opts.headers, prefix);
    if (extracted !== null) {
      if (isNullBodyStatus(status)) {
        throw new TypeError(`${prefix}: Response with null body status cannot have body`);
      }
      this.#body = extracted.body;
      if (extracted.type !== null && !H.get(H.list(this.#headers), 'content-type')) {
        H.append(this.#headers, 'content-type', extracted.type, prefix);
      }
    }
  }

  static error() {
    const r = new Response(internal);
    r.#type = 'error';
    r.#status = 0;
    r.#headers = H.fromList([], 'immutable');
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
    const c = rt.ops.url_parse(url, undefined);
    if (c === null) throw new TypeError(`${prefix}: Invalid URL: '${url}'`);
    if (!isRedirectStatus(status)) throw new RangeError(`${prefix}: Invalid status code: ${status}`);
    const r = new Response(internal);
    r.#status = status;
    r.#headers = H.fromList(['location', c[0]], 'immutable');
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
    r.#headers = H.fromList([], 'response');
    r.#initialize(opts, { body: { source: text, stream: null, consumed: false }, type: 'application/json' }, prefix);
    return r;
  }

  get type() {
    if (!isResponse(this)) webidl.illegalInvocation();
    return this.#type;
  }

  get url() {
    if (!isResponse(this)) webidl.illegalInvocation();
    return this.#url;
  }

  get redirected() {
    if (!isResponse(this)) webidl.illegalInvocation();
    return this.#redirected;
  }

  get status() {
    if (!isResponse(this)) webidl.illegalInvocation();
    return this.#status;
  }

  get ok() {
    if (!isResponse(this)) webidl.illegalInvocation();
    return this.#status >= 200 && this.#status <= 299;
  }

  get statusText() {
    if (!isResponse(this)) webidl.illegalInvocation();
    return this.#statusText;
  }

  get headers() {
    if (!isResponse(this)) webidl.illegalInvocation();
    return this.#headers;
  }

  clone() {
    if (!isResponse(this)) webidl.illegalInvocation();
    if (B.unusable(this.#body)) throw new TypeError("Failed to execute 'clone' on 'Response': Response body is already used");
    const r = new Response(internal);
    r.#type = this.#type;
    r.#url = this.#url;
    r.#redirected = this.#redirected;
    r.#status = this.#status;
    r.#statusText = this.#statusText;
    r.#headers = H.fromList(H.copyList(this.#headers), H.guard(this.#headers));
    r.#body = this.#body === null ? null : B.clone(this.#body);
    return r;
  }

  static {
    isResponse = (v) => webidl.isObject(v) && #status in v;
    responseParts = (r) => {
      if (!isResponse(r)) throw new TypeError('The value is not a Response');
      const body = r.#body;
      /** @type {any} */
      let out = null;
      if (body !== null) {
        if (B.unusable(body)) throw new TypeError('The body of the Response has already been used');
        out = body.stream === null ? body.source : body.stream;
        r.#body = { source: null, stream: null, consumed: true };
      }
      // The header list itself, not a copy: the caller reads it at once and keeps nothing.
      return { status: r.#status, statusText: r.#statusText, headers: H.list(r.#headers), body: out };
    };
    B.mixin(Response, 'Response', isResponse, (r) => r.#body,
      (r) => H.get(H.list(r.#headers), 'content-type') || '');
  }
}
webidl.configureInterface(Response, 'Response');

rt.internal.Response = Response;
rt.internal.isResponse = isResponse;
/**
 * What the core sends for a Response: { status, statusText, headers, body } where headers is a
 * flat [name, value, …] list with lower-case names (each set-cookie its own entry) and body is
 * null, a string, a Uint8Array or a ReadableStream. Marks the body used; throws a TypeError for
 * a non-Response or a used body. The header list is the Response's own: read it, do not keep it.
 */
rt.internal.responseParts = (/** @type {any} */ r) => responseParts(r);

rt.expose('Response', Response);
