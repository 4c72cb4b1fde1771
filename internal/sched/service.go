package sched

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"islet/internal/egress"
	"islet/internal/gateway"
	"islet/internal/worker"
)

// serviceTransport is worker.Deps.Service: a service binding reaches a worker this scheduler
// serves, of the binding worker's own account (a worker of no account, served from a config
// file, reaches only workers of no account).
//
// Under a supervisor, a worker that this runtime process does not serve is reached through the
// supervisor (supervisedTransport), which checks the account itself.
func (s *Scheduler) serviceTransport(from *worker.Spec, target string) (http.RoundTripper, error) {
	s.mu.Lock()
	sp, ok := s.specs[target]
	s.mu.Unlock()
	switch {
	case ok && sp.Account == from.Account:
		return &dispatchTransport{s: s, target: target}, nil
	case !ok && egress.HasBroker():
		caller, _, _ := strings.Cut(from.Name, "@")
		key := caller + "\x00" + target
		if t, ok := s.services.Load(key); ok {
			return t.(http.RoundTripper), nil
		}
		t, _ := s.services.LoadOrStore(key, newSupervisedTransport(caller, target))
		return t.(http.RoundTripper), nil
	}
	// Another account's worker is reported as absent: a binding learns nothing of it.
	return nil, fmt.Errorf("the service %q is not a worker of this account", target)
}

// supervisedTransport reaches a worker of another runtime process through the supervisor: each
// connection is one the supervisor opened for caller's binding to target (egress.DialService),
// on which it serves HTTP/1.1 to target. The request keeps its Host; its https scheme travels
// in a header (gateway.ServiceHTTPSHeader).
type supervisedTransport struct {
	t *http.Transport
}

func newSupervisedTransport(caller, target string) *supervisedTransport {
	return &supervisedTransport{t: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return egress.DialService(ctx, caller, target)
		},
		// At most this many calls of one binding are open at once (the rest wait): each is a
		// socket pair and a server in the supervisor.
		MaxConnsPerHost:     64,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     60 * time.Second,
		DisableCompression:  true, // the caller sees the encoding the worker answered with
	}}
}

func (t *supervisedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	if out.Host == "" {
		out.Host = req.URL.Host
	}
	if req.URL.Scheme == "https" {
		out.Header.Set(gateway.ServiceHTTPSHeader, "1")
	}
	out.URL.Scheme, out.URL.Host = "http", "islet-service" // any name: the transport dials the supervisor
	resp, err := t.t.RoundTrip(out)
	if err == nil && resp.Header.Get(gateway.HeaderError) == gateway.ErrorChain {
		resp.Body.Close()
		return nil, gateway.ErrChainFull
	}
	if resp != nil {
		resp.Request = req
	}
	return resp, err
}

// dispatchTransport sends each request to one worker through the scheduler, in process: the
// request reaches the worker's fetch handler as if it came through the gateway (same loop-depth
// rule, same admission), and the response streams back through a pipe, with back-pressure.
type dispatchTransport struct {
	s      *Scheduler
	target string
}

func (t *dispatchTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.s.chains.Take(req.Header.Get(gateway.ChainHeader)); err != nil {
		return nil, err
	}
	in := req.Clone(req.Context())
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:0"
	if req.URL.Scheme == "https" {
		in.TLS = &tls.ConnectionState{} // the worker sees the URL's scheme, as the caller wrote it
	}
	if in.Body == nil {
		in.Body = http.NoBody
	}
	w := newPipeResponse()
	go func() {
		defer func() {
			// A worker's response that fails after its head went out aborts the handler
			// (http.ErrAbortHandler), as net/http's server expects: the caller then reads an
			// error, not a truncated body that looks complete.
			if r := recover(); r != nil {
				if r != http.ErrAbortHandler {
					panic(r)
				}
				w.WriteHeader(http.StatusBadGateway)
				w.out.CloseWithError(errAborted)
				return
			}
			w.finish()
		}()
		if gateway.RefuseLoop(w, in) {
			return
		}
		t.s.Dispatch(w, in, t.target)
	}()
	select {
	case <-w.ready:
	case <-req.Context().Done():
		w.body.CloseWithError(req.Context().Err())
		return nil, req.Context().Err()
	}
	resp := &http.Response{
		Status:     strconv.Itoa(w.status) + " " + http.StatusText(w.status),
		StatusCode: w.status,
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        w.sent,
		Body:          w.body,
		ContentLength: -1,
		Request:       req,
	}
	if n, err := strconv.ParseInt(w.sent.Get("Content-Length"), 10, 64); err == nil {
		resp.ContentLength = n
	}
	return resp, nil
}

// errAborted is what the caller reads from a service's response body that the worker aborted.
var errAborted = errors.New("the service's response was aborted")

// pipeResponse is the http.ResponseWriter a service call's worker writes to: the head is
// handed over once written, the body through a pipe that the caller's reads drain.
type pipeResponse struct {
	header http.Header
	ready  chan struct{} // closed once the head is written
	once   sync.Once
	status int
	sent   http.Header // the header as it was when the head was written
	body   *io.PipeReader
	out    *io.PipeWriter
}

func newPipeResponse() *pipeResponse {
	pr, pw := io.Pipe()
	return &pipeResponse{header: http.Header{}, ready: make(chan struct{}), body: pr, out: pw}
}

func (p *pipeResponse) Header() http.Header { return p.header }

func (p *pipeResponse) WriteHeader(code int) {
	p.once.Do(func() {
		p.status, p.sent = code, p.header.Clone()
		close(p.ready)
	})
}

func (p *pipeResponse) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return p.out.Write(b)
}

// Flush has nothing to do: each Write reaches the reader directly.
func (p *pipeResponse) Flush() {}

// finish ends the response once the worker has answered: a head if it wrote none, and the end
// of the body.
func (p *pipeResponse) finish() {
	p.WriteHeader(http.StatusOK)
	p.out.Close()
}
