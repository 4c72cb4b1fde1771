package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// platform is a single-node `islet serve --data` (with extra flags, such as --processes) with
// its admin API and bootstrap token.
type platform struct {
	node  *proc
	api   string
	token string
	data  string
}

func startPlatform(t *testing.T, extra ...string) *platform {
	t.Helper()
	pl := &platform{data: filepath.Join(t.TempDir(), "data"), api: fmt.Sprintf("127.0.0.1:%d", freePort(t))}
	pl.node = start(t, append([]string{"serve", "--data", pl.data, "--listen", "127.0.0.1:0", "--admin", pl.api}, extra...)...)
	tok, err := os.ReadFile(filepath.Join(pl.data, "admin-token"))
	if err != nil {
		t.Fatalf("no bootstrap token: %v\n%s", err, pl.node.output())
	}
	if info, _ := os.Stat(filepath.Join(pl.data, "admin-token")); info.Mode().Perm() != 0o600 {
		t.Errorf("admin-token mode %v, want 0600", info.Mode().Perm())
	}
	pl.token = strings.TrimSpace(string(tok))
	return pl
}

// cli runs an islet client command in dir against the platform and returns its output.
func (pl *platform) cli(t *testing.T, dir, stdin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ISLET_API=http://"+pl.api, "ISLET_TOKEN="+pl.token, "HOME="+t.TempDir(), "XDG_CONFIG_HOME=")
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (pl *platform) mustCLI(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	out, err := pl.cli(t, dir, stdin, args...)
	if err != nil {
		t.Fatalf("islet %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func TestDeployFromWranglerProject(t *testing.T) {
	pl := startPlatform(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "wrangler.toml"), "name = \"shop\"\nmain = \"src/index.ts\"\ncompatibility_date = \"2026-01-01\"\n[vars]\nGREETING = \"hi\"\n")
	write(t, filepath.Join(dir, "src/index.ts"), `import { tag } from "./tag";
interface Env { GREETING: string; API_KEY?: string }
export default { fetch(req: Request, env: Env): Response { return new Response(tag(env.GREETING) + " " + (env.API_KEY ?? "none")); } };
`)
	write(t, filepath.Join(dir, "src/tag.ts"), `export const tag = (s: string): string => "<" + s + ">";`+"\n")
	out := pl.mustCLI(t, dir, "", "deploy")
	if !strings.Contains(out, "shop deployed: version ") || !strings.Contains(out, "http://shop.localhost:") {
		t.Fatalf("deploy output:\n%s", out)
	}
	v1 := strings.Fields(out[strings.Index(out, "version ")+len("version "):])[0]
	pollBody(t, pl.node.addr, "shop.localhost", "<hi> none")

	pl.mustCLI(t, dir, "k3y\n", "secret", "put", "shop", "API_KEY")
	pollBody(t, pl.node.addr, "shop.localhost", "<hi> k3y")
	if out := pl.mustCLI(t, dir, "", "secret", "list", "shop"); strings.TrimSpace(out) != "API_KEY" {
		t.Fatalf("secret list: %q", out)
	}

	write(t, filepath.Join(dir, "src/tag.ts"), `export const tag = (s: string): string => "[" + s + "]";`+"\n")
	pl.mustCLI(t, dir, "", "deploy", "--message", "square brackets")
	pollBody(t, pl.node.addr, "shop.localhost", "[hi] k3y")
	if out := pl.mustCLI(t, dir, "", "versions", "shop"); !strings.Contains(out, v1) || !strings.Contains(out, "square brackets") {
		t.Fatalf("versions:\n%s", out)
	}
	pl.mustCLI(t, dir, "", "rollback", "shop")
	pollBody(t, pl.node.addr, "shop.localhost", "<hi> k3y")

	// A broken deploy is refused with the place of the error, and the worker keeps serving.
	write(t, filepath.Join(dir, "src/tag.ts"), "export const tag = (s: string): string => { throw new Error('nope at start') };\ntag('x');\n")
	out, err := pl.cli(t, dir, "", "deploy")
	// Its stack points at the TypeScript source, through the bundle's source map.
	if err == nil || !strings.Contains(out, "nope at start") || !strings.Contains(out, "script_error") || !strings.Contains(out, "tag.ts:1:") {
		t.Fatalf("a deploy that throws at start-up: err %v\n%s", err, out)
	}
	write(t, filepath.Join(dir, "src/tag.ts"), "export const tag = (s: string): string => {\n")
	out, err = pl.cli(t, dir, "", "deploy")
	if err == nil || !strings.Contains(out, "tag.ts:2:") {
		t.Fatalf("a deploy with a syntax error: err %v\n%s", err, out)
	}
	pollBody(t, pl.node.addr, "shop.localhost", "<hi> k3y")

	pl.mustCLI(t, dir, "", "delete", "shop")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if code, _, _ := get(t, pl.node.addr, "shop.localhost", "/"); code == 404 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a deleted worker still answers")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestHonoDeploysUnchanged installs Hono from npm and deploys a Hono app as its template
// writes it. It is skipped where npm or the registry is not reachable.
func TestHonoDeploysUnchanged(t *testing.T) {
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm is not installed")
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "package.json"), `{"name":"hono-app","private":true}`)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	install := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "hono@4")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		t.Skipf("npm install hono failed (offline?): %v\n%s", err, out)
	}
	write(t, filepath.Join(dir, "wrangler.jsonc"), `{
  // as the Hono template writes it
  "name": "hono-app",
  "main": "src/index.ts",
  "compatibility_date": "2026-01-01",
}`)
	write(t, filepath.Join(dir, "src/index.ts"), `import { Hono } from 'hono'

const app = new Hono()

app.get('/', (c) => {
  return c.text('Hello Hono!')
})
app.get('/users/:id', (c) => c.json({ id: c.req.param('id') }))

export default app
`)
	pl := startPlatform(t)
	pl.mustCLI(t, dir, "", "deploy")
	pollBody(t, pl.node.addr, "hono-app.localhost", "Hello Hono!")
	if _, _, body := get(t, pl.node.addr, "hono-app.localhost", "/users/7"); body != `{"id":"7"}` {
		t.Fatalf("/users/7 = %q", body)
	}
}

// pollBody waits (bounded) until host answers 200 with want.
func pollBody(t *testing.T, addr, host, want string) {
	t.Helper()
	pollPath(t, addr, host, "/", want)
}

// pollPath waits (bounded) until host answers path with 200 and want: a deploy's routes reach
// the gateway when the node's watch fires, shortly after the API answered.
func pollPath(t *testing.T, addr, host, path, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, _, body := get(t, addr, host, path)
		if code == 200 && body == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s%s answers %d %q, want %q", host, path, code, body, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
