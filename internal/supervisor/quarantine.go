package supervisor

import (
	"log/slog"
	"sort"
	"sync"
	"time"
)

// QuarantineTier is the tier of the runtime process a platform node keeps for workers whose
// process died under them (see quarantine): a Layout given it serves them there, apart from
// every other worker.
const QuarantineTier = "quarantine"

// Quarantine's bounds.
const (
	// QuarantineFor is how long a worker stays in the quarantine process after the last death
	// of a runtime process it had a request in.
	QuarantineFor = 10 * time.Minute
	// maxSuspects is the most workers one death moves: with more in flight, which one killed
	// the process cannot be told, and none is moved.
	maxSuspects = 16
	// suspectWindow is how close to a process's death a request of a worker must have failed
	// for the worker to count as in flight then (the proxy may see the broken connection just
	// before the supervisor sees the exit).
	suspectWindow = 2 * time.Second
)

// quarantine is the set of workers moved to the quarantine process. A runtime process that
// dies (a V8 fatal error, a hang the heartbeat ends, every executor stuck) takes down every
// worker it serves; the workers that had a request in it when it died (for a hang, one that
// reached it before it stopped answering) are the suspects, and they are served by the
// quarantine process for QuarantineFor, so a worker that kills its
// process again kills only the quarantine one, and its former neighbours are left alone. Its
// methods are safe for concurrent use.
type quarantine struct {
	mu    sync.Mutex
	until map[string]time.Time
	now   func() time.Time
	log   *slog.Logger
	// changed is called (outside the lock) when the set changes, to move the workers.
	changed func()
}

func newQuarantine(log *slog.Logger, changed func()) *quarantine {
	return &quarantine{until: map[string]time.Time{}, now: time.Now, log: log, changed: changed}
}

// has reports whether worker is quarantined now.
func (q *quarantine) has(worker string) bool {
	if q == nil {
		return false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	until, ok := q.until[worker]
	if ok && q.now().After(until) {
		delete(q.until, worker)
		ok = false
		q.log.Info("worker leaves the quarantine process", "worker", worker)
		go q.changed()
	}
	return ok
}

// died records the death of runtime process index with suspects in flight: each is
// quarantined, or kept there, for QuarantineFor from now; none if there are more than
// maxSuspects.
func (q *quarantine) died(index int, suspects []string) {
	if q == nil || len(suspects) == 0 {
		return
	}
	sort.Strings(suspects)
	if len(suspects) > maxSuspects {
		q.log.Warn("runtime process died with too many workers in flight to tell which one killed it; none is quarantined",
			"process", index, "in_flight", len(suspects))
		return
	}
	q.mu.Lock()
	var moved []string
	for _, w := range suspects {
		if _, ok := q.until[w]; !ok {
			moved = append(moved, w)
		}
		q.until[w] = q.now().Add(QuarantineFor)
	}
	q.mu.Unlock()
	q.log.Warn("runtime process died with these workers' requests in it; they are served by the quarantine process for a while",
		"process", index, "workers", suspects, "for", QuarantineFor.String())
	if len(moved) > 0 {
		q.changed()
	}
}

// inflight tracks the requests in a runtime process, and those that failed lately, to name the
// suspects when the process dies. Its methods are safe for concurrent use.
type inflight struct {
	mu     sync.Mutex
	next   uint64
	open   map[uint64]request
	failed []failure
}

// request is one request in the process: its worker and when it was handed over.
type request struct {
	worker string
	start  time.Time
}

// failure is a request the process broke the connection of, and when.
type failure struct {
	request
	at time.Time
}

// begin records a request of worker handed to the process now and returns what end and fail
// take.
func (f *inflight) begin(worker string) (id uint64, r request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.open == nil {
		f.open = map[uint64]request{}
	}
	f.next++
	r = request{worker: worker, start: time.Now()}
	f.open[f.next] = r
	return f.next, r
}

func (f *inflight) end(id uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.open, id)
}

// fail records that the process broke r's connection at at.
func (f *inflight) fail(r request, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	// Only the last few matter (see suspects); keep the list short.
	if len(f.failed) >= 4*maxSuspects {
		f.failed = f.failed[1:]
	}
	f.failed = append(f.failed, failure{request: r, at: at})
}

// suspects are the workers of the requests handed to a process before cutoff that were still
// in it when it died at death, or whose connection it broke within suspectWindow of death. For
// a crash cutoff is the death; for a process that stopped answering, when it stopped (the
// requests sent to it after that are its victims, not its cause). The failures are forgotten.
func (f *inflight) suspects(death, cutoff time.Time) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]bool{}
	for _, r := range f.open {
		if r.start.Before(cutoff) {
			seen[r.worker] = true
		}
	}
	for _, x := range f.failed {
		if d := death.Sub(x.at); d < suspectWindow && d > -suspectWindow && x.start.Before(cutoff) {
			seen[x.worker] = true
		}
	}
	f.failed = nil
	out := make([]string, 0, len(seen))
	for w := range seen {
		out = append(out, w)
	}
	return out
}
