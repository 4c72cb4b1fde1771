package sched

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"islet/internal/deploy"
	"islet/internal/gateway"
	"islet/internal/worker"
)

func withEnv(sp *worker.Spec, env ...deploy.Binding) *worker.Spec {
	sp.Env = env
	return sp
}

// TestServiceBindingFetch: env.AUTH.fetch() reaches the bound worker in process, with the
// request's method, URL, headers and body, and its streamed response comes back; a binding
// reaches only workers of its own account, and a worker that calls itself is stopped at the
// loop depth.
func TestServiceBindingFetch(t *testing.T) {
	s := newSched(t, Options{CPUPerRequest: 10 * time.Second})
	auth := spec("auth", `export default { async fetch(req) {
		const body = await req.text();
		const { readable, writable } = new TransformStream();
		const w = writable.getWriter();
		(async () => { for (const part of ["a", "b", "c"]) await w.write(new TextEncoder().encode(part)); await w.close(); })();
		return new Response(readable, { status: 201, headers: { "x-seen": req.method + " " + req.url + " " + req.headers.get("x-token") + " " + body } });
	} };`)
	caller := withEnv(spec("caller", `export default { async fetch(req, env) {
		const path = new URL(req.url).pathname;
		if (path === "/rpc") {
			try { await env.AUTH.verify("t"); return new Response("no error"); } catch (e) { return new Response(e.message); }
		}
		if (path === "/connect") {
			try { env.AUTH.connect("x:1"); return new Response("no error"); } catch (e) { return new Response(e.message); }
		}
		if (path === "/broken") {
			const r = await env.BROKEN.fetch("http://x/");
			try { await r.text(); return new Response("read a whole body"); } catch (e) { return new Response("body failed: " + e.message); }
		}
		if (path === "/other") {
			try { await env.OTHER.fetch("http://x/"); return new Response("no error"); } catch (e) { return new Response(e.message); }
		}
		const r = await env.AUTH.fetch("https://auth.internal/check?q=1", { method: "POST", headers: { "x-token": "abc" }, body: "payload" });
		return new Response(r.status + " " + r.headers.get("x-seen") + " " + await r.text());
	} };`), deploy.Service("AUTH", "auth"), deploy.Service("OTHER", "theirs"), deploy.Service("BROKEN", "broken"))
	broken := spec("broken", `export default { fetch() {
		let n = 0;
		const body = new ReadableStream({ pull(c) { if (n++ === 0) c.enqueue(new TextEncoder().encode("part")); else c.error(new Error("disk on fire")); } });
		return new Response(body);
	} };`)
	theirs := spec("theirs", `export default { fetch() { return new Response("secret"); } };`)
	theirs.Account = "someone-else"
	self := withEnv(spec("self", `export default { async fetch(req, env) { const r = await env.ME.fetch(req.url); return new Response(r.status + " " + await r.text(), { status: r.status }); } };`),
		deploy.Service("ME", "self"))
	s.SetWorkers([]*worker.Spec{auth, caller, theirs, self, broken})

	if code, body := do(s, "caller", "/"); code != 200 || body != "201 POST https://auth.internal/check?q=1 abc payload abc" {
		t.Errorf("service fetch: %d %q", code, body)
	}
	if _, body := do(s, "caller", "/rpc"); !strings.Contains(body, "env.AUTH.verify(): RPC to a service binding's entrypoint is not supported") {
		t.Errorf("RPC: %q", body)
	}
	if _, body := do(s, "caller", "/connect"); !strings.Contains(body, "env.AUTH.connect(): TCP sockets through service bindings are not supported") {
		t.Errorf("connect: %q", body)
	}
	if _, body := do(s, "caller", "/other"); !strings.Contains(body, `env.OTHER: the service "theirs" is not a worker of this account`) {
		t.Errorf("another account's worker: %q", body)
	}
	if _, body := do(s, "caller", "/broken"); !strings.HasPrefix(body, "body failed: ") {
		t.Errorf("a service's aborted body: %q", body)
	}
	if code, body := do(s, "self", "/"); code != http.StatusLoopDetected || !strings.Contains(body, "deeper than 16") {
		t.Errorf("a worker that calls itself: %d %q", code, body)
	}
}

// TestServiceChainIsCapped: a worker that calls itself twice at every depth would make 2^16
// calls before the loop depth stops it; its chain is stopped after MaxServiceInvocations, and
// the request still gets its answer.
func TestServiceChainIsCapped(t *testing.T) {
	s := newSched(t, Options{CPUPerRequest: 30 * time.Second})
	s.SetWorkers([]*worker.Spec{withEnv(spec("fan", `let calls = 0;
	export default { async fetch(req, env) {
		calls++;
		if (new URL(req.url).pathname === "/count") return new Response(String(calls));
		const rs = await Promise.allSettled([env.ME.fetch("http://fan/"), env.ME.fetch("http://fan/")]);
		const refused = rs.filter((r) => r.status === "rejected" && r.reason.message.includes("service-binding calls made")).length;
		return new Response(refused > 0 ? "capped" : "ok");
	} };`), deploy.Service("ME", "fan"))})
	if code, body := do(s, "fan", "/"); code != 200 || body != "capped" && body != "ok" {
		t.Fatalf("root request: %d %q", code, body)
	}
	code, body := do(s, "fan", "/count")
	n, _ := strconv.Atoi(body)
	// The root request, at most MaxServiceInvocations calls of its chain, and this one.
	if code != 200 || n < 2 || n > gateway.MaxServiceInvocations+2 {
		t.Fatalf("the worker ran %q times (%d)", body, code)
	}
}
