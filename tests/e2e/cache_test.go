package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCacheAPIDeployed deploys a wrangler project that caches its answers with caches.default
// on a platform node (several runtime processes): the second request is answered from the
// cache, with cf-cache-status: HIT.
func TestCacheAPIDeployed(t *testing.T) {
	pl := startPlatform(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "wrangler.toml"), "name = \"cached\"\nmain = \"index.js\"\n")
	write(t, filepath.Join(dir, "index.js"), `let n = 0;
export default { async fetch(req, env, ctx) {
	const hit = await caches.default.match(req);
	if (hit) return hit;
	const r = new Response("made " + (++n), { headers: { "cache-control": "max-age=300" } });
	ctx.waitUntil(caches.default.put(req, r.clone()));
	return r;
} };`)
	pl.mustCLI(t, dir, "", "deploy")
	pollBody(t, pl.node.addr, "cached.localhost", "made 1")
	var hdr, body string
	// The put is waitUntil work: it may land after the first answers. Poll, bounded.
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		code, h, b := get(t, pl.node.addr, "cached.localhost", "/")
		if code != 200 {
			t.Fatalf("%d %q", code, b)
		}
		if hdr, body = h.Get("cf-cache-status"), b; hdr == "HIT" {
			break
		}
	}
	if hdr != "HIT" || !strings.HasPrefix(body, "made ") {
		t.Fatalf("no cache hit: cf-cache-status %q, body %q", hdr, body)
	}
}
