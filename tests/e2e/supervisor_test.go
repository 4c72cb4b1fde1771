package e2e

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"islet/internal/supervisor"
)

// TestProcessesContainACrash runs `islet serve --processes 2 --config` with workers on both
// runtime processes, kills one process with SIGKILL (as a V8 fatal error would), and checks
// that only its in-flight request fails (502), the other process's workers never fail, the
// killed process's workers come back, and the supervisor logs the restart.
func TestProcessesContainACrash(t *testing.T) {
	const processes = 2
	dir := t.TempDir()
	write(t, filepath.Join(dir, "w/index.js"), `export default {
	async fetch(req, env) {
		if (new URL(req.url).pathname === "/slow") {
			console.log("slow request started in " + env.NAME);
			await new Promise((r) => setTimeout(r, 60000));
		}
		return new Response("hello from " + env.NAME);
	},
};`)
	// Eight workers; the rendezvous hash puts some on each process.
	byProc := make([][]string, processes)
	var toml strings.Builder
	toml.WriteString("listen = \"127.0.0.1:0\"\n")
	for i := 0; i < 8; i++ {
		name := fmt.Sprintf("w%d", i)
		k := supervisor.Pick(name, processes)
		byProc[k] = append(byProc[k], name)
		fmt.Fprintf(&toml, "[[worker]]\nname = %q\nmain = \"w/index.js\"\n[worker.vars]\nNAME = %q\n", name, name)
	}
	for k, names := range byProc {
		if len(names) == 0 {
			t.Fatalf("no worker hashes to process %d: %v", k, byProc)
		}
	}
	write(t, filepath.Join(dir, "islet.toml"), toml.String())

	// Registered before start, so it runs after the supervisor is stopped: no runtime process
	// may outlive it.
	var pids []int
	t.Cleanup(func() {
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
	})
	p := start(t, "serve", "--processes", strconv.Itoa(processes), "--config", filepath.Join(dir, "islet.toml"))
	pidOf := func(k int) []int { return startedPids(p, k) }
	for k := 0; k < processes; k++ {
		got := pidOf(k)
		if len(got) != 1 {
			t.Fatalf("process %d: started pids %v, want one\n%s", k, got, p.output())
		}
		pids = append(pids, got[0])
	}

	ok := func(name string) error {
		status, hdr, body := get(t, p.addr, name+".localhost", "/")
		if status != 200 || body != "hello from "+name {
			return fmt.Errorf("%s: %d %q (x-islet-error %q)", name, status, body, hdr.Get("x-islet-error"))
		}
		return nil
	}
	for _, names := range byProc {
		for _, name := range names {
			if err := ok(name); err != nil {
				t.Fatal(err)
			}
		}
	}

	const victim, survivor = 1, 0
	// The survivor's workers are requested without pause from before the kill until after the
	// victim's workers are back; not one request may fail.
	load := startSteadyLoad(p.addr, byProc[survivor])

	// A request in flight on the victim when it dies gets the platform's 502.
	slow := byProc[victim][0]
	type result struct {
		status int
		kind   string
		body   string
	}
	inflight := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("GET", "http://"+p.addr+"/slow", nil)
		req.Host = slow + ".localhost"
		resp, err := client.Do(req)
		if err != nil {
			inflight <- result{body: err.Error()}
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		inflight <- result{resp.StatusCode, resp.Header.Get("x-islet-error"), string(body)}
	}()
	p.waitFor(t, "slow request started in "+slow)

	if err := syscall.Kill(pids[victim], syscall.SIGKILL); err != nil {
		t.Fatalf("kill runtime process %d (pid %d): %v", victim, pids[victim], err)
	}
	select {
	case r := <-inflight:
		if r.status != http.StatusBadGateway || r.kind != supervisor.ErrorRuntime || !strings.HasPrefix(r.body, "islet: ") {
			t.Errorf("in-flight request on the killed process: %d x-islet-error %q %q", r.status, r.kind, r.body)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the in-flight request on the killed process never ended")
	}
	p.waitFor(t, fmt.Sprintf(`msg="runtime process exited; restarting it" process=%d pid=%d status="signal: killed"`, victim, pids[victim]))

	// The victim's workers come back (a restarted process, a new pid).
	deadline := time.Now().Add(30 * time.Second)
	for _, name := range byProc[victim] {
		for {
			err := ok(name)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("worker %s of the killed process never recovered: %v\n%s", name, err, p.output())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	restarted := pidOf(victim)
	if len(restarted) != 2 || restarted[1] == pids[victim] {
		t.Fatalf("process %d: started pids %v, want the killed one and a new one", victim, restarted)
	}
	pids = append(pids, restarted[1])

	// Keep the survivor's load running a little after the recovery, then stop it.
	load.finish(t, deadline, "the surviving process's workers")
}
