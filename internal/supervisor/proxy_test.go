package supervisor

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"islet/internal/gateway"
)

// fakeRuntime serves h on a Unix socket as a runtime process would and returns a ready child
// slot for it.
func fakeRuntime(t *testing.T, h http.Handler) *child {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "c.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	c := newChild(0, sock, "", nil, io.Discard, slog.New(slog.DiscardHandler))
	close(c.ready)
	close(c.served)
	return c
}

func TestForwardKeepsTheRequest(t *testing.T) {
	c := fakeRuntime(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("x-seen", strings.Join([]string{r.Host, r.URL.RequestURI(), r.Header.Get("X-Forwarded-For"),
			r.Header.Get(gateway.LoopHeader), r.Header.Get("Accept-Encoding"), string(b)}, "|"))
		w.WriteHeader(201)
		io.WriteString(w, "from runtime")
	}))
	gw := gateway.New(&dispatcher{children: []*child{c}, log: slog.New(slog.DiscardHandler)}, nil)
	tbl, _ := gateway.NewTable([]string{"api"}, nil)
	gw.SetTable(tbl)
	front := httptest.NewServer(gw)
	defer front.Close()

	req, _ := http.NewRequest("POST", front.URL+"/p?q=1", strings.NewReader("body"))
	req.Host = "api.localhost"
	req.Header.Set(gateway.LoopHeader, "3")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// No X-Forwarded-For is added, Go's client asked for gzip itself, and the hop keeps it.
	want := "api.localhost|/p?q=1||3|gzip|body"
	if resp.StatusCode != 201 || string(b) != "from runtime" || resp.Header.Get("x-seen") != want {
		t.Fatalf("%d %q seen %q, want %q", resp.StatusCode, b, resp.Header.Get("x-seen"), want)
	}
}

func TestForwardFailureIsAPlatformPage(t *testing.T) {
	c := fakeRuntime(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler) // the connection drops before a response, as when a process dies
	}))
	d := &dispatcher{children: []*child{c}, log: slog.New(slog.DiscardHandler)}
	rec := httptest.NewRecorder()
	d.Dispatch(rec, httptest.NewRequest("GET", "http://api.localhost/", nil), "api")
	if rec.Code != http.StatusBadGateway || rec.Header().Get(gateway.HeaderError) != ErrorRuntime ||
		rec.Header().Get(gateway.HeaderErrorID) == "" || !strings.HasPrefix(rec.Body.String(), "islet: ") {
		t.Fatalf("%d %v %q", rec.Code, rec.Header(), rec.Body.String())
	}
}
