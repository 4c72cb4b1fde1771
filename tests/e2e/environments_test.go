package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const envWrangler = `
name = "shop"
main = "src/index.js"
compatibility_date = "2026-01-01"
[vars]
STAGE = "production"
[env.staging.vars]
STAGE = "staging"
`

const envWorker = `export default { fetch(req, env) { return new Response(env.STAGE + " " + (env.API_KEY ?? "no key")); } };`

// TestDeployEnvironment deploys a wrangler project's top level and its [env.staging] as two
// workers, "shop" and "shop-staging", each with its own vars, as wrangler deploy --env would.
func TestDeployEnvironment(t *testing.T) {
	pl := startPlatform(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "wrangler.toml"), envWrangler)
	write(t, filepath.Join(dir, "src/index.js"), envWorker)
	pl.mustCLI(t, dir, "", "deploy")
	if out := pl.mustCLI(t, dir, "", "deploy", "--env", "staging"); !strings.Contains(out, "shop-staging deployed") {
		t.Fatalf("deploy --env staging:\n%s", out)
	}
	pollBody(t, pl.node.addr, "shop.localhost", "production no key")
	pollBody(t, pl.node.addr, "shop-staging.localhost", "staging no key")
	if out, err := pl.cli(t, dir, "", "deploy", "-e", "prod"); err == nil || !strings.Contains(out, "no [env.prod] section; the config's environments are staging") {
		t.Fatalf("deploy to an environment the config lacks: err %v\n%s", err, out)
	}
}

// TestDevEnvironment serves [env.staging] with .dev.vars.staging in place of .dev.vars, and
// reloads when that file changes.
func TestDevEnvironment(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "wrangler.toml"), envWrangler)
	write(t, filepath.Join(dir, "src/index.js"), envWorker)
	write(t, filepath.Join(dir, ".dev.vars"), "API_KEY=top-key\n")
	write(t, filepath.Join(dir, ".dev.vars.staging"), "API_KEY=staging-key\n")
	p := start(t, "dev", dir, "--listen", "127.0.0.1:0", "--env", "staging")
	if _, _, body := get(t, p.addr, "anything", "/"); body != "staging staging-key" {
		t.Fatalf("body %q", body)
	}
	p.waitFor(t, ".dev.vars.staging")
	if out := p.output(); strings.Contains(out, "staging-key") {
		t.Errorf("dev printed a .dev.vars value:\n%s", out)
	}
	// A change to the file reloads the worker with it, though the file is not beside main.
	write(t, filepath.Join(dir, ".dev.vars.staging"), "API_KEY=rotated-key\n")
	pollBody(t, p.addr, "anything", "staging rotated-key")
	// An entry file has no environments to choose from.
	if out, err := runBounded(t, time.Minute, "dev", filepath.Join(dir, "src/index.js"), "--listen", "127.0.0.1:0", "--env", "staging"); err == nil || !strings.Contains(out, "selects an [env.NAME] section") {
		t.Errorf("dev --env of an entry file: %v\n%s", err, out)
	}
}
