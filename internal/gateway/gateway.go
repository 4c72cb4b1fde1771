// Package gateway is islet's HTTP ingress: it accepts HTTP/1.1 and cleartext HTTP/2 (h2c)
// connections, decides which worker a request is for with an atomically swapped routing Table,
// and hands the request to a Dispatcher (the scheduler). It also writes the platform's own error
// pages, which are always distinguishable from a worker's responses.
package gateway

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
)

// Dispatcher runs a request on a worker. The scheduler implements it; the gateway only decides
// which worker. Dispatch writes the whole response to w before it returns.
type Dispatcher interface {
	Dispatch(w http.ResponseWriter, r *http.Request, worker string)
}

// Gateway is the http.Handler at the front of a node. It is safe for concurrent use, including
// SetTable while requests are being served: each request is routed by one table.
type Gateway struct {
	dispatcher Dispatcher
	logger     *slog.Logger
	table      atomic.Pointer[Table]
	// trustService says whether ServiceHeader names the worker (a runtime process, whose
	// requests all come from its supervisor); otherwise the header is dropped.
	trustService bool
}

// ServiceHeader names the worker a service-binding call is for, on a request a supervisor
// forwards to a runtime process (TrustServiceHeader); ServiceHTTPSHeader says the caller's URL
// was https. Every other gateway drops both, so no client can send them.
const (
	ServiceHeader      = "x-islet-service"
	ServiceHTTPSHeader = "x-islet-service-https"
)

// The canonical forms of ServiceHeader, ServiceHTTPSHeader and ChainHeader, as http.Header
// keys them.
var (
	serviceKey      = http.CanonicalHeaderKey(ServiceHeader)
	serviceHTTPSKey = http.CanonicalHeaderKey(ServiceHTTPSHeader)
	chainKey        = http.CanonicalHeaderKey(ChainHeader)
)

// TrustServiceHeader makes g route a request with ServiceHeader to the worker it names, for a
// runtime process behind a supervisor that drops the header from what clients send.
func (g *Gateway) TrustServiceHeader() { g.trustService = true }

// New returns a Gateway that dispatches to d and logs to logger (nil discards). Until SetTable is
// called it routes nothing and answers every request with the platform's 404 page.
func New(d Dispatcher, logger *slog.Logger) *Gateway {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Gateway{dispatcher: d, logger: logger}
}

// SetTable makes t the routing table for the requests that arrive from now on. A nil t routes
// nothing.
func (g *Gateway) SetTable(t *Table) {
	g.table.Store(t)
}

// Table returns the current routing table (nil before the first SetTable).
func (g *Gateway) Table() *Table {
	return g.table.Load()
}

// ServeHTTP routes r by its Host header and URL path and dispatches it to the matching worker.
// When no worker matches it answers 404 with a plain-text platform page and the response header
// "x-islet-error: no-route".
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	uri := r.RequestURI
	if !strings.HasPrefix(uri, "/") { // absolute form ("GET http://host/path"): measure path and query
		uri = r.URL.RequestURI()
	}
	if len(uri) > MaxURLBytes {
		WriteError(w, http.StatusRequestURITooLong, NewErrorID(), fmt.Sprintf("the URL is longer than %d bytes", MaxURLBytes))
		return
	}
	if RefuseLoop(w, r) {
		return
	}
	// Looked up by their canonical keys: no allocation on the path of every request.
	service, https := "", false
	if v, ok := r.Header[serviceKey]; ok {
		if len(v) > 0 {
			service = v[0]
		}
		delete(r.Header, serviceKey)
	}
	if _, ok := r.Header[serviceHTTPSKey]; ok {
		https = true
		delete(r.Header, serviceHTTPSKey)
	}
	if _, ok := r.Header[chainKey]; ok && !g.trustService {
		delete(r.Header, chainKey)
	}
	if service != "" && g.trustService {
		if https && r.TLS == nil {
			r.TLS = &tls.ConnectionState{} // the worker sees the scheme its caller wrote
		}
		g.dispatcher.Dispatch(w, r, service)
		return
	}
	worker, ok := g.table.Load().Match(r.Host, r.URL.Path)
	if !ok {
		g.logger.Debug("no route", "host", r.Host, "path", r.URL.Path)
		writeNoRoute(w, r.Host, r.URL.Path)
		return
	}
	g.dispatcher.Dispatch(w, r, worker)
}

// RefuseLoop answers 508 for a request deeper than MaxLoopDepth in a chain of worker-to-worker
// fetches (LoopHeader), and says whether it did. Every way into a worker checks it: the
// gateway, and a service binding's in-process dispatch.
func RefuseLoop(w http.ResponseWriter, r *http.Request) bool {
	d := r.Header.Get(LoopHeader)
	if d == "" {
		return false
	}
	if n, err := strconv.Atoi(d); err == nil && n <= MaxLoopDepth {
		return false
	}
	w.Header().Set(HeaderError, ErrorLoop)
	WriteError(w, http.StatusLoopDetected, NewErrorID(),
		fmt.Sprintf("a chain of fetches through workers went deeper than %d (a worker fetching itself?)", MaxLoopDepth))
	return true
}

// MaxURLBytes is the longest request URL (path and query) the gateway accepts, as in Workers.
const MaxURLBytes = 16 << 10

// LoopHeader carries how deep in a chain of worker-to-worker fetches a request is: outbound
// fetch sets it to one more than the incoming request's, and the gateway refuses requests
// deeper than MaxLoopDepth, so a worker that fetches itself (through any node) is stopped.
const LoopHeader = "x-islet-loop"

// MaxLoopDepth is the deepest chain of fetches through workers the gateway accepts.
const MaxLoopDepth = 16

// ErrorLoop is the x-islet-error value of a request refused for its loop depth.
const ErrorLoop = "loop"

// ErrorChain is the x-islet-error value of a service-binding call refused because its chain
// made MaxServiceInvocations calls.
const ErrorChain = "service-chain"

// writeNoRoute writes the platform's 404 page for a request that no route matches.
func writeNoRoute(w http.ResponseWriter, host, path string) {
	setPlatformHeaders(w.Header())
	w.Header().Set(HeaderError, ErrorNoRoute)
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, "islet: no worker is routed for host %q path %q\n", host, path)
}
