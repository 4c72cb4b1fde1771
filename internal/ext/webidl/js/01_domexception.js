// @ts-check
// DOMException (https://webidl.spec.whatwg.org/#idl-DOMException).

const {
  ErrorCaptureStackTrace,
  ErrorPrototype,
  ObjectDefineProperty,
  ObjectPrototypeHasOwnProperty,
  ObjectSetPrototypeOf,
} = rt.primordials;
const webidl = rt.internal.webidl;

/** The legacy code of each error name (the DOMException names table). */
const codeOfName = {
  __proto__: null,
  IndexSizeError: 1,
  HierarchyRequestError: 3,
  WrongDocumentError: 4,
  InvalidCharacterError: 5,
  NoModificationAllowedError: 7,
  NotFoundError: 8,
  NotSupportedError: 9,
  InUseAttributeError: 10,
  InvalidStateError: 11,
  SyntaxError: 12,
  InvalidModificationError: 13,
  NamespaceError: 14,
  InvalidAccessError: 15,
  TypeMismatchError: 17,
  SecurityError: 18,
  NetworkError: 19,
  AbortError: 20,
  URLMismatchError: 21,
  QuotaExceededError: 22,
  TimeoutError: 23,
  InvalidNodeTypeError: 24,
  DataCloneError: 25,
};

/** The legacy code constants, on both DOMException and its prototype. */
const constants = {
  INDEX_SIZE_ERR: 1,
  DOMSTRING_SIZE_ERR: 2,
  HIERARCHY_REQUEST_ERR: 3,
  WRONG_DOCUMENT_ERR: 4,
  INVALID_CHARACTER_ERR: 5,
  NO_DATA_ALLOWED_ERR: 6,
  NO_MODIFICATION_ALLOWED_ERR: 7,
  NOT_FOUND_ERR: 8,
  NOT_SUPPORTED_ERR: 9,
  INUSE_ATTRIBUTE_ERR: 10,
  INVALID_STATE_ERR: 11,
  SYNTAX_ERR: 12,
  INVALID_MODIFICATION_ERR: 13,
  NAMESPACE_ERR: 14,
  INVALID_ACCESS_ERR: 15,
  VALIDATION_ERR: 16,
  TYPE_MISMATCH_ERR: 17,
  SECURITY_ERR: 18,
  NETWORK_ERR: 19,
  ABORT_ERR: 20,
  URL_MISMATCH_ERR: 21,
  QUOTA_EXCEEDED_ERR: 22,
  TIMEOUT_ERR: 23,
  INVALID_NODE_TYPE_ERR: 24,
  DATA_CLONE_ERR: 25,
};

/** @type {(v: any) => boolean} */
let isDOMException;

class DOMException {
  /** @type {string} */
  #name;
  /** @type {string} */
  #message;

  /**
   * @param {string} [message]
   * @param {string} [name]
   */
  constructor(message = undefined, name = undefined) {
    const prefix = webidl.constructorPrefix('DOMException');
    this.#message = message === undefined ? '' : webidl.converters.DOMString(message, prefix, 'Argument 1');
    this.#name = name === undefined ? 'Error' : webidl.converters.DOMString(name, prefix, 'Argument 2');
    // An own `stack`, like the errors the engine creates.
    ErrorCaptureStackTrace(this, DOMException);
  }

  get name() {
    if (!isDOMException(this)) webidl.illegalInvocation();
    return this.#name;
  }

  get message() {
    if (!isDOMException(this)) webidl.illegalInvocation();
    return this.#message;
  }

  get code() {
    if (!isDOMException(this)) webidl.illegalInvocation();
    const name = this.#name;
    return ObjectPrototypeHasOwnProperty(codeOfName, name) ? codeOfName[/** @type {keyof codeOfName} */ (name)] : 0;
  }

  static {
    isDOMException = (v) => webidl.isObject(v) && #name in v;
  }
}

webidl.configureInterface(DOMException, 'DOMException', constants);
// DOMException.prototype inherits from Error.prototype (WebIDL §3.14.1), so errors thrown by the
// runtime are `instanceof Error` and print like errors.
ObjectSetPrototypeOf(DOMException.prototype, ErrorPrototype);
ObjectDefineProperty(DOMException, 'prototype', { __proto__: null, writable: false });

/**
 * Creates a DOMException (used by the runtime and by the C++ side of op errors).
 * @param {string} name
 * @param {string} message
 */
function makeDOMException(name, message) {
  return new DOMException(message, name);
}

rt.internal.DOMException = DOMException;
rt.internal.isDOMException = isDOMException;
rt.internal.makeDOMException = makeDOMException;
rt.expose('DOMException', DOMException);
