package v8

/*
#include "islet_v8.h"
*/
import "C"

import (
	"fmt"
	"math"
	"runtime"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"unsafe"

	"islet/internal/op"
)

// Callbacks connect an isolate to its owner. All of them run nested inside a call into the
// isolate, on the thread that made it; none may call back into the isolate except as noted.
type Callbacks struct {
	// Host is given to every op as op.Call.Host.
	Host any
	// Resolve maps an import specifier in module `referrer` to a compiled module's id, or -1.
	// It may compile modules (Isolate.CompileModule) before answering.
	Resolve func(referrer int, specifier string) int
	// Complete receives the result of an async op; it must not settle the promise directly but
	// queue a later turn that calls rt.host.opComplete (or equivalent). Called from any goroutine.
	Complete func(promiseID int, v op.Value, err error)
	// AsyncStarted is called with the promise id when JS starts an async op, before the op's Go
	// function runs.
	AsyncStarted func(promiseID int)
	// AsyncRefused undoes AsyncStarted for an op whose Go function refused to start (it threw
	// in JS instead and will never complete).
	AsyncRefused func(promiseID int)
	// UnhandledRejection reports a promise rejected with no handler at the end of a turn.
	UnhandledRejection func(message, stack string)
	// Interrupt runs on the thread that runs the isolate's JS, at the first safe point after
	// RequestInterrupt, with the isolate entered and JS paused. It must not call into the
	// isolate; it may block (the JS waits, and its thread's CPU clock stands still).
	Interrupt func()
	// WasmInstance is asked before each new instance of an uploaded WebAssembly module (new
	// WebAssembly.Instance, WebAssembly.instantiate(module)), with the module's function count:
	// each instance may take that many entries of V8's function table (see DispatchSegments).
	// An error refuses the instance with a RangeError carrying its message. Nil allows all.
	WasmInstance func(functions int) error
}

// Options configure a new isolate.
type Options struct {
	// HeapLimit is the V8 heap limit in bytes; 0 keeps V8's default. Near it, the isolate's JS
	// is terminated and the isolate is condemned (calls fail with OutOfMemory) instead of
	// aborting the process. The isolate's ArrayBuffers and Wasm memories may hold as much
	// again: an ArrayBuffer allocation past that fails with a RangeError in JS, a Wasm
	// memory.grow returns -1, and a new Wasm memory that does not fit condemns the isolate.
	HeapLimit uint64
}

// Isolate is one V8 isolate with one context created from a Snapshot.
type Isolate struct {
	p      *C.islet_isolate
	snap   *Snapshot
	handle cgo.Handle
	cb     Callbacks

	mu       sync.Mutex // guards p against Terminate racing Dispose
	disposed bool
}

// V8 13.6 keeps one process-wide table of function entries (its JSDispatchTable: 256 MiB of
// 16-byte entries), and each isolate takes it a segment of DispatchSegmentEntries at a time:
// one segment for a blank isolate with the runtime (measured: a fresh isolate that ran the
// runtime's APIs still fits in it), one more for each further segment's worth of live
// functions of its own. A function literal of the worker's code takes an entry once it is
// instantiated (all closures of one literal share it; promise resolvers and other built-in
// closures take none), and so does each exported function of each WebAssembly instance. When
// no segment is free V8 aborts the whole process ("Fatal JavaScript out of memory:
// CALL_AND_RETRY_LAST"), however much memory is free; freed entries and disposed isolates give
// theirs back. Whoever creates isolates or lets them grow must keep the segments in use under
// DispatchSegments (measured: 4,068 blank isolates abort the process; with 4,000 extra function
// literals each, about 2,050).
const (
	DispatchSegments       = 4096
	DispatchSegmentEntries = 4096
)

// MaxIsolates is how many isolates one process may hold at once: DispatchSegments less
// margin, for isolates that use one segment each. Whoever keeps isolates alive (the
// scheduler) must stay under this, leaving room for the short-lived ones (validation, checks,
// blank pools), and count an isolate with more functions as more than one (see
// DispatchSegments); TestIsolateCeiling proves it on the V8 islet runs.
const MaxIsolates = 4000

// liveIsolates counts isolates created and not yet disposed.
var liveIsolates atomic.Int64

// LiveIsolates is how many isolates exist in the process now.
func LiveIsolates() int { return int(liveIsolates.Load()) }

// NewIsolate creates an isolate and its context from snap. The isolate is not entered; any
// thread may use it next. Keep LiveIsolates under MaxIsolates.
func NewIsolate(snap *Snapshot, opts Options, cb Callbacks) *Isolate {
	ensureInit()
	liveIsolates.Add(1)
	iso := &Isolate{snap: snap, cb: cb}
	iso.handle = cgo.NewHandle(iso)
	iso.p = C.islet_isolate_new(snap.p, C.size_t(opts.HeapLimit), C.uintptr_t(iso.handle))
	return iso
}

// SetCallbacks replaces the isolate's callbacks (for an isolate taken from a pool of blank
// ones). It must not be called during a call into the isolate.
func (iso *Isolate) SetCallbacks(cb Callbacks) { iso.cb = cb }

// Dispose frees the isolate. It must not be called during a call into the isolate.
func (iso *Isolate) Dispose() {
	iso.mu.Lock()
	if iso.disposed {
		iso.mu.Unlock()
		return
	}
	iso.disposed = true
	p := iso.p
	iso.p = nil
	iso.mu.Unlock()
	C.islet_isolate_dispose(p)
	iso.handle.Delete()
	liveIsolates.Add(-1)
}

// Terminate stops the JS that is running in the isolate, from any goroutine. The call that was
// running returns an Error of kind Terminated; later calls run normally.
func (iso *Isolate) Terminate() {
	iso.mu.Lock()
	defer iso.mu.Unlock()
	if !iso.disposed {
		C.islet_isolate_terminate(iso.p)
	}
}

// RequestInterrupt asks the isolate to call Callbacks.Interrupt on its thread at the next safe
// point of running JS (V8 checks at function entries and loop back-edges), from any goroutine.
// An isolate running no JS runs the callback when it next does; a built-in that never checks
// (some long sorts) delays it. Requests made before the callback ran are merged or queued.
func (iso *Isolate) RequestInterrupt() {
	iso.mu.Lock()
	defer iso.mu.Unlock()
	if !iso.disposed {
		C.islet_isolate_request_interrupt(iso.p)
	}
}

// Condemned reports whether the isolate hit its heap limit and refuses further calls.
func (iso *Isolate) Condemned() bool { return C.islet_isolate_condemned(iso.p) != 0 }

// HeapStats are V8's heap statistics for one isolate.
type HeapStats struct {
	TotalHeapSize, UsedHeapSize, HeapSizeLimit, ExternalMemory, MallocedMemory uint64
	// ArrayBufferMemory is what the isolate's ArrayBuffers and Wasm memories hold (counted by
	// its allocator against the memory limit).
	ArrayBufferMemory uint64
}

// InUse is the memory the isolate's objects use: the live heap plus external memory. It is
// closer to what the isolate adds to the process's RSS than TotalHeapSize, which counts
// committed but empty pages.
func (s HeapStats) InUse() int64 { return int64(s.UsedHeapSize + s.ExternalMemory) }

// HeapStats reads the isolate's heap statistics; all zero once the isolate is disposed. It
// holds the isolate's lock, so Dispose waits for it rather than freeing the heap it reads.
func (iso *Isolate) HeapStats() HeapStats {
	var s C.islet_heap_stats
	iso.mu.Lock()
	defer iso.mu.Unlock()
	if iso.disposed {
		return HeapStats{}
	}
	C.islet_isolate_heap_stats(iso.p, &s)
	return HeapStats{uint64(s.total_heap_size), uint64(s.used_heap_size), uint64(s.heap_size_limit),
		uint64(s.external_memory), uint64(s.malloced_memory), uint64(s.array_buffer_memory)}
}

// LowMemory asks V8 to collect garbage and return memory it can; it costs a full GC.
func (iso *Isolate) LowMemory() { C.islet_isolate_low_memory(iso.p) }

// RunScript compiles and runs a classic script and returns its completion value (a promise
// comes back as a Handle that the caller releases).
func (iso *Isolate) RunScript(name, code string) (op.Value, error) {
	var res C.islet_val
	var ce C.islet_error
	np, nn := cstr(name)
	sp, sn := cstr(code)
	rc := C.islet_script_run(iso.p, np, nn, sp, sn, &res, &ce)
	runtime.KeepAlive(name)
	runtime.KeepAlive(code)
	v := takeVal(&res)
	return v, takeError(rc, &ce)
}

// CompiledModule is the result of CompileModule.
type CompiledModule struct {
	ID        int
	Requests  []string // import specifiers, in source order
	CodeCache []byte   // a fresh code cache when none was given or it was rejected
}

// CompileModule compiles an ES module under url. cache may be nil.
func (iso *Isolate) CompileModule(url, code string, cache []byte) (CompiledModule, error) {
	var id C.int
	var cacheOut, reqs *C.char
	var cacheLen, reqsLen C.size_t
	var ce C.islet_error
	up, un := cstr(url)
	sp, sn := cstr(code)
	cp, cn := cbytes(cache)
	rc := C.islet_module_compile(iso.p, up, un, sp, sn, cp, cn, &id, &cacheOut, &cacheLen, &reqs, &reqsLen, &ce)
	runtime.KeepAlive(url)
	runtime.KeepAlive(code)
	runtime.KeepAlive(cache)
	if err := takeError(rc, &ce); err != nil {
		return CompiledModule{}, err
	}
	m := CompiledModule{ID: int(id)}
	if cacheOut != nil {
		m.CodeCache = C.GoBytes(unsafe.Pointer(cacheOut), C.int(cacheLen))
		C.islet_free(unsafe.Pointer(cacheOut))
	}
	if reqs != nil {
		m.Requests = decodeStrings(unsafe.Slice((*byte)(unsafe.Pointer(reqs)), int(reqsLen)))
		C.islet_free(unsafe.Pointer(reqs))
	}
	return m, nil
}

// CompileWasmModule compiles an uploaded WebAssembly binary as a module named url whose
// default export is its WebAssembly.Module (what `import mod from "./x.wasm"` yields). This is
// the only way an isolate generates Wasm code: the worker's own JS cannot compile bytes.
func (iso *Isolate) CompileWasmModule(url string, wasm string) (int, error) {
	// A shared memory's buffer is a SharedArrayBuffer, which workers never get.
	facts, checkErr := wasmScan(wasm)
	if facts.shared != "" {
		return -1, wasmRefusal(url, "the module declares a shared memory ("+facts.shared+"); shared memories are not available in workers")
	}
	var id C.int
	var ce C.islet_error
	up, un := cstr(url)
	wp, wn := cstr(wasm)
	rc := C.islet_module_wasm(iso.p, up, un, wp, wn, C.int(min(facts.functions, math.MaxInt32)), &id, &ce)
	runtime.KeepAlive(url)
	runtime.KeepAlive(wasm)
	if err := takeError(rc, &ce); err != nil {
		return -1, err // malformed bytes get V8's own CompileError
	}
	if checkErr != nil {
		// V8 took bytes this check cannot read: refused rather than unchecked. The synthetic
		// module V8 made stays unreachable, since no import resolves to a refused id.
		return -1, wasmRefusal(url, fmt.Sprintf("its imports and memories cannot be checked for shared memory (%v)", checkErr))
	}
	return int(id), nil
}

func wasmRefusal(url, why string) error {
	return &Error{Kind: Exception, Message: "CompileError: WebAssembly.Module(): " + url + ": " + why}
}

// InstantiateModule links a module and its imports through Callbacks.Resolve.
func (iso *Isolate) InstantiateModule(id int) error {
	var ce C.islet_error
	return takeError(C.islet_module_instantiate(iso.p, C.int(id), &ce), &ce)
}

// EvaluateModule runs a linked module and returns a Handle to its evaluation promise, which
// stays pending while top-level await waits.
func (iso *Isolate) EvaluateModule(id int) (Handle, error) {
	var h C.int = -1
	var ce C.islet_error
	rc := C.islet_module_evaluate(iso.p, C.int(id), &h, &ce)
	return Handle(h), takeError(rc, &ce)
}

// ModuleNamespace returns a Handle to a module's namespace object, or -1.
func (iso *Isolate) ModuleNamespace(id int) Handle {
	return Handle(C.islet_module_namespace(iso.p, C.int(id)))
}

// Handle is a JS value the isolate keeps alive for Go until it is released.
type Handle int

// Value returns the handle as an op.Value to pass to CallHost.
func (h Handle) Value() op.Value { return op.Value{Kind: op.KindHandle, Num: float64(h)} }

// PromiseState is the state of a promise held by a Handle.
type PromiseState int

// The states of a promise.
const (
	NotAPromise PromiseState = -1
	Pending     PromiseState = 0
	Fulfilled   PromiseState = 1
	Rejected    PromiseState = 2
)

// PromiseState reads the state of the promise h; for Rejected, the error describes the reason
// (and the rejection no longer counts as unhandled).
func (iso *Isolate) PromiseState(h Handle) (PromiseState, error) {
	var ce C.islet_error
	st := PromiseState(C.islet_promise_state(iso.p, C.int(h), &ce))
	if st == Rejected {
		return st, takeError(C.ISLET_FAIL_EXCEPTION, &ce)
	}
	return st, nil
}

// PromiseResult returns the value of a fulfilled promise (undefined otherwise), converted as
// CallHost converts results.
func (iso *Isolate) PromiseResult(h Handle) op.Value {
	var res C.islet_val
	C.islet_promise_result(iso.p, C.int(h), &res)
	return takeVal(&res)
}

// Release lets the isolate forget a handle.
func (iso *Isolate) Release(h Handle) {
	if h >= 0 {
		C.islet_handle_release(iso.p, C.int(h))
	}
}

// CallHost calls rt.host[name](...args) and then runs microtasks: one turn. Promise results come
// back as a Handle the caller releases; other objects as their string.
func (iso *Isolate) CallHost(name string, args ...op.Value) (op.Value, error) {
	var small [8]C.islet_val
	cargs := small[:0]
	if len(args) > len(small) {
		cargs = make([]C.islet_val, 0, len(args))
	}
	// Strings and bytes are passed as pointers into Go memory for the duration of the call.
	var pins runtime.Pinner
	defer pins.Unpin()
	for _, a := range args {
		cv := C.islet_val{kind: C.uint8_t(a.Kind), num: C.double(a.Num)}
		switch a.Kind {
		case op.KindString:
			if len(a.Str) > 0 {
				p := unsafe.StringData(a.Str)
				pins.Pin(p)
				cv.ptr, cv.len = (*C.char)(unsafe.Pointer(p)), C.size_t(len(a.Str))
			}
		case op.KindBytes:
			if len(a.Bytes) > 0 {
				pins.Pin(&a.Bytes[0])
				cv.ptr, cv.len = (*C.char)(unsafe.Pointer(&a.Bytes[0])), C.size_t(len(a.Bytes))
			}
		case op.KindStrings:
			return op.Undefined, &Error{Kind: Internal, Message: "CallHost: string lists cannot be passed to JS"}
		}
		cargs = append(cargs, cv)
	}
	var res C.islet_val
	var ce C.islet_error
	np, nn := cstr(name)
	var argp *C.islet_val
	if len(cargs) > 0 {
		argp = &cargs[0]
	}
	rc := C.islet_call_host(iso.p, np, nn, argp, C.int(len(cargs)), &res, &ce)
	runtime.KeepAlive(name)
	v := takeVal(&res)
	return v, takeError(rc, &ce)
}

// EvalRuntime runs a runtime file (code evaluating to a function of rt) in the isolate's
// context; its text is shared with every other isolate (see sharedSource). It may only be
// called by an op, inside a call into the isolate.
func (iso *Isolate) EvalRuntime(name, code string) error {
	var ce C.islet_error
	np, nn := cstr(name)
	sp, sn := cstr(code)
	rc := C.islet_runtime_eval(iso.p, np, nn, sp, sn, sharedSource(code), &ce)
	runtime.KeepAlive(name)
	runtime.KeepAlive(code)
	return takeError(rc, &ce)
}

// RunMicrotasks performs a microtask checkpoint (one turn with no event).
func (iso *Isolate) RunMicrotasks() error {
	var ce C.islet_error
	return takeError(C.islet_run_microtasks(iso.p, &ce), &ce)
}

// takeVal converts and frees a C result value.
func takeVal(v *C.islet_val) op.Value {
	out := op.Value{Kind: op.Kind(v.kind), Num: float64(v.num)}
	switch out.Kind {
	case op.KindString:
		if v.ptr != nil {
			out.Str = C.GoStringN(v.ptr, C.int(v.len))
			C.islet_free(unsafe.Pointer(v.ptr))
		}
	case op.KindBytes:
		if v.ptr != nil {
			out.Bytes = C.GoBytes(unsafe.Pointer(v.ptr), C.int(v.len))
			C.islet_free(unsafe.Pointer(v.ptr))
		}
		if out.Bytes == nil {
			out.Bytes = []byte{}
		}
	}
	return out
}
