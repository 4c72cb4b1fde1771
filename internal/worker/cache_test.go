package worker

import (
	"strings"
	"testing"
)

const cacheWorker = `export default { async fetch(req) {
	const url = new URL(req.url);
	const c = url.searchParams.get("named") ? await caches.open("mine") : caches.default;
	const key = "https://example.com/item" + (url.searchParams.get("k") ?? "");
	const out = [];
	const show = async (r) => r === undefined ? "miss" : r.status + " " + r.headers.get("cf-cache-status") + " " + (r.status === 304 ? "-" : await r.text());
	switch (url.pathname) {
	case "/put":
		await c.put(new Request(key, { headers: JSON.parse(url.searchParams.get("rh") ?? "{}") }),
			new Response(url.searchParams.get("body"), { headers: JSON.parse(url.searchParams.get("h") ?? "{}") }));
		return new Response("stored");
	case "/match":
		return new Response(await show(await c.match(new Request(key, { headers: JSON.parse(url.searchParams.get("h") ?? "{}") }))));
	case "/delete":
		return new Response(String(await c.delete(key)));
	case "/errors":
		for (const f of [
			() => c.put(new Request(key, { method: "POST", body: "x" }), new Response("x")),
			() => c.put(key, new Response("x", { status: 206 })),
			() => c.put(key, new Response("x", { headers: { vary: "*" } })),
			() => c.put(key, "not a response"),
		]) { try { await f(); out.push("no error"); } catch (e) { out.push(e.constructor.name + ": " + e.message); } }
		const post = new Request(key, { method: "POST", body: "kept" });
		out.push(String(await c.match(post)), await post.text());
		return new Response(out.join("\n"));
	}
} };`

// TestCacheAPI: caches.default and caches.open store GET responses as Workers do: the response
// comes back with cf-cache-status: HIT; Cache-Control no-store, private and Set-Cookie keep it
// out; Vary'd request headers must match; a conditional request gets a 304; delete drops it;
// named caches and other tenants' caches are apart; bad arguments are TypeErrors.
func TestCacheAPI(t *testing.T) {
	a, _ := serveSpec(t, &Spec{Name: "a", Account: "acme", BaseURL: "file:///a/", Modules: map[string]string{"index.js": cacheWorker}})
	b, _ := serveSpec(t, &Spec{Name: "b", Account: "other", BaseURL: "file:///b/", Modules: map[string]string{"index.js": cacheWorker}})
	q := func(path string) string {
		return strings.NewReplacer(" ", "%20", `"`, "%22", "{", "%7B", "}", "%7D").Replace(path)
	}
	check := func(url, path, want string) {
		t.Helper()
		if code, body := get(t, url+q(path)); code != 200 || body != want {
			t.Errorf("%s: %d %q, want %q", path, code, body, want)
		}
	}
	check(a.URL, "/match?k=1", "miss")
	check(a.URL, `/put?k=1&body=hello&h={"cache-control":"max-age=60","etag":"\"v1\""}`, "stored")
	check(a.URL, "/match?k=1", "200 HIT hello")
	check(a.URL, `/match?k=1&h={"if-none-match":"W/\"v1\""}`, "304 HIT -")
	check(a.URL, "/match?k=1&named=1", "miss") // a named cache is another cache
	check(b.URL, "/match?k=1", "miss")         // another tenant's cache
	check(a.URL, "/delete?k=1", "true")
	check(a.URL, "/match?k=1", "miss")
	check(a.URL, "/delete?k=1", "false")

	for _, h := range []string{`{"cache-control":"no-store"}`, `{"cache-control":"private"}`, `{"set-cookie":"s=1"}`, `{"cache-control":"max-age=0"}`} {
		check(a.URL, "/put?k=2&body=x&h="+h, "stored")
		check(a.URL, "/match?k=2", "miss")
	}
	check(a.URL, `/put?k=3&body=cookie-less&h={"cache-control":"private=Set-Cookie, max-age=60","set-cookie":"s=1"}`, "stored")
	check(a.URL, "/match?k=3", "200 HIT cookie-less")

	check(a.URL, `/put?k=4&body=fr&rh={"accept-language":"fr"}&h={"cache-control":"max-age=60","vary":"Accept-Language"}`, "stored")
	check(a.URL, `/match?k=4&h={"accept-language":"fr"}`, "200 HIT fr")
	check(a.URL, `/match?k=4&h={"accept-language":"de"}`, "miss")
	check(a.URL, `/match?k=4`, "miss")

	want := strings.Join([]string{
		"TypeError: Cache.put: only GET requests can be cached",
		"TypeError: Cache.put: a 206 Partial Content response cannot be cached",
		"TypeError: Cache.put: a response with Vary: * cannot be cached",
		"TypeError: Cache.put: the response is not a Response",
		"undefined", "kept",
	}, "\n")
	check(a.URL, "/errors", want)
}
