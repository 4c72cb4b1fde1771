package e2e

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"islet/internal/deploy"
)

// TestClusterBindings deploys, through one node of a 3-node cluster, a worker with a var, a
// service binding to another worker and the Cache API, in Cloudflare's upload shape; every
// node then answers it, its service calls answered by the bound worker (across runtime
// processes: each node runs two) and its second answer from the node's cache. One node is then
// killed, and the others go on answering.
func TestClusterBindings(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six processes")
	}
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	auth := &deploy.Upload{Metadata: deploy.Metadata{MainModule: "index.js"}, Modules: map[string][]byte{
		"index.js": []byte(`export default { fetch(req) { return new Response("auth ok " + new URL(req.url).pathname); } };`)}}
	if _, err := c.api.Deploy(ctx, "auth", auth); err != nil {
		t.Fatal(err)
	}
	greeting := "hi"
	app := &deploy.Upload{Metadata: deploy.Metadata{MainModule: "index.js", Bindings: []deploy.Binding{
		{Type: "plain_text", Name: "GREETING", Text: &greeting},
		{Type: "service", Name: "AUTH", Other: map[string]json.RawMessage{"service": json.RawMessage(`"auth"`)}},
	}}, Modules: map[string][]byte{"index.js": []byte(`export default { async fetch(req, env, ctx) {
		const hit = await caches.default.match(req.url);
		if (hit) return new Response("cached " + await hit.text());
		const r = await env.AUTH.fetch("https://auth/check");
		const text = env.GREETING + " " + await r.text();
		await caches.default.put(req.url, new Response(text, { headers: { "cache-control": "max-age=300" } }));
		return new Response(text);
	} };`)}}
	if _, err := c.client(1).Deploy(ctx, "app", app); err != nil {
		t.Fatal(err)
	}
	for i := range c.nodes {
		waitBody(t, c.nodes[i].addr, "app.localhost", "hi auth ok /check")
		waitBody(t, c.nodes[i].addr, "app.localhost", "cached hi auth ok /check")
	}
	c.nodes[0].stop(t)
	for _, i := range []int{1, 2} {
		waitBody(t, c.nodes[i].addr, "app.localhost", "cached hi auth ok /check")
	}
}

// waitBody polls host on addr until it answers want (bounded).
func waitBody(t *testing.T, addr, host, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := bodyOf(addr, host)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s on %s answers %q, want %q", host, addr, got, want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
