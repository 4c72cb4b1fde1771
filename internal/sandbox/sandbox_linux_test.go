package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/sys/unix"
)

// helperEnv makes the test binary, re-executed by TestEnter, run helper instead of the tests.
const helperEnv = "ISLET_SANDBOX_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		if err := helper(); err != nil {
			fmt.Fprintln(os.Stderr, "helper: FAIL:", err)
			os.Exit(1)
		}
		fmt.Println("helper: ok")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestRulesNameRealSyscalls catches a misspelt syscall name, which policy would silently skip.
func TestRulesNameRealSyscalls(t *testing.T) {
	for _, r := range append(append([]rule(nil), rules...), socketRules...) {
		for _, name := range r.names {
			if _, ok := arch.X86_64.SyscallNames[name]; !ok {
				t.Errorf("rule %q: x86-64 has no syscall %q", r.why, name)
			}
		}
		if r.why == "" {
			t.Errorf("rule %v has no reason", r.names)
		}
	}
	if _, _, _, err := policy(socketRules); err != nil {
		t.Fatal(err)
	}
}

// TestAllowlist: every allowlist row has a reason and names syscalls x86-64 has (arm64 lacks
// some old ones, which allowProgram leaves out), and no syscall the denylist refuses outright
// is allowed (those refused only for some arguments, such as clone and socket, are).
func TestAllowlist(t *testing.T) {
	refused := map[string]bool{}
	for _, r := range append(append([]rule(nil), rules...), socketRules...) {
		if r.when == nil {
			for _, name := range r.names {
				refused[name] = true
			}
		}
	}
	seen := map[string]bool{}
	for _, a := range allowlist {
		if a.why == "" {
			t.Errorf("allowlist row %v has no reason", a.names)
		}
		for _, name := range a.names {
			if _, ok := arch.X86_64.SyscallNames[name]; !ok {
				t.Errorf("allowlist row %q: x86-64 has no syscall %q", a.why, name)
			}
			if refused[name] && name != "socket" && name != "socketpair" {
				t.Errorf("%s is both allowed and refused outright", name)
			}
			if seen[name] {
				t.Errorf("%s is in two allowlist rows", name)
			}
			seen[name] = true
		}
	}
	if _, n, err := allowProgram(arch.X86_64.SyscallNames); err != nil || n < 100 {
		t.Fatalf("allowProgram: %d syscalls, %v", n, err)
	}
}

// TestEnter runs helper in a process of its own (the sandbox cannot be left), which enters the
// sandbox and checks what it refuses and what still works; see helper.
func TestEnter(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "allowed.txt"), []byte("yes"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Outside the sandbox: an abstract Unix socket (Landlock's scope must refuse it) and a TCP
	// listener (connecting to it must still work).
	abstract := fmt.Sprintf("@islet-sandbox-test-%d", os.Getpid())
	aln, err := net.Listen("unix", abstract)
	if err != nil {
		t.Fatal(err)
	}
	defer aln.Close()
	tln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tln.Close()
	go acceptAll(aln)
	go acceptAll(tln)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "HELPER_DIR="+dir, "HELPER_ABSTRACT="+abstract,
		"HELPER_TCP="+tln.Addr().String(), selfTestEnv+"=1")
	out, err := cmd.CombinedOutput()
	t.Logf("helper output:\n%s", out)
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	if !strings.Contains(string(out), "helper: ok") {
		t.Fatal("helper did not finish")
	}
	for _, p := range []string{"open_file", "exec", "socket_netlink", "ptrace", "mount", "unshare", "bpf", "io_uring"} {
		if !strings.Contains(string(out), "probe="+p+" refused=true") {
			t.Errorf("self-test probe %s not logged as refused", p)
		}
	}
}

func acceptAll(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}

// helper runs in a fresh process: it parks goroutines on OS threads of their own, enters the
// sandbox, and checks that every thread (those that existed before included: TSYNC) is
// confined, that a new thread can still be made and runs, and what is refused and allowed.
func helper() error {
	dir := os.Getenv("HELPER_DIR")
	// Threads that exist before Enter: each waits, then tries to open and exec from its thread.
	const parked = 4
	start := make(chan struct{})
	results := make(chan error, parked)
	for i := 0; i < parked; i++ {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			<-start
			if err := openFile("/etc/passwd"); !Refused(err) {
				results <- fmt.Errorf("thread %d: open after Enter: %v", unix.Gettid(), err)
				return
			}
			if err := exec.Command("/bin/true").Run(); !errors.Is(err, unix.EPERM) {
				results <- fmt.Errorf("thread %d: exec after Enter: %v", unix.Gettid(), err)
				return
			}
			results <- nil
		}()
	}
	if _, err := Enter(Options{ReadOnly: []string{dir}}); err != nil {
		return err
	}
	if _, err := Enter(Options{}); err == nil {
		return errors.New("a second Enter did not fail")
	}
	close(start)
	for i := 0; i < parked; i++ {
		if err := <-results; err != nil {
			return err
		}
	}
	if err := everyThreadFiltered(); err != nil {
		return err
	}
	if err := newThreadRuns(); err != nil {
		return err
	}
	// Allowed: the directory given, the system files, TCP connect.
	if b, err := os.ReadFile(filepath.Join(dir, "allowed.txt")); err != nil || string(b) != "yes" {
		return fmt.Errorf("read an allowed file: %q %v", b, err)
	}
	if err := openFile("/dev/urandom"); err != nil {
		return fmt.Errorf("open /dev/urandom: %w", err)
	}
	if c, err := net.DialTimeout("tcp", os.Getenv("HELPER_TCP"), 5*time.Second); err != nil {
		return fmt.Errorf("TCP connect (still allowed): %w", err)
	} else {
		c.Close()
	}
	// Refused.
	refused := map[string]error{
		"open /etc/hostname":                       openFile("/etc/hostname"),
		"write in the allowed dir":                 os.WriteFile(filepath.Join(dir, "new.txt"), nil, 0o600),
		"exec /bin/true":                           exec.Command("/bin/true").Run(),
		"socket(AF_NETLINK)":                       socket(unix.AF_NETLINK, unix.SOCK_RAW, unix.NETLINK_ROUTE),
		"socket(AF_INET, SOCK_RAW)":                socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP),
		"socket(AF_UNIX, SOCK_SEQPACKET)":          socket(unix.AF_UNIX, unix.SOCK_SEQPACKET, 0),
		"socket(AF_INET, RAW with high bits)":      rawErr(unix.Syscall(unix.SYS_SOCKET, unix.AF_INET, 1<<32|unix.SOCK_RAW, unix.IPPROTO_ICMP)),
		"socket(AF_NETLINK with high bits)":        rawErr(unix.Syscall(unix.SYS_SOCKET, 1<<32|unix.AF_NETLINK, unix.SOCK_RAW, 0)),
		"ptrace(PTRACE_ATTACH)":                    unix.PtraceAttach(os.Getppid()),
		"process_vm_readv":                         rawErr(unix.Syscall6(unix.SYS_PROCESS_VM_READV, uintptr(os.Getppid()), 0, 0, 0, 0, 0)),
		"clone(CLONE_NEWUSER)":                     rawErr(unix.Syscall(unix.SYS_CLONE, unix.CLONE_NEWUSER|uintptr(unix.SIGCHLD), 0, 0)),
		"personality(ADDR_NO_RANDOMIZE=0x0040000)": rawErr(unix.Syscall(unix.SYS_PERSONALITY, 0x0040000, 0, 0)),
	}
	if abi, _ := enterLandlockABI(); abi >= 4 {
		_, err := net.Listen("tcp", "127.0.0.1:0")
		refused["TCP listen"] = err
	}
	if abi, _ := enterLandlockABI(); abi >= 6 {
		c, err := net.Dial("unix", os.Getenv("HELPER_ABSTRACT"))
		if err == nil {
			c.Close()
		}
		refused["connect to an abstract Unix socket outside"] = err
	}
	for what, err := range refused {
		if !Refused(err) {
			return fmt.Errorf("%s: not refused (%v)", what, err)
		}
	}
	// The query form of personality stays allowed.
	if err := rawErr(unix.Syscall(unix.SYS_PERSONALITY, 0xffffffff, 0, 0)); err != nil {
		return fmt.Errorf("personality query: %w", err)
	}
	return nil
}

// everyThreadFiltered checks in /proc that every thread of the process, those V8 or psx would
// not know about included, is in seccomp filter mode with no_new_privs.
func everyThreadFiltered() error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("list threads: %w", err)
	}
	for _, task := range tasks {
		f, err := os.Open(filepath.Join("/proc/self/task", task.Name(), "status"))
		if err != nil {
			return fmt.Errorf("thread %s: %w", task.Name(), err)
		}
		fields := map[string]string{}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok {
				fields[k] = strings.TrimSpace(v)
			}
		}
		f.Close()
		if fields["Seccomp"] != "2" || fields["NoNewPrivs"] != "1" || fields["Seccomp_filters"] != "4" {
			return fmt.Errorf("thread %s: Seccomp %q, filters %q, NoNewPrivs %q", task.Name(), fields["Seccomp"], fields["Seccomp_filters"], fields["NoNewPrivs"])
		}
	}
	if len(tasks) < 2 {
		return fmt.Errorf("only %d threads", len(tasks))
	}
	return nil
}

// newThreadRuns makes the Go runtime start OS threads after Enter (goroutines locked to
// threads until there are more threads than before) and checks that they run.
func newThreadRuns() error {
	count := func() int { tasks, _ := os.ReadDir("/proc/self/task"); return len(tasks) }
	before := count()
	release := make(chan struct{})
	defer close(release)
	ran := make(chan int, 64)
	deadline := time.Now().Add(10 * time.Second)
	for n := 0; count() <= before; n++ {
		if n >= 64 || time.Now().After(deadline) {
			return fmt.Errorf("no new thread after %d locked goroutines (%d threads)", n, count())
		}
		go func() {
			runtime.LockOSThread()
			ran <- unix.Gettid()
			<-release
		}()
		<-ran
	}
	return nil
}
