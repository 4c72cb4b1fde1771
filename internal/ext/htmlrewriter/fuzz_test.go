package htmlrewriter

import (
	"strings"
	"testing"
)

// FuzzSelector checks that the selector parser never panics and that what it accepts can be
// matched.
func FuzzSelector(f *testing.F) {
	for _, s := range []string{"div > p.a", "[x^='y' i]", "p:nth-child(2n+1)", "a:not(#b)", `.\31 x`, "a,b c", "::x", "[x="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := ParseSelector(s)
		if err != nil {
			return
		}
		r := NewRewriter([]Registration{{Selector: sel, Flags: HElement | HText}}, 0)
		r.Write([]byte(`<div class="a b" x=y><p>t</p><span id=b></span></div>`))
		r.End()
		for {
			ev, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if ev == nil {
				break
			}
		}
	})
}

// FuzzRewriter checks, for any input cut into any chunks, that the output is the input when
// handlers change nothing, and that changing every element never panics.
func FuzzRewriter(f *testing.F) {
	for _, d := range identityDocs {
		f.Add(d, uint8(3))
	}
	f.Add("<p>a<!-- b --><script>c</script></p>", uint8(1))
	f.Fuzz(func(t *testing.T, doc string, n uint8) {
		chunk := int(n%32) + 1
		regs := []Registration{reg(t, "*", HElement|HText|HComments), reg(t, "div p", HText)}
		got, err := rewrite(t, doc, chunk, regs, HDoctype|HText|HComments|HEnd, func(r *Rewriter, ev *Event) {
			if ev.Kind == EvElement && ev.CanHaveContent {
				r.Mutate(ev.Seq, "onEndTag", "", "", false)
			}
		})
		if err != nil {
			if strings.Contains(err.Error(), "limit") || strings.Contains(err.Error(), "deeply") {
				return
			}
			t.Fatal(err)
		}
		if got != doc {
			t.Fatalf("identity: got %q", got)
		}
		// Element changes do not depend on how the input is cut.
		whole, err1 := rewrite(t, doc, 0, regs, 0, mutateElements)
		split, err2 := rewrite(t, doc, chunk, regs, 0, mutateElements)
		if err1 != nil || err2 != nil || whole != split {
			t.Fatalf("whole %q (%v) != split %q (%v)", whole, err1, split, err2)
		}
		rewrite(t, doc, chunk, regs, HText|HComments|HEnd, mutateAll)
	})
}

// mutateElements changes elements only.
func mutateElements(r *Rewriter, ev *Event) {
	if ev.Kind != EvElement {
		return
	}
	r.Mutate(ev.Seq, "setAttribute", "x", `"v"`, false)
	r.Mutate(ev.Seq, "before", "<b>", "", false)
	r.Mutate(ev.Seq, "append", "<i>", "", true)
	// Decided by the element, not its Seq (text events take Seqs too, as many as chunks).
	switch (len(ev.Name) + len(ev.Attrs)) % 5 {
	case 0:
		r.Mutate(ev.Seq, "remove", "", "", false)
	case 3:
		r.Mutate(ev.Seq, "setInnerContent", "x", "", false)
	case 4:
		r.Mutate(ev.Seq, "removeAndKeepContent", "", "", false)
	}
}

// mutateAll changes everything.
func mutateAll(r *Rewriter, ev *Event) {
	switch ev.Kind {
	case EvElement:
		mutateElements(r, ev)
		r.Mutate(ev.Seq, "onEndTag", "", "", false)
	case EvEndTag:
		r.Mutate(ev.Seq, "after", "!", "", false)
		r.Mutate(ev.Seq, "name", "q", "", false)
	case EvComment:
		r.Mutate(ev.Seq, "text", "z", "", false)
	case EvDocEnd:
		r.Mutate(ev.Seq, "append", "end", "", false)
	case EvText:
		if ev.Seq%2 == 0 {
			r.Mutate(ev.Seq, "replace", "T", "", false)
		}
	}
}
