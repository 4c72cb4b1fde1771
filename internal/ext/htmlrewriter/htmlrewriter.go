// Package htmlrewriter holds HTMLRewriter, the Cloudflare Workers streaming HTML rewriting API
// (https://developers.cloudflare.com/workers/runtime-apis/html-rewriter/).
//
// Go does the streaming work: a resumable tokenizer that keeps every token's source bytes, the
// stack of open elements, CSS selector matching against it, and the output, which copies the
// source through unchanged except where handlers changed something. JavaScript runs the
// handlers: for each token some handler must see, Go returns an event and waits; the handler's
// changes come back as mutations of that event (see Rewriter.Mutate) before Go goes on. So only
// the bytes of one input slice (64 KB at most) and of the token being parsed are held, however
// large the document.
package htmlrewriter

import (
	"embed"
	"strconv"
	"strings"

	"islet/internal/ext"
	"islet/internal/op"
)

//go:embed js/*.js
var files embed.FS

// Ext is the htmlrewriter extension. It needs webidl, streams and fetch (Response).
//
// It is lazy (see ext.Lazy): loaded in an isolate when a worker first touches HTMLRewriter.
var Ext = ext.Ext{
	Name: "htmlrewriter",
	JS:   ext.JSDir(files),
	Ops: []op.Def{
		{Name: "htmlrewriter_check", Sync: opCheck},
		{Name: "htmlrewriter_new", Sync: opNew},
		{Name: "htmlrewriter_write", Sync: opWrite},
		{Name: "htmlrewriter_end", Sync: opEnd},
		{Name: "htmlrewriter_next", Sync: opNext},
		{Name: "htmlrewriter_take", Sync: opTake},
		{Name: "htmlrewriter_dropped", Sync: opDropped},
		{Name: "htmlrewriter_free", Sync: opFree},
	},
	Lazy: &ext.Lazy{Globals: []string{"HTMLRewriter"}, Internals: []string{"htmlRewriterClasses"}},
}

// opCheck is htmlrewriter_check(selector): a TypeError if the selector cannot be parsed.
func opCheck(c *op.Call) (op.Value, error) {
	s, err := c.Str(0)
	if err != nil {
		return op.Undefined, err
	}
	if _, err := ParseSelector(s); err != nil {
		return op.Undefined, op.TypeErrorf("%v", err)
	}
	return op.Undefined, nil
}

// opNew is htmlrewriter_new(docFlags, selector0, flags0, selector1, flags1, …) → the id of a
// new rewriter. Flags are H* bits.
func opNew(c *op.Call) (op.Value, error) {
	t, err := tableFor(c)
	if err != nil {
		return op.Undefined, err
	}
	doc, err := c.Int(0)
	if err != nil {
		return op.Undefined, err
	}
	var regs []Registration
	for i := 1; i+1 < len(c.Args); i += 2 {
		s, err := c.Str(i)
		if err != nil {
			return op.Undefined, err
		}
		flags, err := c.Int(i + 1)
		if err != nil {
			return op.Undefined, err
		}
		sel, err := ParseSelector(s)
		if err != nil {
			return op.Undefined, op.TypeErrorf("%v", err)
		}
		regs = append(regs, Registration{Selector: sel, Flags: flags})
	}
	id, err := t.Add(NewRewriter(regs, doc), admit)
	if err != nil {
		return op.Undefined, err
	}
	return op.Int(id), nil
}

func rewriter(c *op.Call) (*Rewriter, error) {
	t, err := tableFor(c)
	if err != nil {
		return nil, err
	}
	id, err := c.Int(0)
	if err != nil {
		return nil, err
	}
	return get(t, id)
}

// opWrite is htmlrewriter_write(id, bytes): appends input (copied).
func opWrite(c *op.Call) (op.Value, error) {
	r, err := rewriter(c)
	if err != nil {
		return op.Undefined, err
	}
	b, err := c.Buf(1)
	if err != nil {
		return op.Undefined, err
	}
	r.Write(b)
	return op.Undefined, nil
}

// opEnd is htmlrewriter_end(id): marks the end of input.
func opEnd(c *op.Call) (op.Value, error) {
	r, err := rewriter(c)
	if err != nil {
		return op.Undefined, err
	}
	r.End()
	return op.Undefined, nil
}

// opNext is htmlrewriter_next(id, seq, what, a, b, html, …) → the next event, or null when the
// rewriter needs input (or, after htmlrewriter_end, is done). It first applies to the pending
// event seq (0: none) the mutations its handlers asked for, four arguments each (see
// Rewriter.Mutate). An event is an array of strings, by its first:
//
//	["e", seq, regs, name, namespaceURI, flags, attrName, attrValue, …]  element; flags has
//	                                      "s" for a self-closing tag, "c" if it can have content
//	["/", seq, elementSeq, name]          end tag
//	["t", seq, regs, text, last]          text chunk; last is "1" or ""
//	["c", seq, regs, text]                comment
//	["d", seq, present, name, publicId, systemId]  doctype; present has "n", "p", "s" for the
//	                                      parts that are there
//	["z", seq]                            document end
//
// regs lists the registrations whose handlers run, comma-separated, then "d" if the document
// handlers run too.
func opNext(c *op.Call) (op.Value, error) {
	r, err := rewriter(c)
	if err != nil {
		return op.Undefined, err
	}
	if len(c.Args) > 2 {
		seq, err := c.Int(1)
		if err != nil {
			return op.Undefined, err
		}
		for i := 2; i < len(c.Args); i += 4 {
			what, err := c.Str(i)
			if err != nil {
				return op.Undefined, err
			}
			if err := r.Mutate(seq, what, c.Arg(i+1).Str, c.Arg(i+2).Str, c.Arg(i+3).Truthy()); err != nil {
				return op.Undefined, op.TypeErrorf("%v", err)
			}
		}
	}
	ev, err := r.Next()
	if err != nil {
		return op.Undefined, op.TypeErrorf("HTMLRewriter: %v", err)
	}
	if ev == nil {
		return op.Null, nil
	}
	seq := strconv.Itoa(ev.Seq)
	switch ev.Kind {
	case EvElement:
		flags := ""
		if ev.SelfClosing {
			flags += "s"
		}
		if ev.CanHaveContent {
			flags += "c"
		}
		list := make([]string, 0, 6+2*len(ev.Attrs))
		list = append(list, "e", seq, regList(ev), ev.Name, nsURI[ev.NS], flags)
		for _, a := range ev.Attrs {
			list = append(list, a.Name, a.Value)
		}
		return op.Strings(list), nil
	case EvEndTag:
		return op.Strings([]string{"/", seq, strconv.Itoa(ev.ElemSeq), ev.Name}), nil
	case EvText:
		last := ""
		if ev.Last {
			last = "1"
		}
		return op.Strings([]string{"t", seq, regList(ev), string(ev.Text), last}), nil
	case EvComment:
		return op.Strings([]string{"c", seq, regList(ev), string(ev.Text)}), nil
	case EvDoctype:
		present := ""
		if ev.DTName != nil {
			present += "n"
		}
		if ev.DTPublic != nil {
			present += "p"
		}
		if ev.DTSystem != nil {
			present += "s"
		}
		return op.Strings([]string{"d", seq, present, string(ev.DTName), string(ev.DTPublic), string(ev.DTSystem)}), nil
	}
	return op.Strings([]string{"z", seq}), nil
}

func regList(ev *Event) string {
	var b strings.Builder
	for i, r := range ev.Regs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(r))
	}
	if ev.Doc {
		if len(ev.Regs) > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('d')
	}
	return b.String()
}

// opTake is htmlrewriter_take(id) → the output so far as a Uint8Array, or null if there is
// none.
func opTake(c *op.Call) (op.Value, error) {
	r, err := rewriter(c)
	if err != nil {
		return op.Undefined, err
	}
	out := r.Take()
	if len(out) == 0 {
		return op.Null, nil
	}
	return op.Bytes(out), nil
}

// opDropped is htmlrewriter_dropped(id) → the element Seqs (as strings) whose end tag handlers
// will not run, since the last call (Rewriter.Dropped).
func opDropped(c *op.Call) (op.Value, error) {
	r, err := rewriter(c)
	if err != nil {
		return op.Undefined, err
	}
	d := r.Dropped()
	list := make([]string, len(d))
	for i, seq := range d {
		list[i] = strconv.Itoa(seq)
	}
	return op.Strings(list), nil
}

// opFree is htmlrewriter_free(id): drops the rewriter; freeing twice is harmless.
func opFree(c *op.Call) (op.Value, error) {
	t, err := tableFor(c)
	if err != nil {
		return op.Undefined, err
	}
	id, err := c.Int(0)
	if err != nil {
		return op.Undefined, err
	}
	t.Free(id)
	return op.Undefined, nil
}
