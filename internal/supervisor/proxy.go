package supervisor

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"sync/atomic"
	"time"

	"islet/internal/gateway"
)

// ErrorRuntime is the x-islet-error value of a request the supervisor could not hand to its
// runtime process: the process died while serving it (502), or none came up in time (503).
const ErrorRuntime = "runtime-unavailable"

// readyWait bounds how long a request waits for its runtime process to come (back) up.
const readyWait = 10 * time.Second

// forwarded are the request headers a client may send that the hop keeps as they are: the
// runtime process sees the request the supervisor received, as a single process would.
var forwarded = []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"}

// newProxy returns the HTTP/1.1 transport over c's Unix socket (idle connections kept for
// reuse) and the reverse proxy that forwards requests through it. Bodies stream both ways; the
// Host header, the loop header and the client's own X-Forwarded-* headers pass unchanged, and
// hop-by-hop headers are dropped as HTTP requires. A failure before the response starts is a
// platform 502 page; a failure after it aborts the response, so the client sees it truncated.
func newProxy(c *child) (*http.Transport, *httputil.ReverseProxy) {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", c.socket)
		},
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     90 * time.Second,
		// The worker sees the client's Accept-Encoding; the transport must not add gzip and
		// decode it behind the worker's back.
		DisableCompression: true,
	}
	p := &httputil.ReverseProxy{
		Transport: tr,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = "http"
			pr.Out.URL.Host = "islet-runtime" // any name: the transport dials the socket
			pr.Out.Host = pr.In.Host
			// Rewrite drops X-Forwarded-* from the outgoing request; the hop adds none.
			for _, h := range forwarded {
				if v, ok := pr.In.Header[h]; ok {
					pr.Out.Header[h] = v
				}
			}
		},
		ErrorLog: slog.NewLogLogger(c.log.Handler(), slog.LevelDebug),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(r.Context().Err(), context.Canceled) {
				// The client went away; nobody reads the page.
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			if req, ok := r.Context().Value(workerKey{}).(request); ok {
				c.flight.fail(req, time.Now())
			}
			id := gateway.NewErrorID()
			c.log.Error("runtime process failed a request", "process", c.index, "host", r.Host,
				"path", r.URL.Path, "error_id", id, "err", err)
			w.Header().Set(gateway.HeaderError, ErrorRuntime)
			gateway.WriteError(w, http.StatusBadGateway, id, "the runtime process serving this worker failed before it answered")
		},
	}
	return tr, p
}

// dispatcher is the supervisor's gateway.Dispatcher: it forwards each request to the runtime
// process its worker is assigned to by layout (with the worker's tier from tiers).
type dispatcher struct {
	children []*child
	layout   *Layout
	// tiers maps worker names to their tiers; replaced whole (setTiers), never modified.
	tiers atomic.Pointer[map[string]string]
	// quarantine, when the layout has the QuarantineTier, sends the workers it holds there.
	quarantine *quarantine
	log        *slog.Logger
}

// workerKey is the request context's key for the worker a proxied request is for (a request).
type workerKey struct{}

// setTiers replaces the workers' tiers.
func (d *dispatcher) setTiers(tiers map[string]string) { d.tiers.Store(&tiers) }

// pick returns the child slot that serves worker.
func (d *dispatcher) pick(worker string) *child {
	tier := ""
	if m := d.tiers.Load(); m != nil {
		tier = (*m)[worker]
	}
	if d.quarantine.has(worker) {
		tier = QuarantineTier
	}
	if d.layout == nil {
		return d.children[Pick(worker, len(d.children))]
	}
	return d.children[d.layout.Pick(worker, tier)]
}

// Dispatch forwards r to worker's runtime process, waiting (bounded by readyWait) while that
// process is being restarted; if none comes up it answers the platform's 503 page.
func (d *dispatcher) Dispatch(w http.ResponseWriter, r *http.Request, worker string) {
	c := d.pick(worker)
	if !c.awaitReady(r.Context(), readyWait) {
		if r.Context().Err() != nil {
			return
		}
		id := gateway.NewErrorID()
		d.log.Error("runtime process not ready", "process", c.index, "worker", worker, "error_id", id)
		w.Header().Set(gateway.HeaderError, ErrorRuntime)
		gateway.WriteError(w, http.StatusServiceUnavailable, id, "the runtime process serving this worker is restarting; retry")
		return
	}
	id, req := c.flight.begin(worker)
	defer c.flight.end(id)
	c.proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), workerKey{}, req)))
}
