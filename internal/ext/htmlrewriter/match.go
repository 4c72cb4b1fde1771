package htmlrewriter

import (
	"bytes"
	"strings"
)

// elemInfo is what selector matching knows of an element: its name, attributes and position
// among its element siblings. The current element's attributes come from the tag being
// parsed; an open ancestor's are copied only when some selector needs them.
type elemInfo struct {
	name      string // lower case
	attrs     []attr
	index     int // 1-based position among its parent's child elements
	typeIndex int // 1-based position among its parent's child elements of the same name
}

func (e *elemInfo) attr(name string) ([]byte, bool) {
	for i := range e.attrs {
		if e.attrs[i].name == name {
			return e.attrs[i].value, true
		}
	}
	return nil, false
}

// matcher matches selectors, with scratch memory reused across elements.
type matcher struct {
	memo []bool // failed (part, ancestor) pairs of the current descendant search
}

// match reports whether sel matches el, whose open ancestors are anc (root first).
func (m *matcher) match(sel *Selector, el *elemInfo, anc []*elemInfo) bool {
	for i := range sel.alts {
		parts := sel.alts[i].parts
		if len(parts) > 1 {
			n := len(parts) * (len(anc) + 1)
			if cap(m.memo) < n {
				m.memo = make([]bool, n)
			}
			m.memo = m.memo[:n]
			clear(m.memo)
		}
		if m.matchComplex(parts, len(parts)-1, el, anc) {
			return true
		}
	}
	return false
}

// matchComplex matches parts[:i+1] with parts[i] on el and the rest on el's ancestors anc. The
// memo records (i, len(anc)) pairs that failed, so a descendant search is linear in the depth.
func (m *matcher) matchComplex(parts []compound, i int, el *elemInfo, anc []*elemInfo) bool {
	if !parts[i].matches(el) {
		return false
	}
	if i == 0 {
		return true
	}
	switch parts[i-1].comb {
	case combChild:
		if len(anc) == 0 {
			return false
		}
		return m.try(parts, i-1, anc, len(anc)-1)
	default:
		for j := len(anc) - 1; j >= 0; j-- {
			if m.try(parts, i-1, anc, j) {
				return true
			}
		}
		return false
	}
}

// try matches parts[:i+1] with parts[i] on anc[j], memoizing failures.
func (m *matcher) try(parts []compound, i int, anc []*elemInfo, j int) bool {
	stride := len(m.memo) / len(parts)
	k := i*stride + j
	if m.memo[k] {
		return false
	}
	if m.matchComplex(parts, i, anc[j], anc[:j]) {
		return true
	}
	m.memo[k] = true
	return false
}

func (c *compound) matches(el *elemInfo) bool {
	if c.tag != "" && c.tag != "*" && c.tag != el.name {
		return false
	}
	for i := range c.conds {
		if !c.conds[i].matches(el) {
			return false
		}
	}
	return true
}

func nthMatches(a, b, index int) bool {
	if a == 0 {
		return index == b
	}
	d := index - b
	return d%a == 0 && d/a >= 0
}

func (cd *cond) matches(el *elemInfo) bool {
	switch cd.kind {
	case condNthChild:
		return nthMatches(cd.a, cd.b, el.index)
	case condNthOfType:
		return nthMatches(cd.a, cd.b, el.typeIndex)
	case condNot:
		return !cd.not.matches(el)
	case condID:
		v, ok := el.attr("id")
		return ok && string(v) == cd.name
	case condClass:
		v, ok := el.attr("class")
		return ok && hasWord(v, cd.name, false)
	}
	v, ok := el.attr(cd.name)
	if !ok {
		return false
	}
	eq := func(x, y string) bool {
		if cd.fold {
			return strings.EqualFold(x, y)
		}
		return x == y
	}
	val := string(v)
	switch cd.kind {
	case condAttrExists:
		return true
	case condAttrEq:
		return eq(val, cd.value)
	case condAttrWord:
		return hasWord(v, cd.value, cd.fold)
	case condAttrDash:
		return eq(val, cd.value) || len(val) > len(cd.value) && val[len(cd.value)] == '-' && eq(val[:len(cd.value)], cd.value)
	case condAttrPrefix:
		return cd.value != "" && len(val) >= len(cd.value) && eq(val[:len(cd.value)], cd.value)
	case condAttrSuffix:
		return cd.value != "" && len(val) >= len(cd.value) && eq(val[len(val)-len(cd.value):], cd.value)
	case condAttrContains:
		if cd.value == "" {
			return false
		}
		if cd.fold {
			return strings.Contains(strings.ToLower(val), strings.ToLower(cd.value))
		}
		return strings.Contains(val, cd.value)
	}
	return false
}

// hasWord reports whether the whitespace-separated list v contains w.
func hasWord(v []byte, w string, fold bool) bool {
	if w == "" {
		return false
	}
	for len(v) > 0 {
		for len(v) > 0 && isWS(v[0]) {
			v = v[1:]
		}
		end := 0
		for end < len(v) && !isWS(v[end]) {
			end++
		}
		word := v[:end]
		if fold && bytes.EqualFold(word, []byte(w)) || !fold && string(word) == w {
			return true
		}
		v = v[end:]
	}
	return false
}
