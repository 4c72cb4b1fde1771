package worker

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"islet/internal/deploy"
	"islet/internal/egress"
	"islet/internal/ext/fetch"
	"islet/internal/limits"
	"islet/internal/op"
	"islet/internal/v8"
)

// Deps are what an Instance needs from the node around it.
type Deps struct {
	// NewIsolate returns a blank isolate made from the runtime snapshot (perhaps from a pool of
	// pre-built ones) with the given heap limit.
	NewIsolate func(heapLimit uint64) *v8.Isolate
	// Schedule puts the instance on an executor's run queue; an executor then calls RunTurns.
	// It is called at most once until RunTurns returns.
	Schedule func(*Instance)
	// RunNow runs the instance's turns on the calling goroutine if an executor slot is free,
	// else schedules it; used by the HTTP goroutine to avoid a hand-off to another thread.
	// Nil means always Schedule.
	RunNow func(*Instance)
	// CodeCache keeps V8 code caches across isolates; may be nil.
	CodeCache *CodeCache
	Logger    *slog.Logger
	// ExposeErrors puts a worker exception's message in the 500 response (for `islet dev`);
	// otherwise only the error id is shown and the details go to the log.
	ExposeErrors bool
	// Watchdog enforces CPU limits; nil runs turns unwatched.
	Watchdog *limits.Watchdog
	// CPUPerRequest and StartupCPU are the node's default limits (0: Workers' defaults).
	CPUPerRequest time.Duration
	StartupCPU    time.Duration
	// Yield, if not nil, is called on the thread running the instance's JS, with the JS paused,
	// after the scheduler asked the instance to give its executor slot up (RequestYield). It
	// returns when the instance may run on; it must not call into the instance.
	Yield func(*Instance)
	// Blocking, if not nil, runs work (a long computation of a sync op, see op.Call.Blocking)
	// on the calling thread without counting it as holding an executor slot; nil runs work.
	Blocking func(inst *Instance, work func())
	// Stuck, if not nil, is called from the watchdog's goroutine when a turn goes on running
	// limits.StuckAfter past its CPU limit (inside a built-in that does not check for
	// termination): the caller stops counting the turn's thread as an executor. The instance
	// is retired first, so new requests go to a fresh isolate.
	Stuck func(*Instance)
	// Finished, if not nil, is called on the executor, with the isolate locked, once per
	// request that reached JS, when JS is finished with it (see Usage). It must not block or
	// call into the instance.
	Finished func(Usage)
	// Disposed, if not nil, is called once, at the end of the first Dispose, when the
	// instance's isolate (if it had one) is gone. It must not call into the instance.
	Disposed func()
	// GrowSegments, if not nil, asks for extra segments of V8's function table beyond
	// Spec.Segments, for WebAssembly instances (see Instance.wasmInstance); false refuses.
	// Called on the executor inside a turn.
	GrowSegments func(extra int) bool
	// Service, if not nil, is how a service binding of spec reaches the worker named target:
	// a transport that dispatches each request to it in process, or why it cannot (no such
	// worker, another account's). Called from an op's goroutine.
	Service func(spec *Spec, target string) (http.RoundTripper, error)
}

type loadState int

const (
	stateNew loadState = iota
	stateLoading
	stateReady
	stateFailed
)

// Instance is one worker version in one isolate.
type Instance struct {
	spec *Spec
	deps Deps
	log  *slog.Logger

	mu        sync.Mutex
	inbox     []func()
	unstarted map[*Request]struct{} // requests whose start event is still in inbox
	scheduled bool
	retired   bool
	disposed  bool

	inflight  atomic.Int64 // requests whose HTTP side has not finished
	lastUsed  atomic.Int64 // unix nanoseconds of the last request
	heapBytes atomic.Int64 // V8 memory in use (heap + external), measured after loading and every so often
	condemned atomic.Bool
	// running is the isolate while it exists, for RequestYield from other goroutines.
	running atomic.Pointer[v8.Isolate]
	onStuck func() // given to the watchdog with each turn
	// stuck is closed when a turn of the instance is stuck (see Deps.Stuck): requests waiting
	// for it are answered by their HTTP goroutines instead of waiting for the thread.
	stuck     chan struct{}
	stuckOnce sync.Once

	// Executor only.
	iso          *v8.Isolate
	state        loadState
	loadErr      error
	evalPromise  v8.Handle
	root         int
	moduleIDs    map[string]int
	modulePaths  []string
	waiting      []*Request
	requests     map[int]*Request
	nextID       int
	current      *Request
	asyncOwners  map[int]*Request
	pendingAsync int
	timers       map[int]*timer
	turns        int
	startupCPU   time.Duration
	fetches      fetch.Resources // outbound fetches and their response bodies
	maps         sourceMaps      // the spec's source maps, for stack traces
	consoleBytes int             // console output of turns run for no request
	egress       *egress.Policy  // made on the first outbound fetch
	watchedTurn  *limits.Turn    // the turn running now under the watchdog, if any
	toReport     []*Request      // requests released during watchedTurn, reported after it
	wasmFuncs    int             // functions of the WebAssembly instances made in the isolate
	segmentsHeld int             // function-table segments granted: Spec.Segments, grown for Wasm
}

type timer struct {
	t     *time.Timer
	owner *Request
}

// New makes an instance of spec. Nothing runs until its first event.
func New(spec *Spec, deps Deps) *Instance {
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	inst := &Instance{
		spec:        spec,
		deps:        deps,
		log:         deps.Logger.With("worker", spec.Name, "version", spec.Version()),
		requests:    map[int]*Request{},
		asyncOwners: map[int]*Request{},
		timers:      map[int]*timer{},
		evalPromise: -1,
	}
	inst.maps.spec = spec
	inst.lastUsed.Store(time.Now().UnixNano())
	inst.stuck = make(chan struct{})
	inst.onStuck = func() {
		inst.Retire()
		inst.stuckOnce.Do(func() { close(inst.stuck) })
		inst.log.Error("a turn went on running past its CPU limit inside a built-in that does not stop; its executor slot is given up and the isolate is dropped when the turn ends",
			"cpu_limit", inst.cpuLimit().String(), "stuck_after", limits.StuckAfter.String())
		if inst.deps.Stuck != nil {
			inst.deps.Stuck(inst)
		}
	}
	return inst
}

// Blocking runs a sync op's long computation (op.Blocker).
func (inst *Instance) Blocking(work func()) {
	if inst.deps.Blocking != nil {
		inst.deps.Blocking(inst, work)
		return
	}
	work()
}

// Terminate stops the JS the instance is running, from any goroutine: that turn's request
// fails with a 500. Later turns run normally.
func (inst *Instance) Terminate() {
	if iso := inst.running.Load(); iso != nil {
		iso.Terminate()
	}
}

// RequestYield asks the instance's running JS to give its executor slot up at the next safe
// point (Deps.Yield is called there); from any goroutine. An instance that runs no JS yields
// when it next does, if it is still asked to then.
func (inst *Instance) RequestYield() {
	if iso := inst.running.Load(); iso != nil {
		iso.RequestInterrupt()
	}
}

// Spec returns the worker version the instance runs.
func (inst *Instance) Spec() *Spec { return inst.spec }

// Inflight is the number of requests being served.
func (inst *Instance) Inflight() int64 { return inst.inflight.Load() }

// LastUsed is when the instance last received a request.
func (inst *Instance) LastUsed() time.Time { return time.Unix(0, inst.lastUsed.Load()) }

// HeapBytes is the isolate's V8 memory in use (live heap plus external memory such as
// ArrayBuffers) as last measured, 0 before it loads.
func (inst *Instance) HeapBytes() int64 { return inst.heapBytes.Load() }

// Condemned reports whether the isolate hit its memory limit; the instance serves no more
// requests and its owner should replace it.
func (inst *Instance) Condemned() bool { return inst.condemned.Load() }

// Post queues an event to run in a turn on an executor. It may be called from any goroutine.
// Events posted after Dispose are dropped.
func (inst *Instance) Post(ev func()) {
	inst.mu.Lock()
	if inst.disposed {
		inst.mu.Unlock()
		return
	}
	inst.inbox = append(inst.inbox, ev)
	schedule := !inst.scheduled
	inst.scheduled = true
	inst.mu.Unlock()
	if schedule {
		inst.deps.Schedule(inst)
	}
}

// PostAndRun queues ev and, if the instance was idle, runs it on the calling goroutine when
// the scheduler has a free executor slot (Deps.RunNow). It must not be called inside a turn.
// It reports false, and does nothing, if the instance has been disposed.
func (inst *Instance) PostAndRun(ev func()) bool { return inst.postAndRun(ev, nil) }

// postAndRun is PostAndRun for an event that starts req: until the event runs, req is kept in
// unstarted, so that a Dispose that drops the event answers req instead of leaving it waiting.
func (inst *Instance) postAndRun(ev func(), req *Request) bool {
	inst.mu.Lock()
	if inst.disposed {
		inst.mu.Unlock()
		return false
	}
	if req != nil {
		if inst.unstarted == nil {
			inst.unstarted = map[*Request]struct{}{}
		}
		inst.unstarted[req] = struct{}{}
	}
	inst.inbox = append(inst.inbox, ev)
	idle := !inst.scheduled
	inst.scheduled = true
	inst.mu.Unlock()
	if !idle {
		return true
	}
	if inst.deps.RunNow != nil {
		inst.deps.RunNow(inst)
	} else {
		inst.deps.Schedule(inst)
	}
	return true
}

// RunTurns runs up to max queued events, each as one turn (executor only). It reports whether
// events remain; if so the caller must schedule the instance again. When it finds no event
// left it calls idle (if not nil) before the instance can be scheduled again, so a caller that
// gives an executor slot back in idle never overlaps the instance's next run.
func (inst *Instance) RunTurns(max int, idle func()) (more bool) {
	for i := 0; i < max; i++ {
		inst.mu.Lock()
		if len(inst.inbox) == 0 {
			inst.goIdleLocked(idle)
			inst.mu.Unlock()
			return false
		}
		ev := inst.inbox[0]
		inst.inbox[0] = nil
		inst.inbox = inst.inbox[1:]
		inst.mu.Unlock()
		inst.runEvent(ev)
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if len(inst.inbox) == 0 {
		inst.goIdleLocked(idle)
		return false
	}
	return true
}

func (inst *Instance) goIdleLocked(idle func()) {
	if idle != nil {
		idle()
	}
	inst.scheduled = false
}

// runEvent runs one event. A panic in it (a bug in islet, not in the worker) is logged with its
// stack and drops this instance, failing its requests; the node and other workers carry on.
func (inst *Instance) runEvent(ev func()) {
	defer func() {
		if r := recover(); r != nil {
			inst.log.Error("internal error while running the worker",
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			inst.condemn(500, "an internal error stopped the worker")
		}
	}()
	ev()
}

// Retired reports whether the instance takes no new requests.
func (inst *Instance) Retired() bool {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	return inst.retired
}

// Retire marks the instance as replaced: its owner sends it no new requests and disposes it
// once Inflight reaches zero.
func (inst *Instance) Retire() {
	inst.mu.Lock()
	inst.retired = true
	inst.mu.Unlock()
}

// Dispose frees the isolate (executor only, or when no turn can run). Queued events are dropped;
// requests still waiting get an error response.
func (inst *Instance) Dispose() {
	inst.mu.Lock()
	if inst.disposed {
		inst.mu.Unlock()
		return
	}
	inst.disposed = true
	inst.inbox = nil
	unstarted := inst.unstarted
	inst.unstarted = nil
	inst.mu.Unlock()
	for r := range unstarted {
		r.failPlatform(503, "the worker was unloaded before it started")
	}
	for _, t := range inst.timers {
		t.t.Stop()
	}
	inst.timers = nil
	inst.fetches.CloseAll()
	for _, r := range inst.requests {
		r.release()
	}
	for _, r := range inst.waiting {
		r.failPlatform(503, "the worker was unloaded before it started")
	}
	for _, r := range inst.requests {
		r.failPlatform(503, "the worker was unloaded while this request was in flight")
	}
	if inst.iso != nil {
		inst.running.Store(nil)
		inst.iso.Dispose()
		inst.iso = nil
	}
	if inst.deps.Disposed != nil {
		inst.deps.Disposed()
	}
}

// callbacks connect the isolate to this instance.
func (inst *Instance) callbacks() v8.Callbacks {
	return v8.Callbacks{
		Host:         inst,
		Resolve:      inst.resolve,
		WasmInstance: inst.wasmInstance,
		AsyncStarted: func(id int) {
			inst.pendingAsync++
			inst.asyncOwners[id] = inst.current
		},
		AsyncRefused: func(id int) {
			inst.pendingAsync--
			delete(inst.asyncOwners, id)
		},
		Complete: func(id int, v op.Value, err error) {
			inst.Post(func() { inst.complete(id, v, err) })
		},
		Interrupt: func() {
			if inst.deps.Yield != nil {
				inst.deps.Yield(inst)
			}
		},
		UnhandledRejection: func(message, stack string) {
			attrs := []any{"stack", inst.stack(stack)}
			if inst.current != nil {
				attrs = append(attrs, "request", inst.current.id)
			}
			inst.log.Error("Uncaught (in promise) "+message, attrs...)
		},
	}
}

// complete settles async op id in JS (executor only).
func (inst *Instance) complete(id int, v op.Value, err error) {
	inst.pendingAsync--
	owner := inst.asyncOwners[id]
	delete(inst.asyncOwners, id)
	if inst.iso == nil || owner != nil && owner.expired {
		return // an expired request's work is dropped, not resumed
	}
	if v.Kind == op.KindStrings || v.Kind == op.KindHandle {
		err = fmt.Errorf("async op returned an unsupported value %s", v)
	}
	inst.current = owner
	callErr := inst.turn(owner, func() error {
		if err != nil {
			var oe *op.Error
			if !errors.As(err, &oe) {
				oe = &op.Error{Class: op.ClassError, Message: err.Error()}
			}
			_, e := inst.iso.CallHost("opComplete", op.Int(id), op.Bool(false), op.String(oe.Message),
				op.Int(int(oe.Class)), op.String(oe.Name))
			return e
		}
		_, e := inst.iso.CallHost("opComplete", op.Int(id), op.Bool(true), v)
		return e
	})
	inst.afterTurn(callErr)
}

// afterTurn handles how a turn ended (executor only): a condemned isolate fails everything, a
// terminated or failed turn fails its request, a finished module evaluation starts serving,
// and requests that can no longer get a response are failed instead of hanging.
func (inst *Instance) afterTurn(err error) {
	owner := inst.current
	inst.current = nil
	inst.turns++
	cpuErr, cpuLimited := isCPULimit(err)
	switch {
	case err == nil:
	case v8.IsKind(err, v8.OutOfMemory):
		inst.condemn(503, "the worker exceeded its memory limit")
		return
	case cpuLimited:
		if inst.state == stateLoading {
			inst.loadFailed(cpuErr)
			return
		}
		inst.log.Warn(cpuErr.Error(), "request", requestID(owner))
		if owner != nil {
			owner.failPlatform(503, cpuErr.Error())
		}
		// Terminated JS can leave work behind (a microtask chain that re-queues itself): new
		// requests go to a fresh isolate; the ones in flight here finish.
		inst.Retire()
	case v8.IsKind(err, v8.Terminated):
		if owner != nil {
			owner.failPlatform(500, "the worker's execution was terminated")
		}
	default:
		inst.log.Error("turn failed", "err", err)
		if owner != nil {
			owner.failPlatform(500, "the worker's runtime failed: "+err.Error())
		}
	}
	if inst.state == stateLoading {
		inst.checkLoaded()
	}
	if inst.state == stateReady && inst.pendingAsync == 0 && len(inst.timers) == 0 && len(inst.requests) > 0 {
		// Nothing can settle anything any more: fail what still waits for a response and drop
		// requests whose waitUntil promises can never settle.
		for id, r := range inst.requests {
			if !r.finished {
				r.failPlatform(500, "the worker's code hung: the promise its fetch handler returned never settled and no I/O or timer is pending")
			}
			delete(inst.requests, id)
			r.release()
		}
	}
	if inst.turns%256 == 1 && inst.iso != nil {
		inst.heapBytes.Store(inst.iso.HeapStats().InUse())
	}
}

// condemn fails every request of the instance with reason and drops its isolate; its owner
// replaces it on the next request.
func (inst *Instance) condemn(status int, reason string) {
	inst.condemned.Store(true)
	inst.log.Error(reason + "; its isolate is dropped")
	for _, r := range inst.requests {
		r.failPlatform(status, reason)
		r.release()
	}
	inst.requests = map[int]*Request{}
	for _, r := range inst.waiting {
		r.failPlatform(status, reason)
	}
	inst.waiting = nil
	inst.state = stateFailed
	inst.loadErr = errors.New(reason)
	inst.Dispose()
}

// envArgs are the env arguments of the runtime's init: the value bindings as JSON and the
// names of the service bindings as a JSON array. An env the runtime cannot build is an error
// for the worker's load.
func (inst *Instance) envArgs() (values, services op.Value, err error) {
	b, err := deploy.EnvJSON(inst.spec.Env)
	if err != nil {
		return op.Undefined, op.Undefined, fmt.Errorf("env: %w", err)
	}
	names, _ := json.Marshal(append([]string{}, deploy.ServiceBindings(inst.spec.Env)...))
	return op.String(string(b)), op.String(string(names)), nil
}

// displayPath turns a module URL in an error into the path a user knows.
func displayPath(s string) string { return strings.ReplaceAll(s, "file://", "") }

// stack prepares a JavaScript stack trace for logs and error pages: positions in bundled
// modules point at the original sources (see sourceMaps), and file:// is dropped.
func (inst *Instance) stack(s string) string { return displayPath(inst.maps.remap(s)) }

func requestID(r *Request) int {
	if r == nil {
		return 0
	}
	return r.id
}
