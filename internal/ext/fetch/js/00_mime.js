// @ts-check
// MIME types (https://mimesniff.spec.whatwg.org/#mime-type-representation): parsing and
// serializing, and the Fetch standard's "extract a MIME type" from a header list, which
// Body's blob() and formData(), data: URLs and the no-CORS header checks use.

const {
  ArrayPrototypePush,
  RegExpPrototypeExec,
  StringPrototypeCharCodeAt,
  StringPrototypeSlice,
  StringPrototypeToLowerCase,
} = rt.primordials;

/**
 * A parsed MIME type: type and subtype in lower case, parameters in order (names lower case).
 * @typedef {{ type: string, subtype: string, params: string[] }} MIMEType
 * `params` is flat: [name0, value0, name1, value1, …].
 */

const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const quotedTokenRe = /^[\t\x20-\x7E\x80-\xFF]*$/;

/** @param {number} c */
function isHTTPWhitespace(c) {
  return c === 0x0a || c === 0x0d || c === 0x09 || c === 0x20;
}

/** @param {number} c */
function isTabOrSpace(c) {
  return c === 0x09 || c === 0x20;
}

/**
 * "Collect an HTTP quoted string" from s at pos (which is at a U+0022).
 * @param {string} s
 * @param {number} pos
 * @param {boolean} extractValue
 * @returns {[string, number]} the value and the position after it
 */
function collectQuotedString(s, pos, extractValue) {
  const start = pos;
  let value = '';
  pos++;
  for (;;) {
    let i = pos;
    while (i < s.length) {
      const c = StringPrototypeCharCodeAt(s, i);
      if (c === 0x22 || c === 0x5c) break;
      i++;
    }
    value += StringPrototypeSlice(s, pos, i);
    pos = i;
    if (pos >= s.length) break;
    const quoteOrBackslash = StringPrototypeCharCodeAt(s, pos);
    pos++;
    if (quoteOrBackslash === 0x5c) {
      if (pos >= s.length) {
        value += '\\';
        break;
      }
      value += s[pos];
      pos++;
    } else {
      break;
    }
  }
  return [extractValue ? value : StringPrototypeSlice(s, start, pos), pos];
}

/**
 * Parses a MIME type (https://mimesniff.spec.whatwg.org/#parse-a-mime-type), or null.
 * @param {string} input
 * @returns {MIMEType | null}
 */
function parseMIMEType(input) {
  let start = 0;
  let end = input.length;
  while (start < end && isHTTPWhitespace(StringPrototypeCharCodeAt(input, start))) start++;
  while (end > start && isHTTPWhitespace(StringPrototypeCharCodeAt(input, end - 1))) end--;
  const s = start === 0 && end === input.length ? input : StringPrototypeSlice(input, start, end);
  let pos = 0;
  while (pos < s.length && s[pos] !== '/') pos++;
  const type = StringPrototypeSlice(s, 0, pos);
  if (type === '' || RegExpPrototypeExec(tokenRe, type) === null) return null;
  if (pos >= s.length) return null;
  pos++;
  const subStart = pos;
  while (pos < s.length && s[pos] !== ';') pos++;
  let subEnd = pos;
  while (subEnd > subStart && isHTTPWhitespace(StringPrototypeCharCodeAt(s, subEnd - 1))) subEnd--;
  const subtype = StringPrototypeSlice(s, subStart, subEnd);
  if (subtype === '' || RegExpPrototypeExec(tokenRe, subtype) === null) return null;
  /** @type {MIMEType} */
  const mt = { type: StringPrototypeToLowerCase(type), subtype: StringPrototypeToLowerCase(subtype), params: [] };
  while (pos < s.length) {
    pos++; // the ';'
    while (pos < s.length && isHTTPWhitespace(StringPrototypeCharCodeAt(s, pos))) pos++;
    const nameStart = pos;
    while (pos < s.length && s[pos] !== ';' && s[pos] !== '=') pos++;
    const name = StringPrototypeToLowerCase(StringPrototypeSlice(s, nameStart, pos));
    if (pos < s.length) {
      if (s[pos] === ';') continue;
      pos++; // the '='
    }
    if (pos >= s.length) break;
    /** @type {string} */
    let value;
    if (s[pos] === '"') {
      const r = collectQuotedString(s, pos, true);
      value = r[0];
      pos = r[1];
      while (pos < s.length && s[pos] !== ';') pos++;
    } else {
      const valueStart = pos;
      while (pos < s.length && s[pos] !== ';') pos++;
      let valueEnd = pos;
      while (valueEnd > valueStart && isHTTPWhitespace(StringPrototypeCharCodeAt(s, valueEnd - 1))) valueEnd--;
      value = StringPrototypeSlice(s, valueStart, valueEnd);
      if (value === '') continue;
    }
    if (name !== '' && RegExpPrototypeExec(tokenRe, name) !== null &&
      RegExpPrototypeExec(quotedTokenRe, value) !== null && paramIndex(mt, name) < 0) {
      ArrayPrototypePush(mt.params, name, value);
    }
  }
  return mt;
}

/**
 * The index of a parameter's name in mt.params, or -1.
 * @param {MIMEType} mt
 * @param {string} name
 */
function paramIndex(mt, name) {
  const p = mt.params;
  for (let i = 0; i < p.length; i += 2) if (p[i] === name) return i;
  return -1;
}

/**
 * A parameter's value, or undefined.
 * @param {MIMEType} mt
 * @param {string} name
 */
function getParam(mt, name) {
  const i = paramIndex(mt, name);
  return i < 0 ? undefined : mt.params[i + 1];
}

/**
 * @param {MIMEType} mt
 * @param {string} name
 * @param {string} value
 */
function setParam(mt, name, value) {
  const i = paramIndex(mt, name);
  if (i < 0) ArrayPrototypePush(mt.params, name, value);
  else mt.params[i + 1] = value;
}

/**
 * Serializes a MIME type (https://mimesniff.spec.whatwg.org/#serialize-a-mime-type).
 * @param {MIMEType} mt
 */
function serializeMIMEType(mt) {
  let out = `${mt.type}/${mt.subtype}`;
  const p = mt.params;
  for (let i = 0; i < p.length; i += 2) {
    let value = p[i + 1];
    if (value === '' || RegExpPrototypeExec(tokenRe, value) === null) {
      let quoted = '"';
      for (let k = 0; k < value.length; k++) {
        const ch = value[k];
        quoted += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
      }
      value = `${quoted}"`;
    }
    out += `;${p[i]}=${value}`;
  }
  return out;
}

/**
 * "Get, decode, and split" a header value: its comma-separated parts, commas inside quoted
 * strings kept, each part stripped of tabs and spaces.
 * @param {string} value
 * @returns {string[]}
 */
function splitHeaderValue(value) {
  /** @type {string[]} */
  const values = [];
  let pos = 0;
  let temp = '';
  for (;;) {
    const start = pos;
    while (pos < value.length && value[pos] !== '"' && value[pos] !== ',') pos++;
    temp += StringPrototypeSlice(value, start, pos);
    if (pos < value.length) {
      if (value[pos] === '"') {
        const r = collectQuotedString(value, pos, false);
        temp += r[0];
        pos = r[1];
        if (pos < value.length) continue;
      } else {
        pos++; // the ','
      }
    }
    let a = 0;
    let b = temp.length;
    while (a < b && isTabOrSpace(StringPrototypeCharCodeAt(temp, a))) a++;
    while (b > a && isTabOrSpace(StringPrototypeCharCodeAt(temp, b - 1))) b--;
    ArrayPrototypePush(values, StringPrototypeSlice(temp, a, b));
    temp = '';
    if (pos >= value.length) return values;
  }
}

/**
 * "Extract a MIME type" (https://fetch.spec.whatwg.org/#concept-header-extract-mime-type)
 * from the combined value of the Content-Type headers (null when there are none).
 * @param {string | null} contentType
 * @returns {MIMEType | null} null for failure
 */
function extractMIMEType(contentType) {
  if (contentType === null) return null;
  /** @type {string | null} */
  let charset = null;
  /** @type {string | null} */
  let essence = null;
  /** @type {MIMEType | null} */
  let mimeType = null;
  const values = splitHeaderValue(contentType);
  for (let i = 0; i < values.length; i++) {
    const temp = parseMIMEType(values[i]);
    if (temp === null || (temp.type === '*' && temp.subtype === '*')) continue;
    mimeType = temp;
    const e = `${temp.type}/${temp.subtype}`;
    if (e !== essence) {
      const cs = getParam(temp, 'charset');
      charset = cs === undefined ? null : cs;
      essence = e;
    } else if (getParam(temp, 'charset') === undefined && charset !== null) {
      setParam(temp, 'charset', charset);
    }
  }
  return mimeType;
}

rt.internal.mime = {
  __proto__: null,
  parse: parseMIMEType,
  serialize: serializeMIMEType,
  essence: (/** @type {MIMEType} */ mt) => `${mt.type}/${mt.subtype}`,
  getParam,
  extract: extractMIMEType,
  splitHeaderValue,
};
