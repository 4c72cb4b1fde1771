package limits

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// spin burns CPU on the calling thread until stop is set or the bound passes.
func spin(stop *atomic.Bool, bound time.Duration) {
	end := time.Now().Add(bound)
	for !stop.Load() && time.Now().Before(end) {
	}
}

func TestWatchdogKillsOnCPUBudget(t *testing.T) {
	w := NewWatchdog(time.Millisecond)
	defer w.Close()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var stop atomic.Bool
	turn := w.Begin(20*time.Millisecond, func() { stop.Store(true) }, nil)
	spin(&stop, 10*time.Second)
	used, killed := turn.End()
	if !killed || !stop.Load() {
		t.Fatalf("not killed after %v of CPU", used)
	}
	if used < 20*time.Millisecond {
		t.Fatalf("killed after only %v of CPU, budget 20ms", used)
	}
}

func TestWatchdogCountsCPUNotWallTime(t *testing.T) {
	w := NewWatchdog(time.Millisecond)
	defer w.Close()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	turn := w.Begin(20*time.Millisecond, func() { t.Error("killed while sleeping") }, nil)
	time.Sleep(100 * time.Millisecond) // wall time passes, CPU time does not
	used, killed := turn.End()
	if killed || used > 20*time.Millisecond {
		t.Fatalf("used %v, killed %v", used, killed)
	}
}

// Work run through Exclude is neither killed nor charged, and the turn's budget grows by it.
func TestWatchdogExcludeIsNotCharged(t *testing.T) {
	w := NewWatchdog(time.Millisecond)
	defer w.Close()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	turn := w.Begin(10*time.Millisecond, func() { t.Error("killed while excluded") }, nil)
	spent := time.Duration(0)
	turn.Exclude(func() {
		start := ThreadCPU()
		for ThreadCPU()-start < 30*time.Millisecond {
		}
		spent = ThreadCPU() - start
	})
	used, killed := turn.End()
	if killed || used >= spent {
		t.Fatalf("used %v (excluded work took %v), killed %v", used, spent, killed)
	}
	if ex := turn.Excluded(); ex < spent {
		t.Fatalf("Excluded() = %v, want at least the %v the excluded work took", ex, spent)
	}
}
