package v8

import (
	"fmt"
	"strings"
	"testing"

	"islet/internal/v8/wasmtest"
)

// testWasm exports add, grow, mem and twice (env.double); see wasmtest.
var testWasm = wasmtest.Module

func TestWasmFromBytesIsRefused(t *testing.T) {
	iso := newTestIsolate(t, Options{})
	if _, err := iso.RunScript("setup.js", `globalThis.bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
		globalThis.out = {};
		WebAssembly.compile(bytes).then(() => out.compile = "compiled", (e) => out.compile = String(e));
		WebAssembly.instantiate(bytes).then(() => out.instantiate = "instantiated", (e) => out.instantiate = String(e));
		WebAssembly.instantiate(bytes.buffer).then(() => out.buffer = "instantiated", (e) => out.buffer = String(e));
		try { new WebAssembly.Module(bytes); out.module = "compiled"; } catch (e) { out.module = String(e); }`); err != nil {
		t.Fatal(err)
	}
	for _, api := range []string{"compile", "instantiate", "buffer", "module"} {
		got, err := iso.RunScript("check.js", "out."+api)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got.Str, "CompileError: WebAssembly.") ||
			!strings.Contains(got.Str, "Wasm code generation from bytes is refused") ||
			!strings.Contains(got.Str, "upload the .wasm file with the worker") {
			t.Errorf("%s: %q", api, got.Str)
		}
	}
	// Validation generates no code and stays available.
	if got, err := iso.RunScript("validate.js", "WebAssembly.validate(bytes)"); err != nil || show(got) != "true" {
		t.Errorf("validate: %v %v", got, err)
	}
}

// wasmImporter compiles main.js importing ./m.wasm and returns the main module's namespace
// after evaluation, exposed as globalThis.ns.
func wasmImporter(t *testing.T, iso *asyncIsolate, main string) {
	t.Helper()
	wasmID, err := iso.CompileWasmModule("file:///w/m.wasm", testWasm)
	if err != nil {
		t.Fatal(err)
	}
	m, err := iso.CompileModule("file:///w/main.js", main, nil)
	if err != nil {
		t.Fatal(err)
	}
	iso.cb.Resolve = func(ref int, spec string) int {
		if spec == "./m.wasm" {
			return wasmID
		}
		return -1
	}
	if err := iso.InstantiateModule(m.ID); err != nil {
		t.Fatal(err)
	}
	p, err := iso.EvaluateModule(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := iso.settle(t, p); st != Fulfilled {
		t.Fatalf("evaluation: %v %v", st, err)
	}
	iso.Release(p)
}

func TestWasmModuleImport(t *testing.T) {
	iso := newTestIsolate(t, Options{})
	wasmImporter(t, iso, `import mod from "./m.wasm";
		const isModule = mod instanceof WebAssembly.Module;
		const instance = await WebAssembly.instantiate(mod, { env: { double: (x) => x * 2 } });
		const sync = new WebAssembly.Instance(mod, { env: { double: (x) => x * 3 } });
		globalThis.result = [isModule, instance.exports.add(40, 2), instance.exports.twice(21), sync.exports.twice(2),
			WebAssembly.Module.exports(mod).map((e) => e.name).join(",")].join("|");`)
	got, err := iso.RunScript("check.js", "result")
	if err != nil || got.Str != "true|42|42|6|add,grow,mem,twice" {
		t.Fatalf("got %q %v", got.Str, err)
	}
	if _, err := iso.CompileWasmModule("file:///w/bad.wasm", "\x00asm\x02\x00\x00\x00"); err == nil ||
		!strings.Contains(err.Error(), "CompileError") {
		t.Fatalf("a bad binary compiled: %v", err)
	}
}

func TestWasmMemoryCountsAgainstTheLimit(t *testing.T) {
	iso := newTestIsolate(t, Options{HeapLimit: 32 << 20})
	wasmImporter(t, iso, `import mod from "./m.wasm";
		globalThis.inst = new WebAssembly.Instance(mod, { env: { double: (x) => x } });`)
	// Grow page by page: the grow that would pass 32 MiB fails (-1), the instance keeps working.
	got, err := iso.RunScript("grow.js", `let pages = 1, r;
		while ((r = inst.exports.grow(16)) !== -1) pages += 16;
		const js = (() => { try { inst.exports.mem.grow(64); return "grew"; } catch (e) { return e.constructor.name; } })();
		pages + " " + js + " " + inst.exports.add(1, 2)`)
	if err != nil {
		t.Fatal(err)
	}
	var pages int
	var js string
	var sum int
	if _, err := fmt.Sscan(got.Str, &pages, &js, &sum); err != nil || pages*64<<10 > 32<<20 || pages < 256 || js != "RangeError" || sum != 3 {
		t.Fatalf("got %q (%v)", got.Str, err)
	}
	st := iso.HeapStats()
	if st.ArrayBufferMemory < uint64(pages)*64<<10 || st.ArrayBufferMemory > 32<<20 {
		t.Fatalf("the allocator counts %d bytes for %d pages", st.ArrayBufferMemory, pages)
	}
	// A new memory bigger than what is left cannot be refused; the isolate is condemned.
	_, err = iso.RunScript("big.js", `new WebAssembly.Memory({ initial: 512 }); "survived"`)
	if !IsKind(err, OutOfMemory) || !iso.Condemned() {
		t.Fatalf("err = %v, condemned %v", err, iso.Condemned())
	}
}

func TestWasmMemoryIsGivenBack(t *testing.T) {
	iso := newTestIsolate(t, Options{HeapLimit: 32 << 20})
	for i := 0; i < 4; i++ {
		// 24 MiB each time: only fits if the previous round's memory was freed.
		if _, err := iso.RunScript("m.js", `globalThis.m = new WebAssembly.Memory({ initial: 384 }); delete globalThis.m;`); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		iso.LowMemory()
	}
	if st := iso.HeapStats(); st.ArrayBufferMemory > 1<<20 {
		t.Fatalf("%d bytes still counted after the memories died", st.ArrayBufferMemory)
	}
}

func TestWasmReservationsAreBoundedPerIsolate(t *testing.T) {
	// Each memory without a maximum reserves 1 GiB of address space (--wasm-max-mem-pages);
	// an isolate may hold 8 GiB of them, so that one worker cannot use up the process's.
	iso := newTestIsolate(t, Options{HeapLimit: 64 << 20})
	got, err := iso.RunScript("many.js", `const keep = [];
		let error = "none";
		try { for (let i = 0; i < 20; i++) keep.push(new WebAssembly.Memory({ initial: 1 })); }
		catch (e) { error = e.constructor.name; }
		keep.length + " " + error`)
	if err != nil || got.Str != "8 RangeError" {
		t.Fatalf("got %q %v", got.Str, err)
	}
	// Another isolate is not affected.
	other := newTestIsolate(t, Options{HeapLimit: 64 << 20})
	if got, err := other.RunScript("one.js", `new WebAssembly.Memory({ initial: 1 }).buffer.byteLength`); err != nil || show(got) != "65536" {
		t.Fatalf("another isolate: %v %v", got, err)
	}
}

// sharedMemoryModule is testWasm with its memory made shared (limits flags 3: a maximum, shared).
var sharedMemoryModule = strings.Replace(testWasm, "\x05\x03\x01\x00\x01", "\x05\x04\x01\x03\x01\x01", 1)

// importsSharedMemory imports env.mem as a shared memory of 1 to 1 pages.
const importsSharedMemory = "\x00asm\x01\x00\x00\x00" + "\x02\x0d\x01\x03env\x03mem\x02\x03\x01\x01"

func TestNoSharedMemoryByAnyRoute(t *testing.T) {
	iso := newTestIsolate(t, Options{})
	got, err := iso.RunScript("shared.js", `const out = [typeof SharedArrayBuffer];
		try { new WebAssembly.Memory({initial: 1, maximum: 1, shared: true}); out.push("created"); } catch (e) { out.push(e.name + ": " + e.message); }
		let reads = 0;
		const tricky = { initial: 1, maximum: 1, get shared() { return reads++ > 0; } };
		try { const m = new WebAssembly.Memory(tricky); out.push(Object.prototype.toString.call(m.buffer)); } catch (e) { out.push(e.name); }
		const m = new WebAssembly.Memory({initial: 1});
		out.push(m instanceof WebAssembly.Memory, m.constructor === WebAssembly.Memory,
			Object.prototype.toString.call(m.buffer), WebAssembly.Memory.name, WebAssembly.Memory.length);
		class Sub extends WebAssembly.Memory {}
		out.push(new Sub({initial: 1}) instanceof Sub);
		try { WebAssembly.Memory({initial: 1}); out.push("called"); } catch (e) { out.push(e.name); }
		try { new m.constructor({initial: 1, maximum: 1, shared: true}); out.push("created"); } catch (e) { out.push(e.name); }
		out.join("|")`)
	if err != nil {
		t.Fatal(err)
	}
	want := "undefined|TypeError: WebAssembly.Memory(): shared memories are not available in workers (islet has no SharedArrayBuffer)|[object ArrayBuffer]|true|true|[object ArrayBuffer]|Memory|1|true|TypeError|TypeError"
	if got.Str != want {
		t.Errorf("got  %s\nwant %s", got.Str, want)
	}
	for name, bin := range map[string]string{"declares": sharedMemoryModule, "imports": importsSharedMemory} {
		if _, err := iso.CompileWasmModule("file:///w/"+name+".wasm", bin); err == nil || !strings.Contains(err.Error(), "shared memory") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzWasmSharedMemory(f *testing.F) {
	f.Add(testWasm)
	f.Add(sharedMemoryModule)
	f.Add(importsSharedMemory)
	f.Fuzz(func(t *testing.T, bin string) {
		where, err := wasmSharedMemory(bin)
		if where != "" && err != nil {
			t.Fatalf("both a place and an error: %q %v", where, err)
		}
	})
}

func TestWasmSharedMemoryReader(t *testing.T) {
	for _, c := range []struct {
		name, bin, where string
		err              bool
	}{
		{"plain module", testWasm, "", false},
		{"shared memory", sharedMemoryModule, "memory 0", false},
		{"shared import", importsSharedMemory, `import "env" "mem"`, false},
		{"not wasm", "hello world", "", true},
		{"truncated section", "\x00asm\x01\x00\x00\x00\x05\x10\x01", "", true},
		{"unknown import kind", "\x00asm\x01\x00\x00\x00\x02\x07\x01\x01a\x01b\x09\x00", "", true},
	} {
		where, err := wasmSharedMemory(c.bin)
		if where != c.where || (err != nil) != c.err {
			t.Errorf("%s: %q %v", c.name, where, err)
		}
	}
}

// Each new instance of an uploaded module is first allowed by Callbacks.WasmInstance, given the
// module's function count (testWasm: one import and two definitions); a refusal is a RangeError
// from the constructor and a rejection from WebAssembly.instantiate, with the callback's message.
func TestWasmInstancesAskFirst(t *testing.T) {
	iso := newTestIsolate(t, Options{})
	var asked []int
	iso.cb.WasmInstance = func(functions int) error {
		asked = append(asked, functions)
		if len(asked) > 2 {
			return fmt.Errorf("no room for %d more functions", functions)
		}
		return nil
	}
	wasmImporter(t, iso, `import mod from "./m.wasm";
		const imports = { env: { double: (x) => x * 2 } };
		const first = new WebAssembly.Instance(mod, imports);
		const second = await WebAssembly.instantiate(mod, imports);
		let ctor, promise;
		try { new WebAssembly.Instance(mod, imports); ctor = "made"; } catch (e) { ctor = e.constructor.name + ": " + e.message; }
		try { await WebAssembly.instantiate(mod, imports); promise = "made"; } catch (e) { promise = e.constructor.name + ": " + e.message; }
		globalThis.result = [first.exports.add(1, 2), second.exports.twice(4), ctor, promise].join("|");`)
	got, err := iso.RunScript("check.js", "result")
	if err != nil || got.Str != "3|8|RangeError: no room for 3 more functions|RangeError: no room for 3 more functions" {
		t.Fatalf("got %q %v", got.Str, err)
	}
	if fmt.Sprint(asked) != "[3 3 3 3]" {
		t.Fatalf("asked %v, want four times for 3 functions", asked)
	}
}
