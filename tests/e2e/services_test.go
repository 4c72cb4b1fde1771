package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"islet/internal/supervisor"
)

// TestServiceBindingDeploy deploys two wrangler projects, one calling the other through
// [[services]], on a platform node of one runtime process and on one of several (its default):
// the call is answered by the bound worker, in process or through the supervisor; binding a
// worker the account does not have is refused at deploy.
func TestServiceBindingDeploy(t *testing.T) {
	for _, extra := range [][]string{{"--processes", "1"}, nil} {
		t.Run(fmt.Sprintf("processes=%v", extra), func(t *testing.T) { testServiceBindingDeploy(t, extra) })
	}
}

func testServiceBindingDeploy(t *testing.T, extra []string) {
	if supervisor.Pick("auth", 2) == supervisor.Pick("app", 2) {
		t.Fatal("auth and app must run in different runtime processes of a two-process node, for the call to cross them")
	}
	pl := startPlatform(t, extra...)
	authDir, appDir := t.TempDir(), t.TempDir()
	write(t, filepath.Join(authDir, "wrangler.toml"), "name = \"auth\"\nmain = \"index.js\"\n")
	write(t, filepath.Join(authDir, "index.js"), `export default { async fetch(req) {
		return new Response(req.headers.get("authorization") === "Bearer good" ? "allowed " + new URL(req.url).pathname : "denied", { status: 200 });
	} };`)
	write(t, filepath.Join(appDir, "wrangler.toml"), "name = \"app\"\nmain = \"index.js\"\n[[services]]\nbinding = \"AUTH\"\nservice = \"auth\"\n")
	write(t, filepath.Join(appDir, "index.js"), `export default { async fetch(req, env) {
		const token = new URL(req.url).searchParams.get("token") ?? "";
		let r; try { r = await env.AUTH.fetch("https://auth/check", { headers: { authorization: "Bearer " + token } }); } catch (e) { return new Response("app error: " + e.message); }
		return new Response("app: " + await r.text());
	} };`)

	if out, err := pl.cli(t, appDir, "", "deploy"); err == nil || !strings.Contains(out, "service_not_found") || !strings.Contains(out, `no worker named "auth"`) {
		t.Fatalf("deploy before its service exists: err %v\n%s", err, out)
	}
	pl.mustCLI(t, authDir, "", "deploy")
	pl.mustCLI(t, appDir, "", "deploy")
	pollBody(t, pl.node.addr, "app.localhost", "app: denied")
	code, _, body := get(t, pl.node.addr, "app.localhost", "/?token=good")
	if code != 200 || body != "app: allowed /check" {
		t.Fatalf("with a good token: %d %q", code, body)
	}
}

// TestServiceBindingConfig serves an islet.toml whose worker binds another with
// [[worker.services]]; with --processes 2 the config is refused at start.
func TestServiceBindingConfig(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "auth/index.js"), `export default { fetch(req) { return new Response("auth saw " + req.method + " " + new URL(req.url).pathname); } };`)
	write(t, filepath.Join(dir, "app/index.js"), `export default { async fetch(req, env) { const r = await env.AUTH.fetch("http://auth/who", { method: "PUT" }); return new Response("app: " + await r.text()); } };`)
	cfg := filepath.Join(dir, "islet.toml")
	write(t, cfg, "[[worker]]\nname = \"auth\"\nmain = \"auth/index.js\"\n[[worker]]\nname = \"app\"\nmain = \"app/index.js\"\n[[worker.services]]\nbinding = \"AUTH\"\nservice = \"auth\"\n")
	p := start(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	if code, _, body := get(t, p.addr, "app.localhost", "/"); code != 200 || body != "app: auth saw PUT /who" {
		t.Fatalf("%d %q", code, body)
	}
	if out, err := runBounded(t, time.Minute, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--processes", "2"); err == nil || !strings.Contains(out, "serve with --processes 1") {
		t.Fatalf("serve --processes 2: %v\n%s", err, out)
	}
}
