// @ts-check
// The Workers programming model on top of the Web APIs: the worker's handlers (an ES module's
// default export, or `addEventListener('fetch')` in a service-worker script), the fetch event
// Go delivers for each HTTP request, ExecutionContext (waitUntil, passThroughOnException), and
// sending the handler's Response back to Go.
const {
  Error, FunctionPrototypeCall, JSONParse, ObjectFreeze, PromisePrototypeThen, SafePromiseResolve,
  SafeMap, TypeError, ObjectDefineProperty, ObjectKeys, SymbolToStringTag,
} = rt.primordials;
const ops = rt.ops;

/** @type {{ fetch?: Function, self: any } | null} */
let moduleHandler = null;
/** @type {any} */
let workerEnv = {};

/** @type {Function[]} */
const fetchListeners = [];

/**
 * @param {unknown} v
 * @returns {string}
 */
function describe(v) {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'object' || typeof v === 'function') {
    const name = v?.constructor?.name;
    return name ? `an object of type ${name}` : 'an object';
  }
  return `a ${typeof v}`;
}

class ExecutionContext {
  /** @type {number} */
  #id;
  /** @param {number} id */
  constructor(id) {
    this.#id = id;
  }

  /** @param {unknown} promise */
  waitUntil(promise) {
    if (!(#id in this)) throw new TypeError('Illegal invocation');
    if (arguments.length < 1) throw new TypeError("Failed to execute 'waitUntil': 1 argument required, but only 0 present.");
    waitUntil(this.#id, promise);
  }

  passThroughOnException() {
    if (!(#id in this)) throw new TypeError('Illegal invocation');
    // islet has no origin behind a worker to pass the request to; an exception is answered with
    // the platform's error response either way.
  }
}
ObjectDefineProperty(ExecutionContext.prototype, SymbolToStringTag, { value: 'ExecutionContext', configurable: true });

/**
 * Per-request bookkeeping: pending waitUntil promises and whether the response went out.
 * @typedef {{ waiting: number, responded: boolean, done: boolean }} RequestState
 * @type {Map<number, RequestState>}
 */
const requests = new SafeMap();

/**
 * @param {number} id
 * @param {unknown} promise
 */
function waitUntil(id, promise) {
  const st = requests.get(id);
  if (st === undefined || st.done) return;
  st.waiting++;
  const settle = () => {
    st.waiting--;
    maybeDone(id, st);
  };
  PromisePrototypeThen(SafePromiseResolve(promise), settle, (e) => {
    reportError(e, 'an error was thrown in a waitUntil() promise');
    settle();
  });
}

/**
 * @param {number} id
 * @param {RequestState} st
 */
function maybeDone(id, st) {
  if (st.responded && st.waiting === 0 && !st.done) {
    st.done = true;
    requests.delete(id);
    ops.request_done(id);
  }
}

/**
 * @param {unknown} e
 * @param {string} [prefix]
 */
function reportError(e, prefix) {
  const text = errorText(e);
  ops.worker_report_error(prefix ? `${prefix}: ${text.message}` : text.message, text.stack);
}

/**
 * @param {unknown} e
 * @returns {{message: string, stack: string}}
 */
function errorText(e) {
  try {
    if (e !== null && typeof e === 'object') {
      const err = /** @type {any} */ (e);
      const message = `${err.name ?? 'Error'}: ${err.message ?? ''}`;
      const stack = typeof err.stack === 'string' ? err.stack : message;
      return { message, stack };
    }
    return { message: `Uncaught ${String(e)}`, stack: '' };
  } catch {
    return { message: 'Uncaught exception (unprintable)', stack: '' };
  }
}
rt.internal.errorText = errorText;

/**
 * @param {number} id
 * @param {unknown} e
 */
function fail(id, e) {
  const { message, stack } = errorText(e);
  ops.fetch_fail(id, message, stack);
  const st = requests.get(id);
  if (st !== undefined) {
    st.responded = true;
    maybeDone(id, st);
  }
}

/**
 * @param {number} id
 * @param {unknown} response
 */
function respond(id, response) {
  const st = requests.get(id);
  if (!rt.internal.isResponse(response)) {
    fail(id, new TypeError(`The fetch handler returned ${describe(response)} instead of a Response.`));
    return;
  }
  let parts;
  try {
    parts = rt.internal.responseParts(response);
  } catch (e) {
    fail(id, e);
    return;
  }
  const headers = joinHeaders(parts.headers);
  const body = parts.body;
  if (body === null || typeof body === 'string' || body instanceof rt.primordials.Uint8Array) {
    // A whole body ends the request unless waitUntil work is pending: one op call does both.
    const done = st === undefined || st.waiting === 0;
    if (st !== undefined) {
      st.responded = true;
      if (done) {
        st.done = true;
        requests.delete(id);
      }
    }
    ops.fetch_respond(id, parts.status, parts.statusText, headers, body, done);
    return;
  }
  ops.fetch_respond_head(id, parts.status, parts.statusText, headers);
  // The request is done only once the body has gone out (pumpBody marks it).
  pumpBody(id, body);
}

/**
 * @param {string[]} list
 */
function joinHeaders(list) {
  let s = '';
  for (let i = 0; i < list.length; i++) {
    if (i > 0) s += '\0';
    s += list[i];
  }
  return s;
}

/**
 * Streams a ReadableStream body to Go; each chunk is written before the next is read, so a slow
 * client slows the producer instead of buffering the body.
 * @param {number} id
 * @param {any} stream
 */
async function pumpBody(id, stream) {
  let reader;
  try {
    reader = rt.internal.readableStreamGetReader(stream);
    for (;;) {
      const { done, value } = await rt.internal.readableStreamRead(reader);
      if (done) break;
      if (!(value instanceof rt.primordials.Uint8Array)) {
        throw new TypeError('This ReadableStream did not return bytes.');
      }
      if (value.byteLength > 0) await rt.opAsync('fetch_body_write', id, value);
    }
    ops.fetch_body_close(id);
  } catch (e) {
    const { message, stack } = errorText(e);
    ops.fetch_body_abort(id, message, stack);
    if (reader !== undefined) {
      try {
        rt.internal.readableStreamCancel(reader, e);
      } catch {}
    }
  }
  const st = requests.get(id);
  if (st !== undefined) {
    st.responded = true;
    maybeDone(id, st);
  }
}

/**
 * Makes the incoming request's body: a byte stream pulled from Go in chunks.
 * @param {number} id
 */
function requestBody(id) {
  return rt.internal.newReadableStreamFromPull(
    /** @param {any} controller */
    (controller) => PromisePrototypeThen(rt.opAsync('fetch_body_read', id), (chunk) => {
      if (chunk === null) controller.close();
      else controller.enqueue(chunk);
    }),
    () => ops.fetch_body_discard(id),
    0,
  );
}

class FetchEvent extends rt.internal.Event {
  #request;
  #id;
  /** @type {any} */
  #response = undefined;
  #responded = false;
  /**
   * @param {string} type
   * @param {{request: any}} init
   * @param {number} [id]
   */
  constructor(type, init, id = 0) {
    super(type);
    this.#request = init.request;
    this.#id = id;
  }

  get request() {
    return this.#request;
  }

  /** @param {any} r */
  respondWith(r) {
    if (this.#responded) {
      throw new rt.internal.DOMException('FetchEvent.respondWith() has already been called.', 'InvalidStateError');
    }
    this.#responded = true;
    this.#response = r;
  }

  /** @param {any} promise */
  waitUntil(promise) {
    waitUntil(this.#id, promise);
  }

  passThroughOnException() {}

  /** @param {FetchEvent} e */
  static responseOf(e) {
    return e.#responded ? { value: e.#response } : null;
  }
}

/**
 * Go calls this once after the main module evaluated: ns is its namespace (undefined for a
 * service-worker script), envJSON the value bindings, servicesJSON the names of the service
 * bindings (each becomes a Fetcher).
 * @param {any} ns
 * @param {string} envJSON
 * @param {string} servicesJSON
 * @returns {string} "" when the worker is usable, else why not
 */
rt.host.init = (ns, envJSON, servicesJSON) => {
  const env = JSONParse(envJSON);
  const services = JSONParse(servicesJSON);
  for (let i = 0; i < services.length; i++) env[services[i]] = rt.internal.newFetcher(services[i]);
  workerEnv = ObjectFreeze(env);
  if (ns === undefined || ns === null) {
    // Service-worker syntax: bindings are globals.
    const keys = ObjectKeys(workerEnv);
    for (let i = 0; i < keys.length; i++) rt.expose(keys[i], workerEnv[keys[i]]);
    if (fetchListeners.length === 0) {
      return 'the script registered no fetch event listener (addEventListener("fetch", …)) and has no default export';
    }
    return '';
  }
  const handler = ns.default;
  if (handler === undefined || handler === null) {
    if (fetchListeners.length > 0) return '';
    return 'the main module has no default export; export default { fetch(request, env, ctx) { … } }';
  }
  if (typeof handler.fetch !== 'function') {
    return 'the main module\'s default export has no fetch() method';
  }
  moduleHandler = { fetch: handler.fetch, self: handler };
  return '';
};

/**
 * Go calls this for each HTTP request.
 * @param {number} id
 * @param {string} method
 * @param {string} url
 * @param {string} headerBlob header names and values joined by NUL
 * @param {boolean} hasBody
 */
rt.host.fetch = (id, method, url, headerBlob, hasBody) => {
  /** @type {RequestState} */
  const st = { waiting: 0, responded: false, done: false };
  requests.set(id, st);
  let result;
  try {
    // The header blob is split only if the handler reads the headers.
    const request = rt.internal.newIncomingRequest(method, url, headerBlob, hasBody ? requestBody(id) : null);
    if (moduleHandler !== null) {
      const ctx = new ExecutionContext(id);
      result = FunctionPrototypeCall(moduleHandler.fetch, moduleHandler.self, request, workerEnv, ctx);
    } else {
      const event = new FetchEvent('fetch', { request }, id);
      for (let i = 0; i < fetchListeners.length; i++) {
        FunctionPrototypeCall(fetchListeners[i], globalThis, event);
      }
      const r = FetchEvent.responseOf(event);
      if (r === null) {
        fail(id, new Error('No response: no fetch event listener called respondWith().'));
        return;
      }
      result = r.value;
    }
  } catch (e) {
    fail(id, e);
    return;
  }
  if (rt.internal.isResponse(result)) {
    respond(id, result);
    return;
  }
  PromisePrototypeThen(SafePromiseResolve(result), (r) => respond(id, r), (e) => fail(id, e));
};

/**
 * Go calls this when a request ends from its side (the client went away, or Go gave up on it),
 * so nothing of it is kept.
 * @param {number} id
 */
rt.host.requestGone = (id) => {
  requests.delete(id);
};

/**
 * @param {string} type
 * @param {any} listener
 */
function addEventListener(type, listener) {
  if (arguments.length < 2) throw new TypeError('addEventListener requires 2 arguments');
  type = `${type}`;
  if (type !== 'fetch') return;
  if (typeof listener === 'function') fetchListeners[fetchListeners.length] = listener;
  else if (listener !== null && typeof listener === 'object') {
    fetchListeners[fetchListeners.length] = (/** @type {any} */ e) => FunctionPrototypeCall(listener.handleEvent, listener, e);
  }
}

/**
 * @param {string} type
 * @param {any} listener
 */
function removeEventListener(type, listener) {
  if (`${type}` !== 'fetch') return;
  for (let i = 0; i < fetchListeners.length; i++) {
    if (fetchListeners[i] === listener) {
      for (let j = i; j < fetchListeners.length - 1; j++) fetchListeners[j] = fetchListeners[j + 1];
      fetchListeners.length--;
      return;
    }
  }
}

rt.expose('addEventListener', addEventListener);
rt.expose('removeEventListener', removeEventListener);
rt.expose('FetchEvent', FetchEvent);
rt.expose('ExecutionContext', ExecutionContext);
rt.expose('self', globalThis);
