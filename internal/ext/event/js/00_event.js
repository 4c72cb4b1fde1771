// @ts-check
// Event, CustomEvent, ErrorEvent, EventTarget and event handler attributes
// (https://dom.spec.whatwg.org/#events, https://html.spec.whatwg.org/#event-handler-attributes),
// and reportError. There is no node tree: an event's path is its target alone.

const {
  ArrayPrototypePush,
  ArrayPrototypeSplice,
  FunctionPrototypeCall,
  ObjectDefineProperty,
  SafeMap,
  SafeWeakMap,
  String,
  TypeError,
  globalThis: globalObject,
} = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;

const NONE = 0;
const CAPTURING_PHASE = 1;
const AT_TARGET = 2;
const BUBBLING_PHASE = 3;

/** @returns {number} */
function now() {
  const f = rt.internal.now;
  return typeof f === 'function' ? f() : 0;
}

const eventInit = [
  { key: 'bubbles', converter: converters.boolean, defaultValue: false },
  { key: 'cancelable', converter: converters.boolean, defaultValue: false },
  { key: 'composed', converter: converters.boolean, defaultValue: false },
];
const convertEventInit = webidl.createDictionaryConverter('EventInit', eventInit);

/** @type {(v: any) => boolean} */
let isEvent;
/** @type {(e: Event) => boolean} */
let getIsTrusted;
/** @type {(e: Event, v: boolean) => void} */
let setIsTrusted;
/** @type {(e: Event) => EventState} */
let stateOf;
/** @type {(e: Event) => string} */
let typeOf;
/** @type {(e: Event) => void} */
let cancel;

// The shared getter of every event's own, unforgeable `isTrusted`.
const isTrustedGetter = {
  get isTrusted() {
    if (!isEvent(this)) webidl.illegalInvocation();
    return getIsTrusted(/** @type {any} */ (this));
  },
};
const isTrustedDescriptor = {
  __proto__: null,
  get: /** @type {PropertyDescriptor} */ (
    rt.primordials.ObjectGetOwnPropertyDescriptor(isTrustedGetter, 'isTrusted')).get,
  enumerable: true,
  configurable: false,
};

/**
 * The internal state of an event that the dispatch algorithm reads and writes.
 * @typedef {{
 *   target: any, currentTarget: any, eventPhase: number, stopPropagation: boolean,
 *   stopImmediatePropagation: boolean, canceled: boolean, inPassiveListener: boolean,
 *   initialized: boolean, dispatch: boolean, isTrusted: boolean,
 * }} EventState
 */

class Event {
  #type = '';
  #bubbles = false;
  #cancelable = false;
  #composed = false;
  #timeStamp = 0;
  /** @type {EventState} */
  #s = {
    target: null, currentTarget: null, eventPhase: NONE, stopPropagation: false,
    stopImmediatePropagation: false, canceled: false, inPassiveListener: false,
    initialized: true, dispatch: false, isTrusted: false,
  };

  /**
   * @param {string} type
   * @param {any} [eventInitDict]
   */
  constructor(type, eventInitDict = undefined) {
    const prefix = webidl.constructorPrefix(new.target === Event ? 'Event' : new.target.name);
    webidl.requiredArguments(arguments.length, 1, prefix);
    this.#type = converters.DOMString(type, prefix, 'Argument 1');
    const init = convertEventInit(eventInitDict, prefix, 'Argument 2');
    this.#bubbles = init.bubbles;
    this.#cancelable = init.cancelable;
    this.#composed = init.composed;
    this.#timeStamp = now();
    ObjectDefineProperty(this, 'isTrusted', isTrustedDescriptor);
  }

  get type() {
    if (!isEvent(this)) webidl.illegalInvocation();
    return this.#type;
  }

  get target() {
    if (!isEvent(this)) webidl.illegalInvocation();
    return this.#s.target;
  }

  get srcElement() {
    if (!isEvent(this)) webidl.illegalInvocation();
    return this.#s.target;
  }

  get currentTarget() {
    if (!isEvent(this)) webidl.illegalInvocation();
    return this.#s.currentTarget;
  }

  composedPath() {
    if (!isEvent(this)) webidl.illegalInvocation();
    const t = this.#s.currentTarget;
    return t === null || t === undefined ? [] : [t];
  }

  get eventPhase() {
    if (!isEvent(this)) webidl.illegalInvocation();
    return this.#s.eventPhase;
  }

  stopPropagation() {
    if (!isEvent(this)) webidl.illegalInvocation();
    this.#s.stopPropagation = true;
  }

  get cancelBubble() {
    if (!isEvent(this)) webidl.illegalInvocation();
    return this.#s.stopPropagation;
  }

  set cancelBubble(value) {
    if (!isEvent(this)) webidl.illegalInvocation();
    if (converters.boolean(value)) this.#s.stopPropagation = true;
  }

  stopImmediatePropagation() {
    if (!isEvent(this)) webidl.illegalInvocation();
    this.#s.stopPropagation = true;
    this.#s.stopImmediatePropagation = true;
  }

  get bubbles() {
    if (!isEvent(this)) webidl.illegalInvocation();
    return this.#bubbles;
  }

  get cancelable() {
    if (!isEvent(this)) webidl.illegalInvocation();
    return this.#cancelable;
  }

  get returnValue() {
    if (!isEvent(this)) webidl.illegalInvocation();
    return !this.#s.canceled;
  }

  set returnValue(value) {
    if (!isEvent(this)) webidl.illegalInvocation();
    if (!converters.boolean(value)) this.#setCanceled();
  }

  preventDefault() {
    if (!isEvent(this)) webidl.illegalInvocation();
    this.#setCanceled();
  }

  #setCanceled() {
    if (this.#cancelable && !this.#s.inPassiveListener) this.#s.canceled = true;
  }

  get defaultPrevented() {
    if (!isEvent(this)) webidl.illegalInvocation();
    return this.#s.canceled;
  }

  get composed() {
    if (!isEvent(this)) webidl.illegalInvocation();
    return this.#composed;
  }

  get timeStamp() {
    if (!isEvent(this)) webidl.illegalInvocation();
    return this.#timeStamp;
  }

  /**
   * @param {string} type
   * @param {boolean} [bubbles]
   * @param {boolean} [cancelable]
   */
  initEvent(type, bubbles = false, cancelable = false) {
    if (!isEvent(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('Event', 'initEvent');
    webidl.requiredArguments(arguments.length, 1, prefix);
    type = converters.DOMString(type, prefix, 'Argument 1');
    if (this.#s.dispatch) return;
    const s = this.#s;
    s.initialized = true;
    s.stopPropagation = false;
    s.stopImmediatePropagation = false;
    s.canceled = false;
    s.isTrusted = false;
    s.target = null;
    this.#type = type;
    this.#bubbles = converters.boolean(bubbles);
    this.#cancelable = converters.boolean(cancelable);
  }

  static {
    isEvent = (v) => webidl.isObject(v) && #s in v;
    getIsTrusted = (e) => e.#s.isTrusted;
    setIsTrusted = (e, v) => {
      e.#s.isTrusted = v;
    };
    stateOf = (e) => e.#s;
    typeOf = (e) => e.#type;
    cancel = (e) => e.#setCanceled();
  }
}

const eventConstants = { NONE, CAPTURING_PHASE, AT_TARGET, BUBBLING_PHASE };
webidl.configureInterface(Event, 'Event', eventConstants);

const customEventInit = [{ key: 'detail', converter: converters.any, defaultValue: null }];
const convertCustomEventInit = webidl.createDictionaryConverter('CustomEventInit', eventInit, customEventInit);

/** @type {(v: any) => boolean} */
let isCustomEvent;

class CustomEvent extends Event {
  /** @type {any} */
  #detail = null;

  /**
   * @param {string} type
   * @param {any} [eventInitDict]
   */
  constructor(type, eventInitDict = undefined) {
    const prefix = webidl.constructorPrefix('CustomEvent');
    webidl.requiredArguments(arguments.length, 1, prefix);
    const init = convertCustomEventInit(eventInitDict, prefix, 'Argument 2');
    super(type, init);
    this.#detail = init.detail;
  }

  get detail() {
    if (!isCustomEvent(this)) webidl.illegalInvocation();
    return this.#detail;
  }

  /**
   * @param {string} type
   * @param {boolean} [bubbles]
   * @param {boolean} [cancelable]
   * @param {any} [detail]
   */
  initCustomEvent(type, bubbles = false, cancelable = false, detail = null) {
    if (!isCustomEvent(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('CustomEvent', 'initCustomEvent');
    webidl.requiredArguments(arguments.length, 1, prefix);
    if (stateOf(this).dispatch) return;
    this.initEvent(type, bubbles, cancelable);
    this.#detail = detail;
  }

  static {
    isCustomEvent = (v) => webidl.isObject(v) && #detail in v;
  }
}
webidl.configureInterface(CustomEvent, 'CustomEvent');

const errorEventInit = [
  { key: 'message', converter: converters.DOMString, defaultValue: '' },
  { key: 'filename', converter: converters.USVString, defaultValue: '' },
  { key: 'lineno', converter: converters['unsigned long'], defaultValue: 0 },
  { key: 'colno', converter: converters['unsigned long'], defaultValue: 0 },
  { key: 'error', converter: converters.any, defaultValue: undefined },
];
const convertErrorEventInit = webidl.createDictionaryConverter('ErrorEventInit', eventInit, errorEventInit);

/** @type {(v: any) => boolean} */
let isErrorEvent;

class ErrorEvent extends Event {
  #message = '';
  #filename = '';
  #lineno = 0;
  #colno = 0;
  /** @type {any} */
  #error = undefined;

  /**
   * @param {string} type
   * @param {any} [eventInitDict]
   */
  constructor(type, eventInitDict = undefined) {
    const prefix = webidl.constructorPrefix('ErrorEvent');
    webidl.requiredArguments(arguments.length, 1, prefix);
    const init = convertErrorEventInit(eventInitDict, prefix, 'Argument 2');
    super(type, init);
    this.#message = init.message;
    this.#filename = init.filename;
    this.#lineno = init.lineno;
    this.#colno = init.colno;
    this.#error = init.error;
  }

  get message() {
    if (!isErrorEvent(this)) webidl.illegalInvocation();
    return this.#message;
  }

  get filename() {
    if (!isErrorEvent(this)) webidl.illegalInvocation();
    return this.#filename;
  }

  get lineno() {
    if (!isErrorEvent(this)) webidl.illegalInvocation();
    return this.#lineno;
  }

  get colno() {
    if (!isErrorEvent(this)) webidl.illegalInvocation();
    return this.#colno;
  }

  get error() {
    if (!isErrorEvent(this)) webidl.illegalInvocation();
    return this.#error;
  }

  static {
    isErrorEvent = (v) => webidl.isObject(v) && #message in v;
  }
}
webidl.configureInterface(ErrorEvent, 'ErrorEvent');

/**
 * An event listener entry (https://dom.spec.whatwg.org/#concept-event-listener).
 * @typedef {{ type: string, callback: any, capture: boolean, passive: boolean, once: boolean,
 *   signal: any, removed: boolean }} Listener
 */

/**
 * Every event target's listeners by type. Kept outside the objects so that any object (the
 * global scope included) can be made an event target.
 * @type {WeakMap<object, Map<string, Listener[]>>}
 */
const listenersOf = new SafeWeakMap();

/** @param {any} v */
function isEventTarget(v) {
  return webidl.isObject(v) && listenersOf.has(v);
}

/**
 * Makes `obj` an event target, so that EventTarget's methods work on it (used for the global
 * scope, whose prototype chain the core sets up).
 * @param {object} obj
 */
function initEventTarget(obj) {
  if (!listenersOf.has(obj)) listenersOf.set(obj, new SafeMap());
}

/**
 * @param {any} options
 * @param {string} prefix
 */
function flattenOptions(options, prefix) {
  if (typeof options === 'boolean' || !webidl.isObject(options)) {
    return { capture: converters.boolean(options), once: false, passive: null, signal: null };
  }
  const capture = converters.boolean(options.capture);
  const once = converters.boolean(options.once);
  const passiveValue = options.passive;
  const passive = passiveValue === undefined ? null : converters.boolean(passiveValue);
  const signalValue = options.signal;
  let signal = null;
  if (signalValue !== undefined) {
    const isAbortSignal = rt.internal.isAbortSignal;
    if (!isAbortSignal || !isAbortSignal(signalValue)) {
      throw new TypeError(`${prefix}: member signal is not of type AbortSignal.`);
    }
    signal = signalValue;
  }
  return { capture, once, passive, signal };
}

/**
 * @param {Listener[]} list
 * @param {Listener} listener
 */
function removeFromList(list, listener) {
  for (let i = 0; i < list.length; i++) {
    if (list[i] === listener) {
      ArrayPrototypeSplice(list, i, 1);
      return;
    }
  }
}

/**
 * The "remove an event listener" steps.
 * @param {object} target
 * @param {Listener} listener
 */
function removeListener(target, listener) {
  listener.removed = true;
  const map = listenersOf.get(target);
  if (!map) return;
  const list = map.get(listener.type);
  if (list) removeFromList(list, listener);
}

/**
 * The "add an event listener" steps.
 * @param {object} target
 * @param {Listener} listener
 */
function addListener(target, listener) {
  if (listener.signal !== null && rt.internal.abortSignal.aborted(listener.signal)) return;
  if (listener.callback === null) return;
  const map = /** @type {Map<string, Listener[]>} */ (listenersOf.get(target));
  let list = map.get(listener.type);
  if (list === undefined) {
    list = [];
    map.set(listener.type, list);
  }
  for (let i = 0; i < list.length; i++) {
    const l = list[i];
    if (l.callback === listener.callback && l.capture === listener.capture) return;
  }
  ArrayPrototypePush(list, listener);
  if (listener.signal !== null) {
    rt.internal.abortSignal.add(listener.signal, () => removeListener(target, listener));
  }
}

class EventTarget {
  constructor() {
    listenersOf.set(this, new SafeMap());
  }

  /**
   * @param {string} type
   * @param {any} callback
   * @param {any} [options]
   */
  addEventListener(type, callback, options = undefined) {
    const self = this === undefined || this === null ? globalObject : this;
    if (!isEventTarget(self)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('EventTarget', 'addEventListener');
    webidl.requiredArguments(arguments.length, 2, prefix);
    type = converters.DOMString(type, prefix, 'Argument 1');
    if (callback !== null && !webidl.isObject(callback)) {
      throw new TypeError(`${prefix}: parameter 2 is not of type 'Object'.`);
    }
    const o = flattenOptions(options, prefix);
    addListener(self, {
      type, callback, capture: o.capture, passive: o.passive === null ? false : o.passive,
      once: o.once, signal: o.signal, removed: false,
    });
  }

  /**
   * @param {string} type
   * @param {any} callback
   * @param {any} [options]
   */
  removeEventListener(type, callback, options = undefined) {
    const self = this === undefined || this === null ? globalObject : this;
    if (!isEventTarget(self)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('EventTarget', 'removeEventListener');
    webidl.requiredArguments(arguments.length, 2, prefix);
    type = converters.DOMString(type, prefix, 'Argument 1');
    if (callback !== null && !webidl.isObject(callback)) {
      throw new TypeError(`${prefix}: parameter 2 is not of type 'Object'.`);
    }
    const capture = webidl.isObject(options) ? converters.boolean(options.capture) : converters.boolean(options);
    const list = /** @type {Map<string, Listener[]>} */ (listenersOf.get(self)).get(type);
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      const l = list[i];
      if (l.callback === callback && l.capture === capture) {
        l.removed = true;
        ArrayPrototypeSplice(list, i, 1);
        return;
      }
    }
  }

  /** @param {Event} event */
  dispatchEvent(event) {
    const self = this === undefined || this === null ? globalObject : this;
    if (!isEventTarget(self)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('EventTarget', 'dispatchEvent');
    webidl.requiredArguments(arguments.length, 1, prefix);
    if (!isEvent(event)) throw new TypeError(`${prefix}: parameter 1 is not of type 'Event'.`);
    const s = stateOf(event);
    if (s.dispatch || !s.initialized) {
      throw rt.internal.makeDOMException('InvalidStateError', `${prefix}: The event is already being dispatched.`);
    }
    s.isTrusted = false;
    return dispatch(self, event);
  }
}
webidl.configureInterface(EventTarget, 'EventTarget');

/**
 * The dispatch algorithm for a target without parents.
 * @param {object} target
 * @param {Event} event
 * @returns {boolean} false if the event was canceled
 */
function dispatch(target, event) {
  const s = stateOf(event);
  s.dispatch = true;
  s.target = target;
  s.currentTarget = target;
  s.eventPhase = AT_TARGET;
  const map = listenersOf.get(target);
  const list = map === undefined ? undefined : map.get(typeOf(event));
  if (list !== undefined && list.length > 0) {
    const listeners = webidl.copyArray(list);
    invoke(target, event, s, listeners, true);
    invoke(target, event, s, listeners, false);
  }
  s.eventPhase = NONE;
  s.currentTarget = null;
  s.dispatch = false;
  s.stopPropagation = false;
  s.stopImmediatePropagation = false;
  return !s.canceled;
}

/**
 * The inner invoke steps for one phase at the target.
 * @param {object} target
 * @param {Event} event
 * @param {EventState} s
 * @param {Listener[]} listeners
 * @param {boolean} capturePhase
 */
function invoke(target, event, s, listeners, capturePhase) {
  if (s.stopPropagation) return;
  for (let i = 0; i < listeners.length; i++) {
    const l = listeners[i];
    if (l.removed || l.capture !== capturePhase) continue;
    if (l.once) removeListener(target, l);
    if (l.passive) s.inPassiveListener = true;
    try {
      const cb = l.callback;
      if (typeof cb === 'function') {
        FunctionPrototypeCall(cb, target, event);
      } else {
        const handleEvent = cb.handleEvent;
        if (typeof handleEvent !== 'function') {
          throw new TypeError("'handleEvent' property of the event listener is not callable.");
        }
        FunctionPrototypeCall(handleEvent, cb, event);
      }
    } catch (err) {
      reportError(err);
    }
    s.inPassiveListener = false;
    if (s.stopImmediatePropagation) return;
  }
}

/**
 * Dispatches a trusted event (one the runtime fires) at a target.
 * @param {object} target
 * @param {Event} event
 */
function dispatchTrusted(target, event) {
  stateOf(event).isTrusted = true;
  return dispatch(target, event);
}

/**
 * Fires a trusted event of the given type at a target ("fire an event").
 * @param {object} target
 * @param {string} type
 */
function fireEvent(target, type) {
  return dispatchTrusted(target, new Event(type));
}

/**
 * Defines the event handler IDL attribute `on<type>` on a prototype whose instances are event
 * targets.
 * @param {object} proto
 * @param {string} type
 */
function defineEventHandler(proto, type) {
  /** @type {WeakMap<object, { value: any, listener: Listener | null }>} */
  const handlers = new SafeWeakMap();
  const name = `on${type}`;
  const accessors = {
    get [name]() {
      if (!isEventTarget(this)) webidl.illegalInvocation();
      const h = handlers.get(this);
      return h === undefined ? null : h.value;
    },
    set [name](value) {
      if (!isEventTarget(this)) webidl.illegalInvocation();
      const target = this;
      if (!webidl.isObject(value)) value = null;
      let h = handlers.get(target);
      if (value === null) {
        if (h !== undefined) {
          if (h.listener !== null) removeListener(target, h.listener);
          handlers.delete(target);
        }
        return;
      }
      if (h === undefined) {
        h = { value, listener: null };
        handlers.set(target, h);
      }
      h.value = value;
      if (h.listener === null) {
        const state = h;
        /** @param {Event} event */
        const callback = function (event) {
          const fn = state.value;
          if (typeof fn !== 'function') return;
          const ret = FunctionPrototypeCall(fn, target, event);
          if (ret === false) cancel(event);
        };
        h.listener = {
          type, callback, capture: false, passive: false, once: false, signal: null, removed: false,
        };
        addListener(target, h.listener);
      }
    },
  };
  const d = /** @type {PropertyDescriptor} */ (rt.primordials.ObjectGetOwnPropertyDescriptor(accessors, name));
  d.enumerable = true;
  ObjectDefineProperty(proto, name, d);
}

let reporting = false;

/**
 * Reports an exception the way HTML's "report an exception" does: fires an `error` ErrorEvent at
 * the global scope when it is an event target and, unless a listener canceled it, logs it as
 * an uncaught error.
 * @param {any} error
 */
function reportError(error) {
  if (!reporting && isEventTarget(globalObject)) {
    reporting = true;
    let notHandled = true;
    try {
      let message = 'Uncaught';
      try {
        if (webidl.isObject(error) && 'message' in error) message = `Uncaught ${String(error.name)}: ${String(error.message)}`;
        else message = `Uncaught ${String(error)}`;
      } catch {
        // a throwing getter or toString leaves the default message
      }
      const event = new ErrorEvent('error', { message, error, cancelable: true });
      notHandled = dispatchTrusted(globalObject, event);
    } finally {
      reporting = false;
    }
    if (!notHandled) return;
  }
  const log = rt.internal.consoleError;
  if (typeof log === 'function') log('Uncaught', error);
}

rt.internal.inspectAttributes(Event, ['type', 'defaultPrevented', 'cancelable', 'timeStamp']);
rt.internal.Event = Event;
rt.internal.CustomEvent = CustomEvent;
rt.internal.ErrorEvent = ErrorEvent;
rt.internal.EventTarget = EventTarget;
rt.internal.isEvent = isEvent;
rt.internal.isEventTarget = isEventTarget;
rt.internal.initEventTarget = initEventTarget;
rt.internal.setEventTrusted = (/** @type {Event} */ e, /** @type {boolean} */ v) => setIsTrusted(e, v);
rt.internal.dispatchEvent = dispatchTrusted;
rt.internal.fireEvent = fireEvent;
rt.internal.defineEventHandler = defineEventHandler;
rt.internal.reportError = reportError;

rt.expose('Event', Event);
rt.expose('CustomEvent', CustomEvent);
rt.expose('ErrorEvent', ErrorEvent);
rt.expose('EventTarget', EventTarget);
rt.expose('reportError', function reportError(e) {
  webidl.requiredArguments(arguments.length, 1, "Failed to execute 'reportError'");
  rt.internal.reportError(e);
});
