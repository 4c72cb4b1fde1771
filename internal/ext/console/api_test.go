package console_test

import (
	"strings"
	"testing"

	"islet/internal/ext/exttest"
)

// isOurs tells this runtime's console from V8's built-in one.
const isOurs = `Object.prototype.toString.call(console) === '[object console]'`

// logs runs a script and returns its console output, one "level: text" entry per call.
func logs(t *testing.T, script string) []string {
	t.Helper()
	e := exttest.New(t)
	if got, err := e.Eval(isOurs); err != nil || got != "true" {
		t.Fatalf("console is not the runtime's: %q, %v", got, err)
	}
	e.Logs = nil
	if _, err := e.Eval(script); err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	return e.Logs
}

func TestConsoleFormat(t *testing.T) {
	tests := []struct{ script, want string }{
		{`console.log('a', 1, true, null, undefined)`, "1: a 1 true null undefined"},
		{`console.log('%s is %d years, %i%% %f', 'bob', 42.5, 42.9, '1.5')`, "1: bob is 42.5 years, 42% 1.5"},
		{`console.log('%o|%O|%j|%c.', [1], { a: 1 }, { b: 2 }, 'color: red')`, `1: [ 1 ]|{ a: 1 }|{"b":2}|.`},
		{`console.log('%s', 'a', 'extra')`, "1: a extra"},
		{`console.log('100%')`, "1: 100%"},
		{`console.log({ a: 1, b: 'two', c: [1, { d: { e: {} } }] })`, "1: { a: 1, b: 'two', c: [ 1, { d: [Object] } ] }"},
		{`const o = { n: 1 }; o.self = o; console.log(o)`, "1: { n: 1, self: [Circular] }"},
		{`console.log([1, , 3], new Map([['a', 1]]), new Set([1]), new Uint8Array([1, 2]))`, "1: [ 1, <1 empty item>, 3 ] Map(1) { 'a' => 1 } Set(1) { 1 } Uint8Array(2) [ 1, 2 ]"},
		{`console.log(function foo() {}, class Bar {}, Symbol('s'), 10n, -0)`, "1: [Function: foo] [class Bar] Symbol(s) 10n -0"},
		{`console.log(Object.create(null), new (class Foo { constructor() { this.x = 1; } })())`, "1: [Object: null prototype] {} Foo { x: 1 }"},
		{`console.log({ 'a-b': 1, [Symbol('k')]: 2 })`, "1: { 'a-b': 1, [Symbol(k)]: 2 }"},
		{`console.log(new URLSearchParams('a=1'), new URL('http://a/').href)`, "1: URLSearchParams { a: '1' } http://a/"},
		{`console.info('i'); console.debug('d'); console.warn('w'); console.error('e')`, "1: i\n0: d\n2: w\n3: e"},
		{`console.assert(true, 'no'); console.assert(false, 'x %s', 'y'); console.assert(false)`, "3: Assertion failed: x y\n3: Assertion failed"},
		{`console.count(); console.count(); console.count('k'); console.countReset(); console.count()`, "1: default: 1\n1: default: 2\n1: k: 1\n1: default: 1"},
		{`console.group('g'); console.log('in'); console.groupEnd(); console.log('out')`, "1: g\n1:   in\n1: out"},
		{`console.timeEnd('nope')`, "2: Timer 'nope' does not exist"},
		{`console.log(new Error('boom').stack === undefined)`, "1: false"},
		{`console.log([new Array(3)])`, "1: [ [ <3 empty items> ] ]"},
	}
	for _, tc := range tests {
		got := strings.Join(logs(t, tc.script), "\n")
		if got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.script, got, tc.want)
		}
	}
}

func TestConsoleErrors(t *testing.T) {
	got := logs(t, `console.error(new TypeError('bad'))`)
	if len(got) != 1 || !strings.HasPrefix(got[0], "3: TypeError: bad\n    at ") {
		t.Errorf("error: %q", got)
	}
	got = logs(t, `console.trace('here')`)
	if len(got) != 1 || !strings.HasPrefix(got[0], "1: Trace: here\n    at ") {
		t.Errorf("trace: %q", got)
	}
	got = logs(t, `reportError(new Error('reported'))`)
	if len(got) != 1 || !strings.HasPrefix(got[0], "3: Uncaught Error: reported") {
		t.Errorf("reportError: %q", got)
	}
	got = logs(t, `console.table([{ a: 1 }, { a: 2, b: 'x' }])`)
	want := "1: ┌─────────┬───┬─────┐\n│ (index) │ a │  b  │\n├─────────┼───┼─────┤\n│    0    │ 1 │     │\n│    1    │ 2 │ 'x' │\n└─────────┴───┴─────┘"
	if len(got) != 1 || got[0] != want {
		t.Errorf("table: %q", got)
	}
}

func TestConsoleNamespace(t *testing.T) {
	if got, err := exttest.Eval(t, isOurs); err != nil || got != "true" {
		t.Fatalf("console is not the runtime's: %q, %v", got, err)
	}
	exttest.Run(t, []exttest.Case{
		{Script: `Object.getOwnPropertyDescriptor(console, 'log').enumerable`, Want: "true"},
		{Script: `Object.getOwnPropertyDescriptor(globalThis, 'console').enumerable`, Want: "false"},
		{Script: `const log = console.log; log('detached'); 'ok'`, Want: "ok"},
		{Script: `console.log({ get x() { throw new Error('getter'); } }); 'ok'`, Want: "ok"},
		{Script: `console.log(Symbol()); console.log('%d', Symbol()); 'ok'`, Want: "ok"},
	})
}

func TestConsoleResponse(t *testing.T) {
	got := logs(t, `typeof Response === 'function' ? console.log(new Response('x', { status: 201 })) : console.log('skip')`)
	if len(got) == 1 && got[0] == "1: skip" {
		t.Skip("fetch is not in the snapshot")
	}
	want := "1: Response {\n  status: 201,\n  statusText: '',\n  headers: Headers { 'content-type': 'text/plain;charset=UTF-8' },\n  bodyUsed: false,\n  ok: true,\n  redirected: false,\n  type: 'default',\n  url: ''\n}"
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %q", got)
	}
}

// TestInspectorsAreCapturedBeforeUserCode: console loads on first use, after the worker's code
// ran, yet it shows the runtime's classes through the getters captured when their extensions
// loaded, not through a prototype the worker patched.
func TestInspectorsAreCapturedBeforeUserCode(t *testing.T) {
	e := exttest.New(t)
	if _, err := e.Eval(`Object.defineProperty(URL.prototype, 'href', { get() { return 'patched'; }, configurable: true });
		console.log(new URL('http://a/b'))`); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(e.Logs, "\n")
	if !strings.Contains(got, "href: 'http://a/b'") || strings.Contains(got, "patched") {
		t.Errorf("console.log(new URL(…)) after URL.prototype.href was patched: %q", got)
	}
}
