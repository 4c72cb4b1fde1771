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

// TestTurnPriority: Demote runs the rest of a turn at DemotedPriority and End gives priority 0
// back; a turn never demoted keeps priority 0 however much CPU it uses; Demote does nothing to
// a turn begun with BeginUndemoted.
func TestTurnPriority(t *testing.T) {
	if !CanRestorePriority() {
		t.Skip("this process may not lower a thread's nice value back (no CAP_SYS_NICE), so turns are never demoted")
	}
	w := NewWatchdog(time.Millisecond)
	defer w.Close()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	if n := niceOf(t, tid); n != 0 {
		t.Fatalf("the test thread starts at nice %d", n)
	}
	spin := func(d time.Duration) {
		for start := ThreadCPU(); ThreadCPU()-start < d; {
		}
	}
	cases := []struct {
		name      string
		begin     func(time.Duration, func(), func()) *Turn
		demote    bool
		wantInner int
	}{
		{"demoted", w.Begin, true, DemotedPriority},
		{"long, not demoted", w.Begin, false, 0},
		{"start-up, asked to demote", w.BeginUndemoted, true, 0},
	}
	for _, c := range cases {
		turn := c.begin(time.Minute, nil, nil)
		spin(5 * time.Millisecond) // the watchdog checks the turn a few times
		if c.demote {
			turn.Demote()
		}
		got := niceOf(t, tid)
		turn.End()
		if got != c.wantInner {
			t.Errorf("%s: nice %d inside the turn, want %d", c.name, got, c.wantInner)
		}
		if n := niceOf(t, tid); n != 0 {
			t.Fatalf("%s: nice %d after the turn ended, want 0", c.name, n)
		}
	}
}
