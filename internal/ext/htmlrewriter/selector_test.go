package htmlrewriter

import (
	"strings"
	"testing"
)

func TestParseSelector(t *testing.T) {
	good := []string{"*", "div", "DIV", ".a", "#b", "div.a.b#c", "[x]", "[x=y]", `[x="a b"]`, "[x='y' i]",
		"[x~=y]", "[x|=en]", "[x^=a]", "[x$=b]", "[x*=c s]", "p:nth-child(2n+1)", "p:nth-child( -n + 3 )",
		"p:nth-child(odd)", "p:nth-child(even)", "p:nth-child(5)", "p:first-child", "p:nth-of-type(2)",
		"p:first-of-type", "p:not(.a)", "p:not([x])", "div > p", "div p", "div>p", "a, b ,c", "a  >  b   c",
		`.\31 23`, `#a\:b`, "-x", "x-y_z", "ünï", "*:not(div)"}
	for _, s := range good {
		if _, err := ParseSelector(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	bad := []string{"", " ", "div[", "[=x]", "[x=]", "a +b", "a ~ b", "p:last-child", "p::before",
		"p:nth-child(2n+)", "p:nth-child()", "p:not(p:not(a))", "ns|a", "a,", ",a", "a >", "> a", "#",
		".", "p:nth-child(n2)", "[x='a]", "a b >", "p:hover", "1a", "a[x=y", "a)"}
	for _, s := range bad {
		if _, err := ParseSelector(s); err == nil {
			t.Errorf("%q: parsed", s)
		}
	}
}

func TestNth(t *testing.T) {
	for _, c := range []struct {
		s    string
		a, b int
	}{{"odd", 2, 1}, {"even", 2, 0}, {"3", 0, 3}, {"-2", 0, -2}, {"n", 1, 0}, {"-n+3", -1, 3}, {"+n", 1, 0},
		{"2n-1", 2, -1}, {"2n - 1", 2, -1}, {"-3n + 10", -3, 10}, {"0n+1", 0, 1}} {
		a, b, err := parseNth(c.s)
		if err != nil || a != c.a || b != c.b {
			t.Errorf("%q: %d %d %v", c.s, a, b, err)
		}
	}
	hits := func(a, b int) (out []int) {
		for i := 1; i <= 10; i++ {
			if nthMatches(a, b, i) {
				out = append(out, i)
			}
		}
		return out
	}
	if got := hits(-1, 3); len(got) != 3 || got[2] != 3 {
		t.Errorf("-n+3: %v", got)
	}
	if got := hits(2, 1); len(got) != 5 || got[0] != 1 {
		t.Errorf("2n+1: %v", got)
	}
}

// matches lists the ids of the elements sel matches in doc.
func matches(t *testing.T, sel, doc string) string {
	t.Helper()
	var ids []string
	_, err := rewrite(t, doc, 3, []Registration{reg(t, sel, HElement)}, 0, func(r *Rewriter, ev *Event) {
		for _, a := range ev.Attrs {
			if a.Name == "id" {
				ids = append(ids, a.Value)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(ids, ",")
}

func TestMatching(t *testing.T) {
	doc := `<div id=d1 class="a b" lang=en-US><p id=p1>x</p><p id=p2 class=b><span id=s1 data-x="Hello World"></span></p>
		<section id=sec><p id=p3></p><img id=i1><p id=p4></p></section></div><ul id=u><li id=l1><li id=l2><li id=l3></ul>
		<svg id=svg><circle id=c1 /><foreignObject id=fo><p id=p5>in svg</p></foreignObject></svg><table id=t><tr id=r1><td id=td1>1<td id=td2>2<tr id=r2><td id=td3>3</table>`
	for _, c := range []struct{ sel, want string }{
		{"p", "p1,p2,p3,p4,p5"},
		{"div > p", "p1,p2"},
		{"div p", "p1,p2,p3,p4"},
		{"div p span", "s1"},
		{"div > span", ""},
		{".b", "d1,p2"},
		{".a.b", "d1"},
		{"#p3", "p3"},
		{"[lang|=en]", "d1"},
		{"[data-x*=World]", "s1"},
		{"[data-x*=world]", ""},
		{"[data-x*=world i]", "s1"},
		{"[data-x$=World]", "s1"},
		{"[data-x^=Hello]", "s1"},
		{"[class~=b]", "d1,p2"},
		{"p:first-child", "p1,p3,p5"},
		{"section > :nth-child(2)", "i1"},
		{"section > p:nth-of-type(2)", "p4"},
		{"p:first-of-type", "p1,p3,p5"},
		{"li:nth-child(odd)", "l1,l3"},
		{"ul > li", "l1,l2,l3"},
		{"li li", ""},
		{"p:not(.b)", "p1,p3,p4,p5"},
		{"svg > circle", "c1"},
		{"foreignobject > p", "p5"},
		{"tr > td", "td1,td2,td3"},
		{"td", "td1,td2,td3"},
		{"table tr", "r1,r2"},
		{"#r2 td", "td3"},
		{"div, ul", "d1,u"},
		{"*", "d1,p1,p2,s1,sec,p3,i1,p4,u,l1,l2,l3,svg,c1,fo,p5,t,r1,td1,td2,r2,td3"},
	} {
		if got := matches(t, c.sel, doc); got != c.want {
			t.Errorf("%q: got %q, want %q", c.sel, got, c.want)
		}
	}
}

// TestDeepDescendantIsLinear checks that a selector with many descendant combinators does not
// backtrack exponentially on a deep document.
func TestDeepDescendantIsLinear(t *testing.T) {
	doc := strings.Repeat("<div>", 2000) + "<p id=x></p>"
	if got := matches(t, "a div div div div div div p", doc); got != "" {
		t.Fatalf("got %q", got)
	}
	if got := matches(t, "div div div div div div p", doc); got != "x" {
		t.Fatalf("got %q", got)
	}
}
