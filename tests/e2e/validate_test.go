package e2e

import (
	"testing"
)

// TestDeployCannotKillTheNode: uploads whose start-up ends V8 with a fatal error (an array
// past V8's largest, a heap exhausted at the top level) are refused with startup_fatal, and
// the node that validated them keeps serving its workers.
func TestDeployCannotKillTheNode(t *testing.T) {
	pl := startPlatform(t)
	one := []string{"index.js"}
	if st, body := apiDeploy(t, pl.api, pl.token, "steady", map[string]any{}, one, map[string]string{"index.js": hello("steady")}); st != 201 {
		t.Fatalf("deploy: %d %s", st, body)
	}
	pollBody(t, pl.node.addr, "steady.localhost", "steady")
	for _, c := range []struct{ name, top, code, msg string }{
		// Each of these aborted V8 13.6 in the validating process (measured: exit after
		// "Fatal JavaScript out of memory: Reached heap limit"), which was the node itself. Their
		// work is in built-ins that TerminateExecution does not interrupt, so the start-up CPU
		// limit does not get there first.
		{"apply with 10^8 arguments", "Math.max.apply(null, new Array(1e8).fill(1));", "startup_fatal", "Fatal JavaScript out of memory"},
		{"join past the string limit", "new Array(2 ** 26).fill('abcdefgh').join('');", "startup_fatal", "Fatal JavaScript out of memory"},
		{"replace past the string limit", "'x'.repeat(2 ** 28 - 100).replace(/x/g, 'yy');", "startup_fatal", "Fatal JavaScript out of memory"},
	} {
		src := c.top + "\n" + hello("never")
		st, body := apiDeploy(t, pl.api, pl.token, "bomb", map[string]any{}, one, map[string]string{"index.js": src})
		refused(t, c.name, st, body, 400, c.code, c.msg)
		if code, _, got := get(t, pl.node.addr, "steady.localhost", "/"); code != 200 || got != "steady" {
			t.Fatalf("after %s the node answers %d %q\n%s", c.name, code, got, pl.node.output())
		}
	}
	if code, _, _ := get(t, pl.node.addr, "bomb.localhost", "/"); code != 404 {
		t.Errorf("a refused upload is served: %d", code)
	}
}
