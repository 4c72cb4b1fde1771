// @ts-check
// fetch() (https://fetch.spec.whatwg.org/#fetch-method): the request goes out through Go's HTTP
// client (fetch_send), which applies the node's egress rules and the worker's subrequest limit;
// the response body streams in from Go in chunks (fetch_read). Request bodies are sent whole.
const { JSONParse, PromisePrototypeThen, StringPrototypeStartsWith, TypeError, Uint8Array } = rt.primordials;

let nextToken = 1;

/**
 * @param {any} input
 * @param {any} [init]
 */
async function fetch(input, init = undefined) {
  const request = new rt.internal.Request(input, init);
  const signal = request.signal;
  const A = rt.internal.abortSignal;
  if (A.aborted(signal)) throw A.reason(signal);
  const url = request.url;
  if (!StringPrototypeStartsWith(url, 'http:') && !StringPrototypeStartsWith(url, 'https:')) {
    // Checked before the body is read: a request body stream may never end.
    throw new TypeError(`fetch: the URL scheme of '${url}' is not supported (only http: and https:)`);
  }
  const parts = rt.internal.requestParts(request);
  let body = parts.body;
  if (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    body = await rt.internal.readableStreamReadAll(body);
  }
  let headers = '';
  for (let i = 0; i < parts.headers.length; i++) headers += (i > 0 ? '\0' : '') + parts.headers[i];
  const token = nextToken++;
  const onAbort = () => rt.ops.fetch_abort(token);
  A.add(signal, onAbort);
  let head;
  try {
    head = JSONParse(await rt.opAsync('fetch_send', token, parts.method, parts.url, headers, body, parts.redirect));
  } catch (e) {
    if (A.aborted(signal)) throw A.reason(signal);
    throw e;
  } finally {
    A.remove(signal, onAbort);
  }
  const id = head.body;
  const stream = id < 0 ? null : rt.internal.newReadableStreamFromPull(
    /** @param {any} controller */
    (controller) => PromisePrototypeThen(rt.opAsync('fetch_read', id), (chunk) => {
      if (chunk === null) controller.close();
      else controller.enqueue(chunk);
    }),
    () => rt.ops.fetch_cancel(id),
    0,
  );
  if (stream !== null) {
    // Aborting after the head arrived errors the body.
    A.add(signal, () => {
      rt.ops.fetch_cancel(id);
    });
  }
  return rt.internal.newFetchedResponse(head.status, head.statusText, head.headers ?? [], stream, head.url,
    head.redirected);
}

rt.expose('fetch', fetch);
