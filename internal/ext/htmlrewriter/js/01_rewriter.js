// @ts-check
// The HTMLRewriter class and the transform that drives the Go rewriter (see 00_htmlrewriter.js
// for the objects handlers see).

const {
  ArrayPrototypePush,
  FinalizationRegistry,
  FinalizationRegistryPrototypeRegister,
  FinalizationRegistryPrototypeUnregister,
  FunctionPrototypeCall,
  ReflectApply,
  Promise,
  PromisePrototypeThen,
  SafeMap,
  SafePromiseResolve,
  StringPrototypeIncludes,
  StringPrototypeSplit,
  TypeError,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeSubarray,
  ArrayBufferIsView,
} = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;
const ops = rt.ops;
const { Element, EndTag, Text, Comment, Doctype, DocumentEnd } = rt.internal.htmlRewriterClasses;
const kInternal = webidl.illegalConstructorKey;

/** Handler flags, as htmlrewriter.go's H* constants. */
const H_ELEMENT = 1;
const H_COMMENTS = 2;
const H_TEXT = 4;
const H_DOCTYPE = 8;
const H_END = 16;

/** The largest input slice given to Go at once (bytes). */
const SLICE = 65536;

/**
 * One on(selector, handlers) call: the handler functions are read once, here; they are called
 * with `this` set to the handlers object.
 * @typedef {{ selector: string, self: any, element: any, comments: any, text: any }} ElementReg
 * @typedef {{ self: any, doctype: any, comments: any, text: any, end: any }} DocumentReg
 */

/**
 * A handler property: undefined or a function.
 * @param {any} handlers
 * @param {string} key
 * @param {string} prefix
 */
function handlerOf(handlers, key, prefix) {
  const fn = handlers[key];
  if (fn === undefined || fn === null) return undefined;
  if (typeof fn !== 'function') throw new TypeError(`${prefix}: the '${key}' handler is not a function.`);
  return fn;
}

/** Frees the Go rewriters of transformed bodies dropped unread. */
const registry = new FinalizationRegistry((/** @type {number} */ id) => {
  ops.htmlrewriter_free(id);
});

/** @type {(v: any) => boolean} */
let isHTMLRewriter;

class HTMLRewriter {
  /** @type {ElementReg[]} */
  #regs = [];
  /** @type {DocumentReg[]} */
  #docs = [];

  /**
   * @param {string} selector
   * @param {any} handlers
   */
  on(selector, handlers) {
    if (!isHTMLRewriter(this)) webidl.illegalInvocation();
    const prefix = "Failed to execute 'on' on 'HTMLRewriter'";
    webidl.requiredArguments(arguments.length, 2, prefix);
    selector = converters.DOMString(selector, prefix, 'Argument 1');
    if (!webidl.isObject(handlers)) throw new TypeError(`${prefix}: Argument 2 is not an object.`);
    ops.htmlrewriter_check(selector);
    ArrayPrototypePush(this.#regs, {
      selector,
      self: handlers,
      element: handlerOf(handlers, 'element', prefix),
      comments: handlerOf(handlers, 'comments', prefix),
      text: handlerOf(handlers, 'text', prefix),
    });
    return this;
  }

  /** @param {any} handlers */
  onDocument(handlers) {
    if (!isHTMLRewriter(this)) webidl.illegalInvocation();
    const prefix = "Failed to execute 'onDocument' on 'HTMLRewriter'";
    webidl.requiredArguments(arguments.length, 1, prefix);
    if (!webidl.isObject(handlers)) throw new TypeError(`${prefix}: Argument 1 is not an object.`);
    ArrayPrototypePush(this.#docs, {
      self: handlers,
      doctype: handlerOf(handlers, 'doctype', prefix),
      comments: handlerOf(handlers, 'comments', prefix),
      text: handlerOf(handlers, 'text', prefix),
      end: handlerOf(handlers, 'end', prefix),
    });
    return this;
  }

  /** @param {any} response */
  transform(response) {
    if (!isHTMLRewriter(this)) webidl.illegalInvocation();
    const prefix = "Failed to execute 'transform' on 'HTMLRewriter'";
    webidl.requiredArguments(arguments.length, 1, prefix);
    if (!rt.internal.isResponse(response)) throw new TypeError(`${prefix}: Argument 1 is not of type 'Response'.`);
    const parts = rt.internal.responseParts(response);
    /** @type {string[]} */
    const headers = [];
    const list = parts.headers;
    for (let i = 0; i + 1 < list.length; i += 2) {
      if (list[i] !== 'content-length') ArrayPrototypePush(headers, list[i], list[i + 1]);
    }
    const H = rt.internal.headers;
    const init = { __proto__: null, status: parts.status, statusText: parts.statusText, headers: H.fromList(headers, 'response') };
    const Response = rt.internal.Response;
    if (parts.body === null) return new Response(null, init);
    // The handlers as they are now: later on() calls do not change this transform.
    /** @type {ElementReg[]} */
    const regs = [];
    for (let i = 0; i < this.#regs.length; i++) ArrayPrototypePush(regs, this.#regs[i]);
    /** @type {DocumentReg[]} */
    const docs = [];
    for (let i = 0; i < this.#docs.length; i++) ArrayPrototypePush(docs, this.#docs[i]);
    return new Response(rewrittenBody(parts.body, regs, docs), init);
  }

  static {
    isHTMLRewriter = (v) => webidl.isObject(v) && #regs in v;
  }
}
webidl.configureInterface(HTMLRewriter, 'HTMLRewriter');

/**
 * The handler functions for an event, in order, each with its `this`.
 * @param {string} regList the event's registrations ("0,2,d")
 * @param {ElementReg[]} regs
 * @param {DocumentReg[]} docs
 * @param {'element' | 'comments' | 'text'} key
 * @param {'doctype' | 'comments' | 'text' | 'end' | null} docKey
 * @returns {any[]} [fn, self, fn, self, …]
 */
function handlersFor(regList, regs, docs, key, docKey) {
  /** @type {any[]} */
  const out = [];
  if (regList !== '') {
    const ids = StringPrototypeSplit(regList, ',');
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] === 'd') continue;
      const r = regs[+ids[i]];
      if (r[key] !== undefined) ArrayPrototypePush(out, r[key], r.self);
    }
  }
  if (docKey !== null && (docKey === 'doctype' || docKey === 'end' || StringPrototypeIncludes(regList, 'd'))) {
    for (let i = 0; i < docs.length; i++) {
      const d = docs[i];
      if (d[docKey] !== undefined) ArrayPrototypePush(out, d[docKey], d.self);
    }
  }
  return out;
}

/**
 * The body of a transformed Response: a byte stream whose pulls drive the Go rewriter.
 * @param {string | Uint8Array | any} source the original body (string, bytes or a stream)
 * @param {readonly ElementReg[]} regs
 * @param {readonly DocumentReg[]} docs
 */
function rewrittenBody(source, regs, docs) {
  let docFlags = 0;
  for (let i = 0; i < docs.length; i++) {
    const d = docs[i];
    if (d.doctype !== undefined) docFlags |= H_DOCTYPE;
    if (d.comments !== undefined) docFlags |= H_COMMENTS;
    if (d.text !== undefined) docFlags |= H_TEXT;
    if (d.end !== undefined) docFlags |= H_END;
  }
  /** @type {any[]} */
  const newArgs = [docFlags];
  for (let i = 0; i < regs.length; i++) {
    const r = regs[i];
    const flags = (r.element !== undefined ? H_ELEMENT : 0) | (r.comments !== undefined ? H_COMMENTS : 0) |
      (r.text !== undefined ? H_TEXT : 0);
    ArrayPrototypePush(newArgs, r.selector, flags);
  }

  /** The transform's state: run.id is the Go rewriter (0 until the first pull, -1 once freed). */
  /** @type {any} */
  const run = { id: 0, seq: 0, muts: [], endTags: new SafeMap() };
  const token = { __proto__: null };
  /** @type {Uint8Array | null} input not yet given to Go */
  let input = null;
  let inputOffset = 0;
  /** @type {any} a reader of the source stream */
  let reader = null;
  let sourceDone = false;
  let ended = false;
  /** @type {any} */
  let stream;

  if (typeof source === 'string') {
    input = rt.internal.utf8Encode(source);
    sourceDone = true;
  } else if (ArrayBufferIsView(source)) {
    input = source;
    sourceDone = true;
  } else {
    reader = rt.internal.readableStreamGetReader(source);
  }

  const free = () => {
    if (run.id > 0) {
      FinalizationRegistryPrototypeUnregister(registry, token);
      ops.htmlrewriter_free(run.id);
    }
    run.id = -1;
  };
  /** @param {any} e */
  const cancelSource = (e) => {
    if (reader !== null && !sourceDone) {
      sourceDone = true;
      PromisePrototypeThen(rt.internal.readableStreamCancel(reader, e), undefined, () => {});
    }
  };

  /** handlersFor results by kind and registration list (they repeat). */
  const handlerCache = new SafeMap();
  /**
   * @param {string} regList
   * @param {'element' | 'comments' | 'text'} key
   * @param {'doctype' | 'comments' | 'text' | 'end' | null} docKey
   */
  const handlers = (regList, key, docKey) => {
    const k = key + (docKey === null ? '' : docKey) + ':' + regList;
    let fns = handlerCache.get(k);
    if (fns === undefined) {
      fns = handlersFor(regList, regs, docs, key, docKey);
      handlerCache.set(k, fns);
    }
    return fns;
  };

  /**
   * Runs handlers fns[i…] (pairs of function and this) on obj; returns a promise if one of them
   * returned a promise (the rest run after it settles), else undefined.
   * @param {any[]} fns
   * @param {number} i
   * @param {any} obj
   * @returns {Promise<void> | undefined}
   */
  const callHandlers = (fns, i, obj) => {
    for (; i < fns.length; i += 2) {
      const result = FunctionPrototypeCall(fns[i], fns[i + 1], obj);
      if (result !== null && (typeof result === 'object' || typeof result === 'function')) {
        const next = i + 2;
        return PromisePrototypeThen(SafePromiseResolve(result), () => callHandlers(fns, next, obj));
      }
    }
    return undefined;
  };

  /**
   * Runs the handlers of one event.
   * @param {string[]} ev
   * @returns {Promise<void> | undefined}
   */
  const dispatch = (ev) => {
    const seq = +ev[1];
    switch (ev[0]) {
      case 'e': {
        const attrs = [];
        for (let i = 6; i < ev.length; i++) ArrayPrototypePush(attrs, ev[i]);
        const flags = ev[5];
        const el = new Element(kInternal, {
          run, seq, name: ev[3], ns: ev[4], attrs, removed: false,
          selfClosing: StringPrototypeIncludes(flags, 's'), canHaveContent: StringPrototypeIncludes(flags, 'c'),
        });
        return callHandlers(handlers(ev[2], 'element', null), 0, el);
      }
      case '/': {
        const elemSeq = +ev[2];
        const list = run.endTags.get(elemSeq);
        run.endTags.delete(elemSeq);
        if (list === undefined) return undefined;
        /** @type {any[]} */
        const fns = [];
        for (let i = 0; i < list.length; i++) ArrayPrototypePush(fns, list[i], undefined);
        return callHandlers(fns, 0, new EndTag(kInternal, { run, seq, name: ev[3] }));
      }
      case 't':
        return callHandlers(handlers(ev[2], 'text', 'text'), 0,
          new Text(kInternal, { run, seq, text: ev[3], last: ev[4] === '1', removed: false }));
      case 'c':
        return callHandlers(handlers(ev[2], 'comments', 'comments'), 0,
          new Comment(kInternal, { run, seq, text: ev[3], removed: false }));
      case 'd': {
        const present = ev[2];
        return callHandlers(handlers('', 'text', 'doctype'), 0, new Doctype(kInternal, {
          name: StringPrototypeIncludes(present, 'n') ? ev[3] : null,
          publicId: StringPrototypeIncludes(present, 'p') ? ev[4] : null,
          systemId: StringPrototypeIncludes(present, 's') ? ev[5] : null,
        }));
      }
      default:
        return callHandlers(handlers('', 'text', 'end'), 0, new DocumentEnd(kInternal, { run, seq }));
    }
  };

  /**
   * Sends the pending event's mutations and returns the next event (or null).
   * @returns {string[] | null}
   */
  const next = () => {
    /** @type {any[]} */
    const args = [run.id, run.seq];
    const muts = run.muts;
    for (let i = 0; i < muts.length; i++) ArrayPrototypePush(args, muts[i]);
    run.muts = [];
    run.seq = 0;
    const ev = ReflectApply(ops.htmlrewriter_next, ops, args);
    if (ev !== null) run.seq = +ev[1];
    return ev;
  };

  /**
   * One pull: feeds input and runs handlers until some output is enqueued or the document
   * ends. Returns undefined when that happened at once, else a promise.
   * @param {any} controller
   */
  const pull = (controller) => {
    if (run.id === 0) {
      run.id = ReflectApply(ops.htmlrewriter_new, ops, newArgs);
      FinalizationRegistryPrototypeRegister(registry, stream, run.id, token);
    }
    /** @type {{ resolve: (v?: any) => void, reject: (e: any) => void } | null} */
    let waiter = null;
    let failed = false;
    /** @type {any} */
    let error;
    /** @param {any} e */
    const fail = (e) => {
      free();
      cancelSource(e);
      failed = true;
      error = e;
      if (waiter !== null) waiter.reject(e);
    };
    const resume = () => {
      if (step() && !failed && waiter !== null) waiter.resolve(undefined);
    };
    /** @param {any} r */
    const onRead = (r) => {
      if (run.id < 0) return;
      if (r.done) {
        sourceDone = true;
      } else {
        const chunk = r.value;
        if (!ArrayBufferIsView(chunk) || webidl.typedArrayName(chunk) !== 'Uint8Array') {
          fail(new TypeError('HTMLRewriter: the response body produced a chunk that is not a Uint8Array'));
          return;
        }
        input = chunk;
        inputOffset = 0;
      }
      resume();
    };
    /** @returns {boolean} true when the pull is over (output enqueued, closed or failed) */
    const step = () => {
      try {
        for (;;) {
          if (run.id < 0) return true;
          const ev = next();
          if (ev !== null) {
            const p = dispatch(ev);
            if (p !== undefined) {
              PromisePrototypeThen(p, resume, fail);
              return false;
            }
            continue;
          }
          const out = ops.htmlrewriter_take(run.id);
          if (run.endTags.size > 0) {
            // Forget the end tag handlers of elements closed without an end tag.
            const dropped = ops.htmlrewriter_dropped(run.id);
            for (let i = 0; i < dropped.length; i++) run.endTags.delete(+dropped[i]);
          }
          if (ended) {
            if (out !== null) controller.enqueue(out);
            controller.close();
            free();
            return true;
          }
          if (out !== null) {
            controller.enqueue(out);
            return true;
          }
          if (input !== null) {
            const len = TypedArrayPrototypeGetByteLength(input);
            const end = inputOffset + SLICE < len ? inputOffset + SLICE : len;
            ops.htmlrewriter_write(run.id, TypedArrayPrototypeSubarray(input, inputOffset, end));
            inputOffset = end;
            if (end === len) input = null;
            continue;
          }
          if (sourceDone) {
            ops.htmlrewriter_end(run.id);
            ended = true;
            continue;
          }
          PromisePrototypeThen(rt.internal.readableStreamRead(reader), onRead, fail);
          return false;
        }
      } catch (e) {
        fail(e);
        return true;
      }
    };
    if (step()) {
      if (failed) throw error;
      return undefined;
    }
    return new Promise((resolve, reject) => {
      waiter = { resolve, reject };
    });
  };

  stream = rt.internal.newReadableStreamFromPull(pull, (/** @type {any} */ reason) => {
    free();
    cancelSource(reason);
  });
  return stream;
}

rt.expose('HTMLRewriter', HTMLRewriter);
