// @ts-check
// The Cache API as Workers define it (https://developers.cloudflare.com/workers/runtime-apis/cache/):
// the global caches, a CacheStorage with caches.default and caches.open(name), and Cache's
// match, put and delete. Entries live in the process's cache in Go (cache_put, cache_match,
// cache_delete), apart per tenant; what is stored and for how long is decided there from the
// response's headers. A put reads the whole response body first.
const {
  JSONParse,
  String,
  StringPrototypeIndexOf,
  StringPrototypeSlice,
  Symbol,
  TypeError,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeSubarray,
} = rt.primordials;
const B = rt.internal.body;

const cacheKey = Symbol('Cache');

/**
 * The Request a Cache method is given: a Request, or what makes one (a URL string or URL).
 * @param {any} request
 */
function requestOf(request) {
  return rt.internal.isRequest(request) ? request : new rt.internal.Request(request);
}

/** @param {string} url */
function withoutFragment(url) {
  const hash = StringPrototypeIndexOf(url, '#');
  return hash < 0 ? url : StringPrototypeSlice(url, 0, hash);
}

/** @param {string[]} list */
function joinHeaders(list) {
  let s = '';
  for (let i = 0; i < list.length; i++) s += (i > 0 ? '\0' : '') + list[i];
  return s;
}

/** @param {any} options */
function ignoreMethod(options) {
  return options !== undefined && options !== null && !!options.ignoreMethod;
}

class Cache {
  #name;

  /**
   * @param {symbol} key
   * @param {string} name
   */
  constructor(key, name) {
    if (key !== cacheKey) throw new TypeError('Illegal constructor');
    this.#name = name;
  }

  /**
   * Stores response for a GET of request's URL. Workers refuse a request of another method, a
   * 206 response and one with Vary: *; a response that its headers say not to cache is not
   * stored, and the promise still resolves.
   * @param {any} request
   * @param {any} response
   */
  async put(request, response) {
    const req = rt.internal.requestHead(requestOf(request));
    if (req.method !== 'GET') throw new TypeError('Cache.put: only GET requests can be cached');
    if (!rt.internal.isResponse(response)) throw new TypeError('Cache.put: the response is not a Response');
    const head = rt.internal.responseHead(response);
    if (head.status === 206) throw new TypeError('Cache.put: a 206 Partial Content response cannot be cached');
    const vary = rt.internal.headers.get(head.headers, 'vary');
    if (vary !== null && StringPrototypeIndexOf(vary, '*') >= 0) {
      throw new TypeError('Cache.put: a response with Vary: * cannot be cached');
    }
    const parts = rt.internal.responseParts(response); // marks the body used
    let body = parts.body;
    if (body !== null && typeof body === 'object' && B.isReadableStream(body)) body = await B.readAllBytes(body);
    if (typeof body === 'string') body = rt.internal.utf8Encode(body);
    rt.ops.cache_put(this.#name, withoutFragment(req.url), joinHeaders(req.headers), head.status, head.statusText,
      joinHeaders(head.headers), body);
  }

  /**
   * The stored response for request, or undefined. Only GET requests match, unless
   * options.ignoreMethod. A conditional request its entry satisfies gets a 304.
   * @param {any} request
   * @param {any} [options]
   */
  async match(request, options = undefined) {
    const req = rt.internal.requestHead(requestOf(request));
    if (req.method !== 'GET' && !ignoreMethod(options)) return undefined;
    const url = withoutFragment(req.url);
    const out = rt.ops.cache_match(this.#name, url, joinHeaders(req.headers));
    if (out === undefined) return undefined;
    const n = ((out[0] << 24) | (out[1] << 16) | (out[2] << 8) | out[3]) >>> 0;
    const head = JSONParse(rt.internal.utf8Decode(TypedArrayPrototypeSubarray(out, 4, 4 + n)));
    const bytes = TypedArrayPrototypeSubarray(out, 4 + n);
    const stream = head.status === 304 || TypedArrayPrototypeGetLength(bytes) === 0 && head.status === 204 ? null :
      rt.internal.newReadableStreamFromBytes(bytes);
    return rt.internal.newFetchedResponse(head.status, head.statusText, head.headers, stream, url, false);
  }

  /**
   * Drops the stored response for request; resolves with whether there was one.
   * @param {any} request
   * @param {any} [options]
   */
  async delete(request, options = undefined) {
    const req = rt.internal.requestHead(requestOf(request));
    if (req.method !== 'GET' && !ignoreMethod(options)) return false;
    return rt.ops.cache_delete(this.#name, withoutFragment(req.url));
  }
}
rt.internal.webidl.configureInterface(Cache, 'Cache');

class CacheStorage {
  #default;

  /** @param {symbol} key */
  constructor(key) {
    if (key !== cacheKey) throw new TypeError('Illegal constructor');
    this.#default = new Cache(cacheKey, 'default');
  }

  /** The cache of the worker's zone, as caches.default is in Workers. */
  get default() {
    return this.#default;
  }

  /**
   * A named cache, apart from the default one.
   * @param {any} cacheName
   */
  async open(cacheName) {
    return new Cache(cacheKey, 'named:' + String(cacheName));
  }
}
rt.internal.webidl.configureInterface(CacheStorage, 'CacheStorage');

rt.expose('caches', new CacheStorage(cacheKey));
