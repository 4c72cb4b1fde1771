package adversarial

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// origins are the HTTP servers outside the node that egress cases talk to, on 127.0.0.1. The
// public one stands for the internet (hostile workers' allowlist opens its address); the
// private one for an internal service nothing may reach: it counts every request it gets.
type origins struct {
	public, private *httptest.Server
	privateHits     atomic.Int64
	hangOpen        atomic.Int64 // /hang requests in progress
	hangMax         atomic.Int64 // the most /hang requests in progress at once
}

func startOrigins(t *testing.T) *origins {
	o := &origins{}
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello from the public origin") })
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) { io.Copy(w, r.Body) })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		n := o.hangOpen.Add(1)
		defer o.hangOpen.Add(-1)
		for {
			m := o.hangMax.Load()
			if n <= m || o.hangMax.CompareAndSwap(m, n) {
				break
			}
		}
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	o.public = httptest.NewServer(mux)
	o.private = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.privateHits.Add(1)
		io.WriteString(w, "the private origin's secret")
	}))
	t.Cleanup(func() {
		o.public.CloseClientConnections()
		o.public.Close()
		o.private.Close()
	})
	return o
}
