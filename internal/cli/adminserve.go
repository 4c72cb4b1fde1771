package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"islet/internal/admin"
	"islet/internal/control"
	"islet/internal/egress"
	"islet/internal/node"
)

// adminAPI is a running admin API.
type adminAPI struct {
	ln     net.Listener
	srv    *http.Server
	scheme string
	// unguard lets workers' outbound fetch reach the address again.
	unguard func()
}

// startAdminAPI serves the admin API on pf's --admin address (HTTPS with flags' certificate)
// over store and sealer until Close. port is the gateway's public port, for the URLs deploy
// answers show. Uploads are validated in a child process (node.ProcessValidator), so the
// process serving the API needs no V8: a supervisor can. Workers' outbound fetch may not reach
// the API, whatever address it listens on.
func startAdminAPI(flags nodeFlags, pf platformFlags, store *control.Store, sealer *control.Sealer, port string, log *slog.Logger) (*adminAPI, error) {
	exe, err := selfExecutable()
	if err != nil {
		return nil, fmt.Errorf("admin API: find the islet binary for validation: %w", err)
	}
	ln, err := net.Listen("tcp", pf.admin)
	if err != nil {
		return nil, fmt.Errorf("admin API: listen on %s: %w", pf.admin, err)
	}
	// Uploads start in a child process: a V8 fatal error there refuses the deploy
	// (startup_fatal) instead of ending this node.
	validator := &node.ProcessValidator{Executable: exe, Args: validatorArgs(flags)}
	scheme := flags.tls.scheme()
	api := admin.New(admin.Options{Store: store, Sealer: sealer, Validator: validator, Logger: log,
		URLs: func(name string, routes []string) []string {
			urls := []string{fmt.Sprintf("%s://%s.localhost:%s/", scheme, name, port)}
			for _, r := range routes {
				urls = append(urls, "route: "+r)
			}
			return urls
		}})
	a := &adminAPI{ln: ln, scheme: scheme, unguard: egress.AddOwnListener(ln.Addr()),
		srv: &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}}
	go a.srv.Serve(flags.tls.serve(ln))
	return a, nil
}

// URL is where the API answers.
func (a *adminAPI) URL() string { return a.scheme + "://" + a.ln.Addr().String() }

// Close stops serving.
func (a *adminAPI) Close() {
	a.srv.Close()
	a.unguard()
}

// serveAdminOn starts the admin API (start) over cp when it is connected (later is nil), else
// over the control plane later delivers, once it does, and passes that one on: the returned
// channel takes later's place (nil when later is). stop stops the API; with a late control
// plane, one that arrives after ctx ends is closed. An API that cannot start late is logged.
func serveAdminOn(ctx context.Context, cp *controlPlane, later <-chan *controlPlane, start func(*controlPlane) (*adminAPI, error), log *slog.Logger) (next <-chan *controlPlane, stop func(), err error) {
	if later == nil {
		api, err := start(cp)
		if err != nil {
			return nil, nil, err
		}
		return nil, api.Close, nil
	}
	fwd := make(chan *controlPlane)
	var mu sync.Mutex
	var api *adminAPI
	stopped := false
	go func() {
		var c *controlPlane
		select {
		case c = <-later:
		case <-ctx.Done():
			return
		}
		a, err := start(c)
		mu.Lock()
		switch {
		case err != nil:
			log.Error("NATS answered, but the admin API cannot start", "err", err)
		case stopped:
			a.Close()
		default:
			api = a
		}
		mu.Unlock()
		select {
		case fwd <- c:
		case <-ctx.Done():
			c.Close()
		}
	}()
	return fwd, func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		if api != nil {
			api.Close()
		}
	}, nil
}
