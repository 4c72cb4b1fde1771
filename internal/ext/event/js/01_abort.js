// @ts-check
// AbortController and AbortSignal (https://dom.spec.whatwg.org/#aborting-ongoing-activities).

const {
  ArrayPrototypeIndexOf,
  ArrayPrototypePush,
  ArrayPrototypeSplice,
  FunctionPrototypeCall,
} = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;
const EventTarget = rt.internal.EventTarget;
const key = webidl.illegalConstructorKey;

/**
 * @param {string} message
 */
function abortError(message) {
  return rt.internal.makeDOMException('AbortError', message);
}

/** @type {(v: any) => boolean} */
let isAbortSignal;
/** @type {() => AbortSignal} */
let createSignal;
/** @type {(signal: AbortSignal, algorithm: () => void) => void} */
let addAlgorithm;
/** @type {(signal: AbortSignal, algorithm: () => void) => void} */
let removeAlgorithm;
/** @type {(signal: AbortSignal, reason?: any) => void} */
let signalAbort;
/** @type {(signal: AbortSignal) => boolean} */
let isAborted;
/** @type {(signal: AbortSignal) => any} */
let reasonOf;
/** @type {(signals: AbortSignal[]) => AbortSignal} */
let createDependentSignal;

class AbortSignal extends EventTarget {
  #aborted = false;
  /** @type {any} */
  #reason = undefined;
  /** @type {Array<() => void> | null} */
  #algorithms = null;
  #dependent = false;
  /** @type {AbortSignal[] | null} */
  #sources = null;
  /**
   * Signals that follow this one (AbortSignal.any). They are held strongly until this signal
   * aborts, so a dependent signal with listeners keeps working while its sources live.
   * @type {AbortSignal[] | null}
   */
  #dependents = null;

  /** @param {any} [token] */
  constructor(token = undefined) {
    if (token !== key) webidl.illegalConstructor();
    super();
  }

  /** @param {any} [reason] */
  static abort(reason = undefined) {
    const signal = createSignal();
    signal.#aborted = true;
    signal.#reason = reason !== undefined ? reason : abortError('signal is aborted without reason');
    return signal;
  }

  /** @param {number} milliseconds */
  static timeout(milliseconds) {
    const prefix = webidl.operationPrefix('AbortSignal', 'timeout');
    webidl.requiredArguments(arguments.length, 1, prefix);
    const ms = converters['unsigned long long'](milliseconds, prefix, 'Argument 1', { enforceRange: true });
    const signal = createSignal();
    const timers = rt.internal.timers;
    if (!timers) throw new TypeError(`${prefix}: timers are not available.`);
    timers.setTimeout(() => {
      signalAbort(signal, rt.internal.makeDOMException('TimeoutError', 'signal timed out'));
    }, ms);
    return signal;
  }

  /** @param {Iterable<AbortSignal>} signals */
  static any(signals) {
    const prefix = webidl.operationPrefix('AbortSignal', 'any');
    webidl.requiredArguments(arguments.length, 1, prefix);
    const list = convertSignals(signals, prefix, 'Argument 1');
    return createDependentSignal(list);
  }

  get aborted() {
    if (!isAbortSignal(this)) webidl.illegalInvocation();
    return this.#aborted;
  }

  get reason() {
    if (!isAbortSignal(this)) webidl.illegalInvocation();
    return this.#reason;
  }

  throwIfAborted() {
    if (!isAbortSignal(this)) webidl.illegalInvocation();
    if (this.#aborted) throw this.#reason;
  }

  /** The "run the abort steps" for this signal. */
  #runAbortSteps() {
    const algorithms = this.#algorithms;
    this.#algorithms = null;
    if (algorithms !== null) {
      const list = webidl.copyArray(algorithms);
      for (let i = 0; i < list.length; i++) {
        try {
          FunctionPrototypeCall(list[i], undefined);
        } catch (err) {
          rt.internal.reportError(err);
        }
      }
    }
    rt.internal.fireEvent(this, 'abort');
  }

  static {
    isAbortSignal = (v) => webidl.isObject(v) && #aborted in v;
    createSignal = () => new AbortSignal(key);
    isAborted = (s) => s.#aborted;
    reasonOf = (s) => s.#reason;
    addAlgorithm = (s, algorithm) => {
      if (s.#aborted) return;
      if (s.#algorithms === null) s.#algorithms = [];
      if (ArrayPrototypeIndexOf(s.#algorithms, algorithm) === -1) ArrayPrototypePush(s.#algorithms, algorithm);
    };
    removeAlgorithm = (s, algorithm) => {
      if (s.#algorithms === null) return;
      const i = ArrayPrototypeIndexOf(s.#algorithms, algorithm);
      if (i !== -1) ArrayPrototypeSplice(s.#algorithms, i, 1);
    };
    signalAbort = (s, reason = undefined) => {
      if (s.#aborted) return;
      s.#aborted = true;
      s.#reason = reason !== undefined ? reason : abortError('signal is aborted without reason');
      /** @type {AbortSignal[]} */
      const toAbort = [];
      const dependents = s.#dependents;
      s.#dependents = null;
      if (dependents !== null) {
        for (let i = 0; i < dependents.length; i++) {
          const d = dependents[i];
          if (d.#aborted) continue;
          d.#aborted = true;
          d.#reason = s.#reason;
          ArrayPrototypePush(toAbort, d);
        }
      }
      s.#runAbortSteps();
      for (let i = 0; i < toAbort.length; i++) toAbort[i].#runAbortSteps();
    };
    createDependentSignal = (signals) => {
      const result = createSignal();
      for (let i = 0; i < signals.length; i++) {
        const s = signals[i];
        if (s.#aborted) {
          result.#aborted = true;
          result.#reason = s.#reason;
          return result;
        }
      }
      result.#dependent = true;
      /** @type {AbortSignal[]} */
      const sources = [];
      /** @param {AbortSignal} source */
      const link = (source) => {
        for (let j = 0; j < sources.length; j++) if (sources[j] === source) return;
        ArrayPrototypePush(sources, source);
        if (source.#dependents === null) source.#dependents = [];
        ArrayPrototypePush(source.#dependents, result);
      };
      for (let i = 0; i < signals.length; i++) {
        const s = signals[i];
        if (!s.#dependent) {
          link(s);
        } else if (s.#sources !== null) {
          for (let j = 0; j < s.#sources.length; j++) link(s.#sources[j]);
        }
      }
      result.#sources = sources;
      return result;
    };
  }
}
webidl.configureInterface(AbortSignal, 'AbortSignal');
rt.internal.defineEventHandler(AbortSignal.prototype, 'abort');

const convertSignals = webidl.createSequenceConverter(
  webidl.createInterfaceConverter('AbortSignal', (v) => isAbortSignal(v)));

/** @type {(v: any) => boolean} */
let isAbortController;

class AbortController {
  #signal = createSignal();

  get signal() {
    if (!isAbortController(this)) webidl.illegalInvocation();
    return this.#signal;
  }

  /** @param {any} [reason] */
  abort(reason = undefined) {
    if (!isAbortController(this)) webidl.illegalInvocation();
    signalAbort(this.#signal, reason);
  }

  static {
    isAbortController = (v) => webidl.isObject(v) && #signal in v;
  }
}
webidl.configureInterface(AbortController, 'AbortController');

/** The runtime's view of abort signals, for streams, fetch and timers. */
rt.internal.abortSignal = {
  __proto__: null,
  /** A new, not aborted signal (what `new AbortController().signal` would give). */
  create: () => createSignal(),
  /** Adds an abort algorithm (nothing if the signal is already aborted). */
  add: (/** @type {AbortSignal} */ s, /** @type {() => void} */ algorithm) => addAlgorithm(s, algorithm),
  remove: (/** @type {AbortSignal} */ s, /** @type {() => void} */ algorithm) => removeAlgorithm(s, algorithm),
  /** "signal abort": aborts with a reason (an AbortError DOMException when undefined). */
  abort: (/** @type {AbortSignal} */ s, /** @type {any} */ reason) => signalAbort(s, reason),
  aborted: (/** @type {AbortSignal} */ s) => isAborted(s),
  reason: (/** @type {AbortSignal} */ s) => reasonOf(s),
  /** "create a dependent abort signal" from a list of signals. */
  any: (/** @type {AbortSignal[]} */ signals) => createDependentSignal(signals),
  is: (/** @type {any} */ v) => isAbortSignal(v),
};
rt.internal.AbortSignal = AbortSignal;
rt.internal.AbortController = AbortController;
rt.internal.isAbortSignal = isAbortSignal;

rt.internal.inspectAttributes(AbortSignal, ['aborted', 'reason']);
rt.internal.inspectAttributes(AbortController, ['signal']);
rt.expose('AbortSignal', AbortSignal);
rt.expose('AbortController', AbortController);
