package e2e

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"islet/internal/supervisor"
)

// TestTierHasItsOwnProcess runs `islet serve --processes 1 --tier untrusted=1` with a worker of
// tier "untrusted", one without a tier and one of a tier given no processes. A slow request is
// in flight on each when the untrusted tier's process is killed: only the untrusted worker's
// request fails (502), so the workers ran in different processes; the others keep answering,
// the unconfigured tier is warned about, and the untrusted worker recovers.
func TestTierHasItsOwnProcess(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "w/index.js"), `export default {
	async fetch(req, env) {
		if (new URL(req.url).pathname === "/slow") {
			console.log("slow request started in " + env.NAME);
			await new Promise((r) => setTimeout(r, 3000));
		}
		return new Response("hello from " + env.NAME);
	},
};`)
	workers := []struct{ name, tier string }{{"sandbox", "untrusted"}, {"plain", ""}, {"other", "bronze"}}
	var toml strings.Builder
	toml.WriteString("listen = \"127.0.0.1:0\"\n")
	for _, w := range workers {
		fmt.Fprintf(&toml, "[[worker]]\nname = %q\nmain = \"w/index.js\"\n", w.name)
		if w.tier != "" {
			fmt.Fprintf(&toml, "tier = %q\n", w.tier)
		}
		fmt.Fprintf(&toml, "[worker.vars]\nNAME = %q\n", w.name)
	}
	write(t, filepath.Join(dir, "islet.toml"), toml.String())

	var pids []int
	t.Cleanup(func() { awaitGone(t, pids) })
	p := start(t, "serve", "--processes", "1", "--tier", "untrusted=1", "--config", filepath.Join(dir, "islet.toml"))
	for k, tier := range []string{`""`, "untrusted"} {
		re := regexp.MustCompile(fmt.Sprintf(`msg="runtime process started" process=%d pid=(\d+) tier=%s `, k, tier))
		m := re.FindStringSubmatch(p.output())
		if m == nil {
			t.Fatalf("process %d (tier %s) not started:\n%s", k, tier, p.output())
		}
		pid, _ := strconv.Atoi(m[1])
		pids = append(pids, pid)
	}
	p.waitFor(t, `msg="worker's tier has no processes of its own (serve --tier NAME=K); it runs in the default processes" worker=other tier=bronze`)
	for _, w := range workers {
		if status, _, body := get(t, p.addr, w.name+".localhost", "/"); status != 200 || body != "hello from "+w.name {
			t.Fatalf("%s: %d %q", w.name, status, body)
		}
	}

	type result struct {
		status int
		kind   string
		body   string
	}
	inflight := map[string]chan result{}
	for _, w := range workers {
		ch := make(chan result, 1)
		inflight[w.name] = ch
		go func() {
			req, _ := http.NewRequest("GET", "http://"+p.addr+"/slow", nil)
			req.Host = w.name + ".localhost"
			resp, err := client.Do(req)
			if err != nil {
				ch <- result{body: err.Error()}
				return
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
			ch <- result{resp.StatusCode, resp.Header.Get("x-islet-error"), string(body)}
		}()
		p.waitFor(t, "slow request started in "+w.name)
	}
	if err := syscall.Kill(pids[1], syscall.SIGKILL); err != nil {
		t.Fatalf("kill the untrusted tier's process (pid %d): %v", pids[1], err)
	}
	for _, w := range workers {
		select {
		case r := <-inflight[w.name]:
			if w.tier == "untrusted" {
				if r.status != http.StatusBadGateway || r.kind != supervisor.ErrorRuntime {
					t.Errorf("%s, in flight on the killed process: %d %q %q", w.name, r.status, r.kind, r.body)
				}
			} else if r.status != 200 || r.body != "hello from "+w.name {
				t.Errorf("%s, in flight on the default process: %d %q %q", w.name, r.status, r.kind, r.body)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: the in-flight request never ended", w.name)
		}
	}
	pollBody(t, p.addr, "sandbox.localhost", "hello from sandbox")
	re := regexp.MustCompile(`msg="runtime process started" process=1 pid=(\d+)`)
	if m := re.FindAllStringSubmatch(p.output(), -1); len(m) == 2 {
		pid, _ := strconv.Atoi(m[1][1])
		pids = append(pids, pid)
	} else {
		t.Fatalf("process 1 started %d times, want 2:\n%s", len(m), p.output())
	}
}

// awaitGone waits (bounded) until none of pids runs; a straggler is killed and reported.
func awaitGone(t *testing.T, pids []int) {
	for _, pid := range pids {
		deadline := time.Now().Add(10 * time.Second)
		for syscall.Kill(pid, 0) == nil {
			if time.Now().After(deadline) {
				syscall.Kill(pid, syscall.SIGKILL)
				t.Errorf("runtime process %d outlived the supervisor", pid)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
