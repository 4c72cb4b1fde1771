package sched

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"islet/internal/snapshot"
	"islet/internal/v8"
	"islet/internal/v8/wasmtest"
	"islet/internal/worker"
)

var snapshotGet = snapshot.Get

func newSched(t testing.TB, opts Options) *Scheduler {
	t.Helper()
	snap, err := snapshot.Get()
	if err != nil {
		t.Fatal(err)
	}
	s := New(snap, opts)
	t.Cleanup(s.Close)
	return s
}

func spec(name, code string) *worker.Spec {
	return &worker.Spec{Name: name, BaseURL: "file:///" + name + "/", Main: "index.js", Modules: map[string]string{"index.js": code}}
}

func do(s *Scheduler, name, path string) (int, string) {
	rec := httptest.NewRecorder()
	s.Dispatch(rec, httptest.NewRequest("GET", "http://"+name+".localhost"+path, nil), name)
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(b)
}

func TestHeapLimitDropsOnlyThatIsolate(t *testing.T) {
	s := newSched(t, Options{HeapLimit: 24 << 20, CPUPerRequest: 30 * time.Second})
	s.SetWorkers([]*worker.Spec{
		spec("hog", `const keep = []; export default { fetch() { for (;;) keep.push(new Array(100000).fill(1.5)); } };`),
		spec("good", `export default { fetch() { return new Response("fine"); } };`),
	})
	stop := steadyLoad(s, "good", "fine")
	for i := 0; i < 2; i++ {
		code, body := do(s, "hog", "/")
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "exceeded its memory limit") {
			t.Errorf("hog request %d: %d %q", i, code, body)
		}
	}
	if failures, served := stop(); failures > 0 || served == 0 {
		t.Errorf("the well-behaved worker failed %d of %d requests", failures, served)
	}
	if code, body := do(s, "good", "/"); code != 200 || body != "fine" {
		t.Errorf("good after hog: %d %q", code, body)
	}
}

func TestRequestsInterleaveInOneIsolate(t *testing.T) {
	s := newSched(t, Options{})
	s.SetWorkers([]*worker.Spec{spec("w", `
		let slowWaiting = false;
		export default {
			async fetch(req) {
				if (new URL(req.url).pathname !== "/slow") return new Response(String(slowWaiting));
				slowWaiting = true;
				await new Promise((r) => setTimeout(r, 2000));
				slowWaiting = false;
				return new Response("slow done");
			},
		};`)})
	slow := make(chan string, 1)
	go func() { _, b := do(s, "w", "/slow"); slow <- b }()
	// Fast requests are answered while the slow one waits inside the same isolate, and they
	// see its state.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, fast := do(s, "w", "/fast")
		if fast == "true" {
			break
		}
		select {
		case b := <-slow:
			t.Fatalf("slow request finished (%q) before a fast one saw it waiting", b)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no fast request saw the slow one waiting")
		}
	}
	if b := <-slow; b != "slow done" {
		t.Fatalf("slow request: %q", b)
	}
}

func TestNewVersionReplacesInstance(t *testing.T) {
	s := newSched(t, Options{})
	s.SetWorkers([]*worker.Spec{spec("w", `export default { fetch() { return new Response("v1"); } };`)})
	if _, b := do(s, "w", "/"); b != "v1" {
		t.Fatalf("v1: %q", b)
	}
	s.SetWorkers([]*worker.Spec{spec("w", `export default { fetch() { return new Response("v2"); } };`)})
	if _, b := do(s, "w", "/"); b != "v2" {
		t.Fatalf("v2: %q", b)
	}
	s.SetWorkers(nil)
	if code, _ := do(s, "w", "/"); code != 404 {
		t.Fatalf("deleted worker: %d", code)
	}
}

func TestIdleInstancesAreEvictedBeyondBudget(t *testing.T) {
	s := newSched(t, Options{MemoryBudget: 1})
	var specs []*worker.Spec
	for _, n := range []string{"a", "b", "c"} {
		specs = append(specs, spec(n, `export default { fetch() { return new Response("ok"); } };`))
	}
	s.SetWorkers(specs)
	for _, n := range []string{"a", "b", "c"} {
		if _, b := do(s, n, "/"); b != "ok" {
			t.Fatalf("%s: %q", n, b)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().Live > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("instances not evicted: %+v", s.Stats())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, b := do(s, "a", "/"); b != "ok" {
		t.Fatalf("after eviction: %q", b)
	}
}

func TestMaxLiveEvictsBeforeStarting(t *testing.T) {
	s := newSched(t, Options{MaxLive: 2})
	var specs []*worker.Spec
	for _, n := range []string{"a", "b", "c", "d"} {
		specs = append(specs, spec(n, `export default { fetch() { return new Response("ok"); } };`))
	}
	s.SetWorkers(specs)
	for _, sp := range specs {
		if _, b := do(s, sp.Name, "/"); b != "ok" {
			t.Fatalf("%s: %q", sp.Name, b)
		}
		if live := s.Stats().Live; live > 2 {
			t.Fatalf("%d live instances, cap 2", live)
		}
	}
}

// TestCPULimitStopsHostileWorkers runs CPU-burning workers beside a well-behaved one under
// steady load: each hostile request gets a 503 naming the limit, the node keeps serving, and
// the well-behaved tenant fails nothing.
func TestCPULimitStopsHostileWorkers(t *testing.T) {
	s := newSched(t, Options{CPUPerRequest: 30 * time.Millisecond})
	s.SetWorkers([]*worker.Spec{
		spec("loop", `export default { fetch(req) {
			if (new URL(req.url).pathname === "/ok") return new Response("ok");
			for (;;) {}
		} };`),
		spec("microtasks", `export default { fetch() {
			const spin = () => Promise.resolve().then(spin); spin();
			return new Promise(() => {});
		} };`),
		spec("timers", `export default { fetch() {
			return new Promise((r) => { const burn = () => { const end = Date.now() + 5; while (Date.now() < end) {} setTimeout(burn, 0); }; burn(); });
		} };`),
		spec("regex", `export default { fetch() { /^(a+)+$/.test("a".repeat(40) + "b"); return new Response("done"); } };`),
		spec("good", `export default { fetch() { return new Response("fine"); } };`),
	})
	stop := steadyLoad(s, "good", "fine")
	for _, name := range []string{"loop", "microtasks", "timers", "regex"} {
		code, body := do(s, name, "/")
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "exceeded its CPU time limit") {
			t.Errorf("%s: %d %q", name, code, body)
		}
	}
	// The worker that looped serves its next request (from a fresh isolate).
	if code, body := do(s, "loop", "/ok"); code != 200 || body != "ok" {
		t.Errorf("loop after its limit: %d %q", code, body)
	}
	if failures, served := stop(); failures > 0 || served == 0 {
		t.Errorf("the well-behaved worker failed %d of %d requests", failures, served)
	}
}

// steadyLoad sends requests to a well-behaved worker, one after another, until the returned
// stop is called; stop reports how many failed (not 200 with body want) out of how many.
func steadyLoad(s *Scheduler, name, want string) (stop func() (failures, served int)) {
	var wg sync.WaitGroup
	quit := make(chan struct{})
	var failures, served int
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-quit:
				return
			default:
			}
			if code, body := do(s, name, "/"); code != 200 || body != want {
				failures++
			}
			served++
		}
	}()
	return func() (int, int) {
		close(quit)
		wg.Wait()
		return failures, served
	}
}

func TestStartupCPULimit(t *testing.T) {
	s := newSched(t, Options{StartupCPU: 50 * time.Millisecond})
	s.SetWorkers([]*worker.Spec{spec("w", `for (;;) {} export default { fetch() { return new Response("x"); } };`)})
	code, body := do(s, "w", "/")
	if code != 500 || !strings.Contains(body, "exceeded the start-up CPU time limit") {
		t.Fatalf("%d %q", code, body)
	}
}

func TestTimerStormIsCapped(t *testing.T) {
	// The cap on armed timers is under test, not CPU time: arming 10,000 can take more than the
	// default 50 ms on a loaded machine.
	s := newSched(t, Options{CPUPerRequest: 5 * time.Second})
	s.SetWorkers([]*worker.Spec{spec("storm", `export default { fetch() {
		let n = 0;
		try { for (;;) { setTimeout(() => {}, 60000); n++; } }
		catch (e) { return new Response(e.constructor.name + " after " + n); }
	} };`)})
	code, body := do(s, "storm", "/")
	if code != 200 || body != fmt.Sprintf("RangeError after %d", worker.MaxTimers) {
		t.Fatalf("%d %q", code, body)
	}
}

func TestClockFrozenWhileJSRuns(t *testing.T) {
	s := newSched(t, Options{})
	s.SetWorkers([]*worker.Spec{spec("clock", `export default { async fetch() {
		const t0 = Date.now(), p0 = performance.now();
		const end = Date.now() + 1; let spins = 0;
		while (spins < 5e6) spins++;           // burn real time inside one turn
		const same = Date.now() === t0 && performance.now() === p0 && new Date().getTime() === t0;
		await new Promise((r) => setTimeout(r, 20)); // an I/O event: the clock moves
		return new Response(same + " " + (Date.now() - t0 >= 20) + " " + (end === t0 + 1));
	} };`)})
	if code, body := do(s, "clock", "/"); code != 200 || body != "true true true" {
		t.Fatalf("%d %q", code, body)
	}
}

func TestArrayBufferHogIsBounded(t *testing.T) {
	s := newSched(t, Options{HeapLimit: 32 << 20, CPUPerRequest: 30 * time.Second})
	s.SetWorkers([]*worker.Spec{
		spec("hog", `const keep = []; export default { fetch() { for (;;) keep.push(new Uint8Array(1 << 20).fill(7)); } };`),
		spec("good", `export default { fetch() { return new Response("fine"); } };`),
	})
	stop := steadyLoad(s, "good", "fine")
	// The allocation past the limit is a RangeError in JS; uncaught, it is the worker's 500.
	code, body := do(s, "hog", "/")
	if code != 500 || !strings.Contains(body, "threw an exception") {
		t.Errorf("hog: %d %q", code, body)
	}
	if failures, served := stop(); failures > 0 || served == 0 {
		t.Errorf("the well-behaved worker failed %d of %d requests", failures, served)
	}
}

// TestCondemnedInstanceAnswersEveryRequest: requests that reach an instance just before it is
// condemned (their start still queued when the isolate is dropped) are answered, not left
// waiting forever (seen with memory bombs requested by several clients at once).
func TestCondemnedInstanceAnswersEveryRequest(t *testing.T) {
	s := newSched(t, Options{Executors: 2})
	bomb := spec("bomb", `const keep = []; export default { fetch() { for (;;) keep.push(new Array(100000).fill(1.5)); } };`)
	bomb.Limits.HeapBytes = 32 << 20
	// Only the memory limit may end it: on a loaded machine (the race pass beside two busy
	// loops) filling 32 MiB took longer than the default 50 ms of CPU.
	bomb.Limits.CPUPerRequest = 30 * time.Second
	s.SetWorkers([]*worker.Spec{bomb})
	var wg sync.WaitGroup
	answers := make(chan string, 60)
	for c := 0; c < 3; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				code, body := do(s, "bomb", "/")
				answers <- fmt.Sprintf("%d %s", code, body)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("%d of 60 requests were answered; the others still wait", len(answers))
	}
	close(answers)
	for a := range answers {
		if !strings.HasPrefix(a, "503 ") || !strings.Contains(a, "memory limit") && !strings.Contains(a, "unloaded") {
			t.Errorf("answer %q, want a 503 for the memory limit", a)
		}
	}
}

// TestLazyRuntimeCodeIsNotCharged: the first use of a lazily loaded API (HTMLRewriter, Blob,
// crypto.subtle) loads the runtime's own JavaScript inside the worker's request; that CPU time
// is the platform's: it is reported apart (Usage.RuntimeCPU) and left out of the CPU the
// request is charged. A second request on the same isolate loads nothing. How long the loads
// take is not asserted (a loaded machine stretches it); that they ran uncharged is.
func TestLazyRuntimeCodeIsNotCharged(t *testing.T) {
	usage := make(chan worker.Usage, 4)
	s := newSched(t, Options{CPUPerRequest: 10 * time.Second, RequestFinished: func(u worker.Usage) { usage <- u }})
	s.SetWorkers([]*worker.Spec{spec("lazy", `export default { fetch() {
		new HTMLRewriter(); new Blob(["x"]); crypto.subtle;
		return new Response("loaded");
	} };`)})
	next := func(which string) worker.Usage {
		t.Helper()
		if code, body := do(s, "lazy", "/"); code != 200 || body != "loaded" {
			t.Fatalf("%s request: %d %q", which, code, body)
		}
		select {
		case u := <-usage:
			if u.Worker != "lazy" || u.CPU <= 0 {
				t.Fatalf("%s request's usage: %+v", which, u)
			}
			t.Logf("%s request: charged %v, runtime %v", which, u.CPU, u.RuntimeCPU)
			return u
		case <-time.After(time.Minute):
			t.Fatalf("%s request's usage was never reported", which)
		}
		panic("unreachable")
	}
	if u := next("first"); u.RuntimeCPU <= 0 {
		t.Errorf("first request on a fresh isolate: usage %+v, want the runtime's loads in RuntimeCPU", u)
	}
	if u := next("second"); u.RuntimeCPU != 0 {
		t.Errorf("second request on the same isolate: usage %+v, want no runtime CPU (all was loaded)", u)
	}
}

// TestUsageIsReportedOnceAfterWaitUntil: a request's usage is reported when its waitUntil work
// has settled, not when its response is sent, and once: the next report is the next request's.
func TestUsageIsReportedOnceAfterWaitUntil(t *testing.T) {
	usage := make(chan worker.Usage, 4)
	s := newSched(t, Options{CPUPerRequest: 10 * time.Second, RequestFinished: func(u worker.Usage) { usage <- u }})
	s.SetWorkers([]*worker.Spec{spec("later", `let n = 0;
	export default { fetch(req, env, ctx) {
		const id = ++n;
		ctx.waitUntil(new Promise((r) => setTimeout(() => { globalThis.settled = id; r(); }, 10)));
		return new Response(String(id) + " " + (globalThis.settled ?? "none"));
	} };`)})
	for i, want := range []string{"1 none", "2 1"} {
		if code, body := do(s, "later", "/"); code != 200 || body != want {
			t.Fatalf("request %d: %d %q, want %q", i+1, code, body, want)
		}
		select {
		case u := <-usage:
			if u.Request != i+1 {
				t.Fatalf("report after request %d is for request %d: %+v", i+1, u.Request, u)
			}
		case <-time.After(time.Minute):
			t.Fatalf("request %d's usage was never reported", i+1)
		}
	}
}

// bigSpec is a worker whose code may instantiate more than one segment of V8's function table
// (its bound counts braces, even in a comment), so an isolate of it counts as three.
func bigSpec(name string) *worker.Spec {
	return spec(name, "// "+strings.Repeat("{", 6000)+"\n"+`export default { fetch() { return new Response("big"); } };`)
}

// TestSegmentsCapLiveInstances: a new instance that does not fit in Options.Segments evicts
// idle ones, least recently used first, until it does; the segments held come back down to
// the cap once the evicted isolates are disposed.
func TestSegmentsCapLiveInstances(t *testing.T) {
	s := newSched(t, Options{Segments: 4})
	big := bigSpec("big")
	if big.Segments() != 3 {
		t.Fatalf("the big worker takes %d segments, want 3", big.Segments())
	}
	s.SetWorkers([]*worker.Spec{spec("a", `export default { fetch() { return new Response("a"); } };`),
		spec("b", `export default { fetch() { return new Response("b"); } };`), big})
	for _, name := range []string{"a", "b", "big", "a", "big"} {
		if code, body := do(s, name, "/"); code != 200 {
			t.Fatalf("%s: %d %q", name, code, body)
		}
		deadline := time.Now().Add(time.Minute)
		for s.Stats().Segments > 4 {
			if time.Now().After(deadline) {
				t.Fatalf("after %s: %d segments held, cap 4", name, s.Stats().Segments)
			}
			time.Sleep(time.Millisecond)
		}
	}
}

// TestNoRoomForAnInstanceIsA503: an instance whose segments cannot fit even with every idle
// instance evicted is refused with a 503 that says why, and the node goes on serving others.
func TestNoRoomForAnInstanceIsA503(t *testing.T) {
	s := newSched(t, Options{Segments: 2})
	s.SetWorkers([]*worker.Spec{bigSpec("big"), spec("small", `export default { fetch() { return new Response("small"); } };`)})
	if code, body := do(s, "big", "/"); code != 503 || !strings.Contains(body, "no room for another isolate of worker big") {
		t.Fatalf("big: %d %q", code, body)
	}
	if code, body := do(s, "small", "/"); code != 200 || body != "small" {
		t.Fatalf("small beside it: %d %q", code, body)
	}
}

// TestWasmInstancesGrowTheShare: each WebAssembly instance of a module with a segment's worth
// of functions grows its isolate's share of the function table by one segment, and the one
// that would pass Options.Segments is refused with a RangeError the worker can catch.
func TestWasmInstancesGrowTheShare(t *testing.T) {
	s := newSched(t, Options{Segments: 3})
	sp := spec("wasm", `import mod from "./m.wasm";
		export default { fetch() {
			try { new WebAssembly.Instance(mod); return new Response("made"); }
			catch (e) { return new Response(e.constructor.name + ": " + e.message); }
		} };`)
	sp.Modules["m.wasm"] = wasmtest.Functions(v8.DispatchSegmentEntries)
	s.SetWorkers([]*worker.Spec{sp})
	for i, want := range []string{"made", "made", "RangeError: WebAssembly.Instance(): this node's function table"} {
		if code, body := do(s, "wasm", "/"); code != 200 || !strings.HasPrefix(body, want) {
			t.Fatalf("instance %d: %d %q, want %q…", i+1, code, body, want)
		}
		if held := s.Stats().Segments; held > 3 {
			t.Fatalf("after instance %d: %d segments held, cap 3", i+1, held)
		}
	}
}
