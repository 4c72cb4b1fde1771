// @ts-check
// Blob and File (https://w3c.github.io/FileAPI/). A Blob's bytes live in a Uint8Array that never
// leaves this file: every accessor hands out a copy, so a Blob is immutable as the spec requires
// and slices may share their parent's buffer.

const {
  ArrayBufferIsView,
  ArrayBufferPrototypeGetByteLength,
  ArrayPrototypePush,
  DataViewPrototypeGetBuffer,
  DataViewPrototypeGetByteLength,
  DataViewPrototypeGetByteOffset,
  DateNow,
  MathMax,
  MathMin,
  RegExpPrototypeExec,
  SafePromiseResolve,
  StringPrototypeCharCodeAt,
  StringPrototypeSlice,
  StringPrototypeToLowerCase,
  SymbolIterator,
  TypeError,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeSet,
  TypedArrayPrototypeSubarray,
  Uint8Array,
} = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;

/** A part of the blobParts sequence after conversion: a Blob, a BufferSource, or a string. */
const partTag = Symbol('blob part');

/**
 * A view of the bytes of a BufferSource (no copy).
 * @param {ArrayBuffer | ArrayBufferView} input
 * @returns {Uint8Array}
 */
function viewOf(input) {
  if (ArrayBufferIsView(input)) {
    if (webidl.isTypedArray(input)) {
      return new Uint8Array(TypedArrayPrototypeGetBuffer(input),
        TypedArrayPrototypeGetByteOffset(input), TypedArrayPrototypeGetByteLength(input));
    }
    return new Uint8Array(DataViewPrototypeGetBuffer(input),
      DataViewPrototypeGetByteOffset(input), DataViewPrototypeGetByteLength(input));
  }
  return new Uint8Array(input, 0, ArrayBufferPrototypeGetByteLength(input));
}

/**
 * A fresh copy of a Uint8Array (never the user-replaceable Symbol.species path).
 * @param {Uint8Array} view
 */
function copyUint8(view) {
  const out = new Uint8Array(TypedArrayPrototypeGetLength(view));
  TypedArrayPrototypeSet(out, view, 0);
  return out;
}

const outsidePrintableASCII = /[^\x20-\x7E]/;

/**
 * The type normalisation of the Blob constructor and slice(): "" unless every code unit is in
 * U+0020–U+007E, else ASCII lowercase.
 * @param {string} t
 */
function normalizeType(t) {
  if (RegExpPrototypeExec(outsidePrintableASCII, t) !== null) return '';
  let out = '';
  let start = 0;
  for (let i = 0; i < t.length; i++) {
    const c = StringPrototypeCharCodeAt(t, i);
    if (c >= 0x41 && c <= 0x5a) {
      out += StringPrototypeSlice(t, start, i) + StringPrototypeToLowerCase(t[i]);
      start = i + 1;
    }
  }
  return out + StringPrototypeSlice(t, start);
}

/**
 * "Convert line endings to native" (LF on the platforms islet runs on).
 * @param {string} s
 */
function toNativeEndings(s) {
  let out = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (StringPrototypeCharCodeAt(s, i) !== 0x0d) continue;
    out += StringPrototypeSlice(s, start, i) + '\n';
    if (i + 1 < s.length && StringPrototypeCharCodeAt(s, i + 1) === 0x0a) i++;
    start = i + 1;
  }
  return out + StringPrototypeSlice(s, start);
}

/** @type {(v: any) => boolean} */
let isBlob;
/** @type {(b: Blob) => Uint8Array} */
let bytesOf;
/** @type {(b: Blob) => string} */
let typeOf;
/** @type {(bytes: Uint8Array, type: string) => Blob} */
let newBlob;
/** @type {(v: any) => boolean} */
let isFile;
/** @type {(bytes: Uint8Array, type: string, name: string, lastModified: number) => File} */
let newFile;

/**
 * The BlobPart union converter ((BufferSource or Blob or USVString)), applied to each element
 * while the sequence is iterated, so that conversions happen in order.
 * @param {any} V
 * @param {string} [prefix]
 * @param {string} [context]
 */
function convertPart(V, prefix, context) {
  if (webidl.isObject(V)) {
    if (isBlob(V)) return { [partTag]: 0, blob: V };
    if (ArrayBufferIsView(V) || webidl.isArrayBuffer(V)) return { [partTag]: 1, buffer: V };
  }
  return converters.USVString(V, prefix, context);
}

/**
 * sequence<BlobPart>.
 * @param {any} V
 * @param {string} prefix
 */
function convertParts(V, prefix) {
  if (!webidl.isObject(V)) {
    throw new TypeError(`${prefix}: The provided value cannot be converted to a sequence.`);
  }
  const method = V[SymbolIterator];
  if (typeof method !== 'function') {
    throw new TypeError(`${prefix}: The object must have a callable @@iterator property.`);
  }
  return webidl.iterableToList(V, method, convertPart, prefix, 'Argument 1', undefined);
}

const endingsConverter = webidl.createEnumConverter('EndingType', ['transparent', 'native']);
const blobPropertyBagMembers = [
  { key: 'type', converter: converters.DOMString, defaultValue: '' },
  { key: 'endings', converter: endingsConverter, defaultValue: 'transparent' },
];
const convertBlobPropertyBag = webidl.createDictionaryConverter('BlobPropertyBag', blobPropertyBagMembers);
const convertFilePropertyBag = webidl.createDictionaryConverter('FilePropertyBag', blobPropertyBagMembers, [
  { key: 'lastModified', converter: converters['long long'] },
]);

/**
 * "Process blob parts": the bytes of the converted parts, concatenated.
 * @param {any[]} parts
 * @param {string} endings
 * @returns {Uint8Array}
 */
function processParts(parts, endings) {
  /** @type {Uint8Array[]} */
  const chunks = [];
  let total = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    /** @type {Uint8Array} */
    let bytes;
    if (typeof p === 'string') {
      bytes = rt.internal.utf8Encode(endings === 'native' ? toNativeEndings(p) : p);
    } else if (p[partTag] === 0) {
      bytes = bytesOf(p.blob);
    } else {
      bytes = viewOf(p.buffer);
    }
    ArrayPrototypePush(chunks, bytes);
    total += TypedArrayPrototypeGetLength(bytes);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (let i = 0; i < chunks.length; i++) {
    TypedArrayPrototypeSet(out, chunks[i], offset);
    offset += TypedArrayPrototypeGetLength(chunks[i]);
  }
  return out;
}

/** Passed by the runtime to construct a Blob or File from bytes it owns. */
const internalKey = Symbol('internal Blob');

class Blob {
  /** @type {Uint8Array} */
  #bytes;
  /** @type {string} */
  #type;

  /**
   * @param {any} [blobParts]
   * @param {any} [options]
   */
  constructor(blobParts = undefined, options = undefined) {
    if (blobParts === internalKey) {
      this.#bytes = options.bytes;
      this.#type = options.type;
      return;
    }
    const prefix = webidl.constructorPrefix('Blob');
    const parts = blobParts === undefined ? [] : convertParts(blobParts, prefix);
    const opts = convertBlobPropertyBag(options, prefix, 'Argument 2');
    this.#bytes = processParts(parts, opts.endings);
    this.#type = normalizeType(opts.type);
  }

  get size() {
    if (!isBlob(this)) webidl.illegalInvocation();
    return TypedArrayPrototypeGetLength(this.#bytes);
  }

  get type() {
    if (!isBlob(this)) webidl.illegalInvocation();
    return this.#type;
  }

  /**
   * @param {number} [start]
   * @param {number} [end]
   * @param {string} [contentType]
   */
  slice(start = undefined, end = undefined, contentType = undefined) {
    if (!isBlob(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('Blob', 'slice');
    const size = TypedArrayPrototypeGetLength(this.#bytes);
    let relativeStart = 0;
    if (start !== undefined) {
      const s = converters['long long'](start, prefix, 'Argument 1', { clamp: true });
      relativeStart = s < 0 ? MathMax(size + s, 0) : MathMin(s, size);
    }
    let relativeEnd = size;
    if (end !== undefined) {
      const e = converters['long long'](end, prefix, 'Argument 2', { clamp: true });
      relativeEnd = e < 0 ? MathMax(size + e, 0) : MathMin(e, size);
    }
    let type = '';
    if (contentType !== undefined) {
      type = normalizeType(converters.DOMString(contentType, prefix, 'Argument 3'));
    }
    const span = MathMax(relativeEnd - relativeStart, 0);
    const bytes = TypedArrayPrototypeSubarray(this.#bytes, relativeStart, relativeStart + span);
    return new Blob(internalKey, { bytes, type });
  }

  stream() {
    if (!isBlob(this)) webidl.illegalInvocation();
    return rt.internal.newReadableStreamFromBytes(copyUint8(this.#bytes));
  }

  text() {
    if (!isBlob(this)) webidl.illegalInvocation();
    return SafePromiseResolve(rt.internal.utf8Decode(this.#bytes, true));
  }

  arrayBuffer() {
    if (!isBlob(this)) webidl.illegalInvocation();
    return SafePromiseResolve(TypedArrayPrototypeGetBuffer(copyUint8(this.#bytes)));
  }

  bytes() {
    if (!isBlob(this)) webidl.illegalInvocation();
    return SafePromiseResolve(copyUint8(this.#bytes));
  }

  static {
    isBlob = (v) => webidl.isObject(v) && #bytes in v;
    bytesOf = (b) => b.#bytes;
    typeOf = (b) => b.#type;
    newBlob = (bytes, type) => new Blob(internalKey, { bytes, type });
  }
}
webidl.configureInterface(Blob, 'Blob');

class File extends Blob {
  /** @type {string} */
  #name;
  /** @type {number} */
  #lastModified;

  /**
   * @param {any} fileBits
   * @param {string} fileName
   * @param {any} [options]
   */
  constructor(fileBits, fileName, options = undefined) {
    if (fileBits === internalKey) {
      super(internalKey, fileName);
      const o = /** @type {any} */ (fileName);
      this.#name = o.name;
      this.#lastModified = o.lastModified;
      return;
    }
    const prefix = webidl.constructorPrefix('File');
    webidl.requiredArguments(arguments.length, 2, prefix);
    const parts = convertParts(fileBits, prefix);
    const name = converters.USVString(fileName, prefix, 'Argument 2');
    const opts = convertFilePropertyBag(options, prefix, 'Argument 3');
    const bytes = processParts(parts, opts.endings);
    super(internalKey, { bytes, type: normalizeType(opts.type) });
    this.#name = name;
    this.#lastModified = opts.lastModified !== undefined ? opts.lastModified : DateNow();
  }

  get name() {
    if (!isFile(this)) webidl.illegalInvocation();
    return this.#name;
  }

  get lastModified() {
    if (!isFile(this)) webidl.illegalInvocation();
    return this.#lastModified;
  }

  static {
    isFile = (v) => webidl.isObject(v) && #name in v;
    newFile = (bytes, type, name, lastModified) =>
      new File(internalKey, /** @type {any} */ ({ bytes, type, name, lastModified }));
  }
}
webidl.configureInterface(File, 'File');

rt.internal.Blob = Blob;
rt.internal.File = File;
rt.internal.isBlob = isBlob;
rt.internal.isFile = isFile;
/** A copy of a Blob's bytes (fetch's body extraction takes ownership of it). */
rt.internal.blobBytes = (/** @type {Blob} */ b) => copyUint8(bytesOf(b));
rt.internal.blobType = (/** @type {Blob} */ b) => typeOf(b);
/** A new Blob that owns `bytes` (the caller must not keep them). */
rt.internal.newBlob = newBlob;
/** A new File that owns `bytes`. */
rt.internal.newFile = newFile;
/**
 * A copy of a Blob or File for structuredClone: the same bytes (shared: they never change),
 * type, and for a File its name and lastModified.
 * @param {Blob} b
 */
rt.internal.cloneBlob = (b) => {
  if (isFile(b)) {
    const f = /** @type {File} */ (b);
    return newFile(bytesOf(f), typeOf(f), FileGetName(f), FileGetLastModified(f));
  }
  return newBlob(bytesOf(b), typeOf(b));
};
const FileGetName = rt.primordials.uncurryThis(
  /** @type {any} */ (rt.primordials.ObjectGetOwnPropertyDescriptor(File.prototype, 'name')).get);
const FileGetLastModified = rt.primordials.uncurryThis(
  /** @type {any} */ (rt.primordials.ObjectGetOwnPropertyDescriptor(File.prototype, 'lastModified')).get);
/**
 * FormData's "create an entry" conversion of a Blob value: a File named `filename` (or the File
 * itself, or a File named "blob" for a plain Blob).
 * @param {Blob} b
 * @param {string | undefined} filename
 */
rt.internal.blobAsFile = (b, filename) => {
  if (isFile(b)) {
    if (filename === undefined) return b;
    return newFile(bytesOf(b), typeOf(b), filename, FileGetLastModified(b));
  }
  return newFile(bytesOf(b), typeOf(b), filename === undefined ? 'blob' : filename, DateNow());
};
rt.internal.fileName = (/** @type {File} */ f) => FileGetName(f);
rt.internal.fileLastModified = (/** @type {File} */ f) => FileGetLastModified(f);

rt.expose('Blob', Blob);
rt.expose('File', File);
