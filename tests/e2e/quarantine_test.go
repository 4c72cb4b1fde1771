package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"islet/internal/supervisor"
)

// TestQuarantine: a platform node keeps a quarantine process besides its two runtime
// processes. A worker whose process dies while it has a request in it (the test kills the
// process with SIGKILL while the worker waits on a local origin, as a V8 fatal error would) is
// moved there: its next request is served by the quarantine process, whose death then fails
// only that request, while the neighbour that shared the first process with it keeps its
// process and keeps answering.
func TestQuarantine(t *testing.T) {
	arrived := make(chan struct{}, 4)
	release := make(chan struct{})
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		fmt.Fprint(w, "released")
	}))
	defer origin.Close()
	defer close(release)

	// A bad worker and a neighbour on runtime process 0.
	var bad, good string
	for i := 0; bad == "" || good == ""; i++ {
		name := fmt.Sprintf("w%d", i)
		if supervisor.Pick(name, 2) != 0 {
			continue
		}
		if bad == "" {
			bad = name
		} else {
			good = name
		}
	}
	pl := &platform{data: filepath.Join(t.TempDir(), "data"), api: fmt.Sprintf("127.0.0.1:%d", freePort(t))}
	// Registered before the node starts, so it runs after the node is stopped: every runtime
	// process it started must be gone.
	var started []int
	t.Cleanup(func() { awaitGone(t, started) })
	pl.node = start(t, "serve", "--data", pl.data, "--listen", "127.0.0.1:0", "--admin", pl.api,
		"--egress-allow", strings.TrimPrefix(origin.URL, "http://"))
	tok, err := os.ReadFile(filepath.Join(pl.data, "admin-token"))
	if err != nil {
		t.Fatalf("no bootstrap token: %v\n%s", err, pl.node.output())
	}
	pl.token = strings.TrimSpace(string(tok))
	pidsOf := func(k int) []int { return startedPids(pl.node, k) }
	for k := 0; k < 3; k++ {
		started = append(started, pidsOf(k)...)
	}
	if len(started) != 3 || !strings.Contains(pl.node.output(), "tier=quarantine") {
		t.Fatalf("want 2 runtime processes and a quarantine one:\n%s", pl.node.output())
	}
	one := []string{"index.js"}
	holder := `export default { async fetch(req, env) { return fetch(env.ORIGIN + "/hold"); } }`
	if st, body := apiDeploy(t, pl.api, pl.token, bad, map[string]any{"vars": map[string]string{"ORIGIN": origin.URL}}, one,
		map[string]string{"index.js": holder}); st != 201 {
		t.Fatalf("deploy %s: %d %s", bad, st, body)
	}
	if st, body := apiDeploy(t, pl.api, pl.token, good, map[string]any{}, one, map[string]string{"index.js": hello("good")}); st != 201 {
		t.Fatalf("deploy %s: %d %s", good, st, body)
	}
	pollBody(t, pl.node.addr, good+".localhost", "good")

	// holdAndKill sends a request to bad, waits until it is in the origin, kills runtime process
	// k, and returns the request's status.
	holdAndKill := func(k int) int {
		t.Helper()
		status := make(chan int, 1)
		go func() {
			code, _, _ := get(t, pl.node.addr, bad+".localhost", "/")
			status <- code
		}()
		select {
		case <-arrived:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s's request never reached the origin:\n%s", bad, pl.node.output())
		}
		pids := pidsOf(k)
		if err := syscall.Kill(pids[len(pids)-1], syscall.SIGKILL); err != nil {
			t.Fatalf("kill runtime process %d: %v", k, err)
		}
		select {
		case code := <-status:
			return code
		case <-time.After(30 * time.Second):
			t.Fatalf("%s's request did not end after its process was killed", bad)
		}
		return 0
	}
	if code := holdAndKill(0); code != http.StatusBadGateway {
		t.Errorf("the request in the killed process: %d, want 502", code)
	}
	pl.node.waitFor(t, fmt.Sprintf(`process=0 workers=[%s] for=10m0s`, bad))
	pollBody(t, pl.node.addr, good+".localhost", "good") // process 0 is back
	// Now bad is in the quarantine process: killing it fails bad's request there.
	if code := holdAndKill(2); code != http.StatusBadGateway {
		t.Errorf("the request in the killed quarantine process: %d, want 502", code)
	}
	pl.node.waitFor(t, fmt.Sprintf(`process=2 workers=[%s] for=10m0s`, bad))
	pollBody(t, pl.node.addr, good+".localhost", "good")
	if got := pidsOf(0); len(got) != 2 {
		t.Errorf("runtime process 0 started %d times (%v), want twice: only the first kill was its", len(got), got)
	}
	for k := 0; k < 3; k++ {
		started = append(started, pidsOf(k)...)
	}
}
