package gateway

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// serviceDispatcher records what the gateway dispatched.
type serviceDispatcher struct {
	worker, header string
	https          bool
}

func (d *serviceDispatcher) Dispatch(w http.ResponseWriter, r *http.Request, worker string) {
	d.worker, d.header, d.https = worker, r.Header.Get(ServiceHeader)+r.Header.Get(ServiceHTTPSHeader), r.TLS != nil
}

// TestServiceHeader: a runtime process's gateway (TrustServiceHeader) sends a request with
// ServiceHeader to the worker it names, https when ServiceHTTPSHeader says so; every other
// gateway drops both headers and routes by host, so a client cannot pick a worker with them.
func TestServiceHeader(t *testing.T) {
	table, err := NewTable([]string{"site", "auth"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, trusted := range []bool{false, true} {
		d := &serviceDispatcher{}
		g := New(d, nil)
		g.SetTable(table)
		if trusted {
			g.TrustServiceHeader()
		}
		r := httptest.NewRequest("GET", "http://site.localhost/", nil)
		r.Header.Set(ServiceHeader, "auth")
		r.Header.Set(ServiceHTTPSHeader, "1")
		g.ServeHTTP(httptest.NewRecorder(), r)
		want := serviceDispatcher{worker: "site"}
		if trusted {
			want = serviceDispatcher{worker: "auth", https: true}
		}
		if *d != want {
			t.Errorf("trusted=%v: dispatched %+v, want %+v", trusted, *d, want)
		}
	}
}

// TestChains: one chain may make MaxServiceInvocations calls, then is refused; another chain
// has its own count; an idle chain's count is forgotten.
func TestChains(t *testing.T) {
	now := time.Unix(0, 0)
	c := NewChains()
	c.now = func() time.Time { return now }
	for i := 0; i < MaxServiceInvocations; i++ {
		if err := c.Take("a"); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	if err := c.Take("a"); err == nil {
		t.Fatal("a chain made more than MaxServiceInvocations calls")
	}
	if err := c.Take("b"); err != nil {
		t.Fatalf("another chain: %v", err)
	}
	now = now.Add(chainIdle + time.Second)
	if err := c.Take("a"); err != nil {
		t.Fatalf("after being idle: %v", err)
	}
}

// TestChainHeaderFromClients: a gateway that does not trust service headers drops the chain
// header, so no client joins a chain; a runtime process's gateway keeps it.
func TestChainHeaderFromClients(t *testing.T) {
	table, _ := NewTable([]string{"site"}, nil)
	for _, trusted := range []bool{false, true} {
		var got string
		g := New(dispatcherFunc(func(w http.ResponseWriter, r *http.Request, worker string) { got = r.Header.Get(ChainHeader) }), nil)
		g.SetTable(table)
		if trusted {
			g.TrustServiceHeader()
		}
		r := httptest.NewRequest("GET", "http://site.localhost/", nil)
		r.Header.Set(ChainHeader, "c1")
		g.ServeHTTP(httptest.NewRecorder(), r)
		if want := map[bool]string{false: "", true: "c1"}[trusted]; got != want {
			t.Errorf("trusted=%v: the worker saw chain %q, want %q", trusted, got, want)
		}
	}
}

type dispatcherFunc func(w http.ResponseWriter, r *http.Request, worker string)

func (f dispatcherFunc) Dispatch(w http.ResponseWriter, r *http.Request, worker string) {
	f(w, r, worker)
}
