// Package e2e starts the islet binary and talks HTTP to it, as a user would.
package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "islet-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "islet")
	build := exec.Command("go", "build", "-o", binary, "../../cmd/islet")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build islet:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running islet process whose output is collected.
type proc struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	out  strings.Builder
	done chan struct{}
}

var addrRE = regexp.MustCompile(`http://(127\.0\.0\.1:\d+)`)

// start runs islet with args and waits (bounded) until it prints the address it serves on. The
// process is stopped when the test ends.
func start(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binary, args...), done: make(chan struct{})}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = io.Discard
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.out.WriteString(line + "\n")
			p.mu.Unlock()
			if m := addrRE.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() { p.stop(t) })
	select {
	case p.addr = <-found:
	case <-p.done:
		t.Fatalf("islet exited early:\n%s", p.output())
	case <-time.After(30 * time.Second):
		t.Fatalf("islet did not report its address:\n%s", p.output())
	}
	return p
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func (p *proc) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		t.Errorf("islet did not stop on SIGTERM")
	}
	p.cmd.Wait()
}

// waitFor polls until the output contains s (bounded).
func (p *proc) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(p.output(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("output never contained %q:\n%s", s, p.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var client = &http.Client{Timeout: 20 * time.Second}

// startedPids lists the pids runtime process k of the supervisor p has been started with, in
// order (from its "runtime process started" log lines).
func startedPids(p *proc, k int) []int {
	re := regexp.MustCompile(fmt.Sprintf(`msg="runtime process started" process=%d pid=(\d+)`, k))
	var out []int
	for _, m := range re.FindAllStringSubmatch(p.output(), -1) {
		pid, _ := strconv.Atoi(m[1])
		out = append(out, pid)
	}
	return out
}

func get(t *testing.T, addr, host, path string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
	req.Host = host
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s%s: %v", host, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func write(t *testing.T, path, content string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestServeConfig(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "workers/hello/index.js"),
		`export default { fetch(req, env) { return new Response(env.GREETING + " from hello " + new URL(req.url).pathname); } };`)
	write(t, filepath.Join(dir, "workers/sw/index.js"),
		`addEventListener("fetch", (e) => e.respondWith(new Response("sw here")));`)
	write(t, filepath.Join(dir, "workers/broken/index.js"), "export default {\n  fetch() { return 1 +; }\n};\n")
	write(t, filepath.Join(dir, "islet.toml"), `
listen = "127.0.0.1:0"
[[worker]]
name = "hello"
main = "workers/hello/index.js"
routes = ["example.com/api/*"]
[worker.vars]
GREETING = "hi"

[[worker]]
name = "sw"
main = "workers/sw/index.js"

[[worker]]
name = "broken"
main = "workers/broken/index.js"
`)
	p := start(t, "serve", "--config", filepath.Join(dir, "islet.toml"))
	cases := []struct {
		host, path string
		status     int
		body       string
	}{
		{"hello.localhost", "/x", 200, "hi from hello /x"},
		{"sw.localhost", "/", 200, "sw here"},
		{"example.com", "/api/users", 200, "hi from hello /api/users"},
		{"example.com", "/other", 404, "islet: no worker"},
		{"nobody.localhost", "/", 404, "islet: no worker"},
		{"broken.localhost", "/", 500, "index.js:2:"},
	}
	for _, c := range cases {
		status, hdr, body := get(t, p.addr, c.host, c.path)
		if status != c.status || !strings.Contains(body, c.body) {
			t.Errorf("%s%s: %d %q, want %d containing %q", c.host, c.path, status, body, c.status, c.body)
		}
		if status == 404 && hdr.Get("x-islet-error") != "no-route" {
			t.Errorf("%s%s: 404 without x-islet-error: no-route", c.host, c.path)
		}
	}
	// The syntax error is reported at start-up with file:line:column.
	p.waitFor(t, "broken/index.js:2:")
}

func TestKeepAliveAndH2C(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "index.js"),
		`export default { fetch(req) { return new Response("proto ok"); } };`)
	p := start(t, "dev", dir, "--listen", "127.0.0.1:0")

	// HTTP/1.1: two requests on one connection.
	conn, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	for i := 0; i < 2; i++ {
		fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d on one connection: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		if string(b) != "proto ok" || resp.Close {
			t.Fatalf("request %d: %q close=%v", i, b, resp.Close)
		}
	}

	// h2c with prior knowledge.
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	tr.TLSClientConfig = &tls.Config{}
	h2 := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := h2.Get("http://" + p.addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.ProtoMajor != 2 || string(b) != "proto ok" {
		t.Fatalf("h2c: proto %s body %q", resp.Proto, b)
	}
}

func TestDevReloads(t *testing.T) {
	dir := t.TempDir()
	main := filepath.Join(dir, "index.js")
	write(t, main, `export default { fetch() { return new Response("v1"); } };`)
	p := start(t, "dev", dir, "--listen", "127.0.0.1:0")
	if _, _, body := get(t, p.addr, "anything", "/"); body != "v1" {
		t.Fatalf("first version: %q", body)
	}
	pollBody := func(want string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			_, _, body := get(t, p.addr, "anything", "/")
			if strings.Contains(body, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("never served %q; last %q\n%s", want, body, p.output())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	write(t, main, `import { v } from "./v.js"; export default { fetch() { return new Response(v); } };`)
	write(t, filepath.Join(dir, "v.js"), `export const v = "v2";`)
	pollBody("v2")
	// A syntax error is shown, with its place, and the next change retries.
	write(t, main, "export default {\n  fetch() { return new Response(\"v3\" }\n};\n")
	p.waitFor(t, "index.js:2:")
	write(t, main, `export default { fetch() { return new Response("v4"); } };`)
	pollBody("v4")
}

func TestSignalStopsServer(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "index.js"), `export default { fetch() { return new Response("x"); } };`)
	p := start(t, "dev", dir, "--listen", "127.0.0.1:0")
	p.cmd.Process.Signal(syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	select {
	case <-p.done:
	case <-ctx.Done():
		t.Fatal("islet did not exit on SIGTERM")
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, p.output())
	}
}

func TestFetchLoopIsStopped(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "index.js"), `export default {
		async fetch(req) {
			const depth = Number(req.headers.get("x-islet-loop") ?? 0);
			const r = await fetch(req.url); // the worker calls itself, again and again
			return new Response(depth === 0 ? "stopped with " + r.status + " " + (await r.text()).slice(0, 40) : await r.text(), { status: r.status });
		},
	};`)
	p := start(t, "dev", dir, "--listen", "127.0.0.1:0")
	status, _, body := get(t, p.addr, p.addr, "/")
	if status != http.StatusLoopDetected || !strings.HasPrefix(body, "stopped with 508 islet: a chain of fetches") {
		t.Fatalf("%d %q", status, body)
	}
}

func TestDevReadsWranglerToml(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "src/index.js"), `export default { fetch(req, env) { return new Response(env.GREETING + " from wrangler, key " + env.API_KEY); } };`)
	write(t, filepath.Join(dir, ".dev.vars"), "API_KEY=sekret-value\n")
	write(t, filepath.Join(dir, "wrangler.toml"), `
name = "from-wrangler"
main = "src/index.js"
compatibility_date = "2024-09-23"
[vars]
GREETING = "hi"
[[kv_namespaces]]
binding = "CACHE"
id = "abc"
`)
	// A binding islet does not have is refused by dev and deploy alike, named as declared.
	const refusal = "wrangler.toml: [[kv_namespaces]] CACHE: Workers KV is not supported"
	for _, cmd := range [][]string{{"dev", dir, "--listen", "127.0.0.1:0"}, {"deploy", dir}} {
		out, err := runBounded(t, time.Minute, cmd...)
		if err == nil || !strings.Contains(out, refusal) || !strings.Contains(out, "--ignore-unsupported") {
			t.Errorf("islet %s: %v\n%s", cmd[0], err, out)
		}
	}
	p := start(t, "dev", dir, "--listen", "127.0.0.1:0", "--ignore-unsupported")
	if _, _, body := get(t, p.addr, "anything", "/"); body != "hi from wrangler, key sekret-value" {
		t.Fatalf("body %q", body)
	}
	p.waitFor(t, refusal)
	// The bindings are printed, the .dev.vars value hidden.
	p.waitFor(t, "env.API_KEY")
	if out := p.output(); !strings.Contains(out, `value="\"hi\""`) || strings.Contains(out, "sekret-value") {
		t.Errorf("dev printed its bindings as:\n%s", out)
	}
}
