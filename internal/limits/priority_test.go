package limits

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// niceOf is a thread's nice value (Linux's getpriority system call returns 20 - nice).
func niceOf(t *testing.T, tid int) int {
	t.Helper()
	p, err := unix.Getpriority(unix.PRIO_PROCESS, tid)
	if err != nil {
		t.Fatal(err)
	}
	return 20 - p
}

// TestLongTurnIsDemoted: a turn that has used more than DemoteAfter of CPU runs at
// DemotedPriority, and End gives its thread priority 0 back.
func TestLongTurnIsDemoted(t *testing.T) {
	if !CanRestorePriority() {
		t.Skip("this process may not lower a thread's nice value back (no CAP_SYS_NICE), so long turns are not demoted")
	}
	w := NewWatchdog(time.Millisecond)
	defer w.Close()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	if n := niceOf(t, tid); n != 0 {
		t.Fatalf("the test thread starts at nice %d", n)
	}
	turn := w.Begin(time.Minute, func() { t.Error("killed") }, nil)
	start := ThreadCPU()
	for niceOf(t, tid) != DemotedPriority {
		if ThreadCPU()-start > 10*time.Second {
			turn.End()
			t.Fatalf("still at nice %d after 10 s of CPU", niceOf(t, tid))
		}
	}
	if used := ThreadCPU() - start; used < DemoteAfter {
		t.Errorf("demoted after %v of CPU, before DemoteAfter (%v)", used, DemoteAfter)
	}
	turn.End()
	if n := niceOf(t, tid); n != 0 {
		t.Fatalf("nice %d after the turn ended, want 0", n)
	}
}

// TestShortTurnKeepsItsPriority: a turn that ends before DemoteAfter of CPU is never demoted.
func TestShortTurnKeepsItsPriority(t *testing.T) {
	w := NewWatchdog(time.Millisecond)
	defer w.Close()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	for i := 0; i < 20; i++ {
		turn := w.Begin(time.Minute, nil, nil)
		time.Sleep(2 * time.Millisecond) // the watchdog checks it, and it has used no CPU
		if n := niceOf(t, tid); n != 0 {
			t.Fatalf("nice %d inside a turn that used no CPU", n)
		}
		turn.End()
	}
}

// TestUndemotedTurnKeepsItsPriority: a turn begun with BeginUndemoted is not demoted, however
// much CPU it uses.
func TestUndemotedTurnKeepsItsPriority(t *testing.T) {
	w := NewWatchdog(time.Millisecond)
	defer w.Close()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	turn := w.BeginUndemoted(time.Minute, nil, nil)
	start := ThreadCPU()
	for ThreadCPU()-start < 10*DemoteAfter {
		if n := niceOf(t, tid); n != 0 {
			turn.End()
			t.Fatalf("nice %d after %v of CPU", n, ThreadCPU()-start)
		}
	}
	turn.End()
}
