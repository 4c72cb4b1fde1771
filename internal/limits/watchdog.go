// Package limits enforces resource limits on turns: a watchdog that measures each turn's CPU
// time on the thread running it (not wall time) and stops the JS when a budget is spent. It also
// defines the egress allowlist rules (EgressRule) that outbound fetch checks connections against.
package limits

import (
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// StuckAfter is how long a turn may go on running after its first kill before the watchdog
// calls it stuck: some V8 built-ins (a sort of a huge sparse array) check for termination only
// rarely, and a turn inside one would hold its thread for as long as it likes.
const StuckAfter = time.Second

// DemotedPriority is the nice value of a demoted turn's thread (see Turn.Demote). The kernel
// then runs a waking thread of nice 0 ahead of it, and on CPUs that other processes keep busy
// it still gets about a quarter of what a nice-0 thread would (nice 19 got so little that a 1 s
// CPU budget took over a minute beside two busy loops).
const DemotedPriority = 5

// LeastPriority is the nice value of a stuck turn's thread.
const LeastPriority = 19

// Watchdog watches running turns. One watchdog serves a whole node: it wakes every Interval
// and only while turns run.
type Watchdog struct {
	interval   time.Duration
	stuckAfter time.Duration
	// demote says whether turns may be demoted (Turn.Demote): only when the process may give
	// their threads their priority back at the turn's end (CanRestorePriority).
	demote bool

	mu      sync.Mutex
	running map[*Turn]struct{}
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// Turn is one watched turn. Begin and End are called on the thread that runs the turn.
type Turn struct {
	w       *Watchdog
	tid     int   // the thread running the turn
	clock   int32 // its CPU clock
	start   time.Duration
	budget  time.Duration
	kill    func()
	stuck   func()
	killed  bool      // guarded by w.mu
	killAt  time.Time // when the turn was first killed; guarded by w.mu
	isStuck bool      // stuck has been called; guarded by w.mu
	demoted bool      // the thread runs at DemotedPriority until End; guarded by w.mu
	// demotable says whether Demote has an effect.
	demotable bool
	// paused counts Exclude calls in progress and excluded the CPU time they took; guarded by
	// w.mu.
	paused   int
	excluded time.Duration
	elapsed  time.Duration
}

// NewWatchdog starts a watchdog that checks running turns every interval (the precision of
// the limits it enforces).
func NewWatchdog(interval time.Duration) *Watchdog {
	w := &Watchdog{
		interval:   interval,
		stuckAfter: StuckAfter,
		demote:     CanRestorePriority(),
		running:    map[*Turn]struct{}{},
		wake:       make(chan struct{}, 1),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	go w.loop()
	return w
}

// Close stops the watchdog.
func (w *Watchdog) Close() {
	close(w.stop)
	<-w.done
}

// Begin starts watching a turn on the calling thread: if it uses more than budget of CPU
// time, kill is called (from the watchdog's goroutine), and again at every check until End.
// If the turn still runs StuckAfter after the first kill, stuck (if not nil) is called once,
// also from the watchdog's goroutine, so that the caller can stop waiting for the thread, and
// the thread's scheduling priority is lowered to the least (LeastPriority), so that the CPU it
// still burns goes to other threads first; the caller must then never give that thread back to
// Go's pool (see Stuck). A turn that Demote lowered runs at DemotedPriority until End gives
// its thread its priority back. kill and stuck must be quick and must not call into the watchdog.
func (w *Watchdog) Begin(budget time.Duration, kill, stuck func()) *Turn {
	return w.begin(budget, true, kill, stuck)
}

// BeginUndemoted is Begin for a turn that is never demoted (a worker's start-up, which has a
// wall-clock bound of its own and must not be starved past it by a busy machine).
func (w *Watchdog) BeginUndemoted(budget time.Duration, kill, stuck func()) *Turn {
	return w.begin(budget, false, kill, stuck)
}

func (w *Watchdog) begin(budget time.Duration, demotable bool, kill, stuck func()) *Turn {
	tid := unix.Gettid()
	t := &Turn{w: w, tid: tid, clock: threadClock(tid), budget: budget, kill: kill, stuck: stuck, demotable: demotable}
	t.start = ThreadCPU()
	w.mu.Lock()
	first := len(w.running) == 0
	w.running[t] = struct{}{}
	w.mu.Unlock()
	if first {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
	return t
}

// Exclude runs fn, the platform's own work inside the turn (loading runtime code on first use),
// on the turn's thread without charging its CPU time to the turn: the turn is not killed while
// fn runs, and its budget grows by what fn used.
func (t *Turn) Exclude(fn func()) {
	t.w.mu.Lock()
	t.paused++
	t.w.mu.Unlock()
	start := ThreadCPU()
	defer func() {
		d := ThreadCPU() - start
		t.w.mu.Lock()
		t.paused--
		t.budget += d
		t.excluded += d
		t.w.mu.Unlock()
	}()
	fn()
}

// Demote lowers the priority of the turn's thread to DemotedPriority until End: the scheduler
// asks it of a turn it takes a slot from while others wait (its tenant has had its share), so
// that when the CPUs are short the threads that parse requests, run ops and run other tenants'
// turns are scheduled first. A turn that only runs long, with nobody waiting, keeps its
// priority. It does nothing for a turn begun with BeginUndemoted, or when the process could not
// restore the priority afterwards (CanRestorePriority).
func (t *Turn) Demote() {
	t.w.mu.Lock()
	defer t.w.mu.Unlock()
	if !t.w.demote || !t.demotable || t.demoted || t.isStuck {
		return
	}
	t.demoted = unix.Setpriority(unix.PRIO_PROCESS, t.tid, DemotedPriority) == nil
}

// Stuck reports whether the turn was found stuck (see Begin): its thread now runs at the least
// priority, which an unprivileged process cannot raise again, so the goroutine that ran the
// turn must keep it locked (runtime.LockOSThread) until it exits, and Go then ends the thread.
// Call it after End.
func (t *Turn) Stuck() bool {
	t.w.mu.Lock()
	defer t.w.mu.Unlock()
	return t.isStuck
}

// Excluded is the CPU time the turn's Exclude calls ran: the platform's work, which End leaves
// out of what the turn used. Call it after End.
func (t *Turn) Excluded() time.Duration {
	t.w.mu.Lock()
	defer t.w.mu.Unlock()
	return t.excluded
}

// End stops watching the turn and returns the CPU time it used (less what Exclude ran) and
// whether it was killed. It must be called on the thread that called Begin.
func (t *Turn) End() (used time.Duration, killed bool) {
	used = ThreadCPU() - t.start
	t.w.mu.Lock()
	delete(t.w.running, t)
	used -= t.excluded
	killed = t.killed
	restore := t.demoted && !t.isStuck
	t.w.mu.Unlock()
	if restore {
		// Cannot fail once CanRestorePriority said yes; if it did, the thread would stay slow
		// for whatever Go runs on it next, which costs speed, not correctness.
		unix.Setpriority(unix.PRIO_PROCESS, t.tid, 0)
	}
	return used, killed
}

func (w *Watchdog) loop() {
	defer close(w.done)
	tick := time.NewTicker(w.interval)
	defer tick.Stop()
	for {
		w.mu.Lock()
		idle := len(w.running) == 0
		w.mu.Unlock()
		if idle {
			select {
			case <-w.wake:
			case <-w.stop:
				return
			}
		}
		select {
		case <-tick.C:
		case <-w.stop:
			return
		}
		w.check()
	}
}

func (w *Watchdog) check() {
	// kill runs under the lock, so that once End has returned no kill meant for that turn can
	// reach the isolate's next one.
	w.mu.Lock()
	defer w.mu.Unlock()
	for t := range w.running {
		if t.paused > 0 {
			continue
		}
		// A killed turn still running is killed again on every tick: V8 can swallow a
		// termination request (one that arrives while JSON.parse runs is dropped, and the loop
		// around it goes on), so one request is not enough.
		if t.killed || cpuOf(t.clock)-t.start > t.budget {
			if !t.killed {
				t.killed = true
				t.killAt = time.Now()
			} else if !t.isStuck && t.stuck != nil && time.Since(t.killAt) > w.stuckAfter {
				t.isStuck = true
				t.stuck()
				// Raising a thread's nice value needs no privilege; failing to is harmless.
				unix.Setpriority(unix.PRIO_PROCESS, t.tid, LeastPriority)
			}
			t.kill()
		}
	}
}

var (
	restoreOnce sync.Once
	restoreOK   bool
)

// CanRestorePriority reports whether this process may lower a thread's nice value back to 0
// after raising it (CAP_SYS_NICE, or an RLIMIT_NICE of 20 or more). It finds out once, on a
// thread of its own, which it lets Go end if the value could not be put back.
func CanRestorePriority() bool {
	restoreOnce.Do(func() {
		done := make(chan bool)
		go func() {
			runtime.LockOSThread()
			tid := unix.Gettid()
			if unix.Setpriority(unix.PRIO_PROCESS, tid, 1) != nil {
				runtime.UnlockOSThread()
				done <- false
				return
			}
			ok := unix.Setpriority(unix.PRIO_PROCESS, tid, 0) == nil
			if ok {
				runtime.UnlockOSThread()
			} // else the goroutine exits locked, and Go ends the thread with it
			done <- ok
		}()
		restoreOK = <-done
	})
	return restoreOK
}

// ThreadCPU is the CPU time the calling thread has used.
func ThreadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// threadClock is the clock id of a thread's CPU clock (Linux's MAKE_THREAD_CPUCLOCK with
// CPUCLOCK_SCHED), readable from any thread of the process.
func threadClock(tid int) int32 { return int32((^tid)<<3 | 6) }

func cpuOf(clock int32) time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(clock, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}
