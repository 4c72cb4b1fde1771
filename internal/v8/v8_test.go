package v8

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"islet/internal/op"
)

var (
	testSnapOnce sync.Once
	testSnap     *Snapshot
	testSnapErr  error
)

// testOps are ops the binding tests call through rt.ops.
var testOps = []op.Def{
	{Name: "echo", Sync: func(c *op.Call) (op.Value, error) {
		v := c.Arg(0)
		if v.Kind == op.KindBytes {
			return op.Bytes(append([]byte(nil), v.Bytes...)), nil
		}
		return v, nil
	}},
	{Name: "add", Sync: func(c *op.Call) (op.Value, error) {
		a, err := c.Int(0)
		if err != nil {
			return op.Undefined, err
		}
		b, err := c.Int(1)
		if err != nil {
			return op.Undefined, err
		}
		return op.Int(a + b), nil
	}},
	{Name: "list", Sync: func(c *op.Call) (op.Value, error) { return op.Strings([]string{"a", "", "ü"}), nil }},
	{Name: "fail", Sync: func(c *op.Call) (op.Value, error) {
		s, _ := c.Str(0)
		switch s {
		case "type":
			return op.Undefined, op.TypeErrorf("bad type")
		case "range":
			return op.Undefined, op.RangeErrorf("bad range")
		case "dom":
			return op.Undefined, op.DOMException("DataError", "bad data")
		}
		return op.Undefined, errors.New("plain")
	}},
	{Name: "host", Sync: func(c *op.Call) (op.Value, error) { return op.String(fmt.Sprint(c.Host)), nil }},
	{Name: "panics", Sync: func(c *op.Call) (op.Value, error) { panic("op bug") }},
	{Name: "later", Async: func(c *op.Call, done op.Completer) error {
		n, err := c.Int(0)
		if err != nil {
			return err
		}
		go done(op.Int(n*2), nil)
		return nil
	}},
}

const testRuntime = `(function (rt) {
  let nextId = 1;
  const pending = new Map();
  rt.opAsync = (name, ...args) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    try { rt.ops[name](id, ...args); } catch (e) { pending.delete(id); reject(e); }
  });
  rt.host.opComplete = (id, ok, v) => {
    const p = pending.get(id); pending.delete(id);
    if (ok) p.resolve(v); else p.reject(new Error(v));
  };
  rt.host.echo = (...args) => args.length === 1 ? args[0] : args.map(String).join(",");
  rt.host.run = (s) => globalThis.__fn(s);
  rt.internal.makeDOMException = (name, message) => { const e = new Error(message); e.name = name; return e; };
  globalThis.ops = rt.ops;
  globalThis.opAsync = rt.opAsync;
})`

func snapshot(t testing.TB) *Snapshot {
	testSnapOnce.Do(func() {
		testSnap, testSnapErr = BuildSnapshot(testOps, []SourceFile{{Name: "test:runtime.js", Code: testRuntime}})
	})
	if testSnapErr != nil {
		t.Fatal(testSnapErr)
	}
	return testSnap
}

// asyncIsolate makes an isolate whose async completions are delivered by drain.
type asyncIsolate struct {
	*Isolate
	mu    sync.Mutex
	queue []func()
	wake  chan struct{}
}

func newTestIsolate(t testing.TB, opts Options) *asyncIsolate {
	a := &asyncIsolate{wake: make(chan struct{}, 1)}
	a.Isolate = NewIsolate(snapshot(t), opts, Callbacks{
		Host: "host-object",
		Complete: func(id int, v op.Value, err error) {
			a.mu.Lock()
			a.queue = append(a.queue, func() {
				if err != nil {
					a.CallHost("opComplete", op.Int(id), op.Bool(false), op.String(err.Error()))
				} else {
					a.CallHost("opComplete", op.Int(id), op.Bool(true), v)
				}
			})
			a.mu.Unlock()
			select {
			case a.wake <- struct{}{}:
			default:
			}
		},
	})
	t.Cleanup(a.Dispose)
	return a
}

// settle runs queued completions until the promise h settles (bounded).
func (a *asyncIsolate) settle(t testing.TB, h Handle) (PromiseState, error) {
	deadline := time.After(10 * time.Second)
	for {
		st, err := a.PromiseState(h)
		if st != Pending {
			return st, err
		}
		a.mu.Lock()
		q := a.queue
		a.queue = nil
		a.mu.Unlock()
		if len(q) == 0 {
			select {
			case <-a.wake:
			case <-deadline:
				t.Fatal("promise did not settle")
			}
		}
		for _, f := range q {
			f()
		}
	}
}

func TestValuesRoundTrip(t *testing.T) {
	iso := newTestIsolate(t, Options{})
	cases := []struct {
		in   op.Value
		want op.Value
	}{
		{op.Undefined, op.Undefined},
		{op.Null, op.Null},
		{op.Bool(true), op.Bool(true)},
		{op.Number(1.5), op.Number(1.5)},
		{op.String(""), op.String("")},
		{op.String("héllo\x00world"), op.String("héllo\x00world")},
		{op.Bytes([]byte{0, 1, 255}), op.Bytes([]byte{0, 1, 255})},
		{op.Bytes([]byte{}), op.Bytes([]byte{})},
	}
	for _, c := range cases {
		got, err := iso.CallHost("echo", c.in)
		if err != nil {
			t.Fatalf("echo %v: %v", c.in, err)
		}
		if got.Kind != c.want.Kind || got.Num != c.want.Num || got.Str != c.want.Str || string(got.Bytes) != string(c.want.Bytes) {
			t.Errorf("echo %v = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestScriptsAndOps(t *testing.T) {
	iso := newTestIsolate(t, Options{})
	cases := []struct{ code, want string }{
		{`1 + 2`, "3"},
		{`ops.add(2, 40)`, "42"},
		{`ops.echo("x\u00e9")`, "xé"},
		{`ops.echo("\ud800") === "\ufffd"`, "true"},
		{`Array.from(ops.echo(new Uint8Array([1,2,3]).subarray(1))).join()`, "2,3"},
		{`Array.from(ops.echo(new Uint8Array([9,8]).buffer)).join()`, "9,8"},
		{`JSON.stringify(ops.list())`, `["a","","ü"]`},
		{`try { ops.fail("type") } catch (e) { e instanceof TypeError && e.message }`, "bad type"},
		{`try { ops.fail("range") } catch (e) { e instanceof RangeError && e.message }`, "bad range"},
		{`try { ops.fail("dom") } catch (e) { e.name + ":" + e.message }`, "DataError:bad data"},
		{`try { ops.fail("x") } catch (e) { e.constructor.name + ":" + e.message }`, "Error:plain"},
		{`try { ops.add(1, "2") } catch (e) { e.constructor.name }`, "TypeError"},
		{`try { ops.echo({}) } catch (e) { e.constructor.name }`, "TypeError"},
		{`ops.host()`, "host-object"},
		{`try { new ops.add() } catch (e) { e.constructor.name }`, "TypeError"},
		{`try { eval("1") } catch (e) { e.constructor.name }`, "EvalError"},
		{`try { new Function("return 1") } catch (e) { e.constructor.name }`, "EvalError"},
		{`typeof SharedArrayBuffer`, "undefined"},
		{`try { ops.panics() } catch (e) { e.message }`, "internal error in op panics: op bug"},
	}
	for _, c := range cases {
		got, err := iso.RunScript("test.js", c.code)
		if err != nil {
			t.Errorf("%s: %v", c.code, err)
			continue
		}
		if show(got) != c.want {
			t.Errorf("%s = %v, want %s", c.code, got, c.want)
		}
	}
}

func TestExceptionsCarryStackAndLocation(t *testing.T) {
	iso := newTestIsolate(t, Options{})
	_, err := iso.RunScript("file:///w/throws.js", "function f() { throw new TypeError('boom'); }\nf();")
	var e *Error
	if !errors.As(err, &e) || e.Kind != Exception {
		t.Fatalf("err = %v, want an exception", err)
	}
	if !strings.Contains(e.Message, "TypeError: boom") || !strings.Contains(e.Stack, "at f (file:///w/throws.js:1:") {
		t.Errorf("message %q stack %q", e.Message, e.Stack)
	}
	_, err = iso.RunScript("file:///w/syntax.js", "let a = 1;\nlet b = ;\n")
	if !errors.As(err, &e) || !strings.Contains(e.Message, "file:///w/syntax.js:2:9") || !strings.Contains(e.Message, "SyntaxError") {
		t.Errorf("syntax error = %v", err)
	}
	// The isolate still works.
	if v, err := iso.RunScript("ok.js", "'fine'"); err != nil || v.Str != "fine" {
		t.Errorf("after exceptions: %v %v", v, err)
	}
}

func TestModules(t *testing.T) {
	iso := newTestIsolate(t, Options{})
	files := map[string]string{
		"file:///w/main.js": `import { x } from "./lib/x.js"; import def from "./y.js";
			export const url = import.meta.url; export default x + def;
			export const later = await opAsync("later", 21);`,
		"file:///w/lib/x.js": `export const x = 40;`,
		"file:///w/y.js":     `export default 2;`,
	}
	ids := map[string]int{}
	urls := map[int]string{}
	var compile func(url string) (int, error)
	compile = func(url string) (int, error) {
		if id, ok := ids[url]; ok {
			return id, nil
		}
		m, err := iso.CompileModule(url, files[url], nil)
		if err != nil {
			return -1, err
		}
		if len(m.CodeCache) == 0 {
			t.Errorf("%s: no code cache", url)
		}
		ids[url], urls[m.ID] = m.ID, url
		for _, r := range m.Requests {
			if _, err := compile(resolve(url, r)); err != nil {
				return -1, err
			}
		}
		return m.ID, nil
	}
	iso.cb.Resolve = func(ref int, spec string) int {
		if id, ok := ids[resolve(urls[ref], spec)]; ok {
			return id
		}
		return -1
	}
	root, err := compile("file:///w/main.js")
	if err != nil {
		t.Fatal(err)
	}
	if err := iso.InstantiateModule(root); err != nil {
		t.Fatal(err)
	}
	p, err := iso.EvaluateModule(root)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := iso.settle(t, p); st != Fulfilled || err != nil {
		t.Fatalf("evaluation: %v %v", st, err)
	}
	ns := iso.ModuleNamespace(root)
	// Read exports through a host call that receives the namespace.
	if _, err := iso.RunScript("def.js", `globalThis.__fn = (ns) => [ns.default, ns.url, ns.later].join("|")`); err != nil {
		t.Fatal(err)
	}
	got, err := iso.CallHost("run", ns.Value())
	if err != nil || got.Str != "42|file:///w/main.js|42" {
		t.Fatalf("exports: %v %v", got, err)
	}
	iso.Release(ns)
	iso.Release(p)

	// A cached compile consumes the cache.
	m, err := iso.CompileModule("file:///w/again.js", files["file:///w/lib/x.js"], nil)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := iso.CompileModule("file:///w/again2.js", files["file:///w/lib/x.js"], m.CodeCache)
	if err != nil || len(m2.CodeCache) != 0 {
		t.Errorf("cache was not accepted: %v, fresh cache of %d bytes", err, len(m2.CodeCache))
	}
}

// show renders a result the way the test table writes expectations.
func show(v op.Value) string {
	switch v.Kind {
	case op.KindString:
		return v.Str
	case op.KindBool:
		return fmt.Sprint(v.Num != 0)
	case op.KindNumber:
		return fmt.Sprint(v.Num)
	}
	return v.String()
}

func resolve(base, spec string) string {
	dir := base[:strings.LastIndex(base, "/")+1]
	spec = strings.TrimPrefix(spec, "./")
	return dir + spec
}

func TestMissingImportIsAnError(t *testing.T) {
	iso := newTestIsolate(t, Options{})
	m, err := iso.CompileModule("file:///w/a.js", `import "./nope.js";`, nil)
	if err != nil {
		t.Fatal(err)
	}
	iso.cb.Resolve = func(int, string) int { return -1 }
	err = iso.InstantiateModule(m.ID)
	if err == nil || !strings.Contains(err.Error(), "Cannot find module './nope.js' imported from file:///w/a.js") {
		t.Fatalf("err = %v", err)
	}
}

func TestUnhandledRejectionIsReported(t *testing.T) {
	iso := newTestIsolate(t, Options{})
	var got []string
	iso.cb.UnhandledRejection = func(m, s string) { got = append(got, m) }
	iso.RunScript("r.js", `Promise.reject(new Error("nobody")); Promise.reject(1).catch(() => {});`)
	if len(got) != 1 || !strings.Contains(got[0], "nobody") {
		t.Fatalf("rejections = %q", got)
	}
}

func TestTerminate(t *testing.T) {
	iso := newTestIsolate(t, Options{})
	go func() {
		time.Sleep(20 * time.Millisecond)
		iso.Terminate()
	}()
	_, err := iso.RunScript("loop.js", "for (;;) {}")
	if !IsKind(err, Terminated) {
		t.Fatalf("err = %v, want Terminated", err)
	}
	if v, err := iso.RunScript("after.js", "'alive'"); err != nil || v.Str != "alive" {
		t.Fatalf("after terminate: %v %v", v, err)
	}
}

func TestStackOverflowIsARangeError(t *testing.T) {
	iso := newTestIsolate(t, Options{})
	done := make(chan struct{})
	go func() {
		// A fresh locked thread: the stack limit must be right on any thread.
		runtime.LockOSThread()
		defer close(done)
		v, err := iso.RunScript("deep.js", "function f(n) { return f(n + 1) + 1; } try { f(0) } catch (e) { e.constructor.name }")
		if err != nil || v.Str != "RangeError" {
			t.Errorf("deep recursion: %v %v", v, err)
		}
	}()
	<-done
}

func TestHeapLimitCondemnsOnlyThatIsolate(t *testing.T) {
	good := newTestIsolate(t, Options{HeapLimit: 64 << 20})
	bad := newTestIsolate(t, Options{HeapLimit: 32 << 20})
	_, err := bad.RunScript("oom.js", "const a = []; for (;;) a.push(new Array(10000).fill({x: 1}));")
	if !IsKind(err, OutOfMemory) {
		t.Fatalf("err = %v, want OutOfMemory", err)
	}
	if !bad.Condemned() {
		t.Fatal("isolate is not condemned")
	}
	if _, err := bad.RunScript("again.js", "1"); !IsKind(err, OutOfMemory) {
		t.Fatalf("condemned isolate ran: %v", err)
	}
	if v, err := good.RunScript("ok.js", "'still serving'"); err != nil || v.Str != "still serving" {
		t.Fatalf("other isolate: %v %v", v, err)
	}
	if s := good.HeapStats(); s.UsedHeapSize == 0 || s.HeapSizeLimit < 32<<20 {
		t.Errorf("heap stats = %+v", s)
	}
}

func TestIsolatesRunInParallel(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			iso := newTestIsolate(t, Options{})
			for j := 0; j < 50; j++ {
				v, err := iso.RunScript("p.js", fmt.Sprintf("ops.add(%d, %d)", i, j))
				if err != nil || int(v.Num) != i+j {
					t.Errorf("isolate %d: %v %v", i, v, err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
}

func BenchmarkCallHost(b *testing.B) {
	iso := newTestIsolate(b, Options{})
	for i := 0; i < b.N; i++ {
		iso.CallHost("echo", op.Int(i))
	}
}

func BenchmarkOpCall(b *testing.B) {
	iso := newTestIsolate(b, Options{})
	iso.RunScript("def.js", `globalThis.__fn = (n) => { let s = 0; for (let i = 0; i < n; i++) s = ops.add(s, 1); return s; }`)
	b.ResetTimer()
	iso.CallHost("run", op.Int(b.N))
}

func BenchmarkNewIsolate(b *testing.B) {
	snap := snapshot(b)
	for i := 0; i < b.N; i++ {
		iso := NewIsolate(snap, Options{}, Callbacks{})
		iso.Dispose()
	}
}

func TestArrayBufferMemoryIsBounded(t *testing.T) {
	iso := newTestIsolate(t, Options{HeapLimit: 32 << 20})
	v, err := iso.RunScript("ab.js", `const keep = []; let n = 0;
		try { for (;;) { keep.push(new Uint8Array(1 << 20)); n++; } } catch (e) { e.constructor.name + " after " + n + " MiB" }`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v.Str, "RangeError after ") {
		t.Fatalf("got %q", v.Str)
	}
	if st := iso.HeapStats(); st.ArrayBufferMemory > 32<<20 {
		t.Fatalf("ArrayBuffers hold %d bytes, limit 32 MiB", st.ArrayBufferMemory)
	}
	// Memory is given back when the buffers die, and the isolate keeps working.
	if _, err := iso.RunScript("free.js", "keep.length = 0; new Uint8Array(1 << 20).length"); err != nil {
		t.Fatal(err)
	}
}

// TestInterruptPausesRunningJS: the interrupt callback runs inside running JS, which waits while
// it blocks and then carries on (still running when it is terminated afterwards).
func TestInterruptPausesRunningJS(t *testing.T) {
	iso := newTestIsolate(t, Options{})
	entered := make(chan struct{})
	resume := make(chan struct{})
	calls := 0
	iso.cb.Interrupt = func() {
		calls++
		if calls == 1 {
			close(entered)
			<-resume
		}
	}
	finished := make(chan struct{})
	go func() {
		// Ask until the loop runs (requests made before it starts wait for it).
		for {
			iso.RequestInterrupt()
			select {
			case <-entered:
			case <-time.After(time.Millisecond):
				continue
			}
			break
		}
		close(resume)
		for {
			iso.Terminate()
			select {
			case <-finished:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	_, err := iso.RunScript("loop.js", "for (;;) {}")
	close(finished)
	if !IsKind(err, Terminated) || calls < 1 {
		t.Fatalf("err = %v, interrupt calls = %d; want Terminated after at least one interrupt", err, calls)
	}
}

// TestOneAllocationFarPastTheHeapLimitCondemns: a single allocation much larger than the heap
// limit (sorting a long holey array copies it into one 256 MiB array) condemns the isolate;
// with too little room past the limit, V8 aborted the process ("Reached heap limit").
func TestOneAllocationFarPastTheHeapLimitCondemns(t *testing.T) {
	iso := newTestIsolate(t, Options{HeapLimit: 32 << 20})
	_, err := iso.RunScript("sort.js", "const a = []; a.length = 2 ** 25; a[5] = 1; a.sort();")
	if !IsKind(err, OutOfMemory) {
		t.Fatalf("err = %v, want OutOfMemory", err)
	}
}

// TestHeapStatsAfterDispose: a disposed isolate's statistics read as zero instead of
// dereferencing a freed heap (seen as a SIGSEGV in islet_isolate_heap_stats under load).
func TestHeapStatsAfterDispose(t *testing.T) {
	iso := newTestIsolate(t, Options{})
	if iso.HeapStats().TotalHeapSize == 0 {
		t.Fatal("a live isolate reports no heap")
	}
	iso.Dispose()
	if s := iso.HeapStats(); s != (HeapStats{}) {
		t.Fatalf("disposed isolate: %+v", s)
	}
}
