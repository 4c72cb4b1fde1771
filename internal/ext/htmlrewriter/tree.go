package htmlrewriter

// The rewriter keeps no DOM, only the stack of open elements, which it maintains with a small
// subset of the HTML tree-construction rules: void elements, foreign content (svg, math),
// implied end tags (p, li, dd/dt, option, table rows and cells…) and end tags that close the
// nearest open element of their name unless a scope boundary is in between. Mis-nested
// formatting elements (the adoption agency) and foster parenting are not modelled.

const (
	nsHTML uint8 = iota
	nsSVG
	nsMath
)

var nsURI = [...]string{
	nsHTML: "http://www.w3.org/1999/xhtml",
	nsSVG:  "http://www.w3.org/2000/svg",
	nsMath: "http://www.w3.org/1998/Math/MathML",
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

var voidElements = set("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
	"source", "track", "wbr", "basefont", "bgsound", "frame", "keygen", "param")

// rawTextElements switch the tokenizer to raw text until their end tag.
var rawTextElements = set("script", "style", "xmp", "iframe", "noembed", "noframes", "noscript",
	"textarea", "title")

// specialElements are the HTML standard's "special" category.
var specialElements = set("address", "applet", "area", "article", "aside", "base", "basefont",
	"bgsound", "blockquote", "body", "br", "button", "caption", "center", "col", "colgroup", "dd",
	"details", "dir", "div", "dl", "dt", "embed", "fieldset", "figcaption", "figure", "footer",
	"form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup",
	"hr", "html", "iframe", "img", "input", "keygen", "li", "link", "listing", "main", "marquee",
	"menu", "meta", "nav", "noembed", "noframes", "noscript", "object", "ol", "p", "param",
	"plaintext", "pre", "script", "search", "section", "select", "source", "style", "summary",
	"table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead", "title", "tr", "track",
	"ul", "wbr", "xmp")

// scopeBoundaries end a "has an element in scope" search.
var scopeBoundaries = set("applet", "caption", "html", "table", "td", "th", "marquee", "object", "template")

// closesP are the start tags that close an open p element.
var closesP = set("address", "article", "aside", "blockquote", "center", "details", "dialog", "dir",
	"div", "dl", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
	"h6", "header", "hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre", "search", "section",
	"summary", "table", "ul", "li", "dd", "dt", "plaintext", "listing", "xmp")

// breakout are the start tags that leave foreign content.
var breakout = set("b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt",
	"em", "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li", "listing",
	"menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small", "span", "strong", "strike", "sub",
	"sup", "table", "tt", "u", "ul", "var")

var headings = set("h1", "h2", "h3", "h4", "h5", "h6")

// htmlIntegration reports whether an open element's children are parsed as HTML.
func htmlIntegration(e *openElem) bool {
	switch e.ns {
	case nsSVG:
		return e.info.name == "foreignobject" || e.info.name == "desc" || e.info.name == "title"
	case nsMath:
		switch e.info.name {
		case "mi", "mo", "mn", "ms", "mtext":
			return true
		}
	}
	return false
}

// nsFor is the namespace of a new element named name under the current node.
func (r *Rewriter) nsFor(name string) uint8 {
	top := r.top()
	if top.ns == nsHTML || htmlIntegration(top) {
		switch name {
		case "svg":
			return nsSVG
		case "math":
			return nsMath
		}
		return nsHTML
	}
	if top.ns == nsMath && top.info.name == "annotation-xml" && name == "svg" {
		return nsSVG
	}
	return top.ns
}

// impliedEnds closes the open elements that a start tag named name implicitly ends.
func (r *Rewriter) impliedEnds(name string) {
	top := r.top()
	if top.ns != nsHTML && !htmlIntegration(top) {
		if breakout[name] {
			i := len(r.stack) - 1
			for i > 0 && r.stack[i].ns != nsHTML && !htmlIntegration(r.stack[i]) {
				i--
			}
			r.popTo(i + 1)
		} else {
			return
		}
	}
	if closesP[name] {
		r.closeInScope("p")
	}
	switch {
	case name == "li":
		r.closeListItem("li", "")
	case name == "dd" || name == "dt":
		r.closeListItem("dd", "dt")
	case headings[name]:
		if t := r.top(); t.ns == nsHTML && headings[t.info.name] {
			r.popTo(len(r.stack) - 1)
		}
	case name == "button":
		r.closeInScope("button")
	case name == "option":
		r.popIfTop("option")
	case name == "optgroup":
		r.popIfTop("option")
		r.popIfTop("optgroup")
	case name == "tr":
		r.closeUntil(set2("tr", ""), "table", "tbody", "thead", "tfoot", "html", "template")
	case name == "td" || name == "th":
		r.closeUntil(set2("td", "th"), "tr", "table", "tbody", "thead", "tfoot", "html", "template")
	case name == "tbody" || name == "thead" || name == "tfoot":
		r.closeUntil(map[string]bool{"tbody": true, "thead": true, "tfoot": true}, "table", "html", "template")
	}
}

func set2(a, b string) map[string]bool { return map[string]bool{a: true, b: true} }

func (r *Rewriter) popIfTop(name string) {
	if t := r.top(); t.ns == nsHTML && t.info.name == name {
		r.popTo(len(r.stack) - 1)
	}
}

// closeInScope pops through the nearest open element named name, if it is in (button) scope.
func (r *Rewriter) closeInScope(name string) {
	for i := len(r.stack) - 1; i > 0; i-- {
		e := r.stack[i]
		if e.ns != nsHTML {
			return
		}
		if e.info.name == name {
			r.popTo(i)
			return
		}
		if scopeBoundaries[e.info.name] || e.info.name == "button" {
			return
		}
	}
}

// closeListItem is the li/dd/dt start tag rule: close an open item unless a special element
// other than address, div and p comes first.
func (r *Rewriter) closeListItem(a, b string) {
	for i := len(r.stack) - 1; i > 0; i-- {
		e := r.stack[i]
		if e.ns != nsHTML {
			return
		}
		n := e.info.name
		if n == a || n == b {
			r.popTo(i)
			return
		}
		if specialElements[n] && n != "address" && n != "div" && n != "p" {
			return
		}
	}
}

// closeUntil pops through the nearest open element in targets, unless one of stops comes first.
func (r *Rewriter) closeUntil(targets map[string]bool, stops ...string) {
	for i := len(r.stack) - 1; i > 0; i-- {
		e := r.stack[i]
		if e.ns != nsHTML {
			return
		}
		if targets[e.info.name] {
			r.popTo(i)
			return
		}
		for _, s := range stops {
			if e.info.name == s {
				return
			}
		}
	}
}

// endTarget is the index of the open element an end tag named name closes, or -1 when the
// end tag is ignored.
func (r *Rewriter) endTarget(name string) int {
	special := specialElements[name]
	for i := len(r.stack) - 1; i > 0; i-- {
		e := r.stack[i]
		if e.info.name == name {
			return i
		}
		if e.ns != nsHTML {
			continue
		}
		if special && (scopeBoundaries[e.info.name] || name == "li" && (e.info.name == "ol" || e.info.name == "ul")) {
			return -1
		}
		if !special && specialElements[e.info.name] {
			return -1
		}
	}
	return -1
}
