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
// worker it serves; the workers that had a request in it when it died are the suspects, and
// they are served by the quarantine process for QuarantineFor, so a worker that kills its
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

// inflight tracks which workers have requests in a runtime process, and which had one fail
// lately, to name the suspects when the process dies.
type inflight struct {
	mu     sync.Mutex
	count  map[string]int
	failed map[string]time.Time
}

func (f *inflight) begin(worker string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.count == nil {
		f.count = map[string]int{}
	}
	f.count[worker]++
}

func (f *inflight) end(worker string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.count[worker]--; f.count[worker] <= 0 {
		delete(f.count, worker)
	}
}

// fail records that a request of worker failed because the process broke the connection.
func (f *inflight) fail(worker string, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failed == nil {
		f.failed = map[string]time.Time{}
	}
	f.failed[worker] = at
}

// suspects are the workers in flight now or failed within suspectWindow of at; the failures
// are forgotten.
func (f *inflight) suspects(at time.Time) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]bool{}
	for w := range f.count {
		seen[w] = true
	}
	for w, t := range f.failed {
		if d := at.Sub(t); d < suspectWindow && d > -suspectWindow {
			seen[w] = true
		}
	}
	f.failed = nil
	out := make([]string, 0, len(seen))
	for w := range seen {
		out = append(out, w)
	}
	return out
}
