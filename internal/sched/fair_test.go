package sched

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"islet/internal/worker"
)

// TestLongTurnsCannotHoldEverySlot: two tenants allowed long CPU budgets run loops on both
// executor slots; a third tenant's requests are still answered while both loops run, because a
// slot held past Quantum while someone waits is taken back at the loop's next safe point.
func TestLongTurnsCannotHoldEverySlot(t *testing.T) {
	s := newSched(t, Options{Executors: 2, CPUPerRequest: 10 * time.Minute})
	loop := `export default { fetch() { for (;;) {} } };`
	s.SetWorkers([]*worker.Spec{
		spec("hog1", loop),
		spec("hog2", loop),
		spec("good", `export default { fetch() { return new Response("fine"); } };`),
	})
	// Warm the good worker so its requests below need no start-up.
	if code, body := do(s, "good", "/"); code != 200 || body != "fine" {
		t.Fatalf("good: %d %q", code, body)
	}
	var hogs sync.WaitGroup
	hogsDone := make(chan struct{})
	for _, name := range []string{"hog1", "hog2"} {
		hogs.Add(1)
		go func() { defer hogs.Done(); do(s, name, "/") }()
	}
	go func() { hogs.Wait(); close(hogsDone) }()
	waitFor(t, "both loops to hold a slot", func() bool { return s.fair.running() == 2 })
	good := make(chan error, 1)
	go func() {
		for i := 0; i < 20; i++ {
			if code, body := do(s, "good", "/"); code != 200 || body != "fine" {
				good <- fmt.Errorf("good request %d: %d %q", i, code, body)
				return
			}
		}
		good <- nil
	}()
	select {
	case err := <-good:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(30 * time.Second):
		t.Error("the good tenant was not served while the loops held the slots")
	}
	select {
	case <-hogsDone:
		t.Fatal("a loop ended on its own: the test proves nothing")
	default:
	}
	s.mu.Lock()
	for _, name := range []string{"hog1", "hog2"} {
		s.live[name].inst.Terminate()
	}
	s.mu.Unlock()
	select {
	case <-hogsDone:
	case <-time.After(30 * time.Second):
		t.Fatal("the loops did not end when terminated")
	}
}

// TestTenantWithLeastTimeIsServedFirst: with every slot held and two tenants waiting, the slot
// that frees goes to the tenant that used less executor time, whatever the arrival order.
// startLog records the names of the instances a fairShare starts, in order.
type startLog struct {
	mu    sync.Mutex
	names []string
}

func (l *startLog) start(inst *worker.Instance) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.names = append(l.names, inst.Spec().Name)
}

func (l *startLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.names)
}

func (l *startLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.names, ",")
}

func TestTenantWithLeastTimeIsServedFirst(t *testing.T) {
	var started startLog
	f := newFairShare(1, started.start)
	heavy := worker.New(&worker.Spec{Name: "heavy"}, worker.Deps{})
	light := worker.New(&worker.Spec{Name: "light"}, worker.Deps{})
	holder := worker.New(&worker.Spec{Name: "holder"}, worker.Deps{})
	// heavy has used 50 ms of executor time, light none.
	if !f.tryAcquire(heavy) {
		t.Fatal("the free slot was not taken")
	}
	f.mu.Lock()
	f.holds[heavy].since -= 50 * time.Millisecond
	f.mu.Unlock()
	f.release(heavy)
	if !f.tryAcquire(holder) {
		t.Fatal("the free slot was not taken")
	}
	f.enqueue(heavy) // arrives first
	f.enqueue(light)
	f.release(holder)
	waitFor(t, "one start", func() bool { return started.count() == 1 })
	if got := started.String(); got != "light" {
		t.Fatalf("started %q first, want light", got)
	}
	f.release(light)
	waitFor(t, "two starts", func() bool { return started.count() == 2 })
}

// TestYieldHandsTheSlotOver: a holder asked to yield while another waits gives it the slot
// and resumes only when the slot comes back.
func TestYieldHandsTheSlotOver(t *testing.T) {
	startedOther := make(chan *worker.Instance, 1)
	f := newFairShare(1, func(inst *worker.Instance) { startedOther <- inst })
	long := worker.New(&worker.Spec{Name: "long"}, worker.Deps{})
	short := worker.New(&worker.Spec{Name: "short"}, worker.Deps{})
	if !f.tryAcquire(long) {
		t.Fatal("the free slot was not taken")
	}
	f.yield(long) // nobody waits: returns at once, keeping the slot
	f.enqueue(short)
	resumed := make(chan struct{})
	go func() { f.yield(long); close(resumed) }()
	inst := <-startedOther
	if inst != short {
		t.Fatalf("started %s, want short", inst.Spec().Name)
	}
	select {
	case <-resumed:
		t.Fatal("the yielding turn resumed while the other held the only slot")
	case <-time.After(10 * time.Millisecond):
	}
	f.release(short)
	select {
	case <-resumed:
	case <-time.After(10 * time.Second):
		t.Fatal("the yielding turn never got the slot back")
	}
	if n := f.running(); n != 1 {
		t.Fatalf("%d slots held after the hand-back, want 1", n)
	}
}

// TestTenantOverItsShareIsShed: past TenantRequests requests in flight, a tenant's next request
// gets a 503 naming the limit, and other tenants are served.
func TestTenantOverItsShareIsShed(t *testing.T) {
	s := newSched(t, Options{TenantRequests: 2})
	s.SetWorkers([]*worker.Spec{
		spec("slow", `export default { async fetch() { await new Promise((r) => setTimeout(r, 60000)); return new Response("late"); } };`),
		spec("good", `export default { fetch() { return new Response("fine"); } };`),
	})
	for i := 0; i < 2; i++ {
		go do(s, "slow", "/")
	}
	waitFor(t, "two slow requests in flight", func() bool {
		s.fair.mu.Lock()
		defer s.fair.mu.Unlock()
		return s.fair.tenants["slow"] != nil && s.fair.tenants["slow"].inflight == 2
	})
	code, body := do(s, "slow", "/")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "tenant_requests") {
		t.Fatalf("third slow request: %d %q", code, body)
	}
	if code, body := do(s, "good", "/"); code != 200 || body != "fine" {
		t.Fatalf("good: %d %q", code, body)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestStuckTurnGivesItsSlotUp: a turn reported stuck stops counting as holding its slot, so a
// waiter gets it; its tenant is refused new requests until the turn ends, and the turn's own
// release when it does end frees nothing twice.
func TestStuckTurnGivesItsSlotUp(t *testing.T) {
	started := make(chan *worker.Instance, 1)
	f := newFairShare(1, func(inst *worker.Instance) { started <- inst })
	stuck := worker.New(&worker.Spec{Name: "stuck"}, worker.Deps{})
	other := worker.New(&worker.Spec{Name: "other"}, worker.Deps{})
	if !f.tryAcquire(stuck) {
		t.Fatal("the free slot was not taken")
	}
	f.enqueue(other)
	f.abandon(stuck)
	if got := <-started; got != other {
		t.Fatalf("started %s, want other", got.Spec().Name)
	}
	if r := f.admit("stuck", 0); r != shedStuck {
		t.Fatalf("admit for the stuck tenant = %d, want shedStuck", r)
	}
	f.release(stuck) // the stuck turn ends
	if r := f.admit("stuck", 0); r != shedNone {
		t.Fatalf("admit after the stuck turn ended = %d, want shedNone", r)
	}
	f.done("stuck")
	f.release(other)
	if n := f.running(); n != 0 {
		t.Fatalf("%d turns counted as running, want 0", n)
	}
	if !f.tryAcquire(other) || f.tryAcquire(stuck) {
		t.Fatal("the one slot is not exactly free again")
	}
}

// TestSteadyTenantIsNotBehindNewcomers: a tenant that worked alone (on the fast path, nobody
// waiting) and then queues behind tenants that arrived while nobody was at work is at most
// WakeCredit behind them, not behind by all the time it worked alone.
func TestSteadyTenantIsNotBehindNewcomers(t *testing.T) {
	var started startLog
	f := newFairShare(1, started.start)
	steady := worker.New(&worker.Spec{Name: "steady"}, worker.Deps{})
	f.admit("steady", 100) // a request of steady's in flight throughout: it is never forgotten
	if !f.tryAcquire(steady) {
		t.Fatal("the free slot was not taken")
	}
	f.mu.Lock()
	f.holds[steady].since -= time.Second // a second of work, alone
	f.mu.Unlock()
	f.release(steady)
	f.prune()

	holder := worker.New(&worker.Spec{Name: "newcomer-0"}, worker.Deps{})
	if !f.tryAcquire(holder) {
		t.Fatal("the free slot was not taken")
	}
	for i := 1; i <= 3; i++ {
		f.enqueue(worker.New(&worker.Spec{Name: fmt.Sprintf("newcomer-%d", i)}, worker.Deps{}))
	}
	f.enqueue(steady)
	f.mu.Lock()
	var behind time.Duration
	for _, tn := range f.ready {
		if tn.key != "steady" {
			behind = max(behind, f.tenants["steady"].used-tn.used)
		}
	}
	f.mu.Unlock()
	if behind > WakeCredit {
		t.Fatalf("steady is %v behind a newcomer, want at most WakeCredit (%v)", behind, WakeCredit)
	}
	f.release(holder)
	waitFor(t, "a start", func() bool { return started.count() == 1 })
}

// TestInTurnCoversEveryWayATurnRuns: an instance whose turn holds a slot, is stuck, or is inside
// a blocking computation is in a turn (Close must not dispose it); one that released is not.
func TestInTurnCoversEveryWayATurnRuns(t *testing.T) {
	f := newFairShare(2, func(*worker.Instance) {})
	inst := worker.New(&worker.Spec{Name: "a"}, worker.Deps{})
	if f.inTurn(inst) {
		t.Fatal("in a turn before any")
	}
	if !f.tryAcquire(inst) || !f.inTurn(inst) {
		t.Fatal("holding a slot: not in a turn")
	}
	f.block(inst, func() {
		if !f.inTurn(inst) {
			t.Error("inside a blocking computation: not in a turn")
		}
	})
	f.abandon(inst)
	if !f.inTurn(inst) {
		t.Fatal("stuck: not in a turn")
	}
	f.release(inst)
	if f.inTurn(inst) {
		t.Fatal("in a turn after its stuck turn ended")
	}
}
