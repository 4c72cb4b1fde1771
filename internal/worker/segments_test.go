package worker

import (
	"fmt"
	"strings"
	"testing"

	"islet/internal/snapshot"
	"islet/internal/v8"
)

// runtimeWorkout loads every lazy extension and uses the main APIs of each, so that the
// runtime instantiates about as many of its functions as a worker can make it.
const runtimeWorkout = `for (const f of [
	() => new HTMLRewriter().on("a", { element() {} }).transform(new Response("<a></a>")),
	() => crypto.subtle.digest("SHA-256", new Uint8Array(1)), () => crypto.getRandomValues(new Uint8Array(4)),
	() => new ReadableStream({ start(c) { c.enqueue(1); c.close(); } }).pipeThrough(new TransformStream()).getReader().read(),
	() => new Response(new ReadableStream()).body.getReader(), () => new Blob(["x"]).text(),
	() => new CompressionStream("gzip"), () => new DecompressionStream("gzip"),
	() => structuredClone({ a: [1], m: new Map() }), () => new URLPattern({ pathname: "/a/:b" }).exec("http://x/a/1"),
	() => console.log(new URL("http://a/?b=1"), new Headers({ a: "b" }), new Request("http://a/", { method: "POST", body: "x" })),
	() => new Response("x").text(), () => Response.json({ a: 1 }).json(), () => new TextEncoder().encode("x"),
	() => new TextDecoder().decode(new Uint8Array([65])), () => new FormData(), () => new AbortController().abort(),
	() => new Event("x"), () => new EventTarget().addEventListener("x", () => {}), () => setTimeout(() => {}, 1),
	() => btoa("x"), () => atob("eA=="), () => performance.now(), () => new URLSearchParams("a=1").sort(),
]) { try { f(); } catch {} }
`

// TestRuntimeLeavesRoomInItsSegment holds RuntimeFunctions to what the runtime takes: beside
// blank isolates (one segment each) up to MaxIsolates, workoutIsolates isolates run the runtime
// workout with functions of their own up to a full first segment by Segments' count, and each
// still takes one segment: at two each they would pass DispatchSegments and abort the process.
// About 4.5 GiB for some seconds, so the race pass skips it.
func TestRuntimeLeavesRoomInItsSegment(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("holds MaxIsolates isolates (about 4.5 GiB); not under -race or -short")
	}
	snap, err := snapshot.Get()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(runtimeWorkout + "globalThis.fs = [")
	for i := 0; FunctionBound(b.String()+"]")+RuntimeFunctions < v8.DispatchSegmentEntries; i++ {
		fmt.Fprintf(&b, "function f%d() { return %d; },", i, i)
	}
	b.WriteString("]; fs.length")
	src := b.String()
	if sp := (&Spec{Modules: map[string]string{"index.js": src}}); sp.Segments() != 1 {
		t.Fatalf("the probe takes %d segments by Segments' count, want a full one", sp.Segments())
	}
	const workoutIsolates = 200 // at two segments each, 4,000 isolates would need 4,200
	want := v8.MaxIsolates - v8.LiveIsolates()
	isos := make([]*v8.Isolate, 0, want)
	defer func() {
		for _, iso := range isos {
			iso.Dispose()
		}
	}()
	for len(isos) < want {
		iso := v8.NewIsolate(snap, v8.Options{}, v8.Callbacks{})
		isos = append(isos, iso)
		if len(isos) > workoutIsolates {
			continue
		}
		if _, err := iso.RunScript("workout.js", src); err != nil {
			t.Fatalf("isolate %d: %v", len(isos), err)
		}
	}
	if v, err := isos[0].RunScript("call.js", "fs[7]()"); err != nil || v.Num != 7 {
		t.Fatalf("the first isolate after the others: %v, %v", v, err)
	}
}
