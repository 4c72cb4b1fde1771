package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"testing"
	"time"
)

// protoDispatcher answers with the request's protocol and the worker's name.
type protoDispatcher struct{}

func (protoDispatcher) Dispatch(w http.ResponseWriter, r *http.Request, worker string) {
	fmt.Fprintf(w, "%s %s", r.Proto, worker)
}

// startServer serves a Gateway for worker "hello" with NewServer on 127.0.0.1 and returns the
// base URL and a counter of accepted connections. The test's cleanup stops the server.
func startServer(t *testing.T) (baseURL string, conns *atomic.Int64) {
	t.Helper()
	g := New(protoDispatcher{}, nil)
	tab, err := NewTable([]string{"hello"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g.SetTable(tab)
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(ln.Addr().String(), g)
	conns = new(atomic.Int64)
	srv.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String(), conns
}

// get sends GET base+"/" with Host hello.localhost and returns the response and its body.
func get(t *testing.T, c *http.Client, base string, reused *bool) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "hello.localhost"
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { *reused = i.Reused }}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestServerHTTP1KeepAlive(t *testing.T) {
	base, conns := startServer(t)
	var p http.Protocols
	p.SetHTTP1(true)
	tr := &http.Transport{Protocols: &p}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var reused bool
	for i, wantReused := range []bool{false, true} {
		resp, body := get(t, c, base, &reused)
		if resp.ProtoMajor != 1 || resp.ProtoMinor != 1 || body != "HTTP/1.1 hello" {
			t.Errorf("request %d: %s %q; want HTTP/1.1 \"HTTP/1.1 hello\"", i, resp.Proto, body)
		}
		if reused != wantReused {
			t.Errorf("request %d: connection reused = %v; want %v", i, reused, wantReused)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("server accepted %d connections; want 1", n)
	}
}

func TestServerH2CPriorKnowledge(t *testing.T) {
	base, conns := startServer(t)
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &p}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var reused bool
	for i := range 2 {
		resp, body := get(t, c, base, &reused)
		if resp.ProtoMajor != 2 || body != "HTTP/2.0 hello" {
			t.Errorf("request %d: %s %q; want HTTP/2 \"HTTP/2.0 hello\"", i, resp.Proto, body)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("server accepted %d connections; want 1", n)
	}
}

func TestNewServerLimits(t *testing.T) {
	srv := NewServer("127.0.0.1:0", http.NotFoundHandler())
	if srv.MaxHeaderBytes != 128<<10 || srv.ReadHeaderTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Errorf("limits not set: %+v", srv)
	}
	if p := srv.Protocols; p == nil || !p.HTTP1() || !p.UnencryptedHTTP2() {
		t.Errorf("protocols %v; want HTTP/1.1 and h2c", p)
	}
}
