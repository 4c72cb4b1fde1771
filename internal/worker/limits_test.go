package worker

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"islet/internal/egress"
	"islet/internal/ext/fetch"
	"islet/internal/limits"
	"islet/internal/v8/wasmtest"
)

// poll waits (bounded) until cond holds.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// allow opens srv's address (and only it) to a worker's egress.
func allow(t *testing.T, srv *httptest.Server) []limits.EgressRule {
	t.Helper()
	r, err := limits.ParseEgressRule(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return []limits.EgressRule{r}
}

func TestWasmModuleImport(t *testing.T) {
	srv, _ := serve(t, map[string]string{
		"index.js": `import mod from "./lib/m.wasm";
			export default {
				async fetch(req) {
					const inst = await WebAssembly.instantiate(mod, { env: { double: (x) => 2 * x } });
					let refused;
					try { await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])); refused = "compiled!"; }
					catch (e) { refused = e.constructor.name + ": " + e.message; }
					return new Response(inst.exports.add(40, 2) + " " + inst.exports.twice(8) + "\n" + refused);
				},
			};`,
		"lib/m.wasm": wasmtest.Module,
	})
	code, body := get(t, srv.URL)
	first, refused, _ := strings.Cut(body, "\n")
	if code != 200 || first != "42 16" || !strings.HasPrefix(refused, "CompileError: WebAssembly.compile(): Wasm code generation from bytes is refused") {
		t.Fatalf("%d %q", code, body)
	}
}

func TestInvalidWasmModuleFailsToLoad(t *testing.T) {
	srv, _ := serve(t, map[string]string{
		"index.js": `import mod from "./bad.wasm"; export default { fetch() { return new Response("x"); } };`,
		"bad.wasm": "\x00asm\x01\x00\x00\x00\xff",
	})
	if code, body := get(t, srv.URL); code != 500 || !strings.Contains(body, "bad.wasm is not a valid WebAssembly module: CompileError") {
		t.Fatalf("%d %q", code, body)
	}
}

func TestRequestBodyLimit(t *testing.T) {
	srv, _ := serveSpec(t, &Spec{Limits: Limits{RequestBodyBytes: 1000}, Modules: map[string]string{"index.js": `
		export default {
			async fetch(req) {
				try { return new Response("read " + (await req.text()).length); }
				catch (e) { return new Response(e.constructor.name + ": " + e.message); }
			},
		};`}})
	post := func(body io.Reader, length int64) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL, body)
		req.ContentLength = length
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post(strings.NewReader(strings.Repeat("x", 1000)), 1000); code != 200 || body != "read 1000" {
		t.Errorf("at the limit: %d %q", code, body)
	}
	if code, body := post(strings.NewReader(strings.Repeat("x", 1001)), 1001); code != 413 || !strings.Contains(body, "limit of 1000 bytes") {
		t.Errorf("announced over the limit: %d %q", code, body)
	}
	// A chunked body has no length to refuse up front: reading past the limit fails in JS.
	code, body := post(io.MultiReader(strings.NewReader(strings.Repeat("x", 1500))), -1)
	if code != 200 || body != "TypeError: the request body is larger than the worker's limit of 1000 bytes" {
		t.Errorf("chunked over the limit: %d %q", code, body)
	}
}

func TestConsoleOutputIsCappedPerRequest(t *testing.T) {
	srv, logs := serveSpec(t, &Spec{Limits: Limits{ConsoleBytes: 1000}, Modules: map[string]string{"index.js": `
		let n = 0;
		export default {
			fetch() {
				n++;
				for (let i = 0; i < 100; i++) console.log("request " + n + " line " + i + " " + "x".repeat(80));
				return new Response("ok");
			},
		};`}})
	for i := 0; i < 2; i++ {
		if code, _ := get(t, srv.URL); code != 200 {
			t.Fatalf("status %d", code)
		}
	}
	out := logs.String()
	if n := strings.Count(out, "console output truncated"); n != 2 {
		t.Errorf("%d truncation notices, want one per request:\n%s", n, out)
	}
	for _, r := range []string{"request 1 ", "request 2 "} {
		if n := strings.Count(out, r); n == 0 || n > 11 {
			t.Errorf("%d lines of %q logged, want 1 to 11 (1000 bytes)", n, r)
		}
	}
}

func TestWaitUntilIsCancelledAfterItsTime(t *testing.T) {
	var cancelled atomic.Bool
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		cancelled.Store(true)
	}))
	defer up.Close()
	srv, logs := serveSpec(t, &Spec{Limits: Limits{WaitUntil: 100 * time.Millisecond}, EgressAllow: allow(t, up),
		Modules: map[string]string{"index.js": `
		globalThis.ticks = 0;
		export default {
			fetch(req, env, ctx) {
				if (new URL(req.url).pathname === "/ticks") return new Response(String(ticks));
				ctx.waitUntil(new Promise(() => { setInterval(() => ticks++, 5); }));
				ctx.waitUntil(fetch("` + up.URL + `/hang"));
				return new Response("sent");
			},
		};`}})
	if code, body := get(t, srv.URL); code != 200 || body != "sent" {
		t.Fatalf("%d %q", code, body)
	}
	logs.waitFor(t, "was cancelled")
	poll(t, "the hanging fetch to be aborted", cancelled.Load)
	_, before := get(t, srv.URL+"/ticks")
	time.Sleep(50 * time.Millisecond) // ten intervals, were the timer still armed
	if _, after := get(t, srv.URL+"/ticks"); after != before {
		t.Fatalf("the interval kept running after the cancellation: %s then %s", before, after)
	}
}

func TestSubrequestLimitIsConfigurable(t *testing.T) {
	up := upstream(t)
	srv, _ := serveSpec(t, &Spec{Limits: Limits{Subrequests: 3}, EgressAllow: allow(t, up), Modules: map[string]string{"index.js": `
		export default {
			async fetch() {
				let n = 0;
				try { for (;;) { await (await fetch("` + up.URL + `/hello")).text(); n++; } }
				catch (e) { return new Response(n + " " + e.message); }
			},
		};`}})
	if _, body := get(t, srv.URL); body != "3 Too many subrequests: a request may make at most 3" {
		t.Fatalf("%q", body)
	}
}

func TestSixConnectionsPerRequest(t *testing.T) {
	var open, maxOpen atomic.Int32
	release := make(chan struct{})
	var once sync.Once
	defer once.Do(func() { close(release) })
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := open.Add(1)
		for {
			m := maxOpen.Load()
			if n <= m || maxOpen.CompareAndSwap(m, n) {
				break
			}
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		open.Add(-1)
		io.WriteString(w, "x")
	}))
	defer up.Close()
	srv, _ := serveSpec(t, &Spec{EgressAllow: allow(t, up), Modules: map[string]string{"index.js": `
		export default {
			async fetch() {
				const bodies = await Promise.all(Array.from({ length: 10 }, () => fetch("` + up.URL + `/").then((r) => r.text())));
				return new Response(bodies.join(""));
			},
		};`}})
	type result struct {
		code int
		body string
	}
	done := make(chan result, 1)
	go func() {
		code, body := get(t, srv.URL)
		done <- result{code, body}
	}()
	poll(t, "six connections", func() bool { return open.Load() == fetch.MaxConnsPerRequest })
	time.Sleep(20 * time.Millisecond) // a seventh would have been sent by now
	if n := open.Load(); n != fetch.MaxConnsPerRequest {
		t.Fatalf("%d connections open, want %d", n, fetch.MaxConnsPerRequest)
	}
	once.Do(func() { close(release) })
	select {
	case r := <-done:
		if r.code != 200 || r.body != strings.Repeat("x", 10) {
			t.Fatalf("%d %q", r.code, r.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the queued fetches never ran")
	}
	if m := maxOpen.Load(); m != fetch.MaxConnsPerRequest {
		t.Fatalf("at most %d connections were open at once, want %d", m, fetch.MaxConnsPerRequest)
	}
}

func TestConnectionDeadlockIsBroken(t *testing.T) {
	old := fetch.DeadlockGrace
	fetch.DeadlockGrace = 50 * time.Millisecond
	defer func() { fetch.DeadlockGrace = old }()
	up := upstream(t)
	// Eight responses awaited before any body is read: the seventh and eighth wait for a
	// connection that nobody will close, until the stalest ones are cancelled.
	srv, _ := serveSpec(t, &Spec{EgressAllow: allow(t, up), Modules: map[string]string{"index.js": `
		export default {
			async fetch() {
				const rs = await Promise.all(Array.from({ length: 8 }, () => fetch("` + up.URL + `/big")));
				const read = await Promise.allSettled(rs.map((r) => r.text()));
				return new Response(rs.length + " responses, " + read.filter((r) => r.status === "rejected").length + " cancelled");
			},
		};`}})
	code, body := get(t, srv.URL)
	if code != 200 || !strings.HasPrefix(body, "8 responses, ") || body == "8 responses, 0 cancelled" {
		t.Fatalf("%d %q", code, body)
	}
}

func TestEgressAllowlist(t *testing.T) {
	egress.SetAllowPrivate(false)
	allowed, named, other := upstream(t), upstream(t), upstream(t)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	}))
	defer redirector.Close()
	_, namedPort, _ := strings.Cut(named.Listener.Addr().String(), ":")
	egress.SetLookup(func(_ context.Context, host string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil // every name resolves to loopback
	})
	defer egress.SetLookup(nil)
	rules := append(allow(t, allowed), allow(t, redirector)...)
	host, err := limits.ParseEgressRule("internal.test:" + namedPort)
	if err != nil {
		t.Fatal(err)
	}
	rules = append(rules, host)
	srv, _ := serveSpec(t, &Spec{EgressAllow: rules, Modules: map[string]string{"index.js": `
		export default {
			async fetch(req) {
				const target = new URL(req.url).searchParams.get("to");
				try { const r = await fetch(target); return new Response("reached " + r.status); }
				catch (e) { return new Response(e.constructor.name + ": " + e.message); }
			},
		};`}})
	remove := egress.AddOwnListener(srv.Listener.Addr())
	defer remove()
	cases := []struct{ target, want string }{
		{allowed.URL + "/hello", "reached 200"},
		{"http://internal.test:" + namedPort + "/hello", "reached 200"},
		{other.URL + "/hello", "is not allowed (a private"},
		{named.URL + "/hello", "is not allowed (a private"},                       // the name is allowed, not its address
		{"http://evil.test:" + namedPort + "/hello", "is not allowed (a private"}, // resolves to the same address, but is not the allowed name
		{redirector.URL + "/?to=" + allowed.URL + "/hello", "reached 200"},
		{redirector.URL + "/?to=" + other.URL + "/hello", "is not allowed (a private"},
		{redirector.URL + "/?to=http://169.254.169.254/latest/meta-data/", "is not allowed (a private"},
		{srv.URL + "/", "is not allowed (it is this node's own listener)"},
	}
	for _, c := range cases {
		if _, body := get(t, srv.URL+"/?to="+c.target); !strings.Contains(body, c.want) {
			t.Errorf("fetch %s: %q, want %q", c.target, body, c.want)
		}
	}
}

func TestOwnListenerIsRefusedEvenWhenAllowed(t *testing.T) {
	egress.SetAllowPrivate(false)
	rules, _ := limits.ParseEgressRules([]string{"127.0.0.0/8"})
	srv, _ := serveSpec(t, &Spec{EgressAllow: rules, Modules: map[string]string{"index.js": `
		export default {
			async fetch(req) {
				if (req.headers.get("x-islet-loop")) return new Response("reached myself");
				try { return await fetch(req.url); } catch (e) { return new Response(e.message); }
			},
		};`}})
	srvAddr := srv.Listener.Addr().String()
	_, port, _ := strings.Cut(srvAddr, ":")
	// Registered as 0.0.0.0: every local address on the port is the node's.
	any, err := net.ResolveTCPAddr("tcp", "0.0.0.0:"+port)
	if err != nil {
		t.Fatal(err)
	}
	remove := egress.AddOwnListener(any)
	defer remove()
	if _, body := get(t, srv.URL); !strings.Contains(body, fmt.Sprintf("egress to %s is not allowed (it is this node's own listener)", srvAddr)) {
		t.Fatalf("%q", body)
	}
}
