package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// apiCall sends one admin API request with token and returns the status and body.
func apiCall(t *testing.T, api, token, method, path, contentType string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+api+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	// A deploy validates its upload in a child process the server gives up to 30 s (a top level
	// that never checks for termination takes that long on a loaded machine): the 20 s client
	// would give up first.
	resp, err := slowClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// apiDeploy uploads modules (the first key in order is main) with metadata, as the Workers
// upload API shapes it.
func apiDeploy(t *testing.T, api, token, name string, meta map[string]any, order []string, modules map[string]string) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	meta["main_module"] = order[0]
	mj, _ := json.Marshal(meta)
	mw.WriteField("metadata", string(mj))
	for _, p := range order {
		mw.WriteField(p, modules[p])
	}
	mw.Close()
	return apiCall(t, api, token, "PUT", "/v1/workers/"+name, mw.FormDataContentType(), &buf)
}

// refused asserts an API answer is status with error code and a message containing msg.
func refused(t *testing.T, what string, status int, body string, wantStatus int, code, msg string) {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	json.Unmarshal([]byte(body), &e)
	if status != wantStatus || e.Error.Code != code || !strings.Contains(e.Error.Message, msg) {
		t.Errorf("%s: %d %s\nwant %d %s containing %q", what, status, body, wantStatus, code, msg)
	}
}

func hello(s string) string {
	return fmt.Sprintf(`export default { fetch() { return new Response(%q) } }`, s)
}

// TestTenantBoundaries is the attack of the tenant-boundaries issue, as account bob with
// only its own token against account acme, on one `islet serve --data` node, in one process
// and under a supervisor: every route, limit and egress bob could grant itself is refused with
// its reason, and acme's traffic and plan keep working.
func TestTenantBoundaries(t *testing.T) {
	t.Run("one process", func(t *testing.T) { tenantBoundaries(t, startPlatform(t)) })
	t.Run("runtime processes", func(t *testing.T) { tenantBoundaries(t, startPlatform(t, "--processes", "2")) })
}

func tenantBoundaries(t *testing.T, pl *platform) {
	// A private service on loopback that only a granted worker may reach.
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "private data") }))
	defer svc.Close()
	_, svcPort, _ := net.SplitHostPort(svc.Listener.Addr().String())

	pl.mustCLI(t, t.TempDir(), "", "account", "create", "acme", "--zone", "acme.test", "--cpu-ms-max", "500", "--egress", "127.0.0.0/8")
	pl.mustCLI(t, t.TempDir(), "", "account", "create", "bob", "--zone", "bob.example")
	pl.mustCLI(t, t.TempDir(), "", "account", "create", "carol", "--workers-max", "1")
	acme := strings.TrimSpace(pl.mustCLI(t, t.TempDir(), "", "token", "create", "acme"))
	bob := strings.TrimSpace(pl.mustCLI(t, t.TempDir(), "", "token", "create", "bob"))
	carol := strings.TrimSpace(pl.mustCLI(t, t.TempDir(), "", "token", "create", "carol"))
	one := []string{"index.js"}
	mods := func(s string) map[string]string { return map[string]string{"index.js": hello(s)} }

	if st, body := apiDeploy(t, pl.api, acme, "acme-app", map[string]any{"routes": []string{"shop.acme.test/*"}}, one, mods("acme")); st != 201 {
		t.Fatalf("acme's deploy: %d %s", st, body)
	}
	pollBody(t, pl.node.addr, "acme-app.localhost", "acme")

	t.Run("bob cannot take acme's traffic", func(t *testing.T) {
		for _, c := range []struct{ route, msg string }{
			{"acme-app.localhost/", `route "acme-app.localhost/" names a host under localhost`},
			{"shop.acme.test/checkout", `route "shop.acme.test/checkout" is in zone "acme.test" of another account`},
			{"*.acme.test/*", `is in zone "acme.test" of another account`},
			{"*/*", `route "*/*" is outside the account's zones (bob.example)`},
			{"*.test/*", "outside the account's zones (bob.example)"},
		} {
			st, body := apiDeploy(t, pl.api, bob, "bob-app", map[string]any{"routes": []string{c.route}}, one, mods("HIJACKED by bob"))
			refused(t, "route "+c.route, st, body, 403, "route_not_in_zone", c.msg)
		}
		// A worker of bob's deployed without routes cannot be given them afterwards either.
		if st, body := apiDeploy(t, pl.api, bob, "bob-app", map[string]any{}, one, mods("bob")); st != 201 {
			t.Fatalf("bob's plain deploy: %d %s", st, body)
		}
		st, body := apiCall(t, pl.api, bob, "PUT", "/v1/workers/bob-app/routes", "application/json", strings.NewReader(`{"routes":["*/*"]}`))
		refused(t, "PUT routes */*", st, body, 403, "route_not_in_zone", "outside the account's zones")
		if st, body := apiDeploy(t, pl.api, bob, "bob-app", map[string]any{"routes": []string{"www.bob.example/*"}}, one, mods("bob")); st != 201 {
			t.Fatalf("a route in bob's own zone: %d %s", st, body)
		}
		for _, c := range []struct{ host, path, want string }{
			{"acme-app.localhost", "/", "acme"},
			{"shop.acme.test", "/checkout", "acme"},
			{"www.bob.example", "/", "bob"},
		} {
			pollPath(t, pl.node.addr, c.host, c.path, c.want)
		}
		if code, _, got := get(t, pl.node.addr, "unrouted.example", "/"); code != 404 {
			t.Errorf("an unrouted host answered %d %q; nobody may take it", code, got)
		}
	})

	t.Run("bob cannot grant itself limits or egress", func(t *testing.T) {
		st, body := apiDeploy(t, pl.api, bob, "bob-app", map[string]any{"limits": map[string]int{"cpu_ms": 30000, "memory_mb": 4096}}, one, mods("bob"))
		refused(t, "limits", st, body, 403, "over_plan", "limits.cpu_ms = 30000 is over the account's plan (cpu_ms_max = 50)")
		st, body = apiDeploy(t, pl.api, bob, "bob-app", map[string]any{"limits": map[string]int{"memory_mb": 4096}}, one, mods("bob"))
		refused(t, "memory", st, body, 403, "over_plan", "limits.memory_mb = 4096 is over the account's plan (memory_mb_max = 128)")
		st, body = apiDeploy(t, pl.api, bob, "bob-app", map[string]any{"egress_allow": []string{"127.0.0.0/8"}}, one, mods("bob"))
		refused(t, "egress", st, body, 403, "egress_not_granted", `egress_allow "127.0.0.0/8" is not in the account's egress grant (none)`)
		st, body = apiCall(t, pl.api, bob, "PUT", "/v1/accounts/bob", "application/json",
			strings.NewReader(`{"plan":{"cpu_ms_max":30000},"zones":["acme.test"],"egress_allow":["127.0.0.0/8"]}`))
		refused(t, "bob's own plan", st, body, 403, "forbidden", "only an admin token can change an account's plan")
		st, body = apiCall(t, pl.api, bob, "POST", "/v1/accounts", "application/json", strings.NewReader(`{"name":"bob2","plan":{"cpu_ms_max":30000}}`))
		refused(t, "a new account", st, body, 403, "forbidden", "only an admin token can create accounts")
		out, err := pl.cli(t, t.TempDir(), "", "account", "set", "bob", "--zone", "shop.acme.test")
		if err == nil || !strings.Contains(out, `zone "shop.acme.test" overlaps zone "acme.test" of account "acme"`) {
			t.Errorf("an operator handing bob a name in acme's zone: %v\n%s", err, out)
		}
	})

	t.Run("acme gets what its plan and grant give", func(t *testing.T) {
		fetcher := fmt.Sprintf(`export default { async fetch() { const r = await fetch("http://127.0.0.1:%s/"); return new Response(await r.text()) } }`, svcPort)
		st, body := apiDeploy(t, pl.api, acme, "acme-egress", map[string]any{"limits": map[string]int{"cpu_ms": 501}}, one, map[string]string{"index.js": fetcher})
		refused(t, "over acme's plan", st, body, 403, "over_plan", "limits.cpu_ms = 501 is over the account's plan (cpu_ms_max = 500)")
		st, body = apiDeploy(t, pl.api, acme, "acme-egress", map[string]any{"limits": map[string]int{"cpu_ms": 500},
			"egress_allow": []string{"127.0.0.1:" + svcPort}}, one, map[string]string{"index.js": fetcher})
		if st != 201 {
			t.Fatalf("acme's deploy within its plan and grant: %d %s", st, body)
		}
		pollBody(t, pl.node.addr, "acme-egress.localhost", "private data")
	})

	t.Run("carol's plan counts workers", func(t *testing.T) {
		if st, body := apiDeploy(t, pl.api, carol, "carol-1", map[string]any{}, one, mods("carol")); st != 201 {
			t.Fatalf("carol's first worker: %d %s", st, body)
		}
		st, body := apiDeploy(t, pl.api, carol, "carol-2", map[string]any{}, one, mods("carol"))
		refused(t, "a second worker", st, body, 403, "over_plan", "the account has 1 workers, as many as its plan allows (workers_max = 1)")
		if st, body := apiDeploy(t, pl.api, carol, "carol-1", map[string]any{"message": "again"}, one, mods("carol 2")); st != 201 {
			t.Errorf("redeploying carol's worker: %d %s", st, body)
		}
	})

	t.Run("a module importing a file it did not upload is refused", func(t *testing.T) {
		st, body := apiDeploy(t, pl.api, bob, "bob-imports", map[string]any{}, one,
			map[string]string{"index.js": `import { x } from "./missing.js"; export default { fetch() { return new Response(x) } }`})
		refused(t, "missing import", st, body, 400, "script_error", "missing.js")
		st, body = apiDeploy(t, pl.api, bob, "bob-imports", map[string]any{}, []string{"index.js", "lib/a.js"}, map[string]string{
			"index.js": `import { x } from "./lib/a.js"; export default { fetch() { return new Response(x) } }`,
			"lib/a.js": `export { x } from "../gone.js";`})
		refused(t, "missing import of an imported module", st, body, 400, "script_error", "gone.js")
		st, body = apiDeploy(t, pl.api, bob, "bob-imports", map[string]any{}, one,
			map[string]string{"index.js": `export default { async fetch() { const m = await import("./later.js"); return new Response(m.x) } }`})
		refused(t, "dynamic import of a module not uploaded", st, body, 400, "script_error", `index.js: import("./later.js"): later.js is not part of the upload`)
		st, body = apiDeploy(t, pl.api, bob, "bob-imports", map[string]any{}, []string{"index.js", "later.js"}, map[string]string{
			"index.js": `export default { async fetch() { const m = await import("./later.js"); return new Response(m.x) } }`,
			"later.js": `export const x = 1;`})
		refused(t, "dynamic import of an uploaded module", st, body, 400, "script_error", "islet does not load modules dynamically")
	})

	out := pl.mustCLI(t, t.TempDir(), "", "account", "show", "acme")
	for _, want := range []string{"account acme: 2 workers", "cpu_ms_max 500", "zones: acme.test", "egress grant: 127.0.0.0/8"} {
		if !strings.Contains(out, want) {
			t.Errorf("islet account show acme lacks %q:\n%s", want, out)
		}
	}
	// Last: the throttle is per address, and every client here is 127.0.0.1.
	t.Run("guessing tokens is throttled and logged", func(t *testing.T) {
		statuses := map[int]int{}
		for i := 0; i < 200; i++ {
			st, _ := apiCall(t, pl.api, fmt.Sprintf("islet_guess%d", i), "GET", "/v1/whoami", "", nil)
			statuses[st]++
		}
		if statuses[401] > 20 || statuses[429] < 180 {
			t.Errorf("200 wrong tokens answered %v; want at most a burst of 401s, then 429", statuses)
		}
		pl.node.waitFor(t, "admin API: too many failed authentications")
	})
}
