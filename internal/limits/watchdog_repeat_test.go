package limits

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
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

// A turn that goes on StuckAfter past its first kill is reported stuck, once, and is still
// killed at every check.
func TestWatchdogReportsAStuckTurnOnce(t *testing.T) {
	w := NewWatchdog(time.Millisecond)
	w.stuckAfter = 20 * time.Millisecond
	defer w.Close()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
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
}
