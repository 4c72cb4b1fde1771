// Package adversarial runs hostile workers against one in-process node, each beside a
// well-behaved tenant (the victim) under steady load. Every case asserts the documented outcome
// for the hostile worker (a status and a message naming the limit), that the node survives, and
// that the victim had no failed request while the attack ran.
//
// Cases are folders under cases/ (the hostile worker's index.js, and any modules) and rows of
// the table in cases_test.go. The victim's latency under each attack is measured, never
// asserted; `go test -run TestAdversarial -args -report FILE` (or ADVERSARIAL_REPORT=FILE)
// writes it as a markdown table.
package adversarial

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"islet/internal/config"
	"islet/internal/egress"
	"islet/internal/gateway"
	"islet/internal/node"
	"islet/internal/sched"
	"islet/internal/v8/wasmtest"
)

var reportPath = flag.String("report", "", "write the victim's latency under each attack to this markdown file")

// readHeaderTimeout is the node's header timeout in this suite, short so the slowloris case
// sees its connections cut.
const readHeaderTimeout = time.Second

// bodyGrace is the node's body pacing in this suite (idle timeout and grace), short so the
// slow-body case sees its connections cut.
const bodyGrace = time.Second

// suite is the shared node and what the cases need from it.
type suite struct {
	addr    string // the node's listener, 127.0.0.1:port
	logs    *syncBuffer
	origins *origins
	client  *http.Client
}

func TestAdversarial(t *testing.T) {
	s := startSuite(t, gateway.ServerLimits{ReadHeaderTimeout: readHeaderTimeout, BodyIdleTimeout: bodyGrace, BodyGrace: bodyGrace},
		(*suite).config)

	// The victim answers before any attack starts.
	if code, body := s.do(t, "GET", "victim", "/", nil, nil); code != 200 || !strings.HasPrefix(body, "victim ok") {
		t.Fatalf("victim: %d %q", code, body)
	}
	var rows []reportRow
	for _, c := range cases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			load := startLoad(s)
			load.waitFor(t, 5)
			c.run(t, s)
			if t.Failed() {
				t.Logf("the node's log for %s:\n%s", c.name, s.logFor(c.name))
			}
			load.waitFor(t, load.count()+3) // the victim kept being served after the attack
			st := load.stop()
			if st.failures > 0 {
				t.Errorf("the victim had %d failed requests of %d during the attack; first: %s", st.failures, st.requests, st.firstFailure)
			}
			rows = append(rows, reportRow{name: c.name, category: c.category, outcome: c.outcome(), stats: st})
		})
	}
	// The node is still whole: the victim and a hostile worker that was stopped answer again.
	if code, _ := s.do(t, "GET", "victim", "/", nil, nil); code != 200 {
		t.Fatalf("victim after the suite: %d", code)
	}
	path := *reportPath
	if path == "" {
		path = os.Getenv("ADVERSARIAL_REPORT")
	}
	if path != "" {
		if err := writeReport(path, rows); err != nil {
			t.Errorf("report: %v", err)
		} else {
			t.Logf("wrote %s", path)
		}
	}
}

// startSuite starts the origins and a 2-executor node on 127.0.0.1 with the server limits
// given, serving the workers config declares (it may read s.addr and s.origins); the node, its
// listener and the origins are stopped when the test ends.
func startSuite(t *testing.T, limits gateway.ServerLimits, config func(*suite, *testing.T) *config.Config) *suite {
	t.Helper()
	egress.SetAllowPrivate(false)
	egress.SetLookup(testLookup)
	t.Cleanup(func() { egress.SetLookup(nil) })
	s := &suite{logs: &syncBuffer{}, origins: startOrigins(t)}
	s.client = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	t.Cleanup(s.client.CloseIdleConnections)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	sched.Headroom(2) // as islet serve does before its node starts
	n, err := node.New(node.Options{
		Logger: slog.New(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Sched:  sched.Options{Executors: 2},
		Server: limits,
	})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	if _, err := n.Apply(config(s, t)); err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { n.Serve(ctx, ln); close(served) }()
	t.Cleanup(func() { cancel(); <-served })
	return s
}

// config declares the victim and every case's worker. Case folders are copied to a temporary
// directory so that cases can add generated files (a .wasm module) without touching the tree.
func (s *suite) config(t *testing.T) *config.Config {
	tmp := t.TempDir()
	vars := map[string]any{
		"PUBLIC":  s.origins.public.URL,
		"PRIVATE": s.origins.private.URL,
		"NODE":    "http://" + s.addr,
	}
	_, privatePort, _ := net.SplitHostPort(s.origins.private.Listener.Addr().String())
	vars["PRIVATE_PORT"] = privatePort
	cfg := &config.Config{Dir: tmp}
	add := func(name, src string, c *testCase) {
		dst := filepath.Join(tmp, name)
		if err := copyDir(src, dst); err != nil {
			t.Fatal(err)
		}
		w := config.Worker{Name: name, Main: filepath.Join(dst, "index.js"), Vars: vars}
		if c != nil {
			if c.wasm || c.wasmFunctions > 0 {
				bin := wasmtest.Module
				if c.wasmFunctions > 0 {
					bin = wasmtest.Functions(c.wasmFunctions)
				}
				if err := os.WriteFile(filepath.Join(dst, "m.wasm"), []byte(bin), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			w.Limits = c.limits
			if w.Limits.MemoryMB == 0 {
				w.Limits.MemoryMB = 32 // hostile workers get a small heap: memory attacks end quickly
			}
			// Hostile workers may reach the public origin (by its address), nothing private.
			w.EgressAllow = []string{s.origins.public.Listener.Addr().String()}
		}
		cfg.Workers = append(cfg.Workers, w)
	}
	add("victim", "victim", nil)
	seen := map[string]bool{}
	for i := range cases {
		c := &cases[i]
		for _, w := range append([]string{c.name}, c.extra...) {
			if seen[w] {
				t.Fatalf("worker %s is declared twice", w)
			}
			seen[w] = true
			add(w, filepath.Join("cases", w), c)
		}
	}
	return cfg
}

func copyDir(src, dst string) error {
	return filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// do sends one request to worker and returns its status and body.
func (s *suite) do(t *testing.T, method, worker, path string, body io.Reader, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+s.addr+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Host = worker + ".localhost"
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s%s: %v", method, worker, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// testLookup resolves the suite's made-up names offline: *.internal.test and *.localhost to
// loopback and metadata.test to the cloud metadata address; other names do not resolve.
func testLookup(_ context.Context, host string) ([]netip.Addr, error) {
	switch {
	case strings.HasSuffix(host, ".internal.test"), strings.HasSuffix(host, ".localhost"):
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	case host == "metadata.test":
		return []netip.Addr{netip.MustParseAddr("169.254.169.254")}, nil
	}
	return nil, fmt.Errorf("no such host %s (the suite resolves only its own names)", host)
}

// poll waits until cond holds, at most d.
func poll(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// logFor returns the last lines of the node's log about worker.
func (s *suite) logFor(worker string) string {
	var lines []string
	for _, l := range strings.Split(s.logs.String(), "\n") {
		if strings.Contains(l, "worker="+worker+" ") {
			lines = append(lines, l)
		}
	}
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// syncBuffer is the node's log, safe for concurrent writes and reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
