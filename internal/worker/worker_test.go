package worker

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"islet/internal/snapshot"
	"islet/internal/v8"
)

// syncBuffer is a log sink safe for concurrent writes and reads.
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

// waitFor polls until the log contains s (bounded).
func (b *syncBuffer) waitFor(t *testing.T, s string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := b.String()
		if strings.Contains(out, s) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("log never contained %q:\n%s", s, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// serve runs one module worker behind an httptest server on 127.0.0.1; turns run on a fresh
// goroutine per scheduling, which is enough for one instance.
func serve(t *testing.T, modules map[string]string) (*httptest.Server, *syncBuffer) {
	t.Helper()
	return serveSpec(t, &Spec{Modules: modules})
}

// serveSpec is serve for a spec whose name, base URL, main ("index.js") and format are filled
// in when unset.
func serveSpec(t *testing.T, spec *Spec) (*httptest.Server, *syncBuffer) {
	t.Helper()
	inst, logs := newTestInstance(t, spec, false)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { inst.Serve(w, r) }))
	t.Cleanup(srv.Close)
	return srv, logs
}

// newTestInstance makes an instance of spec (filled in as serveSpec does) whose turns run on a
// fresh goroutine per scheduling; it is disposed when the test ends.
func newTestInstance(t testing.TB, spec *Spec, exposeErrors bool) (*Instance, *syncBuffer) {
	t.Helper()
	snap, err := snapshot.Get()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	if spec.Name == "" {
		spec.Name, spec.BaseURL = "t", "file:///t/"
	}
	if spec.Main == "" {
		spec.Main = "index.js"
		spec.Format = DetectFormat(spec.Modules["index.js"])
	}
	inst := New(spec, Deps{
		NewIsolate: func(uint64) *v8.Isolate { return v8.NewIsolate(snap, v8.Options{HeapLimit: 64 << 20}, v8.Callbacks{}) },
		Schedule: func(i *Instance) {
			go func() {
				for i.RunTurns(64, nil) {
				}
			}()
		},
		Logger:       slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ExposeErrors: exposeErrors,
	})
	t.Cleanup(func() {
		done := make(chan struct{})
		if !inst.PostAndRun(func() { inst.Dispose(); close(done) }) {
			return
		}
		<-done
	})
	return inst, logs
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestWaitUntilRunsAfterTheResponse(t *testing.T) {
	srv, logs := serve(t, map[string]string{"index.js": `
		export default {
			fetch(req, env, ctx) {
				ctx.waitUntil(new Promise((r) => setTimeout(() => { console.log("after the response"); r(); }, 50)));
				return new Response("sent");
			},
		};`})
	if code, body := get(t, srv.URL); code != 200 || body != "sent" {
		t.Fatalf("%d %q", code, body)
	}
	if strings.Contains(logs.String(), "after the response") {
		t.Fatal("waitUntil work ran before the response went out")
	}
	out := logs.waitFor(t, "after the response")
	if !strings.Contains(out, "request=1") {
		t.Errorf("console line lacks the request id:\n%s", out)
	}
}

func TestConsoleLevelsAndUnhandledRejections(t *testing.T) {
	srv, logs := serve(t, map[string]string{"index.js": `
		export default {
			fetch() {
				console.debug("d"); console.info("i", { a: 1 }); console.warn("w"); console.error(new Error("e"));
				Promise.reject(new Error("nobody catches this"));
				return new Response("ok");
			},
		};`})
	get(t, srv.URL)
	out := logs.waitFor(t, "nobody catches this")
	for _, want := range []string{"level=DEBUG msg=d", "level=INFO msg=\"i { a: 1 }\"", "level=WARN msg=w", "level=ERROR msg=\"Error: e", "Uncaught (in promise)"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestRequestBodyStreamsIn(t *testing.T) {
	srv, _ := serve(t, map[string]string{"index.js": `
		export default {
			async fetch(req) {
				let n = 0, chunks = 0;
				for await (const c of req.body) { n += c.byteLength; chunks++; }
				return new Response(n + " bytes in " + (chunks > 1 ? "several chunks" : "one chunk"));
			},
		};`})
	body := strings.Repeat("x", 1<<20)
	resp, err := http.Post(srv.URL, "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "1048576 bytes in several chunks" {
		t.Fatalf("got %q", b)
	}
}

func TestResponseStreamsOutBeforeItEnds(t *testing.T) {
	srv, _ := serve(t, map[string]string{"index.js": `
		export default {
			fetch(req) {
				const enc = new TextEncoder();
				const { readable, writable } = new TransformStream();
				const w = writable.getWriter();
				w.write(enc.encode("first\n"));
				setTimeout(() => w.write(enc.encode("second\n")).then(() => w.close()), 2000);
				return new Response(readable);
			},
		};`})
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	// The first chunk arrives while the stream is still open; the rest two seconds later. A
	// server that buffered the body would deliver both at once.
	line, err := br.ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first chunk: %q %v", line, err)
	}
	first := time.Now()
	rest, _ := io.ReadAll(br)
	if string(rest) != "second\n" {
		t.Fatalf("rest: %q", rest)
	}
	if gap := time.Since(first); gap < time.Second {
		t.Fatalf("the rest came %v after the first chunk; the body was buffered", gap)
	}
}

func TestResolvePath(t *testing.T) {
	cases := []struct{ from, spec, want, err string }{
		{"index.js", "./a.js", "a.js", ""},
		{"lib/x.js", "../y.js", "y.js", ""},
		{"lib/x.js", "./z/w.js", "lib/z/w.js", ""},
		{"index.js", "/abs.js", "abs.js", ""},
		{"index.js", "../escape.js", "", "leaves the worker's directory"},
		{"index.js", "hono", "", "bundle packages first"},
	}
	for _, c := range cases {
		got, err := ResolvePath(c.from, c.spec)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ResolvePath(%q, %q) error %v, want %q", c.from, c.spec, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ResolvePath(%q, %q) = %q, %v; want %q", c.from, c.spec, got, err, c.want)
		}
	}
}

func TestDetectFormat(t *testing.T) {
	cases := []struct {
		code string
		want Format
	}{
		{"export default {}", FormatModule},
		{"import x from './x.js';\naddEventListener('fetch', () => {})", FormatModule},
		{"addEventListener('fetch', (e) => e.respondWith(new Response('x')))", FormatScript},
		{"// export default in a comment is still a module line? no:\n  const exported = 1;", FormatScript},
	}
	for _, c := range cases {
		if got := DetectFormat(c.code); got != c.want {
			t.Errorf("DetectFormat(%q) = %v, want %v", c.code, got, c.want)
		}
	}
}

func TestBodyOfAnotherRequestIsRefused(t *testing.T) {
	srv, _ := serve(t, map[string]string{"index.js": `
		let kept;
		export default {
			async fetch(req) {
				if (new URL(req.url).pathname === "/keep") { kept = req; return new Response("kept"); }
				try { await kept.text(); return new Response("read another request's body"); }
				catch (e) { return new Response(e.constructor.name + ": " + e.message); }
			},
		};`})
	resp, err := http.Post(srv.URL+"/keep", "text/plain", strings.NewReader("secret"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code, body := get(t, srv.URL+"/steal"); code != 200 || !strings.Contains(body, "TypeError: Cannot perform I/O on behalf of a different request") {
		t.Fatalf("%d %q", code, body)
	}
}

// TestSpecVersionConcurrent: the first Version calls may race (the scheduler and the gateway
// ask at once); under -race this fails if the cached hash is written unguarded.
func TestSpecVersionConcurrent(t *testing.T) {
	spec := &Spec{Name: "w", Main: "index.js", Modules: map[string]string{"index.js": "export default {}"}}
	got := make(chan string, 8)
	for i := 0; i < cap(got); i++ {
		go func() { got <- spec.Version() }()
	}
	first := <-got
	for i := 1; i < cap(got); i++ {
		if v := <-got; v != first || len(v) != 16 {
			t.Fatalf("Version = %q and %q", first, v)
		}
	}
}
