package htmlrewriter

import (
	"errors"
	"strings"
)

// Handler kinds of a registration (an on() call) and of the document handlers (onDocument).
const (
	HElement  = 1 << iota // element(el)
	HComments             // comments(c)
	HText                 // text(t)
	HDoctype              // document only: doctype(d)
	HEnd                  // document only: end(e)
)

// Registration is one on(selector, handlers): the selector and which handlers it has.
type Registration struct {
	Selector *Selector
	Flags    int
}

// EventKind is what an Event is about.
type EventKind uint8

// The kinds of Event.
const (
	EvElement EventKind = iota + 1
	EvEndTag
	EvText
	EvComment
	EvDoctype
	EvDocEnd
)

// Event is a token the JavaScript handlers must see before the rewriter goes on. Until the
// next call to Next, the mutation methods change how it is written out.
type Event struct {
	Kind EventKind
	Seq  int
	// Regs are the registrations whose handlers run, in order; Doc is whether the document
	// handlers run too (after them).
	Regs []int
	Doc  bool

	// Element and end tag
	Name           string
	NS             uint8
	SelfClosing    bool
	CanHaveContent bool
	Attrs          []Attr
	ElemSeq        int // end tag: the Seq of its element's event
	// Text, comment
	Text []byte
	Last bool
	// Doctype (nil: missing)
	DTName, DTPublic, DTSystem []byte

	raw          []byte
	removed      bool
	keepContent  bool // removeAndKeepContent
	nameChanged  bool
	attrsChanged bool
	textChanged  bool
	before       []byte
	replacement  []byte
	after        []byte
	prepend      []byte
	inner        []byte
	innerSet     bool
	appendC      []byte
	endTag       bool // the element's end tag is wanted as an event
	elem         *openElem
}

// Attr is an attribute as handlers see it: raw is its source while it is unchanged.
type Attr struct {
	Name  string
	Value string
	raw   []byte
}

// openElem is an entry of the stack of open elements.
type openElem struct {
	info       elemInfo
	ns         uint8
	matched    []int // registrations with text or comment handlers that match it
	childCount int
	typeCounts map[string]int
	seq        int      // its element event, or 0
	mut        *elemMut // what its handlers changed, or nil
}

// elemMut is what an element's handlers asked for that happens at its end.
type elemMut struct {
	removed     bool
	keepContent bool
	name        string // the new name, or ""
	appendC     []byte
	after       []byte
	endTag      bool
}

// Limits of one rewriter.
var (
	maxDepth    = 4096
	maxRetained = 16 << 20
)

// Rewriter rewrites one HTML stream: Write input, then call Next until it returns nil, running
// the handlers of each event (and mutating it) before the next call; Take the output. End
// marks the end of input; Next then closes what is open and returns the document end event.
type Rewriter struct {
	tok      tokenizer
	regs     []Registration
	docFlags int
	// active[i] is how many open elements registration i matches (text and comment handlers
	// apply to everything inside them).
	active        []int
	ancestorAttrs bool
	ofType        bool
	stack         []*openElem
	m             matcher
	anc           []*elemInfo
	dropped       []int // Seqs of elements whose end tag handlers will not run (see Dropped)
	elemRegs      []int // scratch
	matched       []int // scratch
	out           []byte
	ev            Event
	pending       bool
	seq           int
	supAt         int // the stack index from which output is dropped, or -1
	docEndSent    bool
	done          bool
	retained      int
	err           error
}

// NewRewriter makes a rewriter for the registrations and the document handler flags.
func NewRewriter(regs []Registration, docFlags int) *Rewriter {
	r := &Rewriter{regs: regs, docFlags: docFlags, active: make([]int, len(regs)), supAt: -1}
	for _, g := range regs {
		r.ancestorAttrs = r.ancestorAttrs || g.Selector.ancestorAttrs
		r.ofType = r.ofType || g.Selector.ofType
	}
	r.stack = []*openElem{{ns: nsHTML}}
	return r
}

// Write appends input; an event still pending is committed first.
func (r *Rewriter) Write(b []byte) {
	r.commit()
	r.tok.write(b)
}

// End marks the end of input.
func (r *Rewriter) End() {
	r.commit()
	r.tok.end()
}

// Take returns the output written so far and forgets it; the slice is valid until the next
// call.
func (r *Rewriter) Take() []byte {
	out := r.out
	r.out = r.out[:0]
	return out
}

// Dropped returns and forgets the Seqs of the element events whose end tag event will never
// come (the element was closed by an implied end, or removed), so their end tag handlers can
// be forgotten.
func (r *Rewriter) Dropped() []int {
	d := r.dropped
	r.dropped = r.dropped[:0]
	return d
}

// Buffered is the output not yet taken.
func (r *Rewriter) Buffered() int { return len(r.out) }

// Done reports whether the whole document has been rewritten.
func (r *Rewriter) Done() bool { return r.done }

func (r *Rewriter) top() *openElem { return r.stack[len(r.stack)-1] }

func (r *Rewriter) emit(b []byte) {
	if r.supAt < 0 {
		r.out = append(r.out, b...)
	}
}

func (r *Rewriter) emitString(s string) {
	if r.supAt < 0 {
		r.out = append(r.out, s...)
	}
}

// Next commits the pending event and returns the next one, or nil when more input is needed
// or the document is done.
func (r *Rewriter) Next() (*Event, error) {
	r.commit()
	if r.err != nil {
		return nil, r.err
	}
	for !r.done {
		t, err := r.tok.next()
		if err != nil {
			r.err = err
			return nil, err
		}
		if t == nil {
			if !r.tok.eof {
				return nil, nil
			}
			r.popTo(1)
			if r.docFlags&HEnd != 0 && !r.docEndSent {
				r.docEndSent = true
				return r.start(EvDocEnd), nil
			}
			r.done = true
			return nil, nil
		}
		var ev *Event
		switch t.kind {
		case tokText:
			ev = r.onText(t)
		case tokStart:
			ev, err = r.onStart(t)
		case tokEnd:
			ev = r.onEnd(t)
		case tokComment:
			ev = r.onComment(t)
		case tokDoctype:
			if r.docFlags&HDoctype != 0 && r.supAt < 0 {
				ev = r.start(EvDoctype)
				ev.raw, ev.DTName, ev.DTPublic, ev.DTSystem = t.raw, t.dtName, t.dtPublic, t.dtSystem
			} else {
				r.emit(t.raw)
			}
		default:
			r.emit(t.raw)
		}
		if err != nil {
			r.err = err
			return nil, err
		}
		if ev != nil {
			return ev, nil
		}
	}
	return nil, nil
}

// start begins a pending event.
func (r *Rewriter) start(k EventKind) *Event {
	r.seq++
	regs := r.ev.Regs[:0]
	attrs := r.ev.Attrs[:0]
	r.ev = Event{Kind: k, Seq: r.seq, Regs: regs, Attrs: attrs}
	r.pending = true
	return &r.ev
}

// contentRegs appends the registrations with handler flag f active at the current node.
func (r *Rewriter) contentRegs(regs []int, f int) []int {
	for i, g := range r.regs {
		if g.Flags&f != 0 && r.active[i] > 0 {
			regs = append(regs, i)
		}
	}
	return regs
}

func (r *Rewriter) onText(t *token) *Event {
	return r.onContent(t, EvText, HText)
}

func (r *Rewriter) onComment(t *token) *Event {
	return r.onContent(t, EvComment, HComments)
}

// onContent makes an event of a text chunk or comment if handlers of kind f apply to it.
func (r *Rewriter) onContent(t *token, k EventKind, f int) *Event {
	if r.supAt >= 0 {
		return nil
	}
	doc := r.docFlags&f != 0
	regs := r.contentRegs(r.ev.Regs[:0], f)
	if len(regs) == 0 && !doc {
		r.emit(t.raw)
		return nil
	}
	ev := r.start(k)
	ev.Regs, ev.Doc = regs, doc
	ev.raw, ev.Text, ev.Last = t.raw, t.text, t.last
	return ev
}

func (r *Rewriter) onStart(t *token) (*Event, error) {
	name := t.name
	r.impliedEnds(name)
	ns := r.nsFor(name)
	parent := r.top()
	parent.childCount++
	info := elemInfo{name: name, attrs: t.attrs, index: parent.childCount}
	if r.ofType {
		if parent.typeCounts == nil {
			parent.typeCounts = map[string]int{}
		}
		parent.typeCounts[name]++
		info.typeIndex = parent.typeCounts[name]
	}
	void := ns == nsHTML && voidElements[name] || ns != nsHTML && t.selfClosing

	// Match the selectors against the element and its open ancestors.
	elemRegs, matched := r.elemRegs[:0], r.matched[:0]
	if len(r.regs) > 0 {
		anc := r.anc[:0]
		for _, e := range r.stack[1:] {
			anc = append(anc, &e.info)
		}
		r.anc = anc
		for i, g := range r.regs {
			if !r.m.match(g.Selector, &info, anc) {
				continue
			}
			if g.Flags&HElement != 0 {
				elemRegs = append(elemRegs, i)
			}
			if g.Flags&(HText|HComments) != 0 && !void {
				matched = append(matched, i)
			}
		}
	}

	var entry *openElem
	if !void {
		if len(r.stack) > maxDepth {
			return nil, errors.New("the HTML is nested too deeply for the rewriter")
		}
		entry = &openElem{ns: ns}
		if len(matched) > 0 {
			entry.matched = append([]int(nil), matched...)
		}
		entry.info = elemInfo{name: name, index: info.index, typeIndex: info.typeIndex}
		size := 96 + len(name)
		if r.ancestorAttrs && len(t.attrs) > 0 {
			entry.info.attrs = make([]attr, len(t.attrs))
			for i, a := range t.attrs {
				v := append([]byte(nil), a.value...)
				entry.info.attrs[i] = attr{name: a.name, value: v}
				size += len(a.name) + len(v) + 48
			}
		}
		r.retained += size
		if r.retained > maxRetained {
			return nil, errors.New("the open elements use more memory than the rewriter's limit")
		}
		r.stack = append(r.stack, entry)
		for _, i := range matched {
			r.active[i]++
		}
		if ns == nsHTML {
			if rawTextElements[name] {
				r.tok.rawEnd = name
			} else if name == "plaintext" {
				r.tok.plaintext = true
			}
		}
		r.tok.foreign = ns != nsHTML
	}

	r.elemRegs, r.matched = elemRegs, matched
	if len(elemRegs) == 0 || r.supAt >= 0 {
		r.emit(t.raw)
		return nil, nil
	}
	ev := r.start(EvElement)
	ev.Regs = append(ev.Regs, elemRegs...)
	ev.raw, ev.Name, ev.NS, ev.SelfClosing, ev.CanHaveContent = t.raw, name, ns, t.selfClosing, !void
	for _, a := range t.attrs {
		ev.Attrs = append(ev.Attrs, Attr{Name: a.name, Value: string(a.value), raw: a.raw})
	}
	ev.elem = entry
	if entry != nil {
		entry.seq = ev.Seq
	}
	return ev, nil
}

func (r *Rewriter) onEnd(t *token) *Event {
	k := r.endTarget(t.name)
	if k < 0 {
		r.emit(t.raw)
		return nil
	}
	r.popTo(k + 1)
	e := r.top()
	if e.mut != nil && e.mut.endTag && r.supAt < 0 {
		ev := r.start(EvEndTag)
		ev.raw, ev.ElemSeq, ev.elem = t.raw, e.seq, e
		ev.Name = e.info.name
		if e.mut.name != "" {
			ev.Name = e.mut.name
		}
		return ev
	}
	r.closeTop(t.raw, nil)
	return nil
}

// popTo closes open elements (implicitly: without an end tag) until n are left.
func (r *Rewriter) popTo(n int) {
	for len(r.stack) > n {
		r.closeTop(nil, nil)
	}
}

// closeTop closes the current node: raw is its end tag (nil when implied) and ev the end tag's
// event, if handlers saw it.
func (r *Rewriter) closeTop(raw []byte, ev *Event) {
	idx := len(r.stack) - 1
	e := r.stack[idx]
	if r.supAt == idx {
		r.supAt = -1
	}
	m := e.mut
	if m != nil && !m.removed {
		r.emit(m.appendC)
	}
	if ev != nil {
		r.emit(ev.before)
	}
	if raw != nil && !(m != nil && (m.removed || m.keepContent)) && !(ev != nil && ev.removed) {
		switch {
		case ev != nil && ev.nameChanged:
			r.emitString("</" + ev.Name + ">")
		case m != nil && m.name != "":
			r.emitString("</" + m.name + ">")
		default:
			r.emit(raw)
		}
	}
	if ev != nil {
		r.emit(ev.after)
	}
	if m != nil {
		r.emit(m.after)
		if m.endTag && ev == nil {
			r.dropped = append(r.dropped, e.seq)
		}
	}
	for _, i := range e.matched {
		r.active[i]--
	}
	r.retained -= 96 + len(e.info.name)
	for _, a := range e.info.attrs {
		r.retained -= len(a.name) + len(a.value) + 48
	}
	r.stack[idx] = nil
	r.stack = r.stack[:idx]
	r.tok.foreign = r.top().ns != nsHTML
}

// commit writes out the pending event with its mutations.
func (r *Rewriter) commit() {
	if !r.pending {
		return
	}
	r.pending = false
	ev := &r.ev
	switch ev.Kind {
	case EvElement:
		r.emit(ev.before)
		if !ev.removed && !ev.keepContent {
			if ev.nameChanged || ev.attrsChanged {
				r.emitString(startTag(ev))
			} else {
				r.emit(ev.raw)
			}
		}
		r.emit(ev.replacement)
		e := ev.elem
		if e == nil { // void
			r.emit(ev.after)
			return
		}
		if !ev.removed {
			r.emit(ev.prepend)
			if ev.innerSet {
				r.emit(ev.inner)
			}
		}
		m := &elemMut{removed: ev.removed, keepContent: ev.keepContent, appendC: ev.appendC,
			after: ev.after, endTag: ev.endTag}
		if ev.nameChanged {
			m.name = ev.Name
		}
		e.mut = m
		if (ev.removed || ev.innerSet) && r.supAt < 0 {
			for i := len(r.stack) - 1; i > 0; i-- {
				if r.stack[i] == e {
					r.supAt = i
					break
				}
			}
		}
	case EvEndTag:
		r.closeTop(ev.raw, ev)
	case EvText, EvComment:
		r.emit(ev.before)
		if !ev.removed {
			if ev.textChanged {
				r.emitString("<!--")
				r.emit(ev.Text)
				r.emitString("-->")
			} else {
				r.emit(ev.raw)
			}
		}
		r.emit(ev.replacement)
		r.emit(ev.after)
	case EvDoctype:
		r.emit(ev.raw)
	case EvDocEnd:
		r.emit(ev.appendC)
		r.done = true
	}
}

// startTag serializes a changed start tag: unchanged attributes keep their source.
func startTag(ev *Event) string {
	var b strings.Builder
	b.WriteByte('<')
	b.WriteString(ev.Name)
	for _, a := range ev.Attrs {
		b.WriteByte(' ')
		if a.raw != nil {
			b.Write(a.raw)
			continue
		}
		b.WriteString(a.Name)
		b.WriteString(`="`)
		b.WriteString(strings.ReplaceAll(a.Value, `"`, "&quot;"))
		b.WriteByte('"')
	}
	if ev.SelfClosing {
		b.WriteString(" /")
	}
	b.WriteByte('>')
	return b.String()
}

// release drops the rewriter's buffers.
func (r *Rewriter) release() {
	r.tok = tokenizer{}
	r.stack, r.out, r.anc = nil, nil, nil
	r.pending = false
	r.done = true
	if r.err == nil {
		r.err = errors.New("the HTMLRewriter transform has ended")
	}
}
