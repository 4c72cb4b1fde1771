package core_test

import (
	"testing"
	"time"

	"islet/internal/ext/exttest"
	"islet/internal/v8"
)

// V8 10.2 lost termination requests that arrived while JSON.parse ran on a large text, and the
// runtime wrapped JSON.parse to make such loops stoppable; V8 13.6 stops them itself, and this
// test keeps it so.
func TestTerminateStopsJSONParseLoops(t *testing.T) {
	env := exttest.New(t)
	iso := env.Iso
	if _, err := iso.RunScript("setup.js", `globalThis.big = "[" + "1,".repeat(300000) + "1]"; 1`); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{
		`{ let n = 0; for (;;) { try { n += JSON.parse(big).length; } catch {} } }`,
		`{ const parse = JSON.parse; let n = 0; for (;;) { try { n += parse.call(JSON, big, (k, v) => v).length; } catch {} } }`,
	} {
		stop := make(chan struct{})
		go func() {
			// Every 20 ms, as the watchdog does until the turn ends.
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					iso.Terminate()
				}
			}
		}()
		done := make(chan error, 1)
		go func() {
			_, err := iso.RunScript("loop.js", code)
			done <- err
		}()
		select {
		case err := <-done:
			close(stop)
			if !v8.IsKind(err, v8.Terminated) {
				t.Errorf("%s: %v, want terminated", code, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s was never terminated", code)
		}
	}
}

func TestJSONParseIsTheNativeOne(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Script: `JSON.parse('{"a":[1,2]}', (k, v) => typeof v === "number" ? v * 2 : v).a.join()`, Want: "2,4"},
		{Script: `try { JSON.parse("{bad") } catch (e) { [e instanceof SyntaxError, e.constructor === SyntaxError, typeof e.stack].join() }`,
			Want: "true,true,string"},
		{Script: `try { JSON.parse("[1]", () => { throw new RangeError("r") }) } catch (e) { e instanceof RangeError }`, Want: "true"},
		{Script: `const d = Object.getOwnPropertyDescriptor(JSON, "parse"); [JSON.parse.name, JSON.parse.length, d.enumerable, d.writable, d.configurable].join()`,
			Want: "parse,2,false,true,true"},
		{Script: `new JSON.parse("1")`, WantErr: "TypeError"},
	})
}
