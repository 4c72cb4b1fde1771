// Package sched runs worker instances on a fixed pool of executor threads: it keeps one live
// instance per worker version, creates it on the first request (from a pool of pre-built blank
// isolates), keeps idle instances warm and evicts the least recently used beyond a memory
// budget, and replaces instances whose version changed or whose isolate was condemned.
package sched

import (
	"container/list"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"islet/internal/gateway"
	"islet/internal/limits"
	"islet/internal/v8"
	"islet/internal/worker"
)

// Options configure a Scheduler.
type Options struct {
	// Executors is the number of executor threads (default: GOMAXPROCS).
	Executors int
	// MemoryBudget is the total V8 memory in use by live instances beyond which idle ones are
	// evicted, least recently used first (default: 3/4 of the machine's memory).
	MemoryBudget int64
	// HeapLimit is each isolate's default heap limit (default 128 MiB).
	HeapLimit uint64
	// BlankPool is how many pre-built blank isolates are kept ready (default 4; 0 disables).
	BlankPool int
	// MaxLive caps live instances (default: what the kernel's vm.max_map_count allows, at
	// about 16 memory mappings per isolate, and at most v8.MaxIsolates less the blank pool and
	// scratch isolates). Beyond it the least recently used idle instance is evicted before a
	// new one starts: running out of mappings, or past V8's isolate ceiling, would abort V8.
	MaxLive int
	// Segments caps the segments of V8's process-wide function table that live instances may
	// take (see v8.DispatchSegments and worker.Spec.Segments; default: v8.MaxIsolates less one
	// for each blank-pool and scratch isolate). Past it idle instances are evicted, least
	// recently used first, and when none is idle a new instance is refused with a 503: a full
	// table would abort the process. An isolate's WebAssembly instances grow its share as
	// they are made (worker.Deps.GrowSegments), or are refused when the share cannot grow.
	Segments int
	// TenantRequests caps the requests one tenant may have in flight (default
	// limits.DefaultTenantRequests; negative: no cap).
	TenantRequests int
	// OnStuck, if not nil, is called (from the watchdog's goroutine) each time a turn is found
	// stuck past its CPU limit in a built-in that does not stop, with the number of turns stuck
	// now. Their threads stay lost until the built-in ends; a runtime process under a
	// supervisor exits when all its executors' worth are lost, so that it is restarted.
	OnStuck func(stuck int)
	// ExposeErrors shows worker exceptions in responses (islet dev).
	ExposeErrors bool
	// CPUPerRequest and StartupCPU are the default CPU limits (0: Workers' 50 ms and 1 s).
	// NoCPULimit turns the watchdog off (for measuring what enforcement costs).
	CPUPerRequest time.Duration
	StartupCPU    time.Duration
	NoCPULimit    bool
	Logger        *slog.Logger
	// RequestFinished, if not nil, receives each request's usage once JS is finished with it
	// (worker.Deps.Finished: on an executor thread; it must not block).
	RequestFinished func(worker.Usage)
}

// Scheduler implements gateway.Dispatcher.
type Scheduler struct {
	opts  Options
	snap  *v8.Snapshot
	log   *slog.Logger
	fair  *fairShare // the executor slots and who waits for them
	pool  chan *v8.Isolate
	cache *worker.CodeCache
	dog   *limits.Watchdog
	stop  chan struct{}
	wg    sync.WaitGroup

	mu    sync.Mutex
	specs map[string]*worker.Spec // by worker name
	// services caches the transports of service bindings to workers of other runtime
	// processes, by caller and target (service.go); chains counts the in-process calls of
	// each chain of service-binding calls.
	services sync.Map
	chains   *gateway.Chains
	live     map[string]*entry // by worker name
	lru      *list.List        // of *entry, most recent at the front
	retired  []*worker.Instance

	segments atomic.Int64 // function-table segments of instances not yet disposed
	evicting atomic.Int64 // those of them evicted and about to be disposed
}

type entry struct {
	inst *worker.Instance
	elem *list.Element
	seg  *segmentShare // what it holds of the function table
}

// segmentShare is one instance's share of V8's function table (Options.Segments), from its
// creation until its isolate is disposed. An instance evicted to make room is disposed soon
// after; meanwhile its segments count as free for admission (evicting), which is why the
// default budget keeps a margin.
type segmentShare struct {
	need  atomic.Int64 // Spec.Segments, grown for WebAssembly instances (grow)
	state atomic.Int32 // segLive, segEvicting or segDisposed
}

const (
	segLive int32 = iota
	segEvicting
	segDisposed
)

// errNoRoom is instance's answer when a new instance's function-table segments do not fit
// beside the busy ones (Options.Segments).
type errNoRoom struct {
	worker       string
	need, in, of int
}

func (e *errNoRoom) Error() string {
	return fmt.Sprintf("this node has no room for another isolate of worker %s now: its code needs %d segments of V8's function table, and busy isolates hold %d of the %d this node may use; retry later",
		e.worker, e.need, e.in, e.of)
}

// defaultExecutors is GOMAXPROCS as the process started: the CPUs it may use (a cgroup's CPU
// quota included), before New raises it.
var defaultExecutors = runtime.GOMAXPROCS(0)

// DefaultExecutors is the executor count of a scheduler not given one: one per CPU the process
// may use.
func DefaultExecutors() int { return defaultExecutors }

// Headroom raises GOMAXPROCS above the executor count, unless the operator set GOMAXPROCS: a
// turn is a cgo call that keeps its goroutine's P until the Go scheduler takes it back, so with
// one P per executor, executors that all run JavaScript (or are stuck in a built-in that does
// not stop) leave the network poller, HTTP and the ops' goroutines waiting for a P. Measured in
// the adversarial starvation test with every kind of hostile tenant at once (2 executors on 2
// cores, two runs each): the victim's p50 was 8.8 and 12.9 ms with GOMAXPROCS 2, 3.4 and 3.9 ms
// with 4, and it got 375 and 225 requests answered against 690 and 571.
// A process that runs a scheduler calls it once at start (islet serve and dev do); executors 0
// is DefaultExecutors.
func Headroom(executors int) {
	if executors <= 0 {
		executors = DefaultExecutors()
	}
	if os.Getenv("GOMAXPROCS") != "" {
		return
	}
	if want := executors + max(2, executors/2); runtime.GOMAXPROCS(0) < want {
		runtime.GOMAXPROCS(want)
	}
}

// New starts the executors and the blank-isolate pool. Call Headroom first.
func New(snap *v8.Snapshot, opts Options) *Scheduler {
	if opts.Executors <= 0 {
		opts.Executors = DefaultExecutors()
	}
	if opts.MemoryBudget <= 0 {
		opts.MemoryBudget = defaultMemoryBudget()
	}
	if opts.HeapLimit == 0 {
		opts.HeapLimit = limits.DefaultMemoryMB << 20
	}
	if opts.BlankPool < 0 {
		opts.BlankPool = 0
	} else if opts.BlankPool == 0 {
		opts.BlankPool = 4
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.TenantRequests == 0 {
		opts.TenantRequests = limits.DefaultTenantRequests
	}
	if opts.MaxLive <= 0 {
		opts.MaxLive = maxLiveFromMapCount(opts.Logger)
		if v8max := maxLiveIsolates(opts.BlankPool); v8max < opts.MaxLive {
			opts.MaxLive = v8max
			opts.Logger.Info("live isolates are capped by V8's per-process isolate ceiling; idle ones beyond it are evicted (run more processes with --processes for more)",
				"max_live", v8max, "v8_max_isolates", v8.MaxIsolates)
		}
	}
	if opts.Segments <= 0 {
		// One segment per blank-pool and scratch isolate, and MaxIsolates' margin.
		opts.Segments = maxLiveIsolates(opts.BlankPool)
	}
	s := &Scheduler{
		chains: gateway.NewChains(),
		opts:   opts,
		snap:   snap,
		log:    opts.Logger,
		pool:   make(chan *v8.Isolate, opts.BlankPool),
		cache:  worker.NewCodeCache(256 << 20),
		stop:   make(chan struct{}),
		specs:  map[string]*worker.Spec{},
		live:   map[string]*entry{},
		lru:    list.New(),
	}
	s.fair = newFairShare(opts.Executors, s.run)
	if !opts.NoCPULimit {
		s.dog = limits.NewWatchdog(2 * time.Millisecond)
	}
	s.wg.Add(1)
	go func() { defer s.wg.Done(); s.fair.preempt(s.stop) }()
	if opts.BlankPool > 0 {
		s.wg.Add(1)
		go s.fillPool()
	}
	s.wg.Add(1)
	go s.janitor()
	return s
}

// run runs the turns of an instance that fairShare gave a slot, on a goroutine of its own, and
// gives the slot back. An instance with events left queues again, behind whoever waits.
//
// Turns are not locked to OS threads beyond their own length: a turn is one cgo call, which
// stays on its thread for its whole length, and V8's Locker lets an isolate move between
// threads across turns. Locking them made every hand-off between an HTTP goroutine and an
// executor a kernel context switch (measured: 45% of a hello-world server's CPU).
func (s *Scheduler) run(inst *worker.Instance) {
	// The slot is given back before the instance can be scheduled again (RunTurns' idle), so
	// two runs of one instance never overlap in fairShare's books.
	if inst.RunTurns(64, func() { s.fair.release(inst) }) {
		s.fair.release(inst)
		s.fair.enqueue(inst)
	}
}

// runNow runs an instance's turns on the calling (HTTP) goroutine when an executor slot is
// free and nobody waits for one, so a request needs no hand-off to another thread; otherwise
// it queues the instance.
func (s *Scheduler) runNow(inst *worker.Instance) {
	if !s.fair.tryAcquire(inst) {
		s.fair.enqueue(inst)
		return
	}
	s.run(inst)
}

func (s *Scheduler) schedule(inst *worker.Instance) { s.fair.enqueue(inst) }

// fillPool keeps BlankPool blank isolates ready.
func (s *Scheduler) fillPool() {
	defer s.wg.Done()
	for {
		iso := v8.NewIsolate(s.snap, v8.Options{HeapLimit: s.opts.HeapLimit}, v8.Callbacks{})
		select {
		case s.pool <- iso:
		case <-s.stop:
			iso.Dispose()
			return
		}
	}
}

// newIsolate takes a blank isolate from the pool when its heap limit fits, else builds one.
func (s *Scheduler) newIsolate(heapLimit uint64) *v8.Isolate {
	if heapLimit == 0 || heapLimit == s.opts.HeapLimit {
		select {
		case iso := <-s.pool:
			return iso
		default:
		}
		heapLimit = s.opts.HeapLimit
	}
	return v8.NewIsolate(s.snap, v8.Options{HeapLimit: heapLimit}, v8.Callbacks{})
}

// SetWorkers replaces the set of workers. Instances of versions that changed or disappeared are
// retired: they finish their requests and are disposed.
func (s *Scheduler) SetWorkers(specs []*worker.Spec) {
	next := make(map[string]*worker.Spec, len(specs))
	for _, sp := range specs {
		next[sp.Name] = sp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.specs = next
	for name, e := range s.live {
		if sp, ok := next[name]; !ok || sp.Version() != e.inst.Spec().Version() {
			s.retireLocked(name, e)
		}
	}
}

// evictLocked retires an idle instance to make room and disposes it now (on an executor, so
// it never races a turn); until then its segments count as evicting.
func (s *Scheduler) evictLocked(e *entry) {
	s.retireLocked(e.inst.Spec().Name, e)
	if e.seg.state.CompareAndSwap(segLive, segEvicting) {
		s.evicting.Add(e.seg.need.Load())
	}
	e.inst.Post(e.inst.Dispose)
}

// disposed gives an instance's segments back once its isolate is gone (worker.Deps.Disposed;
// it may run with s.mu held).
func (s *Scheduler) disposed(seg *segmentShare) {
	need := seg.need.Load()
	if seg.state.Swap(segDisposed) == segEvicting {
		s.evicting.Add(-need)
	}
	s.segments.Add(-need)
}

// grow gives an instance extra segments for its WebAssembly instances if they fit
// (worker.Deps.GrowSegments). Nothing is evicted for them: it runs inside the instance's turn.
func (s *Scheduler) grow(seg *segmentShare, extra int64) bool {
	for {
		held := s.segments.Load()
		if held-s.evicting.Load()+extra > int64(s.opts.Segments) {
			return false
		}
		if s.segments.CompareAndSwap(held, held+extra) {
			seg.need.Add(extra)
			return true
		}
	}
}

func (s *Scheduler) retireLocked(name string, e *entry) {
	delete(s.live, name)
	s.lru.Remove(e.elem)
	e.inst.Retire()
	s.retired = append(s.retired, e.inst)
}

// Dispatch serves one request with the named worker (gateway.Dispatcher). A tenant with
// TenantRequests requests in flight is shed with a 503.
func (s *Scheduler) Dispatch(w http.ResponseWriter, r *http.Request, name string) {
	// An instance can be evicted or replaced between being looked up and taking the request;
	// then a fresh one is looked up.
	admitted := ""
	defer func() {
		if admitted != "" {
			s.fair.done(admitted)
		}
	}()
	for attempt := 0; attempt < 3; attempt++ {
		inst, err := s.instance(name)
		if err != nil {
			w.Header().Set("Retry-After", "1")
			gateway.WriteError(w, http.StatusServiceUnavailable, gateway.NewErrorID(), err.Error())
			return
		}
		if inst == nil {
			gateway.WriteError(w, http.StatusNotFound, gateway.NewErrorID(), "no worker named "+name+" is deployed")
			return
		}
		if admitted == "" {
			key := tenantKey(inst.Spec())
			switch s.fair.admit(key, s.opts.TenantRequests) {
			case shedTooMany:
				w.Header().Set("Retry-After", "1")
				gateway.WriteError(w, http.StatusServiceUnavailable, gateway.NewErrorID(),
					fmt.Sprintf("tenant %s has %d requests in flight on this node, its limit (tenant_requests); retry later", key, s.opts.TenantRequests))
				return
			case shedStuck:
				w.Header().Set("Retry-After", "10")
				gateway.WriteError(w, http.StatusServiceUnavailable, gateway.NewErrorID(),
					fmt.Sprintf("tenant %s has a request still running past its CPU limit inside a built-in that does not stop; its requests are refused until it ends", key))
				return
			}
			admitted = key
		}
		if inst.Serve(w, r) {
			return
		}
	}
	gateway.WriteError(w, http.StatusServiceUnavailable, gateway.NewErrorID(), "worker "+name+" is being replaced; retry")
}

// instance returns the live instance of a worker, creating it if needed: nil if no such worker
// is deployed, an *errNoRoom if a new instance does not fit (Options.Segments).
func (s *Scheduler) instance(name string) (*worker.Instance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.live[name]; ok {
		if !e.inst.Condemned() && !e.inst.Retired() {
			s.lru.MoveToFront(e.elem)
			return e.inst, nil
		}
		s.retireLocked(name, e)
	}
	spec, ok := s.specs[name]
	if !ok {
		return nil, nil
	}
	seg := &segmentShare{}
	seg.need.Store(int64(spec.Segments()))
	held := func() int64 { return s.segments.Load() - s.evicting.Load() }
	for el := s.lru.Back(); el != nil && (len(s.live) >= s.opts.MaxLive || held()+seg.need.Load() > int64(s.opts.Segments)); {
		prev := el.Prev()
		if e := el.Value.(*entry); e.inst.Inflight() == 0 {
			s.evictLocked(e)
		}
		el = prev
	}
	if in := held(); in+seg.need.Load() > int64(s.opts.Segments) {
		return nil, &errNoRoom{worker: name, need: spec.Segments(), in: int(in), of: s.opts.Segments}
	}
	s.segments.Add(seg.need.Load())
	inst := worker.New(spec, worker.Deps{
		NewIsolate:    s.newIsolate,
		Schedule:      s.schedule,
		RunNow:        s.runNow,
		CodeCache:     s.cache,
		Logger:        s.log,
		ExposeErrors:  s.opts.ExposeErrors,
		Watchdog:      s.dog,
		CPUPerRequest: s.opts.CPUPerRequest,
		StartupCPU:    s.opts.StartupCPU,
		Yield:         s.fair.yield,
		Stuck:         s.stuck,
		Blocking:      s.fair.block,
		Finished:      s.opts.RequestFinished,
		Disposed:      func() { s.disposed(seg) },
		GrowSegments:  func(extra int) bool { return s.grow(seg, int64(extra)) },
		Service:       s.serviceTransport,
	})
	e := &entry{inst: inst, seg: seg}
	e.elem = s.lru.PushFront(e)
	s.live[name] = e
	return inst, nil
}

// stuck gives up a stuck turn's slot (worker.Deps.Stuck) and tells OnStuck.
func (s *Scheduler) stuck(inst *worker.Instance) {
	s.fair.abandon(inst)
	if s.opts.OnStuck != nil {
		s.opts.OnStuck(s.fair.stuckTurns())
	}
}

// janitor disposes retired instances once idle and evicts beyond the memory budget.
func (s *Scheduler) janitor() {
	defer s.wg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.sweep()
			s.fair.prune()
		case <-s.stop:
			return
		}
	}
}

func (s *Scheduler) sweep() {
	s.mu.Lock()
	var total int64
	for el := s.lru.Front(); el != nil; el = el.Next() {
		total += el.Value.(*entry).inst.HeapBytes()
	}
	for el := s.lru.Back(); el != nil && total > s.opts.MemoryBudget; {
		prev := el.Prev()
		e := el.Value.(*entry)
		if e.inst.Inflight() == 0 {
			total -= e.inst.HeapBytes()
			s.retireLocked(e.inst.Spec().Name, e)
		}
		el = prev
	}
	var keep []*worker.Instance
	var drop []*worker.Instance
	for _, inst := range s.retired {
		if inst.Inflight() == 0 {
			drop = append(drop, inst)
		} else {
			keep = append(keep, inst)
		}
	}
	s.retired = keep
	s.mu.Unlock()
	for _, inst := range drop {
		// Dispose on an executor, so it never races a turn.
		inst.Post(inst.Dispose)
	}
}

// CodeCache is the V8 code cache the scheduler's instances share.
func (s *Scheduler) CodeCache() *worker.CodeCache { return s.cache }

// Stats describe the scheduler's state.
type Stats struct {
	Live      int
	HeapBytes int64
	// Segments are the function-table segments of instances not yet disposed (Options.Segments).
	Segments int64
}

// Stats reads the number of live instances and their heap.
func (s *Scheduler) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Live: len(s.live), Segments: s.segments.Load()}
	for _, e := range s.live {
		st.HeapBytes += e.inst.HeapBytes()
	}
	return st
}

// Close stops the executors and disposes every instance.
func (s *Scheduler) Close() {
	close(s.stop)
	s.wg.Wait()
	// Turns may still run (on HTTP goroutines too). Granting no more slots and waiting for the
	// running turns keeps any isolate from being disposed under one.
	for _, inst := range s.fair.close() {
		inst.Dispose()
	}
	for deadline := time.Now().Add(10 * time.Second); s.fair.active() > 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			s.log.Error("a turn still runs 10s into shutdown; disposing isolates anyway")
			break
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, e := range s.live {
		s.retireLocked(name, e)
	}
	for _, inst := range s.retired {
		if s.fair.inTurn(inst) {
			// Its thread still runs inside the isolate (a stuck turn, or one still running past
			// the deadline above): disposing it would crash the process. It is left to the
			// process's exit.
			s.log.Error("an isolate whose turn still runs is left undisposed at shutdown", "worker", inst.Spec().Name)
			continue
		}
		inst.Dispose()
	}
	s.retired = nil
	if s.dog != nil {
		s.dog.Close()
	}
	for {
		select {
		case iso := <-s.pool:
			iso.Dispose()
		default:
			return
		}
	}
}
