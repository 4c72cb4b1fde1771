// @ts-check
// FormData (https://xhr.spec.whatwg.org/#interface-formdata), its multipart/form-data encoding
// (https://html.spec.whatwg.org/#multipart-form-data) for request and response bodies, and the
// parsers Body.formData() uses for multipart/form-data and application/x-www-form-urlencoded.

const {
  ArrayPrototypePush,
  ArrayPrototypeSplice,
  MathFloor,
  MathRandom,
  StringPrototypeCharCodeAt,
  StringPrototypeIndexOf,
  StringPrototypeSlice,
  StringPrototypeSplit,
  StringPrototypeToLowerCase,
  StringPrototypeTrim,
  TypeError,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeSet,
  TypedArrayPrototypeSlice,
  Uint8Array,
} = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;
const I = rt.internal;

/** @type {(v: any) => boolean} */
let isFormData;
/** @type {(fd: FormData) => any[]} */
let listOf;

/**
 * The value half of "create an entry": a string stays, a Blob becomes a File.
 * @param {any} value a string or a Blob
 * @param {string | undefined} filename
 */
function entryValue(value, filename) {
  return typeof value === 'string' ? value : I.blobAsFile(value, filename);
}

/**
 * The (name, value[, filename]) overloads of append() and set(): [name, value].
 * @param {string} method
 * @param {IArguments} args
 * @returns {[string, any]}
 */
function convertEntry(method, args) {
  const prefix = webidl.operationPrefix('FormData', method);
  webidl.requiredArguments(args.length, 2, prefix);
  const name = converters.USVString(args[0], prefix, 'Argument 1');
  const value = args[1];
  if (args.length > 2) {
    if (!I.isBlob(value)) throw new TypeError(`${prefix}: parameter 2 is not of type 'Blob'.`);
    const filename = args[2] === undefined ? undefined : converters.USVString(args[2], prefix, 'Argument 3');
    return [name, entryValue(value, filename)];
  }
  if (I.isBlob(value)) return [name, entryValue(value, undefined)];
  return [name, converters.USVString(value, prefix, 'Argument 2')];
}

class FormData {
  /**
   * The entry list, flat: [name0, value0, name1, value1, …]; a value is a string or a File.
   * @type {any[]}
   */
  #list = [];

  /**
   * @param {any} [form]
   * @param {any} [submitter]
   */
  constructor(form = undefined, submitter = undefined) {
    if (form !== undefined) {
      // There is no HTMLFormElement in a worker: any value fails the conversion.
      throw new TypeError(`${webidl.constructorPrefix('FormData')}: parameter 1 is not of type 'HTMLFormElement'.`);
    }
    void submitter;
  }

  /**
   * @param {string} name
   * @param {any} value
   * @param {string} [filename]
   */
  // eslint-disable-next-line no-unused-vars
  append(name, value, filename = undefined) {
    if (!isFormData(this)) webidl.illegalInvocation();
    const e = convertEntry('append', arguments);
    ArrayPrototypePush(this.#list, e[0], e[1]);
  }

  /** @param {string} name */
  delete(name) {
    if (!isFormData(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('FormData', 'delete');
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = converters.USVString(name, prefix, 'Argument 1');
    const list = this.#list;
    for (let i = 0; i < list.length;) {
      if (list[i] === name) ArrayPrototypeSplice(list, i, 2);
      else i += 2;
    }
  }

  /** @param {string} name */
  get(name) {
    if (!isFormData(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('FormData', 'get');
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = converters.USVString(name, prefix, 'Argument 1');
    const list = this.#list;
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === name) return list[i + 1];
    }
    return null;
  }

  /** @param {string} name */
  getAll(name) {
    if (!isFormData(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('FormData', 'getAll');
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = converters.USVString(name, prefix, 'Argument 1');
    const list = this.#list;
    /** @type {any[]} */
    const out = [];
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === name) ArrayPrototypePush(out, list[i + 1]);
    }
    return out;
  }

  /** @param {string} name */
  has(name) {
    if (!isFormData(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('FormData', 'has');
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = converters.USVString(name, prefix, 'Argument 1');
    const list = this.#list;
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === name) return true;
    }
    return false;
  }

  /**
   * @param {string} name
   * @param {any} value
   * @param {string} [filename]
   */
  // eslint-disable-next-line no-unused-vars
  set(name, value, filename = undefined) {
    if (!isFormData(this)) webidl.illegalInvocation();
    const e = convertEntry('set', arguments);
    const list = this.#list;
    let found = false;
    for (let i = 0; i < list.length;) {
      if (list[i] !== e[0]) {
        i += 2;
      } else if (!found) {
        list[i + 1] = e[1];
        found = true;
        i += 2;
      } else {
        ArrayPrototypeSplice(list, i, 2);
      }
    }
    if (!found) ArrayPrototypePush(list, e[0], e[1]);
  }

  static {
    isFormData = (v) => webidl.isObject(v) && #list in v;
    listOf = (fd) => fd.#list;
    webidl.mixinPairIterable('FormData', FormData, isFormData, (fd) => fd.#list);
  }
}
webidl.configureInterface(FormData, 'FormData');

/**
 * Replaces every CR not followed by LF, and every LF not preceded by CR, with CRLF.
 * @param {string} s
 */
function normalizeNewlines(s) {
  let out = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c === 0x0d) {
      if (i + 1 < s.length && StringPrototypeCharCodeAt(s, i + 1) === 0x0a) {
        i++;
        continue;
      }
      out += StringPrototypeSlice(s, start, i) + '\r\n';
      start = i + 1;
    } else if (c === 0x0a) {
      out += StringPrototypeSlice(s, start, i) + '\r\n';
      start = i + 1;
    }
  }
  return out + StringPrototypeSlice(s, start);
}

/**
 * The escaping of field names and filenames in multipart/form-data: LF → %0A, CR → %0D,
 * " → %22.
 * @param {string} s
 */
function escapeName(s) {
  let out = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    const rep = c === 0x0a ? '%0A' : c === 0x0d ? '%0D' : c === 0x22 ? '%22' : null;
    if (rep === null) continue;
    out += StringPrototypeSlice(s, start, i) + rep;
    start = i + 1;
  }
  return out + StringPrototypeSlice(s, start);
}

const boundaryChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function newBoundary() {
  let b = '----IsletFormBoundary';
  for (let i = 0; i < 24; i++) b += boundaryChars[MathFloor(MathRandom() * boundaryChars.length)];
  return b;
}

/**
 * @param {Uint8Array[]} chunks
 */
function concat(chunks) {
  let total = 0;
  for (let i = 0; i < chunks.length; i++) total += TypedArrayPrototypeGetLength(chunks[i]);
  const out = new Uint8Array(total);
  let offset = 0;
  for (let i = 0; i < chunks.length; i++) {
    TypedArrayPrototypeSet(out, chunks[i], offset);
    offset += TypedArrayPrototypeGetLength(chunks[i]);
  }
  return out;
}

/**
 * The multipart/form-data encoding of a FormData's entry list, in UTF-8.
 * @param {FormData} fd
 * @returns {{ bytes: Uint8Array, type: string }}
 */
function encodeFormData(fd) {
  const list = listOf(fd);
  const boundary = newBoundary();
  /** @type {Uint8Array[]} */
  const chunks = [];
  let text = '';
  for (let i = 0; i < list.length; i += 2) {
    const name = escapeName(normalizeNewlines(list[i]));
    const value = list[i + 1];
    text += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"`;
    if (typeof value === 'string') {
      text += `\r\n\r\n${normalizeNewlines(value)}\r\n`;
      continue;
    }
    const type = I.blobType(value) || 'application/octet-stream';
    text += `; filename="${escapeName(I.fileName(value))}"\r\nContent-Type: ${type}\r\n\r\n`;
    ArrayPrototypePush(chunks, I.utf8Encode(text), I.blobBytes(value));
    text = '\r\n';
  }
  text += `--${boundary}--\r\n`;
  ArrayPrototypePush(chunks, I.utf8Encode(text));
  return { bytes: concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

/**
 * Parses a MIME type (https://mimesniff.spec.whatwg.org/#parse-a-mime-type) into its lowercase
 * essence and parameters (names lowercased, the first occurrence wins), or null.
 * @param {string} input
 * @returns {{ essence: string, params: Record<string, string> } | null}
 */
function parseMimeType(input) {
  const s = StringPrototypeTrim(input);
  let i = StringPrototypeIndexOf(s, ';');
  const essence = StringPrototypeToLowerCase(StringPrototypeTrim(i < 0 ? s : StringPrototypeSlice(s, 0, i)));
  const slash = StringPrototypeIndexOf(essence, '/');
  if (slash <= 0 || slash === essence.length - 1) return null;
  /** @type {Record<string, string>} */
  const params = { __proto__: null };
  while (i >= 0 && i < s.length) {
    i++; // past ';'
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
    let j = i;
    while (j < s.length && s[j] !== '=' && s[j] !== ';') j++;
    const name = StringPrototypeToLowerCase(StringPrototypeSlice(s, i, j));
    if (j >= s.length || s[j] === ';') {
      i = j;
      continue;
    }
    j++; // past '='
    let value = '';
    if (s[j] === '"') {
      j++;
      while (j < s.length && s[j] !== '"') {
        if (s[j] === '\\' && j + 1 < s.length) j++;
        value += s[j];
        j++;
      }
      while (j < s.length && s[j] !== ';') j++;
    } else {
      const k = j;
      while (j < s.length && s[j] !== ';') j++;
      value = StringPrototypeTrim(StringPrototypeSlice(s, k, j));
    }
    if (name !== '' && !(name in params)) params[name] = value;
    i = j;
  }
  return { essence, params };
}

/**
 * The index of `needle` in `hay` at or after `from`, or -1.
 * @param {Uint8Array} hay
 * @param {Uint8Array} needle
 * @param {number} from
 */
function indexOfBytes(hay, needle, from) {
  const n = TypedArrayPrototypeGetLength(needle);
  const last = TypedArrayPrototypeGetLength(hay) - n;
  const first = needle[0];
  outer: for (let i = from; i <= last; i++) {
    if (hay[i] !== first) continue;
    for (let k = 1; k < n; k++) {
      if (hay[i + k] !== needle[k]) continue outer;
    }
    return i;
  }
  return -1;
}

/**
 * Undoes escapeName.
 * @param {string} s
 */
function unescapeName(s) {
  let out = '';
  let start = 0;
  for (let i = 0; i + 2 < s.length; i++) {
    if (s[i] !== '%') continue;
    const code = StringPrototypeSlice(s, i + 1, i + 3);
    const rep = code === '0A' ? '\n' : code === '0D' ? '\r' : code === '22' ? '"' : null;
    if (rep === null) continue;
    out += StringPrototypeSlice(s, start, i) + rep;
    start = i + 3;
    i += 2;
  }
  return out + StringPrototypeSlice(s, start);
}

/** @param {string} message */
function malformed(message) {
  return new TypeError(`Failed to parse body as FormData: ${message}`);
}

/**
 * Parses a multipart/form-data body (RFC 7578) into a FormData.
 * @param {Uint8Array} bytes
 * @param {string} boundary
 */
function parseMultipart(bytes, boundary) {
  const fd = new FormData();
  const list = listOf(fd);
  const delim = I.utf8Encode(`--${boundary}`);
  const crlfDelim = I.utf8Encode(`\r\n--${boundary}`);
  const n = TypedArrayPrototypeGetLength(bytes);
  let pos = indexOfBytes(bytes, delim, 0);
  if (pos < 0 || (pos > 0 && (pos < 2 || bytes[pos - 2] !== 0x0d || bytes[pos - 1] !== 0x0a))) {
    throw malformed('no multipart boundary found');
  }
  pos += TypedArrayPrototypeGetLength(delim);
  for (;;) {
    if (pos + 1 < n && bytes[pos] === 0x2d && bytes[pos + 1] === 0x2d) return fd; // the close delimiter
    while (pos < n && (bytes[pos] === 0x20 || bytes[pos] === 0x09)) pos++;
    if (pos + 1 >= n || bytes[pos] !== 0x0d || bytes[pos + 1] !== 0x0a) {
      throw malformed('a boundary is not followed by CRLF');
    }
    pos += 2;
    // The header block ends at an empty line.
    let bodyStart;
    /** @type {string[]} */
    let lines = [];
    if (pos + 1 < n && bytes[pos] === 0x0d && bytes[pos + 1] === 0x0a) {
      bodyStart = pos + 2;
    } else {
      const end = indexOfBytes(bytes, I.utf8Encode('\r\n\r\n'), pos);
      if (end < 0) throw malformed('a part has no end of headers');
      lines = StringPrototypeSplit(I.utf8Decode(TypedArrayPrototypeSlice(bytes, pos, end)), '\r\n');
      bodyStart = end + 4;
    }
    /** @type {string | null} */
    let disposition = null;
    /** @type {string | null} */
    let contentType = null;
    for (let l = 0; l < lines.length; l++) {
      const line = lines[l];
      const colon = StringPrototypeIndexOf(line, ':');
      if (colon <= 0) throw malformed('a part has a malformed header');
      const hname = StringPrototypeToLowerCase(StringPrototypeTrim(StringPrototypeSlice(line, 0, colon)));
      const hvalue = StringPrototypeTrim(StringPrototypeSlice(line, colon + 1));
      if (hname === 'content-disposition') disposition = hvalue;
      else if (hname === 'content-type') contentType = hvalue;
    }
    if (disposition === null) throw malformed('a part has no Content-Disposition header');
    // Content-Disposition: form-data; name="…"[; filename="…"] parses like a MIME type's
    // parameters once given a placeholder essence.
    const semi = StringPrototypeIndexOf(disposition, ';');
    const dtype = StringPrototypeToLowerCase(StringPrototypeTrim(semi < 0 ? disposition : StringPrototypeSlice(disposition, 0, semi)));
    const parsed = parseMimeType(`x/x${semi < 0 ? '' : StringPrototypeSlice(disposition, semi)}`);
    if (dtype !== 'form-data' || parsed === null || !('name' in parsed.params)) {
      throw malformed('a part has no form-data name');
    }
    const end = indexOfBytes(bytes, crlfDelim, bodyStart);
    if (end < 0) throw malformed('a part is not terminated by a boundary');
    const content = TypedArrayPrototypeSlice(bytes, bodyStart, end);
    const name = unescapeName(parsed.params.name);
    if ('filename' in parsed.params) {
      const type = contentType === null ? 'text/plain' : contentType;
      ArrayPrototypePush(list, name, I.newFile(content, type, unescapeName(parsed.params.filename), rt.primordials.DateNow()));
    } else {
      ArrayPrototypePush(list, name, I.utf8Decode(content));
    }
    pos = end + TypedArrayPrototypeGetLength(crlfDelim);
  }
}

/**
 * The formData() steps of the Body mixin after the bytes are read: parses `bytes` by the body's
 * MIME type, or throws a TypeError.
 * @param {Uint8Array} bytes
 * @param {string} mimeType the Content-Type header value, or ""
 */
function parseFormData(bytes, mimeType) {
  const mt = parseMimeType(mimeType);
  if (mt !== null && mt.essence === 'multipart/form-data') {
    const boundary = mt.params.boundary;
    if (boundary === undefined || boundary === '') throw malformed('the multipart/form-data type has no boundary');
    return parseMultipart(bytes, boundary);
  }
  if (mt !== null && mt.essence === 'application/x-www-form-urlencoded') {
    const fd = new FormData();
    const list = listOf(fd);
    const pairs = I.parseForm(I.utf8Decode(bytes));
    for (let i = 0; i < pairs.length; i++) list[i] = pairs[i];
    return fd;
  }
  throw new TypeError('Failed to parse body as FormData: the Content-Type is not multipart/form-data or application/x-www-form-urlencoded');
}

I.FormData = FormData;
I.isFormData = isFormData;
I.encodeFormData = encodeFormData;
I.parseFormData = parseFormData;
I.parseMimeType = parseMimeType;

rt.expose('FormData', FormData);
