// @ts-check
// URLPattern (https://urlpattern.spec.whatwg.org/). The tokenizer, the pattern parser, the
// constructor string parser, regular expression and pattern string generation run here; the
// component canonicalization runs the URL parser in Go (op urlpattern_canonicalize), and URL
// inputs are parsed with the url extension's url_parse op.

const {
  ArrayPrototypePush,
  ObjectCreate,
  ObjectKeys,
  RegExp,
  RegExpPrototypeExec,
  StringPrototypeCharCodeAt,
  StringPrototypeCodePointAt,
  StringPrototypeIncludes,
  StringPrototypeLastIndexOf,
  StringPrototypeSlice,
  StringPrototypeToLowerCase,
  TypeError,
} = rt.primordials;
const webidl = rt.internal.webidl;
const { converters } = webidl;
const ops = rt.ops;

// Component indices of url_parse results (internal/ext/url: Comp*).
const U_PROTOCOL = 2;
const U_USERNAME = 3;
const U_PASSWORD = 4;
const U_HOSTNAME = 6;
const U_PORT = 7;
const U_PATHNAME = 8;
const U_SEARCH = 9;
const U_HASH = 10;

// Canonicalization kinds (internal/ext/urlpattern: kind*).
const C_PROTOCOL = 0;
const C_USERNAME = 1;
const C_PASSWORD = 2;
const C_HOSTNAME = 3;
const C_PORT = 4;
const C_PATHNAME = 5;
const C_OPAQUE_PATHNAME = 6;
const C_SEARCH = 7;
const C_HASH = 8;

/**
 * @param {number} kind
 * @param {string} value
 * @param {string} [protocol]
 */
function canonicalize(kind, value, protocol = undefined) {
  if (value === '') return '';
  const r = ops.urlpattern_canonicalize(kind, value, protocol);
  if (r === null) throw new TypeError(`Failed to construct 'URLPattern': Invalid component "${value}"`);
  return r;
}

const canonProtocol = (/** @type {string} */ v) => canonicalize(C_PROTOCOL, v);
const canonUsername = (/** @type {string} */ v) => canonicalize(C_USERNAME, v);
const canonPassword = (/** @type {string} */ v) => canonicalize(C_PASSWORD, v);
const canonHostname = (/** @type {string} */ v) => canonicalize(C_HOSTNAME, v);
const canonPort = (/** @type {string} */ v) => canonicalize(C_PORT, v);
const canonPathname = (/** @type {string} */ v) => canonicalize(C_PATHNAME, v);
const canonOpaquePathname = (/** @type {string} */ v) => canonicalize(C_OPAQUE_PATHNAME, v);
const canonSearch = (/** @type {string} */ v) => canonicalize(C_SEARCH, v);
const canonHash = (/** @type {string} */ v) => canonicalize(C_HASH, v);

/** @param {string} value */
function canonIPv6Hostname(value) {
  let result = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    const ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
      c === '[' || c === ']' || c === ':';
    if (!ok) throw new TypeError(`Failed to construct 'URLPattern': Invalid IPv6 hostname "${value}"`);
    result += StringPrototypeToLowerCase(c);
  }
  return result;
}

const specialSchemes = { __proto__: null, ftp: '21', file: null, http: '80', https: '443', ws: '80', wss: '443' };
/** @param {string} s */
const isSpecialScheme = (s) => s in specialSchemes;

// ---------------------------------------------------------------------------------------------
// Tokenizer (https://urlpattern.spec.whatwg.org/#tokenizing)

const T_OPEN = 0;
const T_CLOSE = 1;
const T_REGEXP = 2;
const T_NAME = 3;
const T_CHAR = 4;
const T_ESCAPED = 5;
const T_MODIFIER = 6;
const T_ASTERISK = 7;
const T_END = 8;
const T_INVALID = 9;

/** @typedef {{type: number, index: number, value: string}} Token */

const idStart = /^[\p{ID_Start}$_]$/u;
const idContinue = /^[\p{ID_Continue}$_\u200C\u200D]$/u;

/**
 * @param {string} c one code point
 * @param {boolean} first
 */
function isValidNameCodePoint(c, first) {
  return RegExpPrototypeExec(first ? idStart : idContinue, c) !== null;
}

/** @param {string} s */
function firstCodePoint(s) {
  const cp = StringPrototypeCodePointAt(s, 0);
  return cp === undefined ? '' : StringPrototypeSlice(s, 0, cp > 0xffff ? 2 : 1);
}

/** @param {string} c */
const isASCII = (c) => StringPrototypeCharCodeAt(c, 0) < 0x80;

/**
 * @param {string} input
 * @param {boolean} strict
 * @returns {Token[]}
 */
function tokenize(input, strict) {
  /** @type {Token[]} */
  const tokens = [];
  const n = input.length;
  let index = 0;
  let next = 0;
  let cp = '';
  /** @param {number} at */
  const getNext = (at) => {
    const c = /** @type {number} */ (StringPrototypeCodePointAt(input, at));
    const size = c > 0xffff ? 2 : 1;
    cp = StringPrototypeSlice(input, at, at + size);
    next = at + size;
  };
  /**
   * @param {number} type
   * @param {number} nextPos
   * @param {number} valuePos
   * @param {number} valueLen
   */
  const add = (type, nextPos, valuePos, valueLen) => {
    ArrayPrototypePush(tokens, { type, index, value: StringPrototypeSlice(input, valuePos, valuePos + valueLen) });
    index = nextPos;
  };
  /** @param {number} type */
  const addDefault = (type) => add(type, next, index, next - index);
  /**
   * @param {number} nextPos
   * @param {number} valuePos
   */
  const error = (nextPos, valuePos) => {
    if (strict) throw new TypeError(`Failed to construct 'URLPattern': Invalid pattern "${input}" at ${valuePos}`);
    add(T_INVALID, nextPos, valuePos, nextPos - valuePos);
  };
  while (index < n) {
    getNext(index);
    if (cp === '*') {
      addDefault(T_ASTERISK);
      continue;
    }
    if (cp === '+' || cp === '?') {
      addDefault(T_MODIFIER);
      continue;
    }
    if (cp === '\\') {
      if (index === n - 1) {
        error(next, index);
        continue;
      }
      const escapedIndex = next;
      getNext(next);
      add(T_ESCAPED, next, escapedIndex, next - escapedIndex);
      continue;
    }
    if (cp === '{') {
      addDefault(T_OPEN);
      continue;
    }
    if (cp === '}') {
      addDefault(T_CLOSE);
      continue;
    }
    if (cp === ':') {
      let pos = next;
      const start = pos;
      while (pos < n) {
        getNext(pos);
        if (!isValidNameCodePoint(cp, pos === start)) break;
        pos = next;
      }
      if (pos <= start) {
        error(start, index);
        continue;
      }
      add(T_NAME, pos, start, pos - start);
      continue;
    }
    if (cp === '(') {
      let depth = 1;
      let pos = next;
      const start = pos;
      let failed = false;
      while (pos < n) {
        getNext(pos);
        if (!isASCII(cp)) {
          error(start, index);
          failed = true;
          break;
        }
        if (pos === start && cp === '?') {
          error(start, index);
          failed = true;
          break;
        }
        if (cp === '\\') {
          if (pos === n - 1) {
            error(start, index);
            failed = true;
            break;
          }
          getNext(next);
          if (!isASCII(cp)) {
            error(start, index);
            failed = true;
            break;
          }
          pos = next;
          continue;
        }
        if (cp === ')') {
          depth--;
          if (depth === 0) {
            pos = next;
            break;
          }
        } else if (cp === '(') {
          depth++;
          if (pos === n - 1) {
            error(start, index);
            failed = true;
            break;
          }
          const temp = next;
          getNext(temp);
          if (cp !== '?') {
            error(start, index);
            failed = true;
            break;
          }
          next = temp;
        }
        pos = next;
      }
      if (failed) continue;
      if (depth !== 0) {
        error(start, index);
        continue;
      }
      const len = pos - start - 1;
      if (len === 0) {
        error(start, index);
        continue;
      }
      add(T_REGEXP, pos, start, len);
      continue;
    }
    addDefault(T_CHAR);
  }
  add(T_END, index, index, 0);
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Pattern parser (https://urlpattern.spec.whatwg.org/#parsing-patterns)

const P_FIXED = 0;
const P_REGEXP = 1;
const P_SEGMENT = 2;
const P_FULL = 3;

const M_NONE = '';
const FULL_WILDCARD = '.*';

/** @typedef {{type: number, value: string, modifier: string, name: string, prefix: string, suffix: string}} Part */
/** @typedef {{delimiter: string, prefix: string, ignoreCase: boolean}} Options */

/** @param {string} s */
function escapeRegexp(s) {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    switch (c) {
      case '.': case '+': case '*': case '?': case '^': case '$': case '{': case '}':
      case '(': case ')': case '[': case ']': case '|': case '/': case '\\':
        out += '\\';
    }
    out += c;
  }
  return out;
}

/** @param {string} s */
function escapePattern(s) {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    switch (c) {
      case '+': case '*': case '?': case ':': case '{': case '}': case '(': case ')': case '\\':
        out += '\\';
    }
    out += c;
  }
  return out;
}

/** @param {Options} options */
const segmentWildcardRegexp = (options) => `[^${escapeRegexp(options.delimiter)}]+?`;

/**
 * @param {string} input
 * @param {Options} options
 * @param {(s: string) => string} encode
 * @returns {Part[]}
 */
function parsePattern(input, options, encode) {
  const tokens = tokenize(input, true);
  const segmentWildcard = segmentWildcardRegexp(options);
  /** @type {Part[]} */
  const parts = [];
  let pending = '';
  let index = 0;
  let nextNumericName = 0;

  /** @param {number} type */
  const tryConsume = (type) => {
    const t = tokens[index];
    if (t.type !== type) return null;
    index++;
    return t;
  };
  /** @param {Token | null} nameToken */
  const tryConsumeRegexpOrWildcard = (nameToken) => {
    const t = tryConsume(T_REGEXP);
    if (nameToken === null && t === null) return tryConsume(T_ASTERISK);
    return t;
  };
  const tryConsumeModifier = () => tryConsume(T_MODIFIER) ?? tryConsume(T_ASTERISK);
  /** @param {number} type */
  const consumeRequired = (type) => {
    const t = tryConsume(type);
    if (t === null) {
      throw new TypeError(`Failed to construct 'URLPattern': Invalid pattern "${input}"`);
    }
    return t;
  };
  const consumeText = () => {
    let result = '';
    for (;;) {
      const t = tryConsume(T_CHAR) ?? tryConsume(T_ESCAPED);
      if (t === null) break;
      result += t.value;
    }
    return result;
  };
  const flushPending = () => {
    if (pending === '') return;
    const encoded = encode(pending);
    pending = '';
    ArrayPrototypePush(parts, { type: P_FIXED, value: encoded, modifier: M_NONE, name: '', prefix: '', suffix: '' });
  };
  /** @param {string} name */
  const isDuplicate = (name) => {
    for (let i = 0; i < parts.length; i++) if (parts[i].type !== P_FIXED && parts[i].name === name) return true;
    return false;
  };
  /**
   * @param {string} prefix
   * @param {Token | null} nameToken
   * @param {Token | null} regexpOrWildcard
   * @param {string} suffix
   * @param {Token | null} modifierToken
   */
  const addPart = (prefix, nameToken, regexpOrWildcard, suffix, modifierToken) => {
    const modifier = modifierToken === null ? M_NONE : modifierToken.value;
    if (nameToken === null && regexpOrWildcard === null && modifier === M_NONE) {
      pending += prefix;
      return;
    }
    flushPending();
    if (nameToken === null && regexpOrWildcard === null) {
      if (prefix === '') return;
      ArrayPrototypePush(parts, { type: P_FIXED, value: encode(prefix), modifier, name: '', prefix: '', suffix: '' });
      return;
    }
    let value;
    if (regexpOrWildcard === null) value = segmentWildcard;
    else if (regexpOrWildcard.type === T_ASTERISK) value = FULL_WILDCARD;
    else value = regexpOrWildcard.value;
    let type = P_REGEXP;
    if (value === segmentWildcard) {
      type = P_SEGMENT;
      value = '';
    } else if (value === FULL_WILDCARD) {
      type = P_FULL;
      value = '';
    }
    let name = '';
    if (nameToken !== null) name = nameToken.value;
    else if (regexpOrWildcard !== null) name = `${nextNumericName++}`;
    if (isDuplicate(name)) {
      throw new TypeError(`Failed to construct 'URLPattern': Duplicate group name "${name}" in "${input}"`);
    }
    ArrayPrototypePush(parts, { type, value, modifier, name, prefix: encode(prefix), suffix: encode(suffix) });
  };

  while (index < tokens.length) {
    const charToken = tryConsume(T_CHAR);
    let nameToken = tryConsume(T_NAME);
    let rw = tryConsumeRegexpOrWildcard(nameToken);
    if (nameToken !== null || rw !== null) {
      let prefix = charToken === null ? '' : charToken.value;
      if (prefix !== '' && prefix !== options.prefix) {
        pending += prefix;
        prefix = '';
      }
      flushPending();
      const modifierToken = tryConsumeModifier();
      addPart(prefix, nameToken, rw, '', modifierToken);
      continue;
    }
    const fixedToken = charToken ?? tryConsume(T_ESCAPED);
    if (fixedToken !== null) {
      pending += fixedToken.value;
      continue;
    }
    const openToken = tryConsume(T_OPEN);
    if (openToken !== null) {
      const prefix = consumeText();
      nameToken = tryConsume(T_NAME);
      rw = tryConsumeRegexpOrWildcard(nameToken);
      const suffix = consumeText();
      consumeRequired(T_CLOSE);
      const modifierToken = tryConsumeModifier();
      addPart(prefix, nameToken, rw, suffix, modifierToken);
      continue;
    }
    flushPending();
    consumeRequired(T_END);
  }
  return parts;
}

/**
 * @param {Part[]} parts
 * @param {Options} options
 * @returns {[string, string[]]}
 */
function generateRegexp(parts, options) {
  let result = '^';
  /** @type {string[]} */
  const names = [];
  const segmentWildcard = segmentWildcardRegexp(options);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part.type === P_FIXED) {
      if (part.modifier === M_NONE) result += escapeRegexp(part.value);
      else result += `(?:${escapeRegexp(part.value)})${part.modifier}`;
      continue;
    }
    ArrayPrototypePush(names, part.name);
    let value = part.value;
    if (part.type === P_SEGMENT) value = segmentWildcard;
    else if (part.type === P_FULL) value = FULL_WILDCARD;
    const single = part.modifier === M_NONE || part.modifier === '?';
    if (part.prefix === '' && part.suffix === '') {
      if (single) result += `(${value})${part.modifier}`;
      else result += `((?:${value})${part.modifier})`;
      continue;
    }
    const prefix = escapeRegexp(part.prefix);
    const suffix = escapeRegexp(part.suffix);
    if (single) {
      result += `(?:${prefix}(${value})${suffix})${part.modifier}`;
      continue;
    }
    result += `(?:${prefix}((?:${value})(?:${suffix}${prefix}(?:${value}))*)${suffix})`;
    if (part.modifier === '*') result += '?';
  }
  return [result + '$', names];
}

/** @param {string} s */
const startsWithDigit = (s) => s !== '' && s[0] >= '0' && s[0] <= '9';

/**
 * @param {Part[]} parts
 * @param {Options} options
 */
function generatePatternString(parts, options) {
  let result = '';
  const segmentWildcard = segmentWildcardRegexp(options);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const previous = i > 0 ? parts[i - 1] : null;
    const next = i < parts.length - 1 ? parts[i + 1] : null;
    if (part.type === P_FIXED) {
      if (part.modifier === M_NONE) result += escapePattern(part.value);
      else result += `{${escapePattern(part.value)}}${part.modifier}`;
      continue;
    }
    const customName = !startsWithDigit(part.name);
    let needsGrouping = part.suffix !== '' || (part.prefix !== '' && part.prefix !== options.prefix);
    if (!needsGrouping && customName && part.type === P_SEGMENT && part.modifier === M_NONE &&
      next !== null && next.prefix === '' && next.suffix === '') {
      if (next.type === P_FIXED) {
        needsGrouping = next.value !== '' && isValidNameCodePoint(firstCodePoint(next.value), false);
      } else {
        needsGrouping = startsWithDigit(next.name);
      }
    }
    if (!needsGrouping && part.prefix === '' && previous !== null && previous.type === P_FIXED &&
      previous.value !== '' && previous.value[previous.value.length - 1] === options.prefix) {
      needsGrouping = true;
    }
    if (needsGrouping) result += '{';
    result += escapePattern(part.prefix);
    if (customName) result += `:${part.name}`;
    if (part.type === P_REGEXP) {
      result += `(${part.value})`;
    } else if (part.type === P_SEGMENT && !customName) {
      result += `(${segmentWildcard})`;
    } else if (part.type === P_FULL) {
      if (!customName && (previous === null || previous.type === P_FIXED || previous.modifier !== M_NONE ||
        needsGrouping || part.prefix !== '')) {
        result += '*';
      } else {
        result += `(${FULL_WILDCARD})`;
      }
    }
    if (part.type === P_SEGMENT && customName && part.suffix !== '' &&
      isValidNameCodePoint(firstCodePoint(part.suffix), false)) {
      result += '\\';
    }
    result += escapePattern(part.suffix);
    if (needsGrouping) result += '}';
    result += part.modifier;
  }
  return result;
}

/** @typedef {{patternString: string, regexp: RegExp, names: string[], hasRegExpGroups: boolean, parts: Part[], encode: (s: string) => string, options: Options}} Component */

/**
 * @param {string} input
 * @param {(s: string) => string} encode
 * @param {Options} options
 * @returns {Component}
 */
function compileComponent(input, encode, options) {
  const parts = parsePattern(input, options, encode);
  const generated = generateRegexp(parts, options);
  const source = generated[0];
  const names = generated[1];
  let regexp;
  try {
    regexp = new RegExp(source, options.ignoreCase ? 'ui' : 'u');
  } catch (e) {
    throw new TypeError(`Failed to construct 'URLPattern': Invalid regular expression in "${input}"`);
  }
  let hasRegExpGroups = false;
  for (let i = 0; i < parts.length; i++) if (parts[i].type === P_REGEXP) hasRegExpGroups = true;
  return { patternString: generatePatternString(parts, options), regexp, names, hasRegExpGroups, parts, encode, options };
}

const specialSchemeList = ['ftp', 'file', 'http', 'https', 'ws', 'wss'];

/** @param {Component} c */
function matchesSpecialScheme(c) {
  for (let i = 0; i < specialSchemeList.length; i++) {
    if (RegExpPrototypeExec(c.regexp, specialSchemeList[i]) !== null) return true;
  }
  return false;
}

/** @type {Options} */
const defaultOptions = { delimiter: '', prefix: '', ignoreCase: false };
/** @type {Options} */
const hostnameOptions = { delimiter: '.', prefix: '', ignoreCase: false };
/** @type {Options} */
const pathnameOptions = { delimiter: '/', prefix: '/', ignoreCase: false };

// ---------------------------------------------------------------------------------------------
// Constructor string parser (https://urlpattern.spec.whatwg.org/#constructor-string-parsing)

/** @typedef {{protocol?: string, username?: string, password?: string, hostname?: string, port?: string, pathname?: string, search?: string, hash?: string, baseURL?: string}} Init */

/** @param {string} input */
function parseConstructorString(input) {
  const tokens = tokenize(input, false);
  /** @type {Init} */
  const result = {};
  let componentStart = 0;
  let tokenIndex = 0;
  let tokenIncrement = 1;
  let groupDepth = 0;
  let ipv6Depth = 0;
  let protocolIsSpecial = false;
  let state = 'init';

  /** @param {number} i */
  const safeToken = (i) => (i < tokens.length ? tokens[i] : tokens[tokens.length - 1]);
  /**
   * @param {number} i
   * @param {string} value
   */
  const isNonSpecial = (i, value) => {
    const t = safeToken(i);
    if (t.value !== value) return false;
    return t.type === T_CHAR || t.type === T_ESCAPED || t.type === T_INVALID;
  };
  const makeComponentString = () => {
    const t = tokens[tokenIndex];
    const startIndex = safeToken(componentStart).index;
    return StringPrototypeSlice(input, startIndex, t.index);
  };
  const rewind = () => {
    tokenIndex = componentStart;
    tokenIncrement = 0;
  };
  /** @param {string} s */
  const rewindAndSet = (s) => {
    rewind();
    state = s;
  };
  /**
   * @param {string} newState
   * @param {number} skip
   */
  const changeState = (newState, skip) => {
    const r = /** @type {Record<string, string>} */ (result);
    if (state !== 'init' && state !== 'authority' && state !== 'done') r[state] = makeComponentString();
    if (state !== 'init' && newState !== 'done') {
      const early = state === 'protocol' || state === 'authority' || state === 'username' || state === 'password';
      if (early && (newState === 'port' || newState === 'pathname' || newState === 'search' ||
        newState === 'hash') && result.hostname === undefined) {
        result.hostname = '';
      }
      if ((early || state === 'hostname' || state === 'port') && (newState === 'search' || newState === 'hash') &&
        result.pathname === undefined) {
        result.pathname = protocolIsSpecial ? '/' : '';
      }
      if ((early || state === 'hostname' || state === 'port' || state === 'pathname') && newState === 'hash' &&
        result.search === undefined) {
        result.search = '';
      }
    }
    state = newState;
    tokenIndex += skip;
    componentStart = tokenIndex;
    tokenIncrement = 0;
  };
  const isSearchPrefix = () => {
    if (isNonSpecial(tokenIndex, '?')) return true;
    if (tokens[tokenIndex].value !== '?') return false;
    if (tokenIndex - 1 < 0) return true;
    const prev = safeToken(tokenIndex - 1);
    return !(prev.type === T_NAME || prev.type === T_REGEXP || prev.type === T_CLOSE || prev.type === T_ASTERISK);
  };
  const isHashPrefix = () => isNonSpecial(tokenIndex, '#');
  const isPathnameStart = () => isNonSpecial(tokenIndex, '/');

  while (tokenIndex < tokens.length) {
    tokenIncrement = 1;
    const token = tokens[tokenIndex];
    if (token.type === T_END) {
      if (state === 'init') {
        rewind();
        if (isHashPrefix()) changeState('hash', 1);
        else if (isSearchPrefix()) changeState('search', 1);
        else changeState('pathname', 0);
        tokenIndex += tokenIncrement;
        continue;
      }
      if (state === 'authority') {
        rewindAndSet('hostname');
        tokenIndex += tokenIncrement;
        continue;
      }
      changeState('done', 0);
      break;
    }
    if (groupDepth > 0) {
      if (token.type === T_CLOSE) {
        groupDepth--;
      } else {
        tokenIndex += tokenIncrement;
        continue;
      }
    }
    if (token.type === T_OPEN) {
      groupDepth++;
      tokenIndex += tokenIncrement;
      continue;
    }
    switch (state) {
      case 'init':
        if (isNonSpecial(tokenIndex, ':')) rewindAndSet('protocol');
        break;
      case 'protocol':
        if (isNonSpecial(tokenIndex, ':')) {
          const protocolComponent = compileComponent(makeComponentString(), canonProtocol, defaultOptions);
          protocolIsSpecial = matchesSpecialScheme(protocolComponent);
          let nextState = 'pathname';
          let skip = 1;
          if (isNonSpecial(tokenIndex + 1, '/') && isNonSpecial(tokenIndex + 2, '/')) {
            nextState = 'authority';
            skip = 3;
          } else if (protocolIsSpecial) {
            nextState = 'authority';
          }
          changeState(nextState, skip);
        }
        break;
      case 'authority':
        if (isNonSpecial(tokenIndex, '@')) rewindAndSet('username');
        else if (isPathnameStart() || isSearchPrefix() || isHashPrefix()) rewindAndSet('hostname');
        break;
      case 'username':
        if (isNonSpecial(tokenIndex, ':')) changeState('password', 1);
        else if (isNonSpecial(tokenIndex, '@')) changeState('hostname', 1);
        break;
      case 'password':
        if (isNonSpecial(tokenIndex, '@')) changeState('hostname', 1);
        break;
      case 'hostname':
        if (isNonSpecial(tokenIndex, '[')) ipv6Depth++;
        else if (isNonSpecial(tokenIndex, ']')) ipv6Depth--;
        else if (isNonSpecial(tokenIndex, ':') && ipv6Depth === 0) changeState('port', 1);
        else if (isPathnameStart()) changeState('pathname', 0);
        else if (isSearchPrefix()) changeState('search', 1);
        else if (isHashPrefix()) changeState('hash', 1);
        break;
      case 'port':
        if (isPathnameStart()) changeState('pathname', 0);
        else if (isSearchPrefix()) changeState('search', 1);
        else if (isHashPrefix()) changeState('hash', 1);
        break;
      case 'pathname':
        if (isSearchPrefix()) changeState('search', 1);
        else if (isHashPrefix()) changeState('hash', 1);
        break;
      case 'search':
        if (isHashPrefix()) changeState('hash', 1);
        break;
    }
    tokenIndex += tokenIncrement;
  }
  if (result.hostname !== undefined && result.port === undefined) result.port = '';
  return result;
}

// ---------------------------------------------------------------------------------------------
// URLPatternInit processing (https://urlpattern.spec.whatwg.org/#process-a-urlpattern-init)

const initKeys = ['baseURL', 'hash', 'hostname', 'password', 'pathname', 'port', 'protocol', 'search', 'username'];
const componentNames = ['protocol', 'username', 'password', 'hostname', 'port', 'pathname', 'search', 'hash'];

/**
 * Converts a URLPatternInit dictionary.
 * @param {any} v
 * @param {string} prefix
 * @returns {Init}
 */
function convertInit(v, prefix) {
  /** @type {Record<string, string>} */
  const init = {};
  if (v === undefined || v === null) return init;
  if (!webidl.isObject(v)) throw new TypeError(`${prefix}: The provided value is not of type 'URLPatternInit'.`);
  for (let i = 0; i < initKeys.length; i++) {
    const key = initKeys[i];
    const x = v[key];
    if (x !== undefined) init[key] = converters.USVString(x, prefix, `'${key}' member of URLPatternInit`);
  }
  return init;
}

/**
 * @param {string} input
 * @param {string} type
 */
const processBase = (input, type) => (type === 'pattern' ? escapePattern(input) : input);

/**
 * @param {string} input
 * @param {string} type
 */
function isAbsolutePathname(input, type) {
  if (input === '') return false;
  if (input[0] === '/') return true;
  if (type === 'url') return false;
  if (input.length < 2) return false;
  return (input[0] === '\\' || input[0] === '{') && input[1] === '/';
}

/**
 * @param {string} value
 * @param {string | undefined} protocol
 * @param {string} type
 */
function processPathname(value, protocol, type) {
  if (type === 'pattern') return value;
  if (protocol === undefined || protocol === '' || isSpecialScheme(protocol)) return canonPathname(value);
  return canonOpaquePathname(value);
}

/**
 * @param {Init} init
 * @param {string} type "pattern" or "url"
 * @param {boolean} empty whether the result starts with every component ""
 * @returns {Init}
 */
function processInit(init, type, empty) {
  /** @type {Init} */
  const result = {};
  if (empty) {
    for (let i = 0; i < componentNames.length; i++) /** @type {any} */ (result)[componentNames[i]] = '';
  }
  let base = null;
  if (init.baseURL !== undefined) {
    base = ops.url_parse(init.baseURL, undefined);
    if (base === null) throw new TypeError(`Failed to construct 'URLPattern': Invalid base URL "${init.baseURL}"`);
    if (init.protocol === undefined) {
      result.protocol = processBase(StringPrototypeSlice(base[U_PROTOCOL], 0, -1), type);
    }
    if (type !== 'pattern' && init.protocol === undefined && init.hostname === undefined &&
      init.port === undefined && init.username === undefined) {
      result.username = processBase(base[U_USERNAME], type);
    }
    if (type !== 'pattern' && init.protocol === undefined && init.hostname === undefined &&
      init.port === undefined && init.username === undefined && init.password === undefined) {
      result.password = processBase(base[U_PASSWORD], type);
    }
    if (init.protocol === undefined && init.hostname === undefined) {
      result.hostname = processBase(base[U_HOSTNAME], type);
    }
    if (init.protocol === undefined && init.hostname === undefined && init.port === undefined) {
      result.port = processBase(base[U_PORT], type);
    }
    if (init.protocol === undefined && init.hostname === undefined && init.port === undefined &&
      init.pathname === undefined) {
      result.pathname = processBase(base[U_PATHNAME], type);
    }
    if (init.protocol === undefined && init.hostname === undefined && init.port === undefined &&
      init.pathname === undefined && init.search === undefined) {
      result.search = processBase(StringPrototypeSlice(base[U_SEARCH], 1), type);
    }
    if (init.protocol === undefined && init.hostname === undefined && init.port === undefined &&
      init.pathname === undefined && init.search === undefined && init.hash === undefined) {
      result.hash = processBase(StringPrototypeSlice(base[U_HASH], 1), type);
    }
  }
  if (init.protocol !== undefined) {
    let v = init.protocol;
    if (v !== '' && v[v.length - 1] === ':') v = StringPrototypeSlice(v, 0, -1);
    result.protocol = type === 'pattern' ? v : canonProtocol(v);
  }
  if (init.username !== undefined) {
    result.username = type === 'pattern' ? init.username : canonUsername(init.username);
  }
  if (init.password !== undefined) {
    result.password = type === 'pattern' ? init.password : canonPassword(init.password);
  }
  if (init.hostname !== undefined) {
    result.hostname = type === 'pattern' ? init.hostname : canonicalize(C_HOSTNAME, init.hostname, result.protocol);
  }
  if (init.port !== undefined) {
    result.port = type === 'pattern' ? init.port : canonicalize(C_PORT, init.port, result.protocol);
  }
  if (init.pathname !== undefined) {
    let pathname = init.pathname;
    if (base !== null && !isOpaque(base) && !isAbsolutePathname(pathname, type)) {
      const basePath = processBase(base[U_PATHNAME], type);
      const slash = StringPrototypeLastIndexOf(basePath, '/');
      if (slash >= 0) pathname = StringPrototypeSlice(basePath, 0, slash + 1) + pathname;
    }
    result.pathname = processPathname(pathname, result.protocol, type);
  }
  if (init.search !== undefined) {
    let v = init.search;
    if (v !== '' && v[0] === '?') v = StringPrototypeSlice(v, 1);
    result.search = type === 'pattern' ? v : canonSearch(v);
  }
  if (init.hash !== undefined) {
    let v = init.hash;
    if (v !== '' && v[0] === '#') v = StringPrototypeSlice(v, 1);
    result.hash = type === 'pattern' ? v : canonHash(v);
  }
  return result;
}

/**
 * Whether a parsed URL (url_parse components) has an opaque path.
 * @param {string[]} c
 */
function isOpaque(c) {
  return c[U_PATHNAME] === '' ? false : c[U_PATHNAME][0] !== '/' && c[U_HOSTNAME] === '' &&
    !isSpecialScheme(StringPrototypeSlice(c[U_PROTOCOL], 0, -1));
}

/** @param {string} s */
function isIPv6Pattern(s) {
  if (s.length < 2) return false;
  if (s[0] === '[') return true;
  return (s[0] === '{' || s[0] === '\\') && s[1] === '[';
}

// ---------------------------------------------------------------------------------------------
// Tentative extensions: compareComponent and generate

/**
 * @param {any} v
 * @param {string} prefix
 */
function convertComponent(v, prefix) {
  const s = converters.DOMString(v, prefix, 'Argument 1');
  for (let i = 0; i < componentNames.length; i++) if (componentNames[i] === s) return s;
  throw new TypeError(`${prefix}: The provided value '${s}' is not a valid enum value of type URLPatternComponent.`);
}

const typeRank = [3, 2, 1, 0]; // by P_*: fixed text > regexp > segment wildcard > full wildcard
/** @param {string} m */
const modifierRank = (m) => (m === M_NONE ? 3 : m === '+' ? 2 : m === '?' ? 1 : 0);
/**
 * @param {string} a
 * @param {string} b
 */
const compareStrings = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * @param {Part} a
 * @param {Part} b
 */
function comparePart(a, b) {
  if (a.type !== b.type) return typeRank[a.type] < typeRank[b.type] ? -1 : 1;
  const ma = modifierRank(a.modifier);
  const mb = modifierRank(b.modifier);
  if (ma !== mb) return ma < mb ? -1 : 1;
  return compareStrings(a.prefix, b.prefix) || compareStrings(a.value, b.value) ||
    compareStrings(a.suffix, b.suffix);
}

/** @type {Part} */
const emptyPart = { type: P_FIXED, value: '', modifier: M_NONE, name: '', prefix: '', suffix: '' };

/**
 * @param {Part[]} left
 * @param {Part[]} right
 */
function compareParts(left, right) {
  const n = left.length > right.length ? left.length : right.length;
  for (let i = 0; i < n; i++) {
    const r = comparePart(i < left.length ? left[i] : emptyPart, i < right.length ? right[i] : emptyPart);
    if (r !== 0) return r;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// The URLPattern class

/** @typedef {Record<string, Component>} Components */

/** @type {(v: any) => boolean} */
let isURLPattern;

class URLPattern {
  /** @type {Components} */
  #c;

  /**
   * @param {any} [input]
   * @param {any} [baseURL]
   * @param {any} [options]
   */
  constructor(input = undefined, baseURL = undefined, options = undefined) {
    const prefix = webidl.constructorPrefix('URLPattern');
    if (arguments.length < 3 && (baseURL === undefined || baseURL === null || webidl.isObject(baseURL))) {
      options = baseURL;
      baseURL = undefined;
    } else {
      baseURL = converters.USVString(baseURL, prefix, 'Argument 2');
    }
    let ignoreCase = false;
    if (options !== undefined && options !== null) {
      if (!webidl.isObject(options)) {
        throw new TypeError(`${prefix}: The provided value is not of type 'URLPatternOptions'.`);
      }
      ignoreCase = !!options.ignoreCase;
    }
    /** @type {Init} */
    let init;
    if (input !== undefined && input !== null && !webidl.isObject(input)) {
      const s = converters.USVString(input, prefix, 'Argument 1');
      init = parseConstructorString(s);
      if (baseURL === undefined && init.protocol === undefined) {
        throw new TypeError(`${prefix}: Relative constructor string "${s}" must have a base URL`);
      }
      if (baseURL !== undefined) init.baseURL = baseURL;
    } else {
      init = convertInit(input, prefix);
      if (baseURL !== undefined) {
        throw new TypeError(`${prefix}: A base URL must not be given with a URLPatternInit`);
      }
    }
    const p = /** @type {Record<string, string>} */ (processInit(init, 'pattern', false));
    for (let i = 0; i < componentNames.length; i++) {
      if (p[componentNames[i]] === undefined) p[componentNames[i]] = '*';
    }
    if (isSpecialScheme(p.protocol) && p.port === specialSchemes[p.protocol]) p.port = '';
    /** @type {Components} */
    const c = ObjectCreate(null);
    c.protocol = compileComponent(p.protocol, canonProtocol, defaultOptions);
    c.username = compileComponent(p.username, canonUsername, defaultOptions);
    c.password = compileComponent(p.password, canonPassword, defaultOptions);
    c.hostname = compileComponent(p.hostname, isIPv6Pattern(p.hostname) ? canonIPv6Hostname : canonHostname,
      hostnameOptions);
    c.port = compileComponent(p.port, canonPort, defaultOptions);
    /** @type {Options} */
    const compileOptions = { delimiter: '', prefix: '', ignoreCase };
    if (matchesSpecialScheme(c.protocol)) {
      c.pathname = compileComponent(p.pathname, canonPathname, { delimiter: '/', prefix: '/', ignoreCase });
    } else {
      c.pathname = compileComponent(p.pathname, canonOpaquePathname, compileOptions);
    }
    c.search = compileComponent(p.search, canonSearch, compileOptions);
    c.hash = compileComponent(p.hash, canonHash, compileOptions);
    this.#c = c;
  }

  /**
   * @param {any} input
   * @param {any} baseURL
   * @param {string} prefix
   * @param {number} argc
   */
  #match(input, baseURL, prefix, argc) {
    if (baseURL !== undefined) baseURL = converters.USVString(baseURL, prefix, 'Argument 2');
    /** @type {any[]} */
    const inputs = [];
    /** @type {Record<string, string>} */
    let values;
    if (input === undefined || input === null || webidl.isObject(input)) {
      const init = convertInit(input, prefix);
      ArrayPrototypePush(inputs, init);
      if (baseURL !== undefined) throw new TypeError(`${prefix}: A base URL must not be given with a URLPatternInit`);
      try {
        values = /** @type {Record<string, string>} */ (processInit(init, 'url', true));
      } catch {
        return null;
      }
    } else {
      const s = converters.USVString(input, prefix, 'Argument 1');
      ArrayPrototypePush(inputs, s);
      if (baseURL !== undefined) {
        ArrayPrototypePush(inputs, baseURL);
        if (ops.url_parse(baseURL, undefined) === null) return null;
      }
      const u = ops.url_parse(s, baseURL);
      if (u === null) return null;
      values = {
        protocol: StringPrototypeSlice(u[U_PROTOCOL], 0, -1),
        username: u[U_USERNAME],
        password: u[U_PASSWORD],
        hostname: u[U_HOSTNAME],
        port: u[U_PORT],
        pathname: u[U_PATHNAME],
        search: StringPrototypeSlice(u[U_SEARCH], 1),
        hash: StringPrototypeSlice(u[U_HASH], 1),
      };
    }
    /** @type {Record<string, any>} */
    const result = { inputs };
    for (let i = 0; i < componentNames.length; i++) {
      const name = componentNames[i];
      const comp = this.#c[name];
      const value = values[name];
      const m = RegExpPrototypeExec(comp.regexp, value);
      if (m === null) return null;
      /** @type {Record<string, string | undefined>} */
      const groups = {};
      for (let j = 1; j < m.length; j++) groups[comp.names[j - 1]] = m[j];
      result[name] = { input: value, groups };
    }
    return result;
  }

  /**
   * @param {any} [input]
   * @param {any} [baseURL]
   */
  test(input = undefined, baseURL = undefined) {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#match(input, baseURL, webidl.operationPrefix('URLPattern', 'test'), arguments.length) !== null;
  }

  /**
   * @param {any} [input]
   * @param {any} [baseURL]
   */
  exec(input = undefined, baseURL = undefined) {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#match(input, baseURL, webidl.operationPrefix('URLPattern', 'exec'), arguments.length);
  }

  get protocol() {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#c.protocol.patternString;
  }

  get username() {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#c.username.patternString;
  }

  get password() {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#c.password.patternString;
  }

  get hostname() {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#c.hostname.patternString;
  }

  get port() {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#c.port.patternString;
  }

  get pathname() {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#c.pathname.patternString;
  }

  get search() {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#c.search.patternString;
  }

  get hash() {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#c.hash.patternString;
  }

  get hasRegExpGroups() {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    for (let i = 0; i < componentNames.length; i++) {
      if (this.#c[componentNames[i]].hasRegExpGroups) return true;
    }
    return false;
  }

  /**
   * Builds a string for one component from group values (tentative API, as in Chromium): only
   * fixed text and named segment wildcards without modifiers can be generated.
   * @param {any} component
   * @param {any} groups
   */
  generate(component, groups) {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    const prefix = webidl.operationPrefix('URLPattern', 'generate');
    webidl.requiredArguments(arguments.length, 2, prefix);
    const name = convertComponent(component, prefix);
    /** @type {Record<string, string>} */
    const values = ObjectCreate(null);
    if (groups !== undefined && groups !== null) {
      if (!webidl.isObject(groups)) throw new TypeError(`${prefix}: Argument 2 is not a record.`);
      const keys = ObjectKeys(groups);
      for (let i = 0; i < keys.length; i++) {
        values[keys[i]] = converters.USVString(groups[keys[i]], prefix, 'Argument 2');
      }
    }
    const comp = this.#c[name];
    let result = '';
    for (let i = 0; i < comp.parts.length; i++) {
      const part = comp.parts[i];
      if (part.modifier !== M_NONE) throw new TypeError(`${prefix}: Cannot generate a part with a modifier.`);
      if (part.type === P_FIXED) {
        result += part.value;
        continue;
      }
      if (part.type !== P_SEGMENT) throw new TypeError(`${prefix}: Cannot generate a wildcard or regexp group.`);
      const value = values[part.name];
      if (value === undefined) throw new TypeError(`${prefix}: Missing value for group "${part.name}".`);
      if (value === '' || (comp.options.delimiter !== '' && StringPrototypeIncludes(value, comp.options.delimiter))) {
        throw new TypeError(`${prefix}: Invalid value for group "${part.name}".`);
      }
      result += part.prefix + comp.encode(value) + part.suffix;
    }
    return result;
  }

  /**
   * Orders two patterns by one component, more specific first (tentative API, as in Chromium).
   * @param {any} component
   * @param {any} left
   * @param {any} right
   */
  static compareComponent(component, left, right) {
    const prefix = webidl.operationPrefix('URLPattern', 'compareComponent');
    webidl.requiredArguments(arguments.length, 3, prefix);
    const name = convertComponent(component, prefix);
    if (!isURLPattern(left)) throw new TypeError(`${prefix}: Argument 2 is not of type 'URLPattern'.`);
    if (!isURLPattern(right)) throw new TypeError(`${prefix}: Argument 3 is not of type 'URLPattern'.`);
    return compareParts(left.#c[name].parts, right.#c[name].parts);
  }

  static {
    isURLPattern = (v) => webidl.isObject(v) && #c in v;
  }
}
webidl.configureInterface(URLPattern, 'URLPattern');

rt.expose('URLPattern', URLPattern);
