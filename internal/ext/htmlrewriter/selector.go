package htmlrewriter

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Selector is a parsed CSS selector list, matched against an element and its open ancestors
// (so only what a streaming parser knows at a start tag can be used: no sibling combinators,
// no :last-child).
//
// Supported: `*`, type, `.class`, `#id`, `[a]`, `[a=v]`, `[a~=v]`, `[a|=v]`, `[a^=v]`,
// `[a$=v]`, `[a*=v]` (each with an optional ` i` or ` s` flag), `:nth-child(an+b)`,
// `:first-child`, `:nth-of-type(an+b)`, `:first-of-type`, `:not(compound)`, the descendant
// (whitespace) and child (`>`) combinators, and comma-separated lists.
type Selector struct {
	alts []complexSel
	// ancestorAttrs is whether matching needs the attributes of ancestors.
	ancestorAttrs bool
	// ofType is whether matching needs per-type sibling counts.
	ofType bool
}

// complexSel is compounds joined by combinators; parts[len-1] is the element itself and
// parts[i].comb joins parts[i] to parts[i+1].
type complexSel struct {
	parts []compound
}

const (
	combDescendant = ' '
	combChild      = '>'
)

type compound struct {
	tag   string // "" or "*" matches any
	conds []cond
	comb  byte // combinator to the next compound (to the right)
}

type condKind uint8

const (
	condID condKind = iota
	condClass
	condAttrExists
	condAttrEq       // =
	condAttrWord     // ~=
	condAttrDash     // |=
	condAttrPrefix   // ^=
	condAttrSuffix   // $=
	condAttrContains // *=
	condNthChild
	condNthOfType
	condNot
)

type cond struct {
	kind  condKind
	name  string // attribute name (lower case), id or class
	value string
	fold  bool // case-insensitive value (the `i` flag)
	a, b  int  // :nth-*(an+b)
	not   *compound
}

// SelectorError is a selector that cannot be parsed or is not supported.
type SelectorError struct {
	Selector string
	Reason   string
}

func (e *SelectorError) Error() string {
	return fmt.Sprintf("invalid selector %q: %s", e.Selector, e.Reason)
}

// maxSelectorLen bounds a selector's source (a worker's own text, but parsed per request).
const maxSelectorLen = 64 << 10

// ParseSelector parses a selector list.
func ParseSelector(s string) (*Selector, error) {
	if len(s) > maxSelectorLen {
		return nil, &SelectorError{s, "too long"}
	}
	p := &selParser{src: s}
	sel, err := p.list()
	if err != nil {
		return nil, &SelectorError{s, err.Error()}
	}
	return sel, nil
}

type selParser struct {
	src string
	pos int
}

func (p *selParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at offset %d: "+format, append([]any{p.pos}, args...)...)
}

func (p *selParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func (p *selParser) skipWS() bool {
	start := p.pos
	for p.pos < len(p.src) && isWS(p.src[p.pos]) {
		p.pos++
	}
	return p.pos > start
}

func (p *selParser) list() (*Selector, error) {
	sel := &Selector{}
	for {
		p.skipWS()
		c, err := p.complex()
		if err != nil {
			return nil, err
		}
		sel.alts = append(sel.alts, c)
		for i, part := range c.parts {
			for _, cd := range part.conds {
				if i < len(c.parts)-1 && cd.kind != condNthChild && cd.kind != condNthOfType {
					sel.ancestorAttrs = true
				}
				if cd.kind == condNthOfType || (cd.kind == condNot && cd.not.usesOfType()) {
					sel.ofType = true
				}
				if cd.kind == condNot && i < len(c.parts)-1 {
					sel.ancestorAttrs = true
				}
			}
		}
		if p.pos >= len(p.src) {
			return sel, nil
		}
		if p.peek() != ',' {
			return nil, p.errorf("unexpected %q", p.src[p.pos:p.pos+1])
		}
		p.pos++
	}
}

func (c *compound) usesOfType() bool {
	for _, cd := range c.conds {
		if cd.kind == condNthOfType {
			return true
		}
	}
	return false
}

func (p *selParser) complex() (complexSel, error) {
	var out complexSel
	for {
		c, err := p.compound(false)
		if err != nil {
			return out, err
		}
		out.parts = append(out.parts, c)
		ws := p.skipWS()
		switch ch := p.peek(); {
		case ch == 0 || ch == ',':
			return out, nil
		case ch == '>':
			p.pos++
			p.skipWS()
			out.parts[len(out.parts)-1].comb = combChild
		case ch == '+' || ch == '~':
			return out, p.errorf("the sibling combinator %q is not supported", string(ch))
		case ws:
			out.parts[len(out.parts)-1].comb = combDescendant
		default:
			return out, p.errorf("unexpected %q", string(ch))
		}
	}
}

// compound parses a compound selector; inNot forbids nested :not.
func (p *selParser) compound(inNot bool) (compound, error) {
	var c compound
	start := p.pos
	switch ch := p.peek(); {
	case ch == '*':
		p.pos++
		c.tag = "*"
	case isIdentStart(p.src[p.pos:]):
		name, err := p.ident()
		if err != nil {
			return c, err
		}
		c.tag = strings.ToLower(name)
	}
	if p.peek() == '|' {
		return c, p.errorf("namespace prefixes are not supported")
	}
	for {
		switch p.peek() {
		case '#':
			p.pos++
			name, err := p.ident()
			if err != nil {
				return c, err
			}
			c.conds = append(c.conds, cond{kind: condID, name: name})
		case '.':
			p.pos++
			name, err := p.ident()
			if err != nil {
				return c, err
			}
			c.conds = append(c.conds, cond{kind: condClass, name: name})
		case '[':
			cd, err := p.attr()
			if err != nil {
				return c, err
			}
			c.conds = append(c.conds, cd)
		case ':':
			cd, err := p.pseudo(inNot)
			if err != nil {
				return c, err
			}
			c.conds = append(c.conds, cd)
		default:
			if p.pos == start {
				if p.pos >= len(p.src) {
					return c, p.errorf("a selector is missing")
				}
				return c, p.errorf("unexpected %q", p.src[p.pos:p.pos+1])
			}
			return c, nil
		}
	}
}

func (p *selParser) attr() (cond, error) {
	p.pos++ // [
	p.skipWS()
	name, err := p.ident()
	if err != nil {
		return cond{}, err
	}
	if p.peek() == '|' && p.pos+1 < len(p.src) && p.src[p.pos+1] != '=' {
		return cond{}, p.errorf("namespace prefixes are not supported")
	}
	cd := cond{kind: condAttrExists, name: strings.ToLower(name)}
	p.skipWS()
	if p.peek() == ']' {
		p.pos++
		return cd, nil
	}
	ops := map[string]condKind{"=": condAttrEq, "~=": condAttrWord, "|=": condAttrDash, "^=": condAttrPrefix, "$=": condAttrSuffix, "*=": condAttrContains}
	matched := false
	for _, op := range []string{"~=", "|=", "^=", "$=", "*=", "="} {
		if strings.HasPrefix(p.src[p.pos:], op) {
			cd.kind = ops[op]
			p.pos += len(op)
			matched = true
			break
		}
	}
	if !matched {
		return cd, p.errorf("expected an attribute operator or ']'")
	}
	p.skipWS()
	switch p.peek() {
	case '"', '\'':
		v, err := p.str()
		if err != nil {
			return cd, err
		}
		cd.value = v
	default:
		v, err := p.ident()
		if err != nil {
			return cd, err
		}
		cd.value = v
	}
	p.skipWS()
	if ch := p.peek(); ch == 'i' || ch == 'I' || ch == 's' || ch == 'S' {
		cd.fold = ch == 'i' || ch == 'I'
		p.pos++
		p.skipWS()
	}
	if p.peek() != ']' {
		return cd, p.errorf("expected ']'")
	}
	p.pos++
	return cd, nil
}

func (p *selParser) pseudo(inNot bool) (cond, error) {
	p.pos++ // :
	if p.peek() == ':' {
		return cond{}, p.errorf("pseudo-elements are not supported")
	}
	name, err := p.ident()
	if err != nil {
		return cond{}, err
	}
	name = strings.ToLower(name)
	switch name {
	case "first-child":
		return cond{kind: condNthChild, a: 0, b: 1}, nil
	case "first-of-type":
		return cond{kind: condNthOfType, a: 0, b: 1}, nil
	case "nth-child", "nth-of-type", "not":
	default:
		return cond{}, p.errorf("the pseudo-class :%s is not supported", name)
	}
	if p.peek() != '(' {
		return cond{}, p.errorf(":%s needs an argument", name)
	}
	p.pos++
	p.skipWS()
	var cd cond
	if name == "not" {
		if inNot {
			return cond{}, p.errorf(":not cannot be nested")
		}
		inner, err := p.compound(true)
		if err != nil {
			return cond{}, err
		}
		cd = cond{kind: condNot, not: &inner}
	} else {
		end := strings.IndexByte(p.src[p.pos:], ')')
		if end < 0 {
			return cond{}, p.errorf("missing ')'")
		}
		a, b, err := parseNth(p.src[p.pos : p.pos+end])
		if err != nil {
			return cond{}, p.errorf("%v", err)
		}
		p.pos += end
		cd = cond{kind: condNthChild, a: a, b: b}
		if name == "nth-of-type" {
			cd.kind = condNthOfType
		}
	}
	p.skipWS()
	if p.peek() != ')' {
		return cond{}, p.errorf("expected ')'")
	}
	p.pos++
	return cd, nil
}

// parseNth parses the an+b micro-syntax ("odd", "even", "3", "-n+2", "2n - 1"…).
func parseNth(s string) (a, b int, err error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "odd":
		return 2, 1, nil
	case "even":
		return 2, 0, nil
	case "":
		return 0, 0, fmt.Errorf("empty an+b")
	}
	bad := fmt.Errorf("invalid an+b %q", s)
	atoi := func(t string) (int, bool) {
		if t == "" || len(t) > 9 {
			return 0, false
		}
		for i := 0; i < len(t); i++ {
			if t[i] < '0' || t[i] > '9' {
				return 0, false
			}
		}
		n, err := strconv.Atoi(t)
		return n, err == nil
	}
	n := strings.IndexByte(s, 'n')
	if n < 0 {
		sign := 1
		t := s
		if t[0] == '+' || t[0] == '-' {
			if t[0] == '-' {
				sign = -1
			}
			t = t[1:]
		}
		v, ok := atoi(t)
		if !ok {
			return 0, 0, bad
		}
		return 0, sign * v, nil
	}
	head := s[:n]
	switch head {
	case "", "+":
		a = 1
	case "-":
		a = -1
	default:
		sign := 1
		if head[0] == '+' || head[0] == '-' {
			if head[0] == '-' {
				sign = -1
			}
			head = head[1:]
		}
		v, ok := atoi(head)
		if !ok {
			return 0, 0, bad
		}
		a = sign * v
	}
	rest := strings.TrimSpace(s[n+1:])
	if rest == "" {
		return a, 0, nil
	}
	sign := 1
	switch rest[0] {
	case '+':
	case '-':
		sign = -1
	default:
		return 0, 0, bad
	}
	v, ok := atoi(strings.TrimSpace(rest[1:]))
	if !ok {
		return 0, 0, bad
	}
	return a, sign * v, nil
}

func isIdentStart(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if c == '-' {
		return len(s) > 1 && (isNameStart(s[1]) || s[1] == '-' || s[1] == '\\')
	}
	return isNameStart(c) || c == '\\'
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isNameChar(c byte) bool { return isNameStart(c) || c >= '0' && c <= '9' || c == '-' }

// ident parses a CSS identifier with escapes.
func (p *selParser) ident() (string, error) {
	if !isIdentStart(p.src[p.pos:]) {
		if p.pos >= len(p.src) {
			return "", p.errorf("an identifier is missing")
		}
		return "", p.errorf("expected an identifier, got %q", p.src[p.pos:p.pos+1])
	}
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\\':
			r, err := p.escape()
			if err != nil {
				return "", err
			}
			b.WriteRune(r)
		case isNameChar(c):
			b.WriteByte(c)
			p.pos++
		default:
			return b.String(), nil
		}
	}
	return b.String(), nil
}

// escape parses a backslash escape at p.pos.
func (p *selParser) escape() (rune, error) {
	p.pos++ // backslash
	if p.pos >= len(p.src) {
		return utf8.RuneError, nil
	}
	hex := 0
	var v rune
	for hex < 6 && p.pos < len(p.src) {
		c := p.src[p.pos]
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			d = -1
		}
		if d < 0 {
			break
		}
		v = v*16 + d
		hex++
		p.pos++
	}
	if hex > 0 {
		if p.pos < len(p.src) && isWS(p.src[p.pos]) {
			p.pos++
		}
		if v == 0 || v > utf8.MaxRune || (v >= 0xd800 && v <= 0xdfff) {
			v = utf8.RuneError
		}
		return v, nil
	}
	if p.src[p.pos] == '\n' {
		return 0, p.errorf("invalid escape")
	}
	r, size := utf8.DecodeRuneInString(p.src[p.pos:])
	p.pos += size
	return r, nil
}

// str parses a quoted string.
func (p *selParser) str() (string, error) {
	q := p.src[p.pos]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == q:
			p.pos++
			return b.String(), nil
		case c == '\\':
			if p.pos+1 < len(p.src) && p.src[p.pos+1] == '\n' {
				p.pos += 2
				continue
			}
			r, err := p.escape()
			if err != nil {
				return "", err
			}
			b.WriteRune(r)
		case c == '\n':
			return "", p.errorf("newline in string")
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.errorf("unterminated string")
}
