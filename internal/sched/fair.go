package sched

import (
	"container/heap"
	"sync"
	"time"

	"islet/internal/worker"
)

// Quantum is how long a turn may keep an executor slot while other tenants wait for one; then
// it is asked to yield (an isolate interrupt) and queues behind them.
const Quantum = 2 * time.Millisecond

// WakeCredit is the most executor time a tenant waking from idle is ahead of those at work.
const WakeCredit = 10 * Quantum

// fairShare hands out the executor slots: at most `slots` instances run JavaScript at once.
// An instance that finds no free slot waits in its tenant's queue. Tenants (accounts; a worker
// of no account is its own tenant) are served in order of the executor time they have used,
// least first, as a fair-share CPU scheduler does, and within a tenant first come, first
// served. A slot held longer than Quantum while others wait is taken back at the holder's next
// safe point (worker.Instance.RequestYield): one tenant's long turns can hold every slot only
// while nobody else needs one.
//
// A tenant that wakes from idle starts no lower than WakeCredit below the floor, the least
// executor time of the tenants at work as last seen, which never goes back (a fair-share
// scheduler's virtual time): time spent idle is not saved up as unbounded credit against
// tenants that kept working, one that runs now and then still comes first, and a tenant that
// kept working through a quiet spell, when nobody else was at work, is not left behind the
// newcomers after it (measured: a victim that had served 20,000 requests alone waited up to
// 4.6 s for each of its requests behind ten hostile tenants arriving from zero).
type fairShare struct {
	slots int
	start func(*worker.Instance) // runs a queued instance that was given a slot

	mu      sync.Mutex
	free    int
	closed  bool
	tenants map[string]*tenant
	ready   tenantHeap // tenants with waiters, least used first
	holds   map[*worker.Instance]*hold
	// abandoned are instances whose stuck turn no longer counts as holding a slot; their
	// release when the turn ends is ignored.
	abandoned map[*worker.Instance]bool
	epoch     time.Time
	kick      chan struct{} // wakes the preempter when someone starts waiting
	// blocking counts turns inside a sync op's long computation (see blocking), inBlock says
	// whose they are; heavy bounds how many run at once.
	blocking int
	inBlock  map[*worker.Instance]int
	heavy    chan struct{}
	// floor is the least executor time of the tenants at work, as last seen; it only grows
	// (see leastActiveLocked).
	floor time.Duration
}

type tenant struct {
	key      string
	used     time.Duration // executor time used (virtual time)
	waiters  []*waiter
	index    int // in ready, -1 when not there
	holding  int
	inflight int // requests admitted and not finished
	stuck    int // turns stuck in a built-in past their CPU limit (see abandon)
}

// waiter is a queued instance (resume nil: it is started on a new goroutine when given a slot)
// or a turn paused in Yield (given the slot by closing resume).
type waiter struct {
	inst   *worker.Instance
	resume chan struct{}
}

type hold struct {
	tenant *tenant
	since  time.Duration
	// asked is when RequestYield was last sent for this hold (0: never). It is sent again
	// every Quantum: a request can find no isolate to interrupt yet (one still being made).
	asked time.Duration
}

func newFairShare(slots int, start func(*worker.Instance)) *fairShare {
	return &fairShare{
		slots:     slots,
		start:     start,
		free:      slots,
		tenants:   map[string]*tenant{},
		holds:     map[*worker.Instance]*hold{},
		abandoned: map[*worker.Instance]bool{},
		inBlock:   map[*worker.Instance]int{},
		epoch:     time.Now(),
		kick:      make(chan struct{}, 1),
		// Go code holds one of the Go scheduler's Ps (GOMAXPROCS, by default the executor
		// count) while it runs: at most half of them go to long computations, so HTTP and the
		// other tenants' Go work always have a P.
		heavy: make(chan struct{}, max(1, slots/2)),
	}
}

// tenantKey names the tenant of an instance.
func tenantKey(sp *worker.Spec) string {
	if sp.Account != "" {
		return sp.Account
	}
	return sp.Name
}

func (f *fairShare) now() time.Duration { return time.Since(f.epoch) }

func (f *fairShare) tenantLocked(key string) *tenant {
	t := f.tenants[key]
	if t == nil {
		t = &tenant{key: key, index: -1}
		f.tenants[key] = t
	}
	return t
}

// tryAcquire takes a slot for inst if one is free and nobody waits (the request path's fast
// case: the turn then runs on the calling goroutine).
func (f *fairShare) tryAcquire(inst *worker.Instance) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || f.free == 0 || f.ready.Len() > 0 {
		return false
	}
	f.free--
	t := f.tenantLocked(tenantKey(inst.Spec()))
	t.holding++
	f.holds[inst] = &hold{tenant: t, since: f.now()}
	return true
}

// enqueue queues inst to run when its tenant's turn comes. If every slot is held and inst's
// tenant has used less executor time than a holder's tenant (by more than Quantum), that
// holder is asked to yield at once rather than at the end of its quantum: a tenant that
// rarely runs waits microseconds, not a quantum, behind ones that run all the time.
func (f *fairShare) enqueue(inst *worker.Instance) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	t := f.tenantLocked(tenantKey(inst.Spec()))
	f.pushLocked(t, &waiter{inst: inst})
	f.grantLocked()
	contended := f.ready.Len() > 0
	var preempt *worker.Instance
	if contended {
		now := f.now()
		var most time.Duration
		for holder, h := range f.holds {
			if used := h.tenant.used + (now - h.since); used > t.used+Quantum && used > most && now-h.asked >= Quantum {
				preempt, most = holder, used
			}
		}
		if preempt != nil {
			f.holds[preempt].asked = now
		}
	}
	f.mu.Unlock()
	if preempt != nil {
		preempt.RequestYield()
	}
	if contended {
		select {
		case f.kick <- struct{}{}:
		default:
		}
	}
}

// release gives inst's slot back after its turns.
func (f *fairShare) release(inst *worker.Instance) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.abandoned[inst] {
		delete(f.abandoned, inst)
		f.tenantLocked(tenantKey(inst.Spec())).stuck--
		return
	}
	if h := f.holds[inst]; h != nil {
		f.dropHoldLocked(inst, h)
		f.grantLocked()
	}
}

// yield runs on the thread of inst's paused JS (worker.Deps.Yield): if anyone waits, the slot
// goes to them and inst waits for its tenant's next turn.
func (f *fairShare) yield(inst *worker.Instance) {
	f.mu.Lock()
	h := f.holds[inst]
	if h == nil || f.ready.Len() == 0 || f.closed {
		f.mu.Unlock()
		return
	}
	t := h.tenant
	f.dropHoldLocked(inst, h)
	w := &waiter{inst: inst, resume: make(chan struct{})}
	f.pushLocked(t, w)
	f.grantLocked()
	f.mu.Unlock()
	// Its tenant has had its share while others wait: the rest of this turn runs behind them
	// when the CPUs are short too.
	inst.DemoteTurn()
	<-w.resume
}

// block runs work, a sync op's long computation on the thread of inst's turn
// (worker.Deps.Blocking), without holding a slot: the slot goes to whoever waits, at most
// max(1, slots/2) such computations run at once, and then inst waits for its tenant's turn to run on.
func (f *fairShare) block(inst *worker.Instance, work func()) {
	f.mu.Lock()
	h := f.holds[inst]
	if h == nil {
		f.mu.Unlock()
		work()
		return
	}
	f.dropHoldLocked(inst, h)
	f.blocking++
	f.inBlock[inst]++
	f.grantLocked()
	f.mu.Unlock()

	f.heavy <- struct{}{}
	work()
	<-f.heavy

	f.mu.Lock()
	f.blocking--
	if f.inBlock[inst]--; f.inBlock[inst] == 0 {
		delete(f.inBlock, inst)
	}
	t := f.tenantLocked(tenantKey(inst.Spec())) // looked up again: prune may have dropped it
	if f.closed || f.free > 0 && f.ready.Len() == 0 {
		f.free--
		t.holding++
		f.holds[inst] = &hold{tenant: t, since: f.now()}
		f.mu.Unlock()
		return
	}
	w := &waiter{inst: inst, resume: make(chan struct{})}
	f.pushLocked(t, w)
	f.grantLocked()
	f.mu.Unlock()
	<-w.resume
}

// abandon stops counting inst's stuck turn as holding a slot (worker.Deps.Stuck).
func (f *fairShare) abandon(inst *worker.Instance) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if h := f.holds[inst]; h != nil {
		f.dropHoldLocked(inst, h)
		f.abandoned[inst] = true
		h.tenant.stuck++
		f.grantLocked()
	}
}

// active is how many turns run that will end in good time: running less stuck ones.
func (f *fairShare) active() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.holds) + f.blocking
}

// isStuck reports whether inst has a stuck turn still running.
func (f *fairShare) isStuck(inst *worker.Instance) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.abandoned[inst]
}

// inTurn reports whether a turn of inst runs now: it holds a slot, or is stuck or blocking
// without one.
func (f *fairShare) inTurn(inst *worker.Instance) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.holds[inst] != nil || f.abandoned[inst] || f.inBlock[inst] > 0
}

// stuckTurns is how many turns are stuck now.
func (f *fairShare) stuckTurns() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.abandoned)
}

func (f *fairShare) dropHoldLocked(inst *worker.Instance, h *hold) {
	h.tenant.used += f.now() - h.since
	f.leastActiveLocked() // the floor counts this holder's time too, even if it worked alone
	delete(f.holds, inst)
	h.tenant.holding--
	if h.tenant.index >= 0 {
		heap.Fix(&f.ready, h.tenant.index)
	}
	f.free++
}

func (f *fairShare) pushLocked(t *tenant, w *waiter) {
	t.waiters = append(t.waiters, w)
	if t.index < 0 {
		if t.holding == 0 {
			f.leastActiveLocked() // brings the floor up to date
			if t.used < f.floor-WakeCredit {
				t.used = f.floor - WakeCredit
			}
		}
		heap.Push(&f.ready, t)
	}
}

// leastActiveLocked is the least executor time of the tenants holding or waiting for a slot;
// it raises the floor to it.
func (f *fairShare) leastActiveLocked() (least time.Duration, ok bool) {
	if f.ready.Len() > 0 {
		least, ok = f.ready[0].used, true
	}
	for _, h := range f.holds {
		if !ok || h.tenant.used < least {
			least, ok = h.tenant.used, true
		}
	}
	if ok && least > f.floor {
		f.floor = least
	}
	return least, ok
}

// grantLocked gives free slots to waiters, least-used tenant first.
func (f *fairShare) grantLocked() {
	for f.free > 0 && f.ready.Len() > 0 {
		t := f.ready[0]
		w := t.waiters[0]
		t.waiters[0] = nil
		t.waiters = t.waiters[1:]
		if len(t.waiters) == 0 {
			heap.Pop(&f.ready)
			t.waiters = nil
		}
		f.free--
		t.holding++
		f.holds[w.inst] = &hold{tenant: t, since: f.now()}
		if w.resume != nil {
			close(w.resume)
		} else {
			go f.start(w.inst)
		}
	}
}

// preempt asks holders of a slot for longer than Quantum to yield while anyone waits, until
// stop is closed.
func (f *fairShare) preempt(stop <-chan struct{}) {
	var ask []*worker.Instance
	for {
		select {
		case <-f.kick:
		case <-stop:
			return
		}
		t := time.NewTicker(Quantum / 2)
		for waiting := true; waiting; {
			select {
			case <-t.C:
			case <-stop:
				t.Stop()
				return
			}
			ask = ask[:0]
			f.mu.Lock()
			waiting = f.ready.Len() > 0
			if waiting {
				now := f.now()
				for inst, h := range f.holds {
					if now-h.since >= Quantum && now-h.asked >= Quantum {
						h.asked = now
						ask = append(ask, inst)
					}
				}
			}
			f.mu.Unlock()
			for _, inst := range ask {
				inst.RequestYield()
			}
		}
		t.Stop()
	}
}

// Reasons admit sheds a request.
const (
	shedNone = iota
	shedTooMany
	shedStuck
)

// admit counts a request of the tenant key against max requests in flight. A tenant at its
// share, or one with a turn stuck past its CPU limit (whose thread is still lost), is shed.
func (f *fairShare) admit(key string, max int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tenantLocked(key)
	if t.stuck > 0 {
		return shedStuck
	}
	if max > 0 && t.inflight >= max {
		return shedTooMany
	}
	t.inflight++
	return shedNone
}

// done ends a request admitted for key.
func (f *fairShare) done(key string) {
	f.mu.Lock()
	if t := f.tenants[key]; t != nil {
		t.inflight--
	}
	f.mu.Unlock()
}

// prune forgets tenants with nothing running, queued or in flight whose used time is no more
// than WakeCredit above the floor (waking, they would start about there anyway); one further
// ahead keeps its time until the others catch up.
func (f *fairShare) prune() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.leastActiveLocked() // brings the floor up to date
	for k, t := range f.tenants {
		if t.index < 0 && t.holding == 0 && t.inflight == 0 && t.stuck == 0 && t.used <= f.floor+WakeCredit {
			delete(f.tenants, k)
		}
	}
}

// close stops granting slots and returns the queued instances that will now never run.
func (f *fairShare) close() []*worker.Instance {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	var dropped []*worker.Instance
	for f.ready.Len() > 0 {
		t := heap.Pop(&f.ready).(*tenant)
		for _, w := range t.waiters {
			if w.resume != nil {
				// A paused turn runs to its end, holding a slot (the closer waits for it).
				t.holding++
				f.holds[w.inst] = &hold{tenant: t, since: f.now()}
				close(w.resume)
			} else {
				dropped = append(dropped, w.inst)
			}
		}
		t.waiters = nil
	}
	return dropped
}

// running is how many turns run: those holding slots, and stuck or blocking ones that gave
// theirs up.
func (f *fairShare) running() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.holds) + len(f.abandoned) + f.blocking
}

// tenantHeap orders tenants with waiters by executor time used.
type tenantHeap []*tenant

func (h tenantHeap) Len() int           { return len(h) }
func (h tenantHeap) Less(i, j int) bool { return h[i].used < h[j].used }
func (h tenantHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *tenantHeap) Push(x any) {
	t := x.(*tenant)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *tenantHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}
