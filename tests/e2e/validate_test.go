package e2e

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestDeployCannotKillTheNode: uploads whose start-up aborted V8 13.6 in the validating process
// ("Fatal JavaScript out of memory: Reached heap limit"), which used to be the node itself, are
// refused, and the node that validated them keeps serving its workers. Since the runtime bounds
// the built-ins they used, they fail as script errors; an abort that still happens is refused
// with startup_fatal (internal/node/validateproc.go).
func TestDeployCannotKillTheNode(t *testing.T) {
	pl := startPlatform(t)
	one := []string{"index.js"}
	if st, body := apiDeploy(t, pl.api, pl.token, "steady", map[string]any{}, one, map[string]string{"index.js": hello("steady")}); st != 201 {
		t.Fatalf("deploy: %d %s", st, body)
	}
	pollBody(t, pl.node.addr, "steady.localhost", "steady")
	for _, c := range []struct{ name, top, code, msg string }{
		{"apply with 10^8 arguments", "Math.max.apply(null, new Array(1e8).fill(1));", "script_error", "RangeError: Array.prototype.fill on an array of length 100000000 is refused"},
		{"join past the string limit", "new Array(2 ** 26).fill('abcdefgh').join('');", "script_error", "RangeError: Array.prototype.fill on an array of length 67108864 is refused"},
		// A replace that never checks for termination: validation gives up on it.
		{"replace past the string limit", "'x'.repeat(2 ** 28 - 100).replace(/x/g, 'yy');", "script_error", "did not finish"},
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

// TestDeployValidationIsSandboxed: the process that runs an upload's top-level code at deploy
// (validate-upload, started by the admin API's process, which holds the secret key) is in the
// sandbox while that code runs: its /proc status shows the seccomp filter and no_new_privs.
// The upload spins at the top level until the start-up limit refuses it, which leaves time to
// look.
func TestDeployValidationIsSandboxed(t *testing.T) {
	pl := startPlatform(t)
	seen := make(chan string, 1)
	stop := make(chan struct{})
	go func() { seen <- watchValidator(stop) }()
	st, body := apiDeploy(t, pl.api, pl.token, "spin", map[string]any{}, []string{"index.js"},
		map[string]string{"index.js": "for (;;) {}\n" + hello("never")})
	close(stop)
	refused(t, "a top level that never ends", st, body, 400, "startup_limit", "")
	if status := <-seen; !strings.Contains(status, "Seccomp:\t2") || !strings.Contains(status, "NoNewPrivs:\t1") {
		t.Errorf("the validating process, seen while it ran the upload, is not sandboxed:\n%s", status)
	}
}

// watchValidator polls for a validate-upload process until stop is closed and returns the
// /proc status of the first one seen with a seccomp filter, or else the last status read of
// one ("" if none was seen).
func watchValidator(stop <-chan struct{}) string {
	last := ""
	for {
		select {
		case <-stop:
			return last
		default:
		}
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			if err != nil || !strings.Contains(string(cmdline), "validate-upload") {
				continue
			}
			status, err := os.ReadFile("/proc/" + e.Name() + "/status")
			if err != nil {
				continue
			}
			last = string(status)
			if strings.Contains(last, "Seccomp:\t2") {
				return last
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
}
