// @ts-check
// fetch() (https://fetch.spec.whatwg.org/#fetch-method). data: and blob: URLs are answered here
// (the "scheme fetch" steps); http: and https: go out through Go's HTTP client (fetch_send),
// which applies the node's egress rules and the worker's subrequest limit. A request body made
// from a string or bytes is sent whole; a ReadableStream body is streamed to Go chunk by chunk
// (fetch_upload_write), with backpressure. The response body streams in from Go in chunks
// (fetch_read).
const {
  ArrayPrototypePush,
  FunctionPrototypeBind,
  ReflectGet,
  Symbol,
  JSONParse,
  Promise,
  PromisePrototypeThen,
  StringFromCharCode,
  StringPrototypeCharCodeAt,
  StringPrototypeIndexOf,
  StringPrototypeSlice,
  StringPrototypeToLowerCase,
  TypeError,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeSubarray,
  Uint8Array,
} = rt.primordials;
const B = rt.internal.body;
const A = rt.internal.abortSignal;
const isUint8Array = rt.internal.webidl.isUint8Array;

let nextToken = 1;

/**
 * The head and body of a network response, as the HTTP transport gives them.
 * @typedef {{ status: number, statusText: string, headers: string[], url: string,
 *   redirected: boolean, stream: any }} NetworkResponse
 */

/** @param {string} message */
function networkError(message) {
  return new TypeError(`fetch failed: ${message}`);
}

/**
 * Percent-decodes a string (https://url.spec.whatwg.org/#string-percent-decode): its UTF-8
 * bytes with each %XX replaced by the byte.
 * @param {string} s
 */
function percentDecode(s) {
  const bytes = rt.internal.utf8Encode(s);
  const n = TypedArrayPrototypeGetLength(bytes);
  const out = new Uint8Array(n);
  let j = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b === 0x25 && i + 2 < n) {
      const h = hexValue(bytes[i + 1]);
      const l = hexValue(bytes[i + 2]);
      if (h >= 0 && l >= 0) {
        out[j++] = h * 16 + l;
        i += 2;
        continue;
      }
    }
    out[j++] = b;
  }
  return TypedArrayPrototypeSubarray(out, 0, j);
}

/** @param {number} c */
function hexValue(c) {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** @param {number} c */
function isASCIIWhitespace(c) {
  return c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20;
}

/**
 * The data: URL processor (https://fetch.spec.whatwg.org/#data-url-processor): the MIME type
 * (serialized) and body of a data: URL, or null for failure.
 * @param {string} href the URL, serialized
 * @returns {{ type: string, body: Uint8Array } | null}
 */
function processDataURL(href) {
  const hash = StringPrototypeIndexOf(href, '#');
  let input = StringPrototypeSlice(href, 5, hash < 0 ? href.length : hash); // after "data:"
  const comma = StringPrototypeIndexOf(input, ',');
  if (comma < 0) return null;
  let start = 0;
  let end = comma;
  while (start < end && isASCIIWhitespace(StringPrototypeCharCodeAt(input, start))) start++;
  while (end > start && isASCIIWhitespace(StringPrototypeCharCodeAt(input, end - 1))) end--;
  let mimeType = StringPrototypeSlice(input, start, end);
  input = StringPrototypeSlice(input, comma + 1);
  /** @type {Uint8Array} */
  let body = percentDecode(input);
  // ";" then spaces then "base64", case-insensitively, at the end of the MIME type.
  let k = mimeType.length;
  if (k >= 6 && StringPrototypeToLowerCase(StringPrototypeSlice(mimeType, k - 6)) === 'base64') {
    let m = k - 6;
    while (m > 0 && mimeType[m - 1] === ' ') m--;
    if (m > 0 && mimeType[m - 1] === ';') {
      mimeType = StringPrototypeSlice(mimeType, 0, m - 1);
      let latin1 = '';
      const n = TypedArrayPrototypeGetLength(body);
      for (let i = 0; i < n; i++) latin1 += StringFromCharCode(body[i]);
      let decoded;
      try {
        decoded = rt.ops.encoding_atob(latin1);
      } catch {
        return null;
      }
      body = new Uint8Array(decoded.length);
      for (let i = 0; i < decoded.length; i++) body[i] = StringPrototypeCharCodeAt(decoded, i);
    }
  }
  if (mimeType[0] === ';') mimeType = `text/plain${mimeType}`;
  const mime = rt.internal.mime;
  const parsed = mime.parse(mimeType);
  return { type: parsed === null ? 'text/plain;charset=US-ASCII' : mime.serialize(parsed), body };
}

/**
 * A response made in this isolate (data: and blob: URLs): type "basic", immutable headers.
 * @param {string} url
 * @param {string[]} headers
 * @param {Uint8Array} bytes
 * @param {boolean} head the request's method is HEAD: no body
 */
function localResponse(url, headers, bytes, head) {
  const hash = StringPrototypeIndexOf(url, '#');
  const stream = head ? null : rt.internal.newReadableStreamFromBytes(bytes);
  return rt.internal.newFetchedResponse(200, 'OK', headers, stream,
    hash < 0 ? url : StringPrototypeSlice(url, 0, hash), false);
}

/**
 * The "scheme fetch" of a blob: URL: the Blob the request's URL resolved to when the Request
 * was made.
 * @param {any} parts
 */
function blobFetch(parts) {
  const blob = parts.blob;
  if (parts.method !== 'GET' || blob === null) throw networkError(`'${parts.url}' does not resolve to a Blob (or the method is not GET)`);
  const bytes = rt.internal.blobBytes(blob);
  const type = rt.internal.blobType(blob);
  /** @type {string[]} */
  return localResponse(parts.url, ['content-length', `${TypedArrayPrototypeGetLength(bytes)}`, 'content-type', type],
    bytes, false);
}

/**
 * The headers fetch adds to a request before it goes out: Accept (any type) when it has none, and
 * those of the "HTTP-network-or-cache fetch" steps for its cache mode (there is no HTTP cache,
 * so every request goes to the network, with what the mode tells the servers on the way).
 * @param {{ headers: string[], cache: string }} parts
 */
function addNetworkHeaders(parts) {
  const list = parts.headers;
  const H = rt.internal.headers;
  if (H.get(list, 'accept') === null) ArrayPrototypePush(list, 'accept', '*/*');
  let cache = parts.cache;
  if (cache === 'default' && (H.get(list, 'if-modified-since') !== null || H.get(list, 'if-none-match') !== null ||
    H.get(list, 'if-unmodified-since') !== null || H.get(list, 'if-match') !== null || H.get(list, 'if-range') !== null)) {
    cache = 'no-store';
  }
  if (cache === 'no-cache' && H.get(list, 'cache-control') === null) {
    ArrayPrototypePush(list, 'cache-control', 'max-age=0');
  }
  if (cache === 'no-store' || cache === 'reload') {
    if (H.get(list, 'pragma') === null) ArrayPrototypePush(list, 'pragma', 'no-cache');
    if (H.get(list, 'cache-control') === null) ArrayPrototypePush(list, 'cache-control', 'no-cache');
  }
}

/**
 * Cancels a request body that will not be sent ("abort the fetch() call").
 * @param {any} body null, a string, a Uint8Array or a ReadableStream
 * @param {any} reason
 */
function cancelBody(body, reason) {
  if (body !== null && typeof body === 'object' && B.isReadableStream(body) && !rt.internal.isReadableStreamLocked(body)) {
    const api = B.streams();
    api.cancelReader(api.getReader(body), reason);
  }
}

/**
 * Streams a ReadableStream request body to fetch `token`'s upload in Go, one chunk at a time.
 * A chunk that is not a Uint8Array, or a stream that errors, fails the upload (and so the
 * fetch); a request that ends first (aborted, or the server answered without reading
 * everything) cancels the stream. Returns the stream's reader.
 * @param {number} token
 * @param {any} stream
 */
function pumpUpload(token, stream) {
  const api = B.streams();
  const reader = api.getReader(stream);
  pumpChunks(token, api, reader);
  return reader;
}

/**
 * @param {number} token
 * @param {any} api
 * @param {any} reader
 */
async function pumpChunks(token, api, reader) {
  for (;;) {
    let result;
    try {
      result = await api.read(reader);
    } catch (e) {
      rt.ops.fetch_upload_end(token, `the request body stream errored: ${e}`);
      return;
    }
    if (result.done) {
      rt.ops.fetch_upload_end(token, undefined);
      return;
    }
    const chunk = result.value;
    if (!rt.internal.webidl.isUint8Array(chunk)) {
      const err = new TypeError('fetch: a request body chunk is not a Uint8Array');
      rt.ops.fetch_upload_end(token, err.message);
      api.cancelReader(reader, err);
      return;
    }
    try {
      await rt.opAsync('fetch_upload_write', token, chunk);
    } catch (e) {
      api.cancelReader(reader, e);
      return;
    }
  }
}

/**
 * The HTTP(S) network fetch through Go, or for a service binding, the bound worker's answer.
 * @param {any} parts the request's method, url, headers, body, redirect
 * @param {any} signal
 * @param {string} service the service binding's name, or "" for the network
 * @returns {Promise<NetworkResponse>}
 */
async function httpFetch(parts, signal, service) {
  let headers = '';
  for (let i = 0; i < parts.headers.length; i++) headers += (i > 0 ? '\0' : '') + parts.headers[i];
  let body = parts.body;
  /** @type {any} */
  let upload = null;
  if (body !== null && typeof body !== 'string' && !isUint8Array(body)) {
    upload = body;
    body = null;
  }
  const token = nextToken++;
  const sent = rt.opAsync('fetch_send', token, parts.method, parts.url, headers, body, parts.redirect, upload !== null,
    service);
  const uploadReader = upload === null ? null : pumpUpload(token, upload);
  // Aborting rejects at once with the signal's reason, cancels a streamed request body with it
  // and stops the exchange in Go; a head that arrives after that has its body closed.
  const json = await new Promise((resolve, reject) => {
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      const reason = A.reason(signal);
      rt.ops.fetch_abort(token);
      if (uploadReader !== null) B.streams().cancelReader(uploadReader, reason);
      reject(reason);
    };
    A.add(signal, onAbort);
    PromisePrototypeThen(sent, (/** @type {string} */ text) => {
      A.remove(signal, onAbort);
      if (!aborted) {
        resolve(text);
        return;
      }
      const late = JSONParse(text);
      if (late.body >= 0) rt.ops.fetch_cancel(late.body);
    }, (/** @type {any} */ e) => {
      A.remove(signal, onAbort);
      reject(A.aborted(signal) ? A.reason(signal) : e);
    });
  });
  const head = JSONParse(json);
  const id = head.body;
  /** @type {any} */
  let source = null;
  const stream = id < 0 ? null : rt.internal.newReadableStreamFromPull(
    /** @param {any} controller */
    (controller) => PromisePrototypeThen(rt.opAsync('fetch_read', id), (chunk) => {
      if (chunk === null) controller.close();
      else controller.enqueue(chunk);
    }),
    () => rt.ops.fetch_cancel(id),
    0,
    (/** @type {any} */ c) => {
      source = c;
    },
  );
  if (stream !== null) {
    // Aborting after the head arrived errors the body with the signal's reason.
    A.add(signal, () => {
      rt.ops.fetch_cancel(id);
      if (source !== null) source.error(A.reason(signal));
    });
  }
  // A response's URL has no fragment.
  const hash = StringPrototypeIndexOf(head.url, '#');
  return { status: head.status, statusText: head.statusText, headers: head.headers ?? [],
    url: hash < 0 ? head.url : StringPrototypeSlice(head.url, 0, hash), redirected: head.redirected, stream };
}

/**
 * fetch() through the network, or through a service binding when service names one.
 * @param {string} service
 * @param {any} input
 * @param {any} [init]
 */
async function fetchVia(service, input, init) {
  const request = new rt.internal.Request(input, init);
  const signal = request.signal;
  if (A.aborted(signal)) {
    // "Abort the fetch() call": the request body is cancelled with the reason.
    const reason = A.reason(signal);
    rt.internal.requestCancelBody(request, reason);
    throw reason;
  }
  const url = request.url;
  const colon = StringPrototypeIndexOf(url, ':');
  const scheme = StringPrototypeSlice(url, 0, colon);
  if (scheme === 'data' && service === '') {
    const parts = rt.internal.requestParts(request);
    cancelBody(parts.body, undefined);
    const data = processDataURL(url);
    if (data === null) throw networkError(`'${url}' is not a valid data: URL`);
    return localResponse(url, ['content-type', data.type], data.body, parts.method === 'HEAD');
  }
  if (scheme === 'blob' && service === '') {
    const parts = rt.internal.requestParts(request);
    cancelBody(parts.body, undefined);
    return blobFetch(parts);
  }
  if (scheme !== 'http' && scheme !== 'https') {
    // Checked before the body is read: a request body stream may never end.
    throw new TypeError(`fetch: the URL scheme of '${url}' is not supported (only http:, https:, data: and blob:)`);
  }
  const parts = rt.internal.requestParts(request);
  if (parts.cache === 'only-if-cached') {
    // There is no HTTP cache: nothing is ever stored to answer from.
    cancelBody(parts.body, undefined);
    throw networkError(`'${url}' is not in the cache (the request's cache mode is "only-if-cached")`);
  }
  addNetworkHeaders(parts);
  const r = await httpFetch(parts, signal, service);
  return rt.internal.newFetchedResponse(r.status, r.statusText, r.headers, r.stream, r.url, r.redirected);
}

/**
 * @param {any} input
 * @param {any} [init]
 */
function fetch(input, init = undefined) {
  return fetchVia('', input, init);
}

/**
 * A service binding (env.NAME for a [[services]] entry): fetch() sends the request to the bound
 * worker, in process. Anything else it is asked for is refused with what islet lacks: connect()
 * and RPC (methods of a WorkerEntrypoint).
 */
class Fetcher {
  #binding;

  /**
   * @param {symbol} key
   * @param {string} binding
   */
  constructor(key, binding) {
    if (key !== fetcherKey) throw new TypeError('Illegal constructor');
    this.#binding = binding;
  }

  /**
   * @param {any} input
   * @param {any} [init]
   */
  fetch(input, init = undefined) {
    return fetchVia(this.#binding, input, init);
  }

  connect() {
    throw new TypeError(`env.${this.#binding}.connect(): TCP sockets through service bindings are not supported by islet`);
  }
}
const fetcherKey = Symbol('Fetcher');
// Captured as this file runs in the snapshot, before any worker's code.
const ProxyConstructor = Proxy;

/**
 * The Fetcher of a service binding. Any property it does not have is a method that rejects:
 * RPC to the bound worker's entrypoint is not supported yet, and saying so beats "is not a
 * function". A then is never made up, so awaiting a Fetcher gives the Fetcher.
 * @param {string} binding
 */
rt.internal.newFetcher = (binding) => new ProxyConstructor(new Fetcher(fetcherKey, binding), {
  get(target, prop) {
    if (typeof prop !== 'string' || prop === 'then' || prop in target) {
      const v = ReflectGet(target, prop, target);
      return typeof v === 'function' ? FunctionPrototypeBind(v, target) : v;
    }
    return async () => {
      throw new TypeError(
        `env.${binding}.${prop}(): RPC to a service binding's entrypoint is not supported by islet; use env.${binding}.fetch()`);
    };
  },
});

rt.expose('fetch', fetch);
