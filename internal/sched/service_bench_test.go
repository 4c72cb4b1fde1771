package sched

import (
	"testing"
	"time"

	"islet/internal/deploy"
	"islet/internal/worker"
)

// BenchmarkServiceBinding measures a request whose worker calls another through a service
// binding (env.AUTH.fetch, answered in process), against one whose worker calls a function of
// its own: the difference is the cost of one service-binding call.
// go test ./internal/sched -run '^$' -bench ServiceBinding -benchtime 3s
func BenchmarkServiceBinding(b *testing.B) {
	s := newSched(b, Options{CPUPerRequest: 10 * time.Second})
	s.SetWorkers([]*worker.Spec{
		spec("auth", `export default { fetch() { return new Response("ok"); } };`),
		withEnv(spec("caller", `export default { async fetch(req, env) { const r = await env.AUTH.fetch("http://auth/"); return new Response(await r.text()); } };`),
			deploy.Service("AUTH", "auth")),
		spec("local", `function auth() { return new Response("ok"); }
			export default { async fetch() { const r = auth(); return new Response(await r.text()); } };`),
	})
	benchWorkers(b, s, "local", "caller")
}

// benchWorkers runs one sub-benchmark per worker, each a request answered "ok".
func benchWorkers(b *testing.B, s *Scheduler, names ...string) {
	for _, name := range names {
		b.Run(name, func(b *testing.B) {
			if code, body := do(s, name, "/"); code != 200 || body != "ok" {
				b.Fatalf("%d %q", code, body)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				do(s, name, "/")
			}
		})
	}
}

// BenchmarkCacheMatch measures a request whose worker answers from caches.default (a hit),
// against the same worker answering without the cache: the difference is one match.
// go test ./internal/sched -run '^$' -bench CacheMatch -benchtime 3s
func BenchmarkCacheMatch(b *testing.B) {
	s := newSched(b, Options{CPUPerRequest: 10 * time.Second})
	s.SetWorkers([]*worker.Spec{
		spec("cached", `export default { async fetch(req) {
			const key = "https://example.com/page";
			let r = await caches.default.match(key);
			if (r === undefined) { await caches.default.put(key, new Response("ok", { headers: { "cache-control": "max-age=3600" } })); r = await caches.default.match(key); }
			return new Response(await r.text());
		} };`),
		spec("plain", `export default { async fetch(req) { const r = new Response("ok"); return new Response(await r.text()); } };`),
	})
	benchWorkers(b, s, "plain", "cached")
}
