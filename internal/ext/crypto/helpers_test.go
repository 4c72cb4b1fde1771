package crypto_test

import (
	"strings"
	"testing"

	"islet/internal/ext/exttest"
)

// prelude is prepended to every test script: hex helpers and a shortcut for crypto.subtle.
const prelude = `
const S = crypto.subtle;
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (h) => new Uint8Array(h.match(/../g) ? h.match(/../g).map((x) => parseInt(x, 16)) : []);
const utf8 = (s) => new TextEncoder().encode(s);
const errName = async (p) => { try { await p; return 'ok'; } catch (e) { return e.name; } };
`

// run runs table cases whose scripts are async function bodies: each is wrapped as
// (async () => { prelude; body })().
func run(t *testing.T, cases []exttest.Case) {
	t.Helper()
	for i := range cases {
		cases[i].Script = "(async () => {" + prelude + cases[i].Script + "\n})()"
	}
	exttest.Run(t, cases)
}

// lines joins script lines (for readability of the longer cases).
func lines(s ...string) string { return strings.Join(s, "\n") }
