package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// workerdCompatDate is the compatibility date of every generated workerd worker.
const workerdCompatDate = "2025-01-01"

// platform is one server under test. Multi-tenant platforms (islet, workerd) run N workers in
// one process, addressed by Host w<i>.localhost; single-tenant ones (deno, node) run one hello
// server per process.
type platform struct {
	name string
	bin  string
	na   string // non-empty: unavailable, with the reason
	// broken is set when a one-worker server of this platform never became ready: every later
	// measurement reports the same reason instead of waiting out the start-up timeout again.
	broken  string
	multi   bool
	version string
}

// server is one running server process.
type server struct {
	p          *proc
	port       int // where Host-routed requests go
	directPort int // warm hello-world target (workerd: a socket bound straight to w0)
	n          int
}

func (s *server) url() string       { return fmt.Sprintf("http://127.0.0.1:%d/", s.port) }
func (s *server) directURL() string { return fmt.Sprintf("http://127.0.0.1:%d/", s.directPort) }

func hostOf(i int) string  { return fmt.Sprintf("w%d.localhost", i) }
func helloOf(i int) string { return fmt.Sprintf("hello from w%d", i) }

func workerJS(i int) string {
	// Distinct content per worker, so no code cache or dedup can serve two workers from one compile.
	return fmt.Sprintf("// worker w%d\nexport default {\n  fetch(req, env, ctx) {\n    return new Response(%q);\n  },\n};\n", i, helloOf(i))
}

// fleetDir generates (once per run) a directory with n worker files and the platform's config.
func (b *bench) fleetDir(pl *platform, n int) (string, error) {
	dir := filepath.Join(b.work, fmt.Sprintf("%s-%d", pl.name, n))
	stamp := filepath.Join(dir, ".complete")
	if _, err := os.Stat(stamp); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for i := 0; i < n; i++ {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("w%d.js", i)), []byte(workerJS(i)), 0o644); err != nil {
			return "", err
		}
	}
	var err error
	switch pl.name {
	case "islet":
		err = writeIsletConfig(dir, n)
	case "workerd":
		err = writeWorkerdConfig(dir, n)
	}
	if err != nil {
		return "", err
	}
	return dir, os.WriteFile(stamp, nil, 0o644)
}

func writeIsletConfig(dir string, n int) error {
	var sb strings.Builder
	// The listen address is overridden by --listen on the command line.
	sb.WriteString("listen = \"127.0.0.1:8787\"\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "\n[[worker]]\nname = \"w%d\"\nmain = \"w%d.js\"\n", i, i)
	}
	return os.WriteFile(filepath.Join(dir, "islet.toml"), []byte(sb.String()), 0o644)
}

// workerdRouterJS is the front worker workerd needs for Host routing (workerd has no built-in
// host router): it forwards to the service binding named after the first Host label.
const workerdRouterJS = `export default {
  fetch(req, env) {
    const host = req.headers.get("host") || "";
    const name = host.slice(0, host.indexOf("."));
    const svc = name ? env[name] : undefined;
    if (!svc) return new Response("no worker " + name, { status: 404 });
    return svc.fetch(req);
  },
};
`

// writeWorkerdConfig writes config.capnp with n worker services, a router service bound to all
// of them, and two sockets whose addresses are set on the command line (--socket-addr):
// "http" → router, "direct" → w0.
func writeWorkerdConfig(dir string, n int) error {
	if err := os.WriteFile(filepath.Join(dir, "router.js"), []byte(workerdRouterJS), 0o644); err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString("using Workerd = import \"/workerd/workerd.capnp\";\n\nconst config :Workerd.Config = (\n  services = [\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "    (name = \"w%d\", worker = (modules = [(name = \"w%d.js\", esModule = embed \"w%d.js\")], compatibilityDate = %q)),\n", i, i, i, workerdCompatDate)
	}
	fmt.Fprintf(&sb, "    (name = \"router\", worker = (modules = [(name = \"router.js\", esModule = embed \"router.js\")], compatibilityDate = %q, bindings = [\n", workerdCompatDate)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "      (name = \"w%d\", service = \"w%d\"),\n", i, i)
	}
	sb.WriteString("    ])),\n  ],\n  sockets = [\n")
	sb.WriteString("    (name = \"http\", address = \"127.0.0.1:8080\", http = (), service = \"router\"),\n")
	sb.WriteString("    (name = \"direct\", address = \"127.0.0.1:8081\", http = (), service = \"w0\"),\n")
	sb.WriteString("  ],\n);\n")
	return os.WriteFile(filepath.Join(dir, "config.capnp"), []byte(sb.String()), 0o644)
}

const denoServerJS = `const port = Number(Deno.args[0]);
Deno.serve({ port, hostname: "127.0.0.1", onListen() {} }, () => new Response("hello from w0"));
`

const nodeServerJS = `const http = require("node:http");
const port = Number(process.argv[2]);
http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain;charset=UTF-8" });
  res.end("hello from w0");
}).listen(port, "127.0.0.1");
`

// serverEnv is the environment of every server: the harness's own, minus NODE_EXTRA_CA_CERTS.
func serverEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "NODE_EXTRA_CA_CERTS=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// launch starts pl with n workers (multi-tenant) or one hello server (single-tenant).
// pin puts the server on core 0 with taskset (taskset execs, so the pid is the server's).
func (b *bench) launch(pl *platform, n int, pin bool, tag string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &server{port: port, directPort: port, n: n}
	var argv []string
	var dir string
	env := serverEnv()
	switch pl.name {
	case "islet":
		if dir, err = b.fleetDir(pl, n); err != nil {
			return nil, err
		}
		argv = append([]string{pl.bin, "serve", "--config", filepath.Join(dir, "islet.toml"), "--listen", fmt.Sprintf("127.0.0.1:%d", port)}, b.isletArgs...)
	case "workerd":
		if dir, err = b.fleetDir(pl, n); err != nil {
			return nil, err
		}
		if s.directPort, err = freePort(); err != nil {
			return nil, err
		}
		argv = []string{pl.bin, "serve", filepath.Join(dir, "config.capnp"),
			"--socket-addr", fmt.Sprintf("http=127.0.0.1:%d", port),
			"--socket-addr", fmt.Sprintf("direct=127.0.0.1:%d", s.directPort)}
	case "deno":
		dir = b.work
		argv = []string{pl.bin, "run", "--allow-net", "--no-prompt", filepath.Join(dir, "deno-server.js"), fmt.Sprint(port)}
		env = serverEnv("DENO_NO_UPDATE_CHECK=1", "DENO_DIR="+filepath.Join(b.work, "deno-dir"))
	case "node":
		dir = b.work
		argv = []string{pl.bin, filepath.Join(dir, "node-server.cjs"), fmt.Sprint(port)}
	default:
		return nil, fmt.Errorf("unknown platform %q", pl.name)
	}
	if pin && b.canPin {
		argv = append([]string{"taskset", "-c", "0"}, argv...)
	}
	logPath := filepath.Join(b.logs, fmt.Sprintf("%s-%s-n%d.log", pl.name, tag, n))
	if s.p, err = spawn(pl.name, argv, dir, env, logPath); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *server) stop() {
	if s != nil {
		s.p.kill()
	}
}

// detectPlatforms resolves binaries and versions; a missing binary becomes an n/a reason.
func (b *bench) detectPlatforms(names []string) []*platform {
	var out []*platform
	for _, name := range names {
		pl := &platform{name: name}
		switch name {
		case "islet":
			pl.bin, pl.multi = b.isletBin, true
		case "workerd":
			pl.bin, pl.multi = b.workerdBin, true
		case "deno":
			pl.bin = b.denoBin
		case "node":
			pl.bin = b.nodeBin
		default:
			warnf("unknown platform %q ignored", name)
			continue
		}
		if name == "islet" && b.isletUnavailable != "" {
			pl.na = b.isletUnavailable
		} else if path, err := exec.LookPath(pl.bin); err != nil {
			pl.na = pl.bin + " missing"
			if name == "islet" {
				pl.na = "bin/islet missing"
			}
		} else {
			if abs, err := filepath.Abs(path); err == nil {
				path = abs
			}
			pl.bin = path
			pl.version = strings.TrimSpace(strings.TrimPrefix(versionOf(name, path), name+" "))
		}
		out = append(out, pl)
	}
	return out
}

func versionOf(name, bin string) string {
	if name == "islet" {
		for _, args := range [][]string{{"version"}, {"--version"}} {
			if v := runVersion(bin, args...); v != "" {
				return v
			}
		}
		// No version command (yet): name the source commit.
		out, err := exec.Command("git", "log", "-1", "--format=%h %cs").Output()
		if err == nil {
			return "commit " + strings.TrimSpace(string(out))
		}
		return ""
	}
	return runVersion(bin, "--version")
}

// runVersion runs bin args (bounded to 5 s) and returns the first line of its output, or "" if
// it fails.
func runVersion(bin string, args ...string) string {
	cmd := exec.Command(bin, args...)
	cmd.Env = serverEnv()
	done := make(chan struct{})
	var out []byte
	var runErr error
	go func() { out, runErr = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-timeAfter(5):
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
		}
		<-done
	}
	if runErr != nil {
		return ""
	}
	line := strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	if i := strings.Index(line, " ("); i > 0 {
		line = line[:i]
	}
	if len(line) > 60 {
		line = line[:60]
	}
	return line
}
