package htmlrewriter

import (
	"bytes"
	"errors"
	"unicode/utf8"
)

// The tokenizer splits a stream of HTML bytes into tokens that keep their exact source bytes,
// following the WHATWG tokenizer's rules for where tags, comments and doctypes begin and end
// (quoted attribute values, `<!-->`, bogus comments, `</>`, raw text in script/style/title…).
// It decodes nothing: attribute values and text are the source bytes.
//
// It is resumable: write appends input, next returns the next token or reports that it needs
// more input. Text is returned as it arrives, in chunks (the last chunk of a text node, which
// may be empty, has last set); a tag, comment or doctype is returned once complete, and is
// buffered until then, up to maxTokenSize bytes.

type tokKind uint8

const (
	tokText tokKind = iota + 1
	tokStart
	tokEnd
	tokComment
	tokDoctype
	// tokOther is markup passed through with no event: `</>`, CDATA in foreign content, and a
	// tag cut off by the end of input.
	tokOther
)

// attr is one attribute of a tag.
type attr struct {
	name  string // lower case
	value []byte // source bytes, quotes removed, entities not decoded
	raw   []byte // the attribute's source, from its name to the end of its value
}

type token struct {
	kind        tokKind
	raw         []byte // the token's source bytes
	name        string // tags: the lower-case tag name
	attrs       []attr
	selfClosing bool
	text        []byte // text: the chunk; comment: the comment's text
	last        bool   // text: the last chunk of its text node
	// doctype; nil means missing
	dtName, dtPublic, dtSystem []byte
}

// maxTokenSize bounds one tag, comment or doctype (they are buffered whole).
var maxTokenSize = 8 << 20

// errTokenTooLarge is returned when a tag, comment or doctype exceeds maxTokenSize.
var errTokenTooLarge = errors.New("an HTML tag, comment or doctype is larger than the rewriter's limit")

type tokenizer struct {
	buf []byte
	pos int // start of the unconsumed input
	eof bool
	// rawEnd is the name of the element whose end tag ends raw text (script, style…), or "".
	rawEnd    string
	plaintext bool
	foreign   bool // the current node is in foreign content (CDATA sections are allowed)
	inText    bool // a non-last chunk of the current text node was returned
	tok       token
	attrs     []attr
}

// write appends input. Tokens returned before are invalid afterwards.
func (t *tokenizer) write(b []byte) {
	if t.pos > 0 {
		n := copy(t.buf, t.buf[t.pos:])
		t.buf = t.buf[:n]
		t.pos = 0
	}
	t.buf = append(t.buf, b...)
}

// end marks the end of input.
func (t *tokenizer) end() { t.eof = true }

// pending is how many bytes are buffered but not yet returned in a token.
func (t *tokenizer) pending() int { return len(t.buf) - t.pos }

// next returns the next token, or nil when it needs more input (or the input has ended).
func (t *tokenizer) next() (*token, error) {
	if t.pos >= len(t.buf) {
		if t.eof && t.inText {
			return t.text(t.pos, true), nil
		}
		return nil, nil
	}
	if t.plaintext {
		return t.text(len(t.buf), t.eof), nil
	}
	if t.rawEnd != "" {
		return t.rawText()
	}
	// Data state: text up to the next '<' that starts markup.
	for i := t.pos; ; {
		j := bytes.IndexByte(t.buf[i:], '<')
		if j < 0 {
			return t.textToEnd(), nil
		}
		k := i + j
		isMarkup, decided := t.markupStart(k)
		if !decided {
			if k > t.pos {
				return t.text(k, false), nil
			}
			return nil, nil
		}
		if !isMarkup {
			i = k + 1
			continue
		}
		if k > t.pos || t.inText {
			return t.text(k, true), nil
		}
		return t.markup()
	}
}

// textToEnd returns the rest of the buffer as text: the last chunk at the end of input, else a
// chunk that stops short of a trailing incomplete UTF-8 sequence (nil if nothing is left).
func (t *tokenizer) textToEnd() *token {
	if t.eof {
		return t.text(len(t.buf), true)
	}
	end := len(t.buf) - incompleteUTF8(t.buf[t.pos:])
	if end <= t.pos {
		return nil
	}
	return t.text(end, false)
}

// incompleteUTF8 is the length of an incomplete UTF-8 sequence at the end of b.
func incompleteUTF8(b []byte) int {
	for n := 1; n <= 3 && n <= len(b); n++ {
		c := b[len(b)-n]
		if c < 0x80 {
			return 0
		}
		if c >= 0xc0 { // a lead byte
			need := 2
			if c >= 0xf0 {
				need = 4
			} else if c >= 0xe0 {
				need = 3
			}
			if need > n && utf8.RuneStart(c) {
				return n
			}
			return 0
		}
	}
	return 0
}

// text returns buf[pos:end] as a text chunk and consumes it.
func (t *tokenizer) text(end int, last bool) *token {
	t.tok = token{kind: tokText, raw: t.buf[t.pos:end], text: t.buf[t.pos:end], last: last}
	t.pos = end
	t.inText = !last
	if t.plaintext && last {
		t.inText = false
	}
	return &t.tok
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// markupStart decides whether the '<' at k starts markup; decided is false when that depends
// on input not yet written.
func (t *tokenizer) markupStart(k int) (isMarkup, decided bool) {
	if k+1 >= len(t.buf) {
		return false, t.eof
	}
	switch c := t.buf[k+1]; {
	case isAlpha(c), c == '!', c == '?':
		return true, true
	case c == '/':
		if k+2 >= len(t.buf) {
			return false, t.eof
		}
		return true, true
	}
	return false, true
}

// incomplete reports a token that needs more input, or passes what is left through at the
// end of input.
func (t *tokenizer) incomplete() (*token, error) {
	if t.eof {
		t.tok = token{kind: tokOther, raw: t.buf[t.pos:]}
		t.pos = len(t.buf)
		return &t.tok, nil
	}
	if len(t.buf)-t.pos > maxTokenSize {
		return nil, errTokenTooLarge
	}
	return nil, nil
}

// markup parses the markup token at pos.
func (t *tokenizer) markup() (*token, error) {
	b := t.buf[t.pos:]
	switch c := b[1]; {
	case isAlpha(c):
		return t.tag(false)
	case c == '/':
		switch d := b[2]; {
		case isAlpha(d):
			return t.tag(true)
		case d == '>':
			return t.emit(tokOther, 3), nil
		}
		return t.bogusComment(2)
	case c == '?':
		return t.bogusComment(1)
	}
	// "<!"
	for _, p := range []string{"<!--", "<!doctype", "<![CDATA["} {
		n := min(len(p), len(b))
		var same bool
		if p == "<!doctype" {
			same = bytes.EqualFold(b[:n], []byte(p[:n]))
		} else {
			same = string(b[:n]) == p[:n]
		}
		if !same {
			continue
		}
		if n < len(p) {
			return t.incomplete()
		}
		switch p {
		case "<!--":
			return t.comment()
		case "<!doctype":
			return t.doctype()
		default:
			if t.foreign {
				end := bytes.Index(b[len(p):], []byte("]]>"))
				if end < 0 {
					return t.incomplete()
				}
				return t.emit(tokOther, len(p)+end+3), nil
			}
		}
	}
	return t.bogusComment(2)
}

// emit returns the n bytes at pos as a token of kind k.
func (t *tokenizer) emit(k tokKind, n int) *token {
	t.tok = token{kind: k, raw: t.buf[t.pos : t.pos+n]}
	t.pos += n
	return &t.tok
}

// bogusComment is a comment from pos+skip to the next '>'.
func (t *tokenizer) bogusComment(skip int) (*token, error) {
	b := t.buf[t.pos:]
	end := bytes.IndexByte(b[skip:], '>')
	if end < 0 {
		if !t.eof {
			return t.incomplete()
		}
		tok := t.emit(tokComment, len(b))
		tok.text = b[skip:]
		return tok, nil
	}
	tok := t.emit(tokComment, skip+end+1)
	tok.text = b[skip : skip+end]
	return tok, nil
}

func (t *tokenizer) comment() (*token, error) {
	b := t.buf[t.pos:]
	body := b[4:]
	switch {
	case len(body) >= 1 && body[0] == '>':
		tok := t.emit(tokComment, 5)
		tok.text = body[:0]
		return tok, nil
	case len(body) >= 2 && body[0] == '-' && body[1] == '>':
		tok := t.emit(tokComment, 6)
		tok.text = body[:0]
		return tok, nil
	case len(body) < 2 && !t.eof:
		return t.incomplete()
	}
	for i := 0; ; {
		j := bytes.Index(body[i:], []byte("--"))
		if j < 0 {
			break
		}
		k := i + j
		rest := body[k+2:]
		switch {
		case len(rest) >= 1 && rest[0] == '>':
			tok := t.emit(tokComment, 4+k+3)
			tok.text = body[:k]
			return tok, nil
		case len(rest) >= 2 && rest[0] == '!' && rest[1] == '>':
			tok := t.emit(tokComment, 4+k+4)
			tok.text = body[:k]
			return tok, nil
		case len(rest) == 0 || len(rest) == 1 && rest[0] == '!':
			if !t.eof {
				return t.incomplete()
			}
		}
		i = k + 1
	}
	if !t.eof {
		return t.incomplete()
	}
	tok := t.emit(tokComment, len(b))
	tok.text = body
	return tok, nil
}

func (t *tokenizer) doctype() (*token, error) {
	b := t.buf[t.pos:]
	end := bytes.IndexByte(b, '>')
	if end < 0 {
		if !t.eof {
			return t.incomplete()
		}
		end = len(b)
	} else {
		end++
	}
	tok := t.emit(tokDoctype, end)
	body := b[len("<!doctype"):end]
	if len(body) > 0 && body[len(body)-1] == '>' {
		body = body[:len(body)-1]
	}
	body = trimWS(body)
	n := 0
	for n < len(body) && !isWS(body[n]) {
		n++
	}
	if n > 0 {
		tok.dtName = bytes.ToLower(body[:n])
	}
	body = trimWS(body[n:])
	id := func() []byte {
		body = trimWS(body)
		if len(body) == 0 || body[0] != '"' && body[0] != '\'' {
			return nil
		}
		q := body[0]
		e := bytes.IndexByte(body[1:], q)
		if e < 0 {
			v := body[1:]
			body = nil
			return v
		}
		v := body[1 : 1+e]
		body = body[2+e:]
		return v
	}
	switch {
	case len(body) >= 6 && bytes.EqualFold(body[:6], []byte("public")):
		body = body[6:]
		tok.dtPublic = id()
		tok.dtSystem = id()
	case len(body) >= 6 && bytes.EqualFold(body[:6], []byte("system")):
		body = body[6:]
		tok.dtSystem = id()
	}
	return tok, nil
}

func trimWS(b []byte) []byte {
	for len(b) > 0 && isWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// tag parses a start or end tag at pos.
func (t *tokenizer) tag(isEnd bool) (*token, error) {
	b := t.buf[t.pos:]
	i := 1
	if isEnd {
		i = 2
	}
	start := i
	for i < len(b) && !isWS(b[i]) && b[i] != '/' && b[i] != '>' {
		i++
	}
	if i >= len(b) {
		return t.incomplete()
	}
	name := lowerName(b[start:i])
	attrs := t.attrs[:0]
	selfClosing := false
	for {
		for i < len(b) && isWS(b[i]) {
			i++
		}
		if i >= len(b) {
			return t.incomplete()
		}
		c := b[i]
		if c == '>' {
			i++
			break
		}
		if c == '/' {
			if i+1 >= len(b) {
				return t.incomplete()
			}
			if b[i+1] == '>' {
				selfClosing = true
				i += 2
				break
			}
			i++
			continue
		}
		// Attribute name: the first character may be '='.
		ns := i
		i++
		for i < len(b) && !isWS(b[i]) && b[i] != '/' && b[i] != '>' && b[i] != '=' {
			i++
		}
		ne := i
		for i < len(b) && isWS(b[i]) {
			i++
		}
		if i >= len(b) {
			return t.incomplete()
		}
		var value []byte
		ve := ne
		if b[i] == '=' {
			i++
			for i < len(b) && isWS(b[i]) {
				i++
			}
			if i >= len(b) {
				return t.incomplete()
			}
			switch q := b[i]; q {
			case '"', '\'':
				e := bytes.IndexByte(b[i+1:], q)
				if e < 0 {
					return t.incomplete()
				}
				value = b[i+1 : i+1+e]
				i += e + 2
			case '>':
				// `a=>`: an empty value
				value = b[i:i]
			default:
				vs := i
				for i < len(b) && !isWS(b[i]) && b[i] != '>' {
					i++
				}
				if i >= len(b) {
					return t.incomplete()
				}
				value = b[vs:i]
			}
			ve = i
		} else {
			value = b[ne:ne]
		}
		if !isEnd {
			attrs = append(attrs, attr{name: lowerName(b[ns:ne]), value: value, raw: b[ns:ve]})
		}
	}
	t.attrs = attrs
	kind := tokStart
	if isEnd {
		kind = tokEnd
		attrs = nil
		selfClosing = false
	}
	tok := t.emit(kind, i)
	tok.name = name
	tok.attrs = attrs
	tok.selfClosing = selfClosing
	return tok, nil
}

// lowerName is b as a lower-case string (ASCII letters only), without allocating for the
// common all-lower-case names.
func lowerName(b []byte) string {
	for _, c := range b {
		if c >= 'A' && c <= 'Z' {
			return string(bytes.ToLower(b))
		}
	}
	return internName(b)
}

// common names, so that the usual tags allocate no string.
var commonNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{"a", "abbr", "article", "aside", "b", "body", "br", "button", "class",
		"code", "div", "em", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header",
		"hr", "href", "html", "i", "id", "img", "input", "label", "li", "link", "main", "meta", "nav",
		"ol", "option", "p", "pre", "rel", "script", "section", "select", "span", "src", "strong",
		"style", "table", "tbody", "td", "th", "title", "tr", "type", "ul", "content", "name", "alt",
		"width", "height", "lang", "charset", "svg", "path", "d", "value", "data-id", "target"} {
		m[n] = n
	}
	return m
}()

func internName(b []byte) string {
	if s, ok := commonNames[string(b)]; ok {
		return s
	}
	return string(b)
}

// rawText scans raw text (script, style, textarea…) up to the end tag that closes it.
func (t *tokenizer) rawText() (*token, error) {
	name := t.rawEnd
	for i := t.pos; ; {
		j := bytes.Index(t.buf[i:], []byte("</"))
		if j < 0 {
			// Hold back a trailing '<'.
			end := len(t.buf)
			if !t.eof && end > t.pos && t.buf[end-1] == '<' {
				end--
			}
			if t.eof {
				return t.text(len(t.buf), true), nil
			}
			end -= incompleteUTF8(t.buf[t.pos:end])
			if end <= t.pos {
				return nil, nil
			}
			return t.text(end, false), nil
		}
		k := i + j
		rest := t.buf[k+2:]
		if len(rest) <= len(name) {
			if !t.eof && bytes.EqualFold(rest, []byte(name[:len(rest)])) {
				// Maybe the end tag: hold back from k.
				if k > t.pos {
					return t.text(k, false), nil
				}
				return nil, nil
			}
			i = k + 2
			continue
		}
		if bytes.EqualFold(rest[:len(name)], []byte(name)) {
			if c := rest[len(name)]; isWS(c) || c == '/' || c == '>' {
				if k > t.pos || t.inText {
					return t.text(k, true), nil
				}
				t.rawEnd = ""
				return t.tag(true)
			}
		}
		i = k + 2
	}
}
