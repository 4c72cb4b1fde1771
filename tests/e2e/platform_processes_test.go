package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"islet/internal/supervisor"
)

// TestPlatformProcessesContainACrash runs the control plane as `islet serve --data DIR
// --processes 2`: two workers deployed through the admin API (served by runtime process 0)
// answer through the supervisor's listener, one on each runtime process. The process of one is
// killed with SIGKILL; the other's worker never fails, and the killed one's comes back.
// processesPlatform is `islet serve --data DIR --processes 2` with one worker deployed on
// each runtime process (byProc[k] is process k's) and the runtime processes' pids.
type processesPlatform struct {
	pl     *platform
	byProc []string
	pids   []int
	// pidOf lists the pids runtime process k has been started with, in order.
	pidOf func(k int) []int
}

func startProcessesPlatform(t *testing.T) *processesPlatform {
	t.Helper()
	const processes = 2
	// One worker on each process.
	byProc := make([]string, processes)
	for i := 0; byProc[0] == "" || byProc[1] == ""; i++ {
		name := fmt.Sprintf("app%d", i)
		if k := supervisor.Pick(name, processes); byProc[k] == "" {
			byProc[k] = name
		}
	}
	pl := &platform{data: filepath.Join(t.TempDir(), "data"), api: fmt.Sprintf("127.0.0.1:%d", freePort(t))}
	pp := &processesPlatform{pl: pl}
	// Registered before the node starts, so it runs after the node is stopped: every runtime
	// process it ever started (tests append restarted ones to pp.pids) must be gone.
	t.Cleanup(func() { awaitGone(t, pp.pids) })
	var pids []int
	pl.node = start(t, "serve", "--data", pl.data, "--listen", "127.0.0.1:0", "--admin", pl.api,
		"--processes", strconv.Itoa(processes))
	tok, err := os.ReadFile(filepath.Join(pl.data, "admin-token"))
	if err != nil {
		t.Fatalf("no bootstrap token: %v\n%s", err, pl.node.output())
	}
	pl.token = strings.TrimSpace(string(tok))
	pidOf := func(k int) []int { return startedPids(pl.node, k) }
	for k := 0; k < processes; k++ {
		got := pidOf(k)
		if len(got) != 1 {
			t.Fatalf("process %d: started pids %v, want one\n%s", k, got, pl.node.output())
		}
		pids = append(pids, got[0])
	}

	dir := t.TempDir()
	write(t, filepath.Join(dir, "index.js"), `export default {
	fetch(req, env) { return new Response("hello from " + env.NAME); },
};`)
	for _, name := range byProc {
		write(t, filepath.Join(dir, "wrangler.toml"), fmt.Sprintf("name = %q\nmain = \"index.js\"\n[vars]\nNAME = %q\n", name, name))
		if out := pl.mustCLI(t, dir, "", "deploy"); !strings.Contains(out, name+" deployed: version ") {
			t.Fatalf("deploy %s:\n%s", name, out)
		}
	}
	for _, name := range byProc {
		pollBody(t, pl.node.addr, name+".localhost", "hello from "+name)
	}
	pp.byProc, pp.pids, pp.pidOf = byProc, pids, pidOf
	return pp
}

func TestPlatformProcessesContainACrash(t *testing.T) {
	pp := startProcessesPlatform(t)
	pl, byProc, pids, pidOf := pp.pl, pp.byProc, pp.pids, pp.pidOf

	const victim, survivor = 1, 0
	load := startSteadyLoad(pl.node.addr, []string{byProc[survivor]})

	if err := syscall.Kill(pids[victim], syscall.SIGKILL); err != nil {
		t.Fatalf("kill runtime process %d (pid %d): %v", victim, pids[victim], err)
	}
	pl.node.waitFor(t, fmt.Sprintf(`msg="runtime process exited; restarting it" process=%d pid=%d status="signal: killed"`, victim, pids[victim]))
	// A restarted process reads the workers from the control plane again.
	pollBody(t, pl.node.addr, byProc[victim]+".localhost", "hello from "+byProc[victim])
	if restarted := pidOf(victim); len(restarted) != 2 || restarted[1] == pids[victim] {
		t.Fatalf("process %d: started pids %v, want the killed one and a new one", victim, restarted)
	} else {
		pp.pids = append(pp.pids, restarted[1])
	}

	load.finish(t, time.Now().Add(10*time.Second), "the surviving process's worker")
}

// TestHungRuntimeProcessIsRestarted: a runtime process that stops answering (SIGSTOP) is
// noticed by the supervisor's heartbeat and killed; its slot starts a new process that serves
// its workers, and the other process's worker never fails meanwhile.
func TestHungRuntimeProcessIsRestarted(t *testing.T) {
	pp := startProcessesPlatform(t)
	const victim, survivor = 0, 1
	load := startSteadyLoad(pp.pl.node.addr, []string{pp.byProc[survivor]})
	hung := pp.pids[victim]
	if err := syscall.Kill(hung, syscall.SIGSTOP); err != nil {
		t.Fatalf("stop runtime process %d (pid %d): %v", victim, hung, err)
	}
	pp.pl.node.waitFor(t, fmt.Sprintf(`msg="runtime process stopped answering; killing it" process=%d pid=%d`, victim, hung))
	pollBody(t, pp.pl.node.addr, pp.byProc[victim]+".localhost", "hello from "+pp.byProc[victim])
	if restarted := pp.pidOf(victim); len(restarted) != 2 || restarted[1] == hung {
		t.Fatalf("process %d: started pids %v, want the hung one and a new one", victim, restarted)
	} else {
		pp.pids = append(pp.pids, restarted[1])
	}
	load.finish(t, time.Now().Add(10*time.Second), "the other process's worker")
}
