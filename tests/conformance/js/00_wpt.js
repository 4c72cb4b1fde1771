// @ts-check
// The WPT runner's test-only extension, evaluated into the runner's snapshot after every runtime
// extension. It gives testharness.js the worker-like scope it expects and reports results to
// Go:
//   rt.host.wptSetup(href, title)  defines location, GLOBAL and META_TITLE for one test run;
//   rt.host.wptReporter()          (after testharness.js) registers the result and completion
//                                  callbacks and asks for an explicit done();
//   rt.host.wptDone()              calls testharness's done() once every script has run;
//   rt.host.wptTimeout()           calls testharness's timeout() when the file's time is up;
//   rt.host.wptError(msg, stack)   an uncaught exception (a script that threw);
//   rt.host.wptRejection(msg, stack) a promise rejection nobody handled.
// The global scope of an islet worker is no EventTarget; the `error` and `unhandledrejection`
// listeners testharness.js registers are kept here and called for the two above and for
// uncaught exceptions the runtime reports. fetch() is the runtime's own: the runner's Go side
// serves the test origin over loopback (server.go).
const {
  ArrayPrototypePush, Error, FunctionPrototypeCall, ObjectDefineProperty, ObjectFreeze,
  ObjectGetOwnPropertyDescriptor, ObjectGetPrototypeOf,
  ReflectApply, String,
} = rt.primordials;
const g = /** @type {any} */ (globalThis);
const ops = rt.ops;
const URL = g.URL;

// Only the listeners testharness.js registers while it loads are the runner's: wptSetup puts
// this file's addEventListener on the global and wptReporter puts the runtime's back.
let capturing = false;
/** @type {Function[]} */
const errorListeners = [];
/** @type {Function[]} */
const rejectionListeners = [];

const realAddEventListener = g.addEventListener;

/** @param {any} listener */
function callable(listener) {
  if (typeof listener === 'function') return listener;
  if (listener !== null && typeof listener === 'object') {
    return (/** @type {any} */ e) => FunctionPrototypeCall(listener.handleEvent, listener, e);
  }
  return null;
}

/**
 * @param {string} type
 * @param {any} listener
 * @param {any} [options]
 */
function addEventListener(type, listener, options) {
  const t = `${type}`;
  if (capturing && (t === 'error' || t === 'unhandledrejection')) {
    const fn = callable(listener);
    if (fn !== null) ArrayPrototypePush(t === 'error' ? errorListeners : rejectionListeners, fn);
    return;
  }
  if (typeof realAddEventListener === 'function') ReflectApply(realAddEventListener, this, [type, listener, options]);
}

/**
 * @param {Function[]} list
 * @param {any} event
 */
function dispatch(list, event) {
  for (let i = 0; i < list.length; i++) {
    try {
      FunctionPrototypeCall(list[i], g, event);
    } catch (e) {
      ops.wpt_log(`error in a listener: ${describe(e)}`);
    }
  }
  return list.length > 0;
}

/** @param {any} e */
function describe(e) {
  try {
    if (e !== null && typeof e === 'object' && 'message' in e) return `${e.name}: ${e.message}`;
    return String(e);
  } catch {
    return '(an error that cannot be described)';
  }
}

/**
 * Describes an error without running its getters: only data properties are read.
 * @param {any} e
 */
function describeQuietly(e) {
  if (e === null || (typeof e !== 'object' && typeof e !== 'function')) {
    try {
      return String(e);
    } catch {
      return typeof e;
    }
  }
  /** @param {string} key */
  const data = (key) => {
    for (let o = e; o !== null; o = ObjectGetPrototypeOf(o)) {
      const d = ObjectGetOwnPropertyDescriptor(o, key);
      if (d !== undefined) return 'value' in d && typeof d.value === 'string' ? d.value : '';
    }
    return '';
  };
  const name = data('name');
  const message = data('message');
  return name && message ? `${name}: ${message}` : name || message || 'an exception';
}

// An exception the runtime reports (a timer's or an event listener's, reportError()) goes to
// the `error` listeners testharness.js added, as the global's error event would, and then to
// the runtime's own reporting.
const runtimeReportError = rt.internal.reportError;
rt.internal.reportError = (/** @type {any} */ error) => {
  const event = { type: 'error', message: `Uncaught ${describeQuietly(error)}`, error, filename: '', lineno: 0, colno: 0 };
  dispatch(errorListeners, event);
  if (typeof runtimeReportError === 'function') runtimeReportError(error);
};

/** @type {string} */
let testOrigin = '';

/**
 * Defines the worker-like globals for the test at `href`.
 * @param {string} href
 * @param {string} title
 */
rt.host.wptSetup = (href, title) => {
  // A worker's API base URL is its script's URL: relative URLs given to Request, fetch and
  // Response.redirect resolve against it, as in a browser's worker.
  rt.internal.setAPIBaseURL(href);
  const u = new URL(href);
  testOrigin = u.origin;
  const location = {
    href: u.href, origin: u.origin, protocol: u.protocol, host: u.host, hostname: u.hostname,
    port: u.port, pathname: u.pathname, search: u.search, hash: u.hash,
    toString() { return u.href; },
  };
  rt.expose('location', ObjectFreeze(location));
  rt.expose('GLOBAL', ObjectFreeze({
    isWindow() { return false; },
    isWorker() { return true; },
    isShadowRealm() { return false; },
  }));
  if (title !== '') rt.expose('META_TITLE', title);
  capturing = true;
  rt.expose('addEventListener', addEventListener);
};

const statusNames = ['PASS', 'FAIL', 'TIMEOUT', 'NOTRUN', 'PRECONDITION_FAILED'];
const harnessNames = ['OK', 'ERROR', 'TIMEOUT', 'PRECONDITION_FAILED'];

/**
 * @param {any} test
 * @param {boolean} final
 */
function report(test, final) {
  let message = '';
  try {
    message = test.message === null || test.message === undefined ? '' : String(test.message);
  } catch {
    message = '(message not printable)';
  }
  ops.wpt_result(String(test.name), statusNames[test.status] ?? `status ${test.status}`, message, final);
}

rt.host.wptReporter = () => {
  const setup = g.setup;
  const addResult = g.add_result_callback;
  const addCompletion = g.add_completion_callback;
  if (typeof setup !== 'function' || typeof addResult !== 'function' || typeof addCompletion !== 'function') {
    throw new Error('testharness.js did not define setup/add_result_callback/add_completion_callback');
  }
  // The runner enforces the file's timeout itself (and then calls timeout()); done() is
  // called once every script has run, as the WPT worker wrapper does.
  setup({ explicit_done: true, explicit_timeout: true });
  addResult((/** @type {any} */ test) => report(test, false));
  addCompletion((/** @type {any[]} */ tests, /** @type {any} */ status) => {
    for (let i = 0; i < tests.length; i++) report(tests[i], true);
    let message = '';
    try {
      message = status.message === null || status.message === undefined ? '' : String(status.message);
    } catch {
      message = '(message not printable)';
    }
    ops.wpt_complete(harnessNames[status.status] ?? `status ${status.status}`, message);
  });
  // From here on the test sees the runtime's own addEventListener.
  capturing = false;
  if (realAddEventListener === undefined) delete g.addEventListener;
  else rt.expose('addEventListener', realAddEventListener);
};

rt.host.wptDone = () => {
  if (typeof g.done === 'function') g.done();
};

rt.host.wptTimeout = () => {
  if (typeof g.timeout === 'function') g.timeout();
};

/**
 * @param {string} message
 * @param {string} stack
 */
rt.host.wptError = (message, stack) => {
  const error = new Error(message);
  ObjectDefineProperty(error, 'stack', { value: stack || message, configurable: true, writable: true });
  const event = { type: 'error', message, error, filename: '', lineno: 0, colno: 0 };
  if (!dispatch(errorListeners, event)) ops.wpt_log(`uncaught: ${message}`);
};

/**
 * @param {string} message
 * @param {string} stack
 */
rt.host.wptRejection = (message, stack) => {
  const reason = new Error(message);
  ObjectDefineProperty(reason, 'stack', { value: stack || message, configurable: true, writable: true });
  const event = { type: 'unhandledrejection', reason, promise: undefined };
  if (!dispatch(rejectionListeners, event)) ops.wpt_log(`unhandled rejection: ${message}`);
};
