// @ts-check
// FileReader (https://w3c.github.io/FileAPI/#APIASynch) and ProgressEvent
// (https://xhr.spec.whatwg.org/#interface-progressevent). A Blob's bytes are in memory, so a
// read has all of them at once; the events still come in tasks of their own (loadstart, a
// progress event when there are bytes, then load or error, and loadend), as the read
// operation queues them. abort() drops the tasks not yet run.

const {
  ArrayBufferPrototypeGetByteLength,
  StringFromCharCode,
  TypeError,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeSubarray,
  Uint8Array,
} = rt.primordials;
const I = rt.internal;
const webidl = I.webidl;
const { converters } = webidl;
const Event = I.Event;
const EventTarget = I.EventTarget;

const progressEventInit = webidl.createDictionaryConverter('ProgressEventInit', [
  { key: 'bubbles', converter: converters.boolean, defaultValue: false },
  { key: 'cancelable', converter: converters.boolean, defaultValue: false },
  { key: 'composed', converter: converters.boolean, defaultValue: false },
], [
  { key: 'lengthComputable', converter: converters.boolean, defaultValue: false },
  { key: 'loaded', converter: converters['unsigned long long'], defaultValue: 0 },
  { key: 'total', converter: converters['unsigned long long'], defaultValue: 0 },
]);

/** @type {(v: any) => boolean} */
let isProgressEvent;

class ProgressEvent extends Event {
  #lengthComputable = false;
  #loaded = 0;
  #total = 0;

  /**
   * @param {string} type
   * @param {any} [eventInitDict]
   */
  constructor(type, eventInitDict = undefined) {
    const prefix = webidl.constructorPrefix('ProgressEvent');
    webidl.requiredArguments(arguments.length, 1, prefix);
    const init = progressEventInit(eventInitDict, prefix, 'Argument 2');
    super(type, init);
    this.#lengthComputable = init.lengthComputable;
    this.#loaded = init.loaded;
    this.#total = init.total;
  }

  get lengthComputable() {
    if (!isProgressEvent(this)) webidl.illegalInvocation();
    return this.#lengthComputable;
  }

  get loaded() {
    if (!isProgressEvent(this)) webidl.illegalInvocation();
    return this.#loaded;
  }

  get total() {
    if (!isProgressEvent(this)) webidl.illegalInvocation();
    return this.#total;
  }

  static {
    isProgressEvent = (v) => webidl.isObject(v) && #loaded in v;
  }
}
webidl.configureInterface(ProgressEvent, 'ProgressEvent');

const EMPTY = 0;
const LOADING = 1;
const DONE = 2;

/** @typedef {'ArrayBuffer' | 'BinaryString' | 'Text' | 'DataURL'} ReadType */

/** @type {(v: any) => boolean} */
let isFileReader;

/**
 * The bytes as a string of Latin-1 code points (a "binary string").
 * @param {Uint8Array} bytes
 */
function binaryString(bytes) {
  let out = '';
  const n = TypedArrayPrototypeGetLength(bytes);
  for (let i = 0; i < n; i += 8192) {
    const end = i + 8192 < n ? i + 8192 : n;
    let chunk = '';
    for (let k = i; k < end; k++) chunk += StringFromCharCode(bytes[k]);
    out += chunk;
  }
  return out;
}

/**
 * "Decode" (https://encoding.spec.whatwg.org/#decode): a byte order mark chooses UTF-8 or
 * UTF-16 and is dropped; otherwise the given encoding decodes.
 * @param {Uint8Array} bytes
 * @param {string} encoding a canonical encoding name
 */
function decode(bytes, encoding) {
  let start = 0;
  const n = TypedArrayPrototypeGetLength(bytes);
  if (n >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    encoding = 'utf-8';
    start = 3;
  } else if (n >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    encoding = 'utf-16be';
    start = 2;
  } else if (n >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    encoding = 'utf-16le';
    start = 2;
  }
  return rt.ops.encoding_decode(I.getEncoding(encoding) || 'utf-8', TypedArrayPrototypeSubarray(bytes, start, n), false, false);
}

/**
 * "Package data" (https://w3c.github.io/FileAPI/#blob-package-data).
 * @param {Uint8Array} bytes
 * @param {ReadType} type
 * @param {string} mimeType the Blob's type
 * @param {string | undefined} encodingName
 */
function packageData(bytes, type, mimeType, encodingName) {
  switch (type) {
    case 'DataURL':
      return `data:${mimeType === '' ? 'application/octet-stream' : mimeType};base64,${rt.ops.encoding_btoa(binaryString(bytes))}`;
    case 'Text': {
      /** @type {string | null} */
      let encoding = null;
      if (encodingName !== undefined) encoding = I.getEncoding(encodingName) || null;
      if (encoding === null) {
        const mt = I.parseMimeType(mimeType);
        const charset = mt === null ? undefined : mt.params.charset;
        if (charset !== undefined) encoding = I.getEncoding(charset) || null;
      }
      return decode(bytes, encoding === null ? 'utf-8' : encoding);
    }
    case 'ArrayBuffer': {
      const buffer = TypedArrayPrototypeGetBuffer(bytes);
      return ArrayBufferPrototypeGetByteLength(buffer) === TypedArrayPrototypeGetLength(bytes)
        ? buffer : TypedArrayPrototypeGetBuffer(new Uint8Array(bytes));
    }
    default:
      return binaryString(bytes);
  }
}

class FileReader extends EventTarget {
  #state = EMPTY;
  /** @type {string | ArrayBuffer | null} */
  #result = null;
  /** @type {any} */
  #error = null;
  /** Counts reads and aborts: a queued task of an earlier one does nothing. */
  #generation = 0;

  constructor() {
    super();
  }

  /**
   * Fires a ProgressEvent at the reader.
   * @param {string} type
   * @param {number} loaded
   * @param {number} total
   */
  #fire(type, loaded, total) {
    const e = new ProgressEvent(type, { lengthComputable: true, loaded, total });
    I.dispatchEvent(this, e);
  }

  /**
   * The read operation (https://w3c.github.io/FileAPI/#readOperation).
   * @param {any} blob
   * @param {ReadType} type
   * @param {string} prefix
   * @param {string | undefined} [encodingName]
   */
  #read(blob, type, prefix, encodingName) {
    if (this.#state === LOADING) {
      throw I.makeDOMException('InvalidStateError', `${prefix}: The object is already busy reading Blobs.`);
    }
    this.#state = LOADING;
    this.#result = null;
    this.#error = null;
    const generation = ++this.#generation;
    const bytes = I.blobBytes(blob);
    const size = TypedArrayPrototypeGetLength(bytes);
    const mimeType = I.blobType(blob);
    /** @type {(() => void)[]} */
    const steps = [
      () => this.#fire('loadstart', 0, size),
    ];
    if (size > 0) steps[steps.length] = () => this.#fire('progress', size, size);
    steps[steps.length] = () => {
      this.#state = DONE;
      let failed = false;
      try {
        this.#result = packageData(bytes, type, mimeType, encodingName);
      } catch (e) {
        failed = true;
        this.#error = e;
      }
      this.#fire(failed ? 'error' : 'load', size, size);
      // loadend follows unless a listener started another read. It is fired a task later: a
      // browser runs the microtasks after each listener the user agent calls, here they only
      // run after the task, and a listener awaiting "load" must see "loadend" after that.
      if (this.#state !== LOADING) {
        I.timers.setTimeout(() => {
          if (this.#generation === generation) this.#fire('loadend', size, size);
        }, 0);
      }
    };
    // Each step is a task of its own; a step runs only while this read is the current one.
    let i = 0;
    const next = () => {
      if (this.#generation !== generation) return;
      const step = steps[i++];
      if (i < steps.length) I.timers.setTimeout(next, 0);
      step();
    };
    I.timers.setTimeout(next, 0);
  }

  /** @param {any} blob */
  readAsArrayBuffer(blob) {
    if (!isFileReader(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('FileReader', 'readAsArrayBuffer');
    webidl.requiredArguments(arguments.length, 1, prefix);
    this.#read(checkBlob(blob, prefix), 'ArrayBuffer', prefix);
  }

  /** @param {any} blob */
  readAsBinaryString(blob) {
    if (!isFileReader(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('FileReader', 'readAsBinaryString');
    webidl.requiredArguments(arguments.length, 1, prefix);
    this.#read(checkBlob(blob, prefix), 'BinaryString', prefix);
  }

  /**
   * @param {any} blob
   * @param {any} [encoding]
   */
  readAsText(blob, encoding = undefined) {
    if (!isFileReader(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('FileReader', 'readAsText');
    webidl.requiredArguments(arguments.length, 1, prefix);
    blob = checkBlob(blob, prefix);
    const label = encoding === undefined ? undefined : converters.DOMString(encoding, prefix, 'Argument 2');
    this.#read(blob, 'Text', prefix, label);
  }

  /** @param {any} blob */
  readAsDataURL(blob) {
    if (!isFileReader(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('FileReader', 'readAsDataURL');
    webidl.requiredArguments(arguments.length, 1, prefix);
    this.#read(checkBlob(blob, prefix), 'DataURL', prefix);
  }

  abort() {
    if (!isFileReader(this)) webidl.illegalInvocation();
    if (this.#state === EMPTY || this.#state === DONE) {
      this.#result = null;
      return;
    }
    this.#state = DONE;
    this.#result = null;
    this.#generation++;
    this.#fire('abort', 0, 0);
    if (this.#state !== LOADING) this.#fire('loadend', 0, 0);
  }

  get readyState() {
    if (!isFileReader(this)) webidl.illegalInvocation();
    return this.#state;
  }

  get result() {
    if (!isFileReader(this)) webidl.illegalInvocation();
    return this.#result;
  }

  get error() {
    if (!isFileReader(this)) webidl.illegalInvocation();
    return this.#error;
  }

  static {
    isFileReader = (v) => webidl.isObject(v) && #state in v;
  }
}

/**
 * @param {any} blob
 * @param {string} prefix
 */
function checkBlob(blob, prefix) {
  if (!I.isBlob(blob)) throw new TypeError(`${prefix}: parameter 1 is not of type 'Blob'.`);
  return blob;
}

webidl.configureInterface(FileReader, 'FileReader', { EMPTY, LOADING, DONE });
const handlerTypes = ['loadstart', 'progress', 'load', 'abort', 'error', 'loadend'];
for (let i = 0; i < handlerTypes.length; i++) I.defineEventHandler(FileReader.prototype, handlerTypes[i]);

I.FileReader = FileReader;
I.ProgressEvent = ProgressEvent;

rt.expose('FileReader', FileReader);
rt.expose('ProgressEvent', ProgressEvent);
