package limits

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A turn that goes on after its kill (V8 lost the termination request) is killed again.
func TestWatchdogKillsAgainUntilTheTurnEnds(t *testing.T) {
	w := NewWatchdog(time.Millisecond)
	defer w.Close()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var kills atomic.Int32
	var stop atomic.Bool
	turn := w.Begin(5*time.Millisecond, func() {
		if kills.Add(1) == 3 {
			stop.Store(true) // the third request is the one that lands
		}
	}, nil)
	spin(&stop, 10*time.Second)
	_, killed := turn.End()
	n := kills.Load()
	if !killed || n < 3 {
		t.Fatalf("killed %v after %d requests", killed, n)
	}
	time.Sleep(10 * time.Millisecond) // ticks after End must not kill any more
	if kills.Load() != n {
		t.Fatalf("killed again after End")
	}
}

// A turn that goes on StuckAfter past its first kill is reported stuck, once, is still
// killed at every check, and its thread is left at the least priority (Turn.Stuck).
func TestWatchdogReportsAStuckTurnOnce(t *testing.T) {
	w := NewWatchdog(time.Millisecond)
	w.stuckAfter = 20 * time.Millisecond
	defer w.Close()
	// Never unlocked: the thread ends with this test's goroutine, as a stuck turn's does.
	runtime.LockOSThread()
	var kills, stucks atomic.Int32
	var stop atomic.Bool
	turn := w.Begin(time.Millisecond, func() {
		if stucks.Load() > 0 && kills.Add(1) >= 3 {
			stop.Store(true) // killed again after being reported stuck
		}
	}, func() { stucks.Add(1) })
	spin(&stop, 10*time.Second)
	turn.End()
	if n := stucks.Load(); n != 1 {
		t.Fatalf("stuck reported %d times, want 1", n)
	}
	if !turn.Stuck() {
		t.Error("Turn.Stuck is false after the turn was reported stuck")
	}
	// The raw syscall answers 20 - nice.
	if prio, err := unix.Getpriority(unix.PRIO_PROCESS, unix.Gettid()); err != nil || 20-prio != 19 {
		t.Errorf("the stuck turn's thread runs at nice %d (%v), want 19", 20-prio, err)
	}
}
