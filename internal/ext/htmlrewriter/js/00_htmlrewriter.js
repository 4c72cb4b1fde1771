// @ts-check
// HTMLRewriter (https://developers.cloudflare.com/workers/runtime-apis/html-rewriter/).
//
// transform(response) returns a Response whose body is rewritten as it is read: each pull
// feeds the Go rewriter (ops htmlrewriter_*, see htmlrewriter.go) the next slice of input (at
// most 64 KB), runs the handlers of the events it returns (waiting for a handler's promise
// before going on), and enqueues the output of that slice. Handlers see Element, EndTag, Text,
// Comment, Doctype and DocumentEnd objects that are valid while their handler runs: their
// changes go to Go at once as mutations of the pending event.

const {
  ArrayPrototypePush,
  ArrayPrototypeSymbolIterator,
  RegExpPrototypeExec,
  StringPrototypeToLowerCase,
  TypeError,
} = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;
const ops = rt.ops;

const contentOptions = webidl.createDictionaryConverter('ContentOptions', [
  { key: 'html', converter: converters.boolean, defaultValue: false },
]);

/**
 * The (content, options) arguments of a content method.
 * @param {any} content
 * @param {any} options
 * @param {string} prefix
 * @returns {{ text: string, html: boolean }}
 */
function contentArgs(content, options, prefix) {
  if (webidl.isObject(content) && (rt.internal.isResponse(content) || rt.internal.isReadableStream(content))) {
    throw new TypeError(`${prefix}: streamed content (a Response or ReadableStream) is not supported; pass a string.`);
  }
  const s = converters.DOMString(content, prefix, 'Argument 1');
  return { text: s, html: contentOptions(options, prefix, 'Argument 2').html };
}

/**
 * The state of one transform that handler objects share: the Go rewriter's id, the Seq of the
 * pending event (0 when none) and the mutations of it that handlers asked for. The mutations
 * go to Go with the next htmlrewriter_next call, so a handler's change costs no op call.
 * @typedef {{ id: number, seq: number, muts: any[], endTags: any }} Run
 */

const validName = /^[^\t\n\f\r \/>"'=<\0]+$/;

/**
 * Records a mutation of event seq, or throws a TypeError if that event is over.
 * @param {Run} run
 * @param {number} seq
 * @param {string} what
 * @param {string} [a]
 * @param {string} [b]
 * @param {boolean} [html]
 */
function mutate(run, seq, what, a = '', b = '', html = false) {
  if (seq !== run.seq) throw new TypeError('This object can no longer be changed: its handler has returned.');
  if ((what === 'tagName' || what === 'name' || what === 'setAttribute') && RegExpPrototypeExec(validName, a) === null) {
    throw new TypeError(`Invalid ${what === 'setAttribute' ? 'attribute' : 'tag'} name: '${a}'.`);
  }
  ArrayPrototypePush(run.muts, what, a, b, html);
}

/** @type {any} */
const kInternal = webidl.illegalConstructorKey;

// ---------------------------------------------------------------------------------------------
// The objects handlers see.

/** @type {(v: any) => any} */
let elementState;

class Element {
  /** @type {any} */
  #s;

  /**
   * @param {any} key
   * @param {any} s
   */
  constructor(key = undefined, s = undefined) {
    if (key !== kInternal) webidl.illegalConstructor();
    this.#s = s;
  }

  get tagName() {
    return elementState(this).name;
  }

  set tagName(v) {
    const s = elementState(this);
    v = converters.DOMString(v, "Failed to set 'tagName' on 'Element'", 'value');
    mutate(s.run, s.seq, 'tagName', v);
    s.name = StringPrototypeToLowerCase(v);
  }

  get attributes() {
    const s = elementState(this);
    /** @type {string[][]} */
    const list = [];
    for (let i = 0; i < s.attrs.length; i += 2) ArrayPrototypePush(list, [s.attrs[i], s.attrs[i + 1]]);
    return ArrayPrototypeSymbolIterator(list);
  }

  get namespaceURI() {
    return elementState(this).ns;
  }

  get removed() {
    return elementState(this).removed;
  }

  get selfClosing() {
    return elementState(this).selfClosing;
  }

  get canHaveContent() {
    return elementState(this).canHaveContent;
  }

  /** @param {string} name */
  getAttribute(name) {
    const s = elementState(this);
    name = StringPrototypeToLowerCase(converters.DOMString(name, "Failed to execute 'getAttribute' on 'Element'", 'Argument 1'));
    for (let i = 0; i < s.attrs.length; i += 2) if (s.attrs[i] === name) return s.attrs[i + 1];
    return null;
  }

  /** @param {string} name */
  hasAttribute(name) {
    const s = elementState(this);
    name = StringPrototypeToLowerCase(converters.DOMString(name, "Failed to execute 'hasAttribute' on 'Element'", 'Argument 1'));
    for (let i = 0; i < s.attrs.length; i += 2) if (s.attrs[i] === name) return true;
    return false;
  }

  /**
   * @param {string} name
   * @param {string} value
   */
  setAttribute(name, value) {
    const s = elementState(this);
    const prefix = "Failed to execute 'setAttribute' on 'Element'";
    webidl.requiredArguments(arguments.length, 2, prefix);
    name = converters.DOMString(name, prefix, 'Argument 1');
    value = converters.DOMString(value, prefix, 'Argument 2');
    mutate(s.run, s.seq, 'setAttribute', name, value);
    name = StringPrototypeToLowerCase(name);
    for (let i = 0; i < s.attrs.length; i += 2) {
      if (s.attrs[i] === name) {
        s.attrs[i + 1] = value;
        return this;
      }
    }
    ArrayPrototypePush(s.attrs, name, value);
    return this;
  }

  /** @param {string} name */
  removeAttribute(name) {
    const s = elementState(this);
    name = converters.DOMString(name, "Failed to execute 'removeAttribute' on 'Element'", 'Argument 1');
    mutate(s.run, s.seq, 'removeAttribute', name);
    name = StringPrototypeToLowerCase(name);
    /** @type {string[]} */
    const kept = [];
    for (let i = 0; i < s.attrs.length; i += 2) {
      if (s.attrs[i] !== name) ArrayPrototypePush(kept, s.attrs[i], s.attrs[i + 1]);
    }
    s.attrs = kept;
    return this;
  }

  /** @param {any} content @param {any} [options] */
  before(content, options = undefined) {
    return elementContent(this, 'before', content, options);
  }

  /** @param {any} content @param {any} [options] */
  after(content, options = undefined) {
    return elementContent(this, 'after', content, options);
  }

  /** @param {any} content @param {any} [options] */
  prepend(content, options = undefined) {
    return elementContent(this, 'prepend', content, options);
  }

  /** @param {any} content @param {any} [options] */
  append(content, options = undefined) {
    return elementContent(this, 'append', content, options);
  }

  /** @param {any} content @param {any} [options] */
  replace(content, options = undefined) {
    const r = elementContent(this, 'replace', content, options);
    elementState(this).removed = true;
    return r;
  }

  /** @param {any} content @param {any} [options] */
  setInnerContent(content, options = undefined) {
    return elementContent(this, 'setInnerContent', content, options);
  }

  remove() {
    const s = elementState(this);
    mutate(s.run, s.seq, 'remove');
    s.removed = true;
    return this;
  }

  removeAndKeepContent() {
    const s = elementState(this);
    mutate(s.run, s.seq, 'removeAndKeepContent');
    s.removed = true;
    return this;
  }

  /** @param {any} handler */
  onEndTag(handler) {
    const s = elementState(this);
    const prefix = "Failed to execute 'onEndTag' on 'Element'";
    converters.Function(handler, prefix, 'Argument 1');
    if (!s.canHaveContent) throw new TypeError(`${prefix}: the element <${s.name}> has no end tag.`);
    const list = s.run.endTags.get(s.seq);
    if (list === undefined) {
      mutate(s.run, s.seq, 'onEndTag');
      s.run.endTags.set(s.seq, [handler]);
    } else {
      ArrayPrototypePush(list, handler);
    }
  }

  static {
    elementState = (v) => {
      if (!webidl.isObject(v) || !(#s in v)) webidl.illegalInvocation();
      return v.#s;
    };
  }
}
webidl.configureInterface(Element, 'Element');

/**
 * @param {any} el
 * @param {string} what
 * @param {any} content
 * @param {any} options
 */
function elementContent(el, what, content, options) {
  const s = elementState(el);
  const c = contentArgs(content, options, `Failed to execute '${what}' on 'Element'`);
  mutate(s.run, s.seq, what, c.text, '', c.html);
  return el;
}

/** @type {(v: any) => any} */
let endTagState;

class EndTag {
  /** @type {any} */
  #s;

  /**
   * @param {any} key
   * @param {any} s
   */
  constructor(key = undefined, s = undefined) {
    if (key !== kInternal) webidl.illegalConstructor();
    this.#s = s;
  }

  get name() {
    return endTagState(this).name;
  }

  set name(v) {
    const s = endTagState(this);
    v = converters.DOMString(v, "Failed to set 'name' on 'EndTag'", 'value');
    mutate(s.run, s.seq, 'name', v);
    s.name = v;
  }

  /** @param {any} content @param {any} [options] */
  before(content, options = undefined) {
    const s = endTagState(this);
    const c = contentArgs(content, options, "Failed to execute 'before' on 'EndTag'");
    mutate(s.run, s.seq, 'before', c.text, '', c.html);
    return this;
  }

  /** @param {any} content @param {any} [options] */
  after(content, options = undefined) {
    const s = endTagState(this);
    const c = contentArgs(content, options, "Failed to execute 'after' on 'EndTag'");
    mutate(s.run, s.seq, 'after', c.text, '', c.html);
    return this;
  }

  remove() {
    const s = endTagState(this);
    mutate(s.run, s.seq, 'remove');
    return this;
  }

  static {
    endTagState = (v) => {
      if (!webidl.isObject(v) || !(#s in v)) webidl.illegalInvocation();
      return v.#s;
    };
  }
}
webidl.configureInterface(EndTag, 'EndTag');

/**
 * The methods Text and Comment share.
 * @param {any} s
 * @param {any} self
 * @param {string} iface
 */
function contentMethods(s, self, iface) {
  return {
    /** @param {string} what @param {any} content @param {any} options */
    insert(what, content, options) {
      const c = contentArgs(content, options, `Failed to execute '${what}' on '${iface}'`);
      mutate(s.run, s.seq, what, c.text, '', c.html);
      if (what === 'replace') s.removed = true;
      return self;
    },
  };
}

/** @type {(v: any) => any} */
let textState;

class Text {
  /** @type {any} */
  #s;

  /**
   * @param {any} key
   * @param {any} s
   */
  constructor(key = undefined, s = undefined) {
    if (key !== kInternal) webidl.illegalConstructor();
    this.#s = s;
  }

  get text() {
    return textState(this).text;
  }

  get lastInTextNode() {
    return textState(this).last;
  }

  get removed() {
    return textState(this).removed;
  }

  /** @param {any} content @param {any} [options] */
  before(content, options = undefined) {
    return contentMethods(textState(this), this, 'Text').insert('before', content, options);
  }

  /** @param {any} content @param {any} [options] */
  after(content, options = undefined) {
    return contentMethods(textState(this), this, 'Text').insert('after', content, options);
  }

  /** @param {any} content @param {any} [options] */
  replace(content, options = undefined) {
    return contentMethods(textState(this), this, 'Text').insert('replace', content, options);
  }

  remove() {
    const s = textState(this);
    mutate(s.run, s.seq, 'remove');
    s.removed = true;
    return this;
  }

  static {
    textState = (v) => {
      if (!webidl.isObject(v) || !(#s in v)) webidl.illegalInvocation();
      return v.#s;
    };
  }
}
webidl.configureInterface(Text, 'Text');

/** @type {(v: any) => any} */
let commentState;

class Comment {
  /** @type {any} */
  #s;

  /**
   * @param {any} key
   * @param {any} s
   */
  constructor(key = undefined, s = undefined) {
    if (key !== kInternal) webidl.illegalConstructor();
    this.#s = s;
  }

  get text() {
    return commentState(this).text;
  }

  set text(v) {
    const s = commentState(this);
    v = converters.DOMString(v, "Failed to set 'text' on 'Comment'", 'value');
    mutate(s.run, s.seq, 'text', v);
    s.text = v;
  }

  get removed() {
    return commentState(this).removed;
  }

  /** @param {any} content @param {any} [options] */
  before(content, options = undefined) {
    return contentMethods(commentState(this), this, 'Comment').insert('before', content, options);
  }

  /** @param {any} content @param {any} [options] */
  after(content, options = undefined) {
    return contentMethods(commentState(this), this, 'Comment').insert('after', content, options);
  }

  /** @param {any} content @param {any} [options] */
  replace(content, options = undefined) {
    return contentMethods(commentState(this), this, 'Comment').insert('replace', content, options);
  }

  remove() {
    const s = commentState(this);
    mutate(s.run, s.seq, 'remove');
    s.removed = true;
    return this;
  }

  static {
    commentState = (v) => {
      if (!webidl.isObject(v) || !(#s in v)) webidl.illegalInvocation();
      return v.#s;
    };
  }
}
webidl.configureInterface(Comment, 'Comment');

/** @type {(v: any) => any} */
let doctypeState;

class Doctype {
  /** @type {any} */
  #s;

  /**
   * @param {any} key
   * @param {any} s
   */
  constructor(key = undefined, s = undefined) {
    if (key !== kInternal) webidl.illegalConstructor();
    this.#s = s;
  }

  get name() {
    return doctypeState(this).name;
  }

  get publicId() {
    return doctypeState(this).publicId;
  }

  get systemId() {
    return doctypeState(this).systemId;
  }

  static {
    doctypeState = (v) => {
      if (!webidl.isObject(v) || !(#s in v)) webidl.illegalInvocation();
      return v.#s;
    };
  }
}
webidl.configureInterface(Doctype, 'Doctype');

/** @type {(v: any) => any} */
let documentEndState;

class DocumentEnd {
  /** @type {any} */
  #s;

  /**
   * @param {any} key
   * @param {any} s
   */
  constructor(key = undefined, s = undefined) {
    if (key !== kInternal) webidl.illegalConstructor();
    this.#s = s;
  }

  /** @param {any} content @param {any} [options] */
  append(content, options = undefined) {
    const s = documentEndState(this);
    const c = contentArgs(content, options, "Failed to execute 'append' on 'DocumentEnd'");
    mutate(s.run, s.seq, 'append', c.text, '', c.html);
    return this;
  }

  static {
    documentEndState = (v) => {
      if (!webidl.isObject(v) || !(#s in v)) webidl.illegalInvocation();
      return v.#s;
    };
  }
}
webidl.configureInterface(DocumentEnd, 'DocumentEnd');

rt.internal.htmlRewriterClasses = { __proto__: null, Element, EndTag, Text, Comment, Doctype, DocumentEnd };
