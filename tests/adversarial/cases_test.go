package adversarial

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"islet/internal/config"
)

// testCase is one hostile worker (cases/<name>/index.js) and what must come of it.
type testCase struct {
	name     string
	category string
	// limits are the worker's [limits] (memory_mb defaults to 32 in this suite).
	limits config.Limits
	// extra names more workers (folders under cases/) the case uses.
	extra []string
	// wasm puts wasmtest.Module in the worker's folder as m.wasm; wasmFunctions puts
	// wasmtest.Functions(wasmFunctions) there instead.
	wasm          bool
	wasmFunctions int
	// probes are requests to the hostile worker, in order, each with its expected answer.
	probes []probe
	// attack replaces probes when the attack is the client's (inbound HTTP).
	attack func(t *testing.T, s *suite)
	// after checks what the attack must not have done (origins reached, logs).
	after func(t *testing.T, s *suite)
	// expect describes the outcome in the report when probes do not.
	expect string
}

// probe is one request and the status and body text it must get.
type probe struct {
	worker   string // default: the case's worker
	path     string // default: "/"
	status   int
	contains string
}

func (c *testCase) run(t *testing.T, s *suite) {
	if c.attack != nil {
		c.attack(t, s)
	}
	for _, p := range c.probes {
		worker, path := p.worker, p.path
		if worker == "" {
			worker = c.name
		}
		if path == "" {
			path = "/"
		}
		code, body := s.do(t, "GET", worker, path, nil, nil)
		if code != p.status || !strings.Contains(body, p.contains) {
			t.Errorf("%s%s: %d %q, want %d containing %q", worker, path, code, body, p.status, p.contains)
		}
	}
	if c.after != nil {
		c.after(t, s)
	}
}

func (c *testCase) outcome() string {
	if c.expect != "" {
		return c.expect
	}
	p := c.probes[len(c.probes)-1]
	return fmt.Sprintf("%d, %q", p.status, p.contains)
}

// one is a case whose worker answers GET / with status and a body containing text.
func one(status int, text string) []probe { return []probe{{status: status, contains: text}} }

const (
	cpuLimit    = "islet: the worker exceeded its CPU time limit of 50ms for this request"
	memoryLimit = "islet: the worker exceeded its memory limit"
	refusedAddr = "is not allowed (a private, loopback, link-local or metadata address)"
)

// memCPU lets a memory attack run until memory, not CPU time, stops it.
var memCPU = config.Limits{CPUMillis: 5000}

// noPrivateHits checks that the private origin was never reached.
func noPrivateHits(t *testing.T, s *suite) {
	if n := s.origins.privateHits.Load(); n != 0 {
		t.Errorf("the private origin got %d requests", n)
	}
}

// logShows waits (bounded) until the node's log contains text.
func logShows(text string) func(t *testing.T, s *suite) {
	return func(t *testing.T, s *suite) {
		poll(t, 10*time.Second, "the log to show "+text, func() bool { return strings.Contains(s.logs.String(), text) })
	}
}

var cases = []testCase{
	// CPU: every request is stopped at its CPU time (50 ms), measured on the thread's CPU clock.
	{name: "cpu-sync-loop", category: "cpu", probes: one(503, cpuLimit)},
	{name: "cpu-microtask-loop", category: "cpu", probes: one(503, cpuLimit)},
	{name: "cpu-await-loop", category: "cpu", probes: one(503, cpuLimit)},
	{name: "cpu-timer-burn", category: "cpu", probes: one(503, cpuLimit)},
	// What is under test is the cap on armed timers, not CPU time: arming 10,000 of them can take
	// more than 50 ms on a loaded machine.
	{name: "cpu-timer-storm", category: "cpu", limits: config.Limits{CPUMillis: 5000}, probes: one(200, "RangeError after 10000 timers: too many timers: a worker may have 10000 armed at once")},
	{name: "cpu-regex", category: "cpu", probes: one(503, cpuLimit)},
	{name: "mem-split-parts", category: "mem", limits: config.Limits{MemoryMB: 128}, probes: one(200, "RangeError")},
	{name: "mem-slice-string", category: "mem", limits: config.Limits{MemoryMB: 128}, probes: one(200, "RangeError: Array.prototype.slice on a string of length 268435456 is refused")},
	{name: "cpu-sparse-builtins", category: "cpu", probes: one(200, "sort: RangeError\ntoSorted: RangeError\njoin: RangeError\n"+
		"toString: RangeError\nreverse: RangeError\ntoReversed: RangeError\nfill: RangeError\ncopyWithin: RangeError\n"+
		"flat: RangeError\nwith: RangeError\nlastIndexOf: RangeError\nsplice: RangeError\nslice: RangeError")},
	{name: "cpu-json-bomb", category: "cpu", probes: one(503, cpuLimit)},
	{name: "cpu-json-deep", category: "cpu", probes: one(503, cpuLimit)},
	{name: "cpu-startup-loop", category: "cpu", probes: one(500, "the worker's top level exceeded the start-up CPU time limit of 1s")},

	// Memory: 32 MiB of heap, and as much again outside it (ArrayBuffers, Wasm memories). These
	// workers get 5 s of CPU, so the memory limit is what stops them: V8 runs full garbage
	// collections before it gives up an allocation, which can take more than the default 50 ms.
	{name: "mem-strings", category: "memory", limits: memCPU, probes: one(503, memoryLimit)},
	{name: "mem-arrays", category: "memory", limits: memCPU, probes: one(503, memoryLimit)},
	{name: "mem-arraybuffers", category: "memory", limits: memCPU, probes: one(200, "RangeError after 32 MiB: Array buffer allocation failed")},
	{name: "mem-wasm-grow", category: "memory", limits: memCPU, wasm: true, probes: one(200, "memory.grow refused at ")},
	{name: "mem-wasm-memories", category: "memory", limits: memCPU, probes: one(503, memoryLimit)},
	// 1 GiB of heap holds the instances up to the most one isolate may take of the table.
	{name: "mem-wasm-function-table", category: "memory", limits: config.Limits{CPUMillis: 5000, MemoryMB: 1024}, wasmFunctions: 4096,
		probes: one(200, "instances, then RangeError: WebAssembly.Instance(): this isolate has made WebAssembly instances")},
	{name: "mem-closures", category: "memory", attack: closureLeak, expect: "503 memory limit after ~30 requests, then 200 from a fresh isolate"},
	{name: "mem-huge-typedarray", category: "memory", probes: one(200, "RangeError: ")},
	{name: "mem-string-length", category: "memory", probes: one(200, "RangeError: Invalid string length")},
	{name: "mem-op-bytes", category: "memory", limits: memCPU, probes: one(200, "TextEncoder.encode: RangeError; Response.arrayBuffer: RangeError; Request.bytes: RangeError")},

	// Stack: the thread's stack limit turns deep recursion into a RangeError.
	{name: "stack-recursion", category: "stack", probes: one(200, "RangeError: Maximum call stack size exceeded")},
	{name: "stack-uncaught", category: "stack", probes: one(500, "islet: the worker threw an exception")},
	{name: "stack-tostring", category: "stack", probes: one(200, "RangeError RangeError")},

	// Async.
	{name: "async-hang", category: "async", probes: one(500, "the worker's code hung")},
	{name: "async-hang-after-refusal", category: "async", probes: one(500, "the worker's code hung")},
	{name: "async-fetch-flood", category: "async", probes: one(200, "started 100, 50 refused: Too many subrequests: a request may make at most 50"),
		after: func(t *testing.T, s *suite) {
			if n := s.origins.hangMax.Load(); n > 6 {
				t.Errorf("%d connections to the origin were open at once, want at most 6", n)
			}
			// The fetches were not awaited: they are cancelled with the request.
			poll(t, 10*time.Second, "the flood's connections to close", func() bool { return s.origins.hangOpen.Load() == 0 })
		}},
	{name: "async-waituntil-throws", category: "async", probes: one(200, "responded"),
		after: logShows("an error was thrown in a waitUntil() promise: TypeError: late waitUntil failure")},
	{name: "async-waituntil-forever", category: "async", limits: config.Limits{WaitUntilMillis: 200}, probes: one(200, "responded"),
		after: logShows("the request's waitUntil() work was still running 200ms after the response; it was cancelled")},
	{name: "async-unhandled-rejections", category: "async", probes: one(200, "responded"), after: logShows("Uncaught (in promise) Error: unhandled 999")},
	{name: "async-throw", category: "async", probes: one(500, "islet: the worker threw an exception")},

	// Egress: private destinations are refused on the resolved address, at every connection.
	{name: "egress-loopback", category: "egress", probes: one(200, "egress to 127.0.0.1 "+refusedAddr), after: noPrivateHits},
	{name: "egress-private-10", category: "egress", probes: one(200, "egress to 10.0.0.1 "+refusedAddr)},
	{name: "egress-metadata", category: "egress", probes: one(200, "egress to 169.254.169.254 "+refusedAddr)},
	{name: "egress-ipv6-loopback", category: "egress", probes: one(200, "egress to 127.0.0.1 "+refusedAddr), after: noPrivateHits},
	{name: "egress-dns-private", category: "egress", probes: one(200, "egress to 127.0.0.1 "+refusedAddr), after: noPrivateHits},
	{name: "egress-dns-metadata", category: "egress", probes: one(200, "egress to 169.254.169.254 "+refusedAddr)},
	{name: "egress-unresolvable", category: "egress", probes: one(200, "TypeError: fetch failed: lookup example.com: no such host")},
	{name: "egress-redirect-private", category: "egress", probes: one(200, "egress to 127.0.0.1 "+refusedAddr), after: noPrivateHits},
	{name: "egress-redirect-metadata", category: "egress", probes: one(200, "egress to 169.254.169.254 "+refusedAddr)},
	{name: "egress-own-listener", category: "egress", probes: []probe{
		{status: 200, contains: "is not allowed (it is this node's own listener)"},
		{worker: "victim", path: "/loop-requests", status: 200, contains: "requests from workers: 0"},
	}, expect: `200, "egress to 127.0.0.1:PORT is not allowed (it is this node's own listener)"; the victim saw no request`},
	{name: "egress-fetch-loop", category: "egress", probes: one(200, refusedAddr)},
	{name: "egress-ip-encodings", category: "egress", probes: one(200, "refused refused refused refused"), after: noPrivateHits},
	{name: "egress-subrequests", category: "egress", probes: one(200, "50 subrequests, then TypeError: Too many subrequests: a request may make at most 50")},

	// Inbound HTTP: the gateway's and the worker's limits on what a client sends.
	{name: "http-huge-headers", category: "http", attack: hugeHeaders, expect: "431 Request Header Fields Too Large"},
	{name: "http-huge-url", category: "http", attack: hugeURL, expect: "414 URI Too Long"},
	{name: "http-huge-body", category: "http", limits: config.Limits{RequestBodyMB: 1}, attack: hugeBody, expect: "413 for an announced body over the limit"},
	{name: "http-chunked-body", category: "http", limits: config.Limits{RequestBodyMB: 1}, attack: chunkedBody,
		expect: "TypeError in JS past the limit of a chunked body"},
	{name: "http-slowloris", category: "http", attack: slowloris, expect: "connections cut after the header timeout"},
	{name: "http-malformed", category: "http", attack: malformed, expect: "400 and the connection closed"},
	{name: "http-smuggling", category: "http", attack: smuggling, expect: "400 request-framing; the hidden request never reaches the worker"},
	{name: "http-many-connections", category: "http", attack: manyConnections, expect: "300 idle connections, served after"},
	{name: "http-slow-body", category: "http", attack: slowBody, expect: "bodies trickled at 10 B/s cut after the body grace period"},

	// State: the runtime does not depend on the built-ins a worker can change, and a worker can
	// reach no other worker's data.
	{name: "tamper-builtins", category: "state", probes: one(200,
		`{"echoed":"","streamed":"blob parts","url":"https://example.com/p?q=1","bytes":2,"a":"1","b":"2"}`)},
	{name: "tamper-thenable", category: "state", probes: one(200, "hello from the public origin ab")},
	{name: "state-writer", category: "state", extra: []string{"state-reader"}, probes: []probe{
		{status: 200, contains: "planted"},
		{worker: "state-reader", status: 200, contains: `{"writerGlobal":"undefined","victimGlobal":"undefined","objectPrototype":"undefined","arrayPrototype":"undefined","envKeys":"NODE,PRIVATE,PRIVATE_PORT,PUBLIC","sharedArrayBuffer":"undefined"}`},
	}},
	{name: "tamper-eval", category: "state", probes: one(200, "EvalError EvalError TypeError EvalError EvalError")},
	{name: "wasm-from-bytes", category: "state", probes: one(200, "4 of 4 refused; CompileError: WebAssembly.compile(): "+
		"Wasm code generation from bytes is refused in workers: upload the .wasm file with the worker")},
	// The flood's 10,000 console calls take tens of ms of CPU on a cold or loaded machine; what
	// is under test is the output cap, so the CPU limit must not be what stops it.
	{name: "console-flood", category: "state", limits: config.Limits{CPUMillis: 5000}, probes: one(200, "flooded"),
		after: logShows("console output truncated: the worker wrote more than 262144 bytes of it for this request")},

	// Time: no clock moves while JS runs, and there is no shared memory to build one.
	{name: "time-frozen-clock", category: "time", probes: one(200, "Date.now advanced 0 ms, performance.now advanced 0 ms")},
	{name: "time-shared-memory", category: "time", probes: one(200, "SharedArrayBuffer: undefined, shared Wasm memory: TypeError, via prototype: TypeError")},
}
