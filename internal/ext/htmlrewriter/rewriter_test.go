package htmlrewriter

import (
	"fmt"
	"strings"
	"testing"
)

// rewrite runs the rewriter over input fed in chunks of size n (0: whole), calling handle for
// each event.
func rewrite(t testing.TB, input string, n int, regs []Registration, doc int, handle func(*Rewriter, *Event)) (string, error) {
	t.Helper()
	r := NewRewriter(regs, doc)
	var out strings.Builder
	drain := func() error {
		for {
			ev, err := r.Next()
			if err != nil {
				return err
			}
			if ev == nil {
				break
			}
			if handle != nil {
				handle(r, ev)
			}
		}
		out.Write(r.Take())
		return nil
	}
	if n <= 0 {
		n = len(input) + 1
	}
	for i := 0; i < len(input); i += n {
		r.Write([]byte(input[i:min(i+n, len(input))]))
		if err := drain(); err != nil {
			return out.String(), err
		}
	}
	r.End()
	if err := drain(); err != nil {
		return out.String(), err
	}
	if !r.Done() {
		t.Fatalf("not done")
	}
	return out.String(), nil
}

func reg(t testing.TB, sel string, flags int) Registration {
	t.Helper()
	s, err := ParseSelector(sel)
	if err != nil {
		t.Fatal(err)
	}
	return Registration{Selector: s, Flags: flags}
}

var identityDocs = []string{
	"",
	"plain text",
	"<!DOCTYPE html><html><head><title>T &amp; x</title></head><body><p class=a>Hi<br>there</p></body></html>",
	`<div id="x" data-a='1' b=c d>text < not a tag <3 </div><!-- comment --><!---->`,
	"<script>if (a < b && c > d) { x = '</scr' + 'ipt>'; }</script><style>a > b {}</style>",
	"<textarea><b>not bold</b></textarea><title><i>t</i></title>",
	"<svg><path d='M0 0'/><foreignObject><p>hi</p></foreignObject></svg><math><mi>x</mi></math>",
	"<ul><li>a<li>b</ul><p>one<p>two<div>three</div>",
	"<table><tr><td>1<td>2<tr><td>3</table>",
	"<?php echo 1 ?></><!bogus></ bogus><a href=x>y</a>",
	"unterminated <a href='x",
	"<!-- unterminated comment",
	"ünïcödé テキスト <p>日本語</p> emoji 😀",
	"<p>a</b></i></span>b</p></div>",
	"<![CDATA[x]]><svg><![CDATA[ y ]]></svg>",
	"<plaintext><b>all text</b></plaintext>",
	"<div\n  class=\"a b\"\n  >x</div\n>",
	"\xff\xfe invalid utf-8 <p \xff=\xfe>\xc3</p>",
}

func TestIdentity(t *testing.T) {
	all := []Registration{reg(t, "*", HElement|HText|HComments), reg(t, "p", HText)}
	for _, doc := range identityDocs {
		for _, n := range []int{0, 1, 2, 3, 7, 64} {
			for _, regs := range [][]Registration{nil, all} {
				docFlags := 0
				if regs != nil {
					docFlags = HDoctype | HComments | HText | HEnd
				}
				got, err := rewrite(t, doc, n, regs, docFlags, func(r *Rewriter, ev *Event) {
					if ev.Kind == EvElement && ev.CanHaveContent {
						r.Mutate(ev.Seq, "onEndTag", "", "", false)
					}
				})
				if err != nil {
					t.Fatalf("%q (chunk %d): %v", doc, n, err)
				}
				if got != doc {
					t.Fatalf("%q (chunk %d, %d regs): got %q", doc, n, len(regs), got)
				}
			}
		}
	}
}

// events lists the events of a document as strings.
func events(t *testing.T, doc string, n int, regs []Registration, docFlags int) []string {
	var out []string
	_, err := rewrite(t, doc, n, regs, docFlags, func(r *Rewriter, ev *Event) {
		switch ev.Kind {
		case EvElement:
			out = append(out, fmt.Sprintf("el %s %v", ev.Name, ev.Regs))
		case EvText:
			out = append(out, fmt.Sprintf("text %q %v %v", ev.Text, ev.Last, ev.Regs))
		case EvComment:
			out = append(out, fmt.Sprintf("comment %q", ev.Text))
		case EvDoctype:
			out = append(out, fmt.Sprintf("doctype %s %s %s", ev.DTName, ev.DTPublic, ev.DTSystem))
		case EvEndTag:
			out = append(out, "end "+ev.Name)
		case EvDocEnd:
			out = append(out, "docend")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTextChunks(t *testing.T) {
	regs := []Registration{reg(t, "div", HText)}
	got := strings.Join(events(t, "<div>Hello world</div><p>x</p>", 8, regs, 0), "|")
	want := `text "Hel" false [0]|text "lo world" false [0]|text "" true [0]`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	// Descendant text belongs to the matched element too; a chunk boundary at a tag gives an
	// empty last chunk.
	got = strings.Join(events(t, "<div>ab<b>cd</b></div>", 0, regs, 0), "|")
	want = `text "ab" true [0]|text "cd" true [0]`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	got = strings.Join(events(t, "<div>abcd<b>x</b></div>", 9, regs, 0), "|")
	want = `text "abcd" false [0]|text "" true [0]|text "x" true [0]`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestDoctype(t *testing.T) {
	got := events(t, `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" 'http://x/y.dtd'><p>`, 5, nil, HDoctype|HEnd)
	if strings.Join(got, "|") != "doctype html -//W3C//DTD XHTML 1.0//EN http://x/y.dtd|docend" {
		t.Fatalf("got %q", got)
	}
}

func TestMutations(t *testing.T) {
	cases := []struct {
		doc, sel string
		flags    int
		do       func(r *Rewriter, ev *Event)
		want     string
	}{
		{"<p>a</p><div>b</div>", "p", HElement, func(r *Rewriter, ev *Event) {
			r.Mutate(ev.Seq, "before", "<x>", "", false)
			r.Mutate(ev.Seq, "after", "<y>", "", true)
			r.Mutate(ev.Seq, "prepend", "1", "", false)
			r.Mutate(ev.Seq, "append", "2", "", false)
		}, "&lt;x&gt;<p>1a2</p><y><div>b</div>"},
		{"<p>a<b>b</b></p>c", "p", HElement, func(r *Rewriter, ev *Event) { r.Mutate(ev.Seq, "remove", "", "", false) }, "c"},
		{"<p>a<b>b</b></p>c", "p", HElement, func(r *Rewriter, ev *Event) { r.Mutate(ev.Seq, "replace", "<i>x</i>", "", true) }, "<i>x</i>c"},
		{"<p>a<b>b</b></p>c", "p", HElement, func(r *Rewriter, ev *Event) { r.Mutate(ev.Seq, "setInnerContent", "new", "", false) }, "<p>new</p>c"},
		{"<p>a<b>b</b></p>c", "p", HElement, func(r *Rewriter, ev *Event) { r.Mutate(ev.Seq, "removeAndKeepContent", "", "", false) }, "a<b>b</b>c"},
		{"<p class=x id='y'>a</p>", "p", HElement, func(r *Rewriter, ev *Event) {
			r.Mutate(ev.Seq, "tagName", "div", "", false)
			r.Mutate(ev.Seq, "setAttribute", "class", `a"b`, false)
			r.Mutate(ev.Seq, "setAttribute", "new", "v", false)
		}, `<div class="a&quot;b" id='y' new="v">a</div>`},
		{"<p class=x id='y'>a</p>", "p", HElement, func(r *Rewriter, ev *Event) { r.Mutate(ev.Seq, "removeAttribute", "CLASS", "", false) }, `<p id='y'>a</p>`},
		{"<img src=a><br/>", "img", HElement, func(r *Rewriter, ev *Event) {
			r.Mutate(ev.Seq, "after", "!", "", false)
			r.Mutate(ev.Seq, "append", "ignored", "", false)
		}, "<img src=a>!<br/>"},
		{"<div>hello</div>", "div", HText, func(r *Rewriter, ev *Event) {
			if ev.Last {
				r.Mutate(ev.Seq, "after", " world", "", false)
			}
		}, "<div>hello world</div>"},
		{"<div>hello</div>", "div", HText, func(r *Rewriter, ev *Event) {
			if ev.Last {
				r.Mutate(ev.Seq, "replace", "bye", "", false)
			} else {
				r.Mutate(ev.Seq, "remove", "", "", false)
			}
		}, "<div>bye</div>"},
		{"<div><!--x--></div><!--y-->", "div", HComments, func(r *Rewriter, ev *Event) { r.Mutate(ev.Seq, "text", "z", "", false) }, "<div><!--z--></div><!--y-->"},
		{"<ul><li>a<li>b</ul>", "li", HElement, func(r *Rewriter, ev *Event) { r.Mutate(ev.Seq, "append", "!", "", false) }, "<ul><li>a!<li>b!</ul>"},
		{"<div><p>x</div>after", "p", HElement, func(r *Rewriter, ev *Event) { r.Mutate(ev.Seq, "remove", "", "", false) }, "<div></div>after"},
		{"<span>a</span>", "span", HElement, func(r *Rewriter, ev *Event) { r.Mutate(ev.Seq, "tagName", "b", "", false) }, "<b>a</b>"},
	}
	for _, c := range cases {
		for _, n := range []int{0, 1, 3} {
			got, err := rewrite(t, c.doc, n, []Registration{reg(t, c.sel, c.flags)}, 0, c.do)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("%q (chunk %d): got %q, want %q", c.doc, n, got, c.want)
			}
		}
	}
}

func TestEndTagHandlers(t *testing.T) {
	got, err := rewrite(t, "<div>a</DIV>b<div>c</div>", 2, []Registration{reg(t, "div", HElement)}, HEnd, func(r *Rewriter, ev *Event) {
		switch ev.Kind {
		case EvElement:
			r.Mutate(ev.Seq, "onEndTag", "", "", false)
		case EvEndTag:
			r.Mutate(ev.Seq, "before", "[", "", false)
			r.Mutate(ev.Seq, "after", "]", "", false)
			if ev.Seq > 3 {
				r.Mutate(ev.Seq, "name", "section", "", false)
			}
		case EvDocEnd:
			r.Mutate(ev.Seq, "append", "<!--end-->", "", true)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "<div>a[</DIV>]b<div>c[</section>]<!--end-->"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestStaleMutation(t *testing.T) {
	var first *Event
	var seq int
	_, err := rewrite(t, "<p>a</p><p>b</p>", 0, []Registration{reg(t, "p", HElement)}, 0, func(r *Rewriter, ev *Event) {
		if first == nil {
			first, seq = ev, ev.Seq
			return
		}
		if err := r.Mutate(seq, "remove", "", "", false); err != ErrStale {
			t.Fatalf("stale mutation: %v", err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTokenTooLarge(t *testing.T) {
	old := maxTokenSize
	maxTokenSize = 100
	defer func() { maxTokenSize = old }()
	_, err := rewrite(t, "<div a='"+strings.Repeat("x", 1000)+"'>", 10, nil, 0, nil)
	if err == nil {
		t.Fatal("no error")
	}
	// Long text is fine: it is streamed.
	if _, err := rewrite(t, strings.Repeat("x", 10000), 10, nil, 0, nil); err != nil {
		t.Fatal(err)
	}
}

func TestDropped(t *testing.T) {
	r := NewRewriter([]Registration{reg(t, "li, p", HElement)}, 0)
	r.Write([]byte("<ul><li>a<li>b</li></ul><p class=x>y</p>"))
	r.End()
	var ends []string
	for {
		ev, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if ev == nil {
			break
		}
		switch ev.Kind {
		case EvElement:
			r.Mutate(ev.Seq, "onEndTag", "", "", false)
			if ev.Name == "p" {
				r.Mutate(ev.Seq, "remove", "", "", false)
			}
		case EvEndTag:
			ends = append(ends, fmt.Sprint(ev.ElemSeq))
		}
	}
	// The first li is closed by the second (no end tag), the p is removed with its end tag.
	if got := fmt.Sprint(ends, r.Dropped()); got != "[2] [1 4]" {
		t.Fatalf("got %s", got)
	}
	if got := string(r.Take()); got != "<ul><li>a<li>b</li></ul>" {
		t.Fatalf("output %q", got)
	}
}
