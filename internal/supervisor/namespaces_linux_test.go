package supervisor

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// TestNamespacesAtSpawn starts a process as a runtime process is started, with namespaces, and
// checks it has user, PID, IPC and mount namespaces of its own, the supervisor's network or
// (as a platform node's runtime processes, netns) a network namespace of its own, that it is
// PID 1 in its PID namespace, and that SIGKILL from outside still ends it.
func TestNamespacesAtSpawn(t *testing.T) {
	if ok, why := namespacesOffered(); !ok {
		t.Skip(why)
	}
	for _, netns := range []bool{false, true} {
		t.Run(fmt.Sprintf("netns=%v", netns), func(t *testing.T) {
			cmd := exec.Command("/bin/sh", "-c", "echo $$; exec sleep 60")
			cmd.SysProcAttr = sysProcAttr(true, netns)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Skipf("the kernel refuses namespaces here (the supervisor falls back): %v", err)
			}
			defer cmd.Wait()
			defer cmd.Process.Kill()
			buf := make([]byte, 16)
			n, _ := out.Read(buf)
			if got := string(buf[:n]); got != "1\n" {
				t.Errorf("pid inside its namespace: %q, want 1", got)
			}
			pid := cmd.Process.Pid
			for _, ns := range []string{"user", "pid", "ipc", "mnt", "net"} {
				mine, err1 := os.Readlink("/proc/self/ns/" + ns)
				its, err2 := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/" + ns)
				if err1 != nil || err2 != nil {
					t.Fatalf("%s: %v %v", ns, err1, err2)
				}
				if same := mine == its; same != (ns == "net" && !netns) {
					t.Errorf("%s namespace: supervisor %s, child %s", ns, mine, its)
				}
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err == nil || cmd.ProcessState.String() != "signal: killed" {
				t.Errorf("after SIGKILL: %v", err)
			}
		})
	}
}

// TestNamespacesFallBack checks that a refusal is remembered: later starts do not ask again.
func TestNamespacesFallBack(t *testing.T) {
	n := &namespaces{use: true, log: slog.New(slog.DiscardHandler)}
	n.refused(os.ErrPermission)
	if n.wanted() {
		t.Fatal("namespaces still wanted after a refusal")
	}
}
