// @ts-check
// Timers and microtask queuing (https://html.spec.whatwg.org/#timers,
// https://html.spec.whatwg.org/#microtask-queuing). JavaScript keeps the callbacks; Go runs the
// clock: rt.ops.timer_start(id, ms) arms a timer, rt.ops.timer_cancel(id) disarms it, and when
// it fires Go calls rt.host.timerFired(id) in a turn of its own.

const {
  DateNow,
  FunctionPrototypeCall,
  MapPrototypeForEach,
  MathTrunc,
  Promise,
  PromisePrototypeThen,
  ReflectApply,
  SafeMap,
  TypeError,
} = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;

/**
 * An active timer.
 * `due` is when it is due: the arming turn's clock (Date.now(), frozen for the turn) plus its
 * delay; `seq` orders the arming of timers (an interval is re-armed with a new one) and breaks ties.
 * @typedef {{ callback: Function, args: any[], repeat: boolean, delay: number, nesting: number, seq: number, due: number }} Timer
 */

/** @type {Map<number, Timer>} */
const active = new SafeMap();
let nextId = 1;
let nextSeq = 1;
/** The nesting level of the timer whose callback is running (0 outside timers). */
let currentNesting = 0;

function reportError(/** @type {any} */ err) {
  const report = rt.internal.reportError;
  if (typeof report === 'function') report(err);
}

/**
 * Converts a timeout: NaN and negatives become 0, values beyond 2^31 - 1 become 1 (as Node and
 * the Workers runtime do), the rest are truncated.
 * @param {any} timeout
 */
function toDelay(timeout) {
  const ms = typeof timeout === 'number' ? timeout : converters['unrestricted double'](timeout);
  if (!(ms >= 0)) return 0;
  if (ms > 2147483647) return 1;
  return MathTrunc(ms);
}

/**
 * The timer initialization steps.
 * @param {Function} callback
 * @param {number} delay
 * @param {any[]} args
 * @param {boolean} repeat
 * @param {boolean} clamp apply HTML's 4 ms minimum to deeply nested timers
 */
function startTimer(callback, delay, args, repeat, clamp) {
  const id = nextId++;
  const nesting = currentNesting + 1;
  if (clamp && nesting > 5 && delay < 4) delay = 4;
  active.set(id, { callback, args, repeat, delay, nesting, seq: nextSeq++, due: DateNow() + delay });
  rt.ops.timer_start(id, delay);
  return id;
}

/** @param {number} id */
function cancelTimer(id) {
  if (active.delete(id)) rt.ops.timer_cancel(id);
}

/**
 * Called by Go when timer `id` fires.
 * @param {number} id
 */
function timerFired(id) {
  const timer = active.get(id);
  if (timer === undefined) return; // cleared meanwhile
  // A timer due no later than this one is due as well and runs first, in the order of when they
  // are due, then of arming (HTML: "wait until any invocations … that started before this one,
  // and whose milliseconds is less than or equal to this one's, have completed"). The host's
  // clock may report them out of order (a busy machine arms the Go timers late), so the order
  // is decided here, from when each timer is due, never from when the host fired it.
  if (active.size > 1) {
    for (;;) {
      /** @type {{ timer: Timer | undefined, id: number }} */
      const first = { timer: undefined, id: 0 };
      MapPrototypeForEach(active, (/** @type {Timer} */ other, /** @type {number} */ otherId) => {
        if (before(other, timer) && (first.timer === undefined || before(other, first.timer))) {
          first.timer = other;
          first.id = otherId;
        }
      });
      if (first.timer === undefined) break;
      rt.ops.timer_cancel(first.id);
      runTimer(first.id, first.timer);
    }
    if (active.get(id) !== timer) return; // cleared by one of them
  }
  runTimer(id, timer);
}

/**
 * Whether timer a runs before timer b: due earlier, or due at the same time and armed first.
 * @param {Timer} a
 * @param {Timer} b
 */
function before(a, b) {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

/**
 * Runs a due timer's callback, and re-arms an interval.
 * @param {number} id
 * @param {Timer} timer
 */
function runTimer(id, timer) {
  if (!timer.repeat) active.delete(id);
  const saved = currentNesting;
  currentNesting = timer.nesting;
  try {
    ReflectApply(timer.callback, undefined, timer.args);
  } catch (err) {
    reportError(err);
  } finally {
    currentNesting = saved;
  }
  if (timer.repeat && active.get(id) === timer) {
    if (timer.nesting <= 5) timer.nesting++;
    if (timer.nesting > 5 && timer.delay < 4) timer.delay = 4;
    timer.seq = nextSeq++;
    timer.due = DateNow() + timer.delay;
    rt.ops.timer_start(id, timer.delay);
  }
}

/**
 * @param {any} handler
 * @param {string} name
 * @returns {Function}
 */
function checkHandler(handler, name) {
  if (typeof handler !== 'function') {
    // Strings would need eval, which the runtime does not allow.
    throw new TypeError(`Failed to execute '${name}': The callback provided as parameter 1 is not a function.`);
  }
  return handler;
}

/**
 * @param {any} handler
 * @param {any} [timeout]
 * @param {...any} args
 */
function setTimeout(handler, timeout = 0, ...args) {
  return startTimer(checkHandler(handler, 'setTimeout'), toDelay(timeout), args, false, true);
}

/**
 * @param {any} handler
 * @param {any} [timeout]
 * @param {...any} args
 */
function setInterval(handler, timeout = 0, ...args) {
  return startTimer(checkHandler(handler, 'setInterval'), toDelay(timeout), args, true, true);
}

/** @param {any} [id] */
function clearTimeout(id = 0) {
  cancelTimer(converters.long(id));
}

/** @param {any} [id] */
function clearInterval(id = 0) {
  cancelTimer(converters.long(id));
}

const resolved = new Promise((resolve) => resolve(undefined));

/** @param {any} callback */
function queueMicrotask(callback) {
  const prefix = "Failed to execute 'queueMicrotask'";
  webidl.requiredArguments(arguments.length, 1, prefix);
  if (typeof callback !== 'function') {
    throw new TypeError(`${prefix}: The callback provided as parameter 1 is not a function.`);
  }
  PromisePrototypeThen(resolved, () => {
    try {
      FunctionPrototypeCall(callback, undefined);
    } catch (err) {
      reportError(err);
    }
  });
}

rt.host.timerFired = timerFired;
/** Timers for the runtime's own use (no clamping, no argument conversion). */
rt.internal.timers = {
  __proto__: null,
  setTimeout: (/** @type {Function} */ cb, /** @type {number} */ ms) => startTimer(cb, ms, [], false, false),
  clearTimeout: (/** @type {number} */ id) => cancelTimer(id),
  /** The number of active timers (for tests and the idle check). */
  count: () => active.size,
};
rt.internal.queueMicrotask = queueMicrotask;

rt.expose('setTimeout', setTimeout);
rt.expose('setInterval', setInterval);
rt.expose('clearTimeout', clearTimeout);
rt.expose('clearInterval', clearInterval);
rt.expose('queueMicrotask', queueMicrotask);
