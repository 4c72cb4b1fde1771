package gateway

import (
	"net/http"
	"net/http/httptest"
	"testing"
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
