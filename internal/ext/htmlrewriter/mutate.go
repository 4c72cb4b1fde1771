package htmlrewriter

import (
	"fmt"
	"strings"
)

// ErrStale is returned for a mutation of an event whose handlers have already finished.
var ErrStale = fmt.Errorf("this object can no longer be changed: its handler has returned")

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// content is s as HTML: as it is with html set, else escaped as text.
func content(s string, html bool) []byte {
	if html {
		return []byte(s)
	}
	return []byte(escaper.Replace(s))
}

// validName reports whether s can be written as a tag or attribute name.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isWS(c), c == '/', c == '>', c == '<', c == '=', c == '"', c == '\'', c == 0:
			return false
		}
	}
	return true
}

// Mutate changes the pending event seq, as a handler asked:
//
//	all but doctype and document end: before, after (content a), remove
//	element, text, comment: replace (content a)
//	element: prepend, append, setInnerContent (content a), removeAndKeepContent,
//	         tagName (a), setAttribute (a, b), removeAttribute (a), onEndTag
//	comment: text (a)
//	end tag: name (a)
//	document end: append (content a)
//
// Content is inserted as HTML when html is set, else escaped as text.
func (r *Rewriter) Mutate(seq int, what, a, b string, html bool) error {
	if !r.pending || r.ev.Seq != seq {
		return ErrStale
	}
	ev := &r.ev
	k := ev.Kind
	bad := func() error { return fmt.Errorf("%s is not supported here", what) }
	switch what {
	case "before":
		if k == EvDoctype || k == EvDocEnd {
			return bad()
		}
		ev.before = append(ev.before, content(a, html)...)
	case "after":
		if k == EvDoctype || k == EvDocEnd {
			return bad()
		}
		ev.after = append(content(a, html), ev.after...)
	case "replace":
		if k != EvElement && k != EvText && k != EvComment {
			return bad()
		}
		ev.removed = true
		ev.replacement = content(a, html)
	case "remove":
		if k == EvDoctype || k == EvDocEnd {
			return bad()
		}
		ev.removed = true
	case "prepend", "append", "setInnerContent":
		switch k {
		case EvElement:
			if ev.elem == nil {
				return nil // a void element has no content
			}
			c := content(a, html)
			switch what {
			case "prepend":
				ev.prepend = append(c, ev.prepend...)
			case "append":
				ev.appendC = append(ev.appendC, c...)
			default:
				ev.inner, ev.innerSet = c, true
			}
		case EvDocEnd:
			if what != "append" {
				return bad()
			}
			ev.appendC = append(ev.appendC, content(a, html)...)
		default:
			return bad()
		}
	case "removeAndKeepContent":
		if k != EvElement {
			return bad()
		}
		ev.keepContent = true
	case "tagName", "name":
		if k != EvElement && k != EvEndTag {
			return bad()
		}
		if !validName(a) {
			return fmt.Errorf("invalid tag name %q", a)
		}
		ev.Name, ev.nameChanged = a, true
	case "setAttribute":
		if k != EvElement {
			return bad()
		}
		if !validName(a) {
			return fmt.Errorf("invalid attribute name %q", a)
		}
		name := strings.ToLower(a)
		for i := range ev.Attrs {
			if ev.Attrs[i].Name == name {
				ev.Attrs[i].Value, ev.Attrs[i].raw = b, nil
				ev.attrsChanged = true
				return nil
			}
		}
		ev.Attrs = append(ev.Attrs, Attr{Name: name, Value: b})
		ev.attrsChanged = true
	case "removeAttribute":
		if k != EvElement {
			return bad()
		}
		name := strings.ToLower(a)
		out := ev.Attrs[:0]
		for _, at := range ev.Attrs {
			if at.Name != name {
				out = append(out, at)
			} else {
				ev.attrsChanged = true
			}
		}
		ev.Attrs = out
	case "onEndTag":
		if k != EvElement {
			return bad()
		}
		if ev.elem == nil {
			return fmt.Errorf("the element <%s> has no end tag", ev.Name)
		}
		ev.endTag = true
	case "text":
		if k != EvComment {
			return bad()
		}
		ev.Text, ev.textChanged = []byte(a), true
	default:
		return fmt.Errorf("unknown mutation %q", what)
	}
	return nil
}
