// Package supervisor runs islet as a supervisor and several runtime processes, so that a fatal
// V8 error (which kills the process it happens in) takes down only the workers of one process.
//
// The supervisor runs no V8 and builds without cgo. It starts Processes copies of the islet
// binary, each serving HTTP on its own Unix socket; accepts HTTP on the public listener; routes
// each request by the same table a single process would use (gateway.Gateway, including its URL
// length and loop-depth checks); and forwards it to the runtime process its worker hashes to
// (Layout: by trust tier when configured, then by Pick). A runtime process that exits is started again with backoff; only the requests it was
// serving fail, with the platform's 502 page, while requests that arrive during the restart wait
// for it (bounded). Every runtime process loads every worker, but isolates are created on first
// request, so a process only instantiates the workers routed to it. A platform node's runtime
// processes instead receive only their own workers from the supervisor (Options.Feed).
package supervisor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"islet/internal/feed"
	"islet/internal/gateway"
)

// Options configure a Supervisor.
type Options struct {
	// Layout is how many runtime processes to run and which serves which worker.
	Layout *Layout
	// Executable is the islet binary the runtime processes run.
	Executable string
	// Args returns the arguments (without the program name) of runtime process index, which must
	// serve HTTP on the Unix socket at socket.
	Args func(index int, socket string) []string
	// Env is added to the runtime processes' environment (this process's own, inherited):
	// secrets go here, never in Args, which every local user can read in /proc/PID/cmdline.
	Env []string
	// Listener is the public listener; Run serves on it (guarded against request smuggling,
	// gateway.GuardListener) and closes it.
	Listener net.Listener
	// Routes delivers the routing tables.
	Routes TableSource
	// Feed, when set, is the workers the runtime processes run (a platform node's): each
	// process receives the part of its States routed to it on its descriptor FeedFD (see
	// package feed), and nothing of other processes' workers. Such a process also opens no
	// outbound connection itself: it asks on its descriptor BrokerFD, and the supervisor
	// connects under the egress policy of one of its workers (package egress, broker.go), so
	// it runs in a network namespace of its own. Without Feed the runtime processes read their
	// workers themselves (a config file's) and share the supervisor's network.
	Feed *feed.Hub
	// Output receives the runtime processes' standard output and error (default os.Stderr).
	Output io.Writer
	// Logger receives the supervisor's own log (default slog.Default()).
	Logger *slog.Logger
	// Server bounds the public HTTP server's timeouts (zero fields: the gateway's defaults).
	Server gateway.ServerLimits
	// Ready, if set, is called once every runtime process serves and the public listener is
	// being served.
	Ready func()
}

// startTimeout bounds how long Run waits for the first table and for every runtime process to
// serve for the first time.
const startTimeout = 2 * time.Minute

// shutdownTimeout bounds how long Run lets in-flight requests finish when ctx ends.
const shutdownTimeout = 5 * time.Second

// Run supervises the runtime processes and serves the public listener until ctx ends. Then it
// stops accepting, lets in-flight requests finish (bounded), sends SIGTERM to the runtime
// processes and waits for them (bounded; stragglers are killed), and returns nil. It returns an
// error if the routing table cannot be loaded or a runtime process fails before it ever served.
func Run(ctx context.Context, o Options) error {
	if o.Layout == nil {
		return errors.New("supervisor: no process layout")
	}
	if os.Getenv("GOGC") == "" {
		// The supervisor's live heap is small and almost all its allocation is per-request
		// garbage; collecting at 5x the live heap instead of 2x cut its CPU per proxied
		// request from 65 to about 42 µs (hello world, wrk, 2 cores).
		debug.SetGCPercent(400)
	}
	if o.Output == nil {
		o.Output = os.Stderr
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	defer o.Listener.Close()
	// Socket paths are limited to about 100 bytes, so they live in a short private directory.
	dir, err := os.MkdirTemp("", "islet-")
	if err != nil {
		return fmt.Errorf("supervisor: socket directory: %w", err)
	}
	defer os.RemoveAll(dir)

	d := &dispatcher{log: o.Logger, layout: o.Layout}
	if o.Layout.HasTier(QuarantineTier) && o.Feed != nil {
		d.quarantine = newQuarantine(o.Logger, func() {
			// The same workers under a new State: each process's part is computed again, and
			// the egress grants with it (they are cached by State).
			if st := o.Feed.Current(); st != nil {
				moved := *st
				o.Feed.Set(&moved)
			}
		})
	}
	gw := gateway.New(d, o.Logger)
	warned := map[string]string{} // worker → the unconfigured tier it was warned about
	setRouting := func(r Routing) {
		for name, tier := range r.Tiers {
			if tier != "" && !o.Layout.HasTier(tier) && warned[name] != tier {
				warned[name] = tier
				o.Logger.Warn("worker's tier has no processes of its own (serve --tier NAME=K); it runs in the default processes",
					"worker", name, "tier", tier)
			}
		}
		d.setTiers(r.Tiers)
		gw.SetTable(r.Table)
	}
	routesCtx, stopRoutes := context.WithCancel(ctx)
	defer stopRoutes()
	first := make(chan struct{})
	var firstOnce sync.Once
	routesErr := make(chan error, 1)
	go func() {
		routesErr <- o.Routes(routesCtx, func(r Routing) {
			setRouting(r)
			firstOnce.Do(func() { close(first) })
		})
	}()
	select {
	case <-first:
	case err := <-routesErr:
		if err == nil {
			err = errors.New("routing source ended before it delivered a table")
		}
		return fmt.Errorf("supervisor: %w", err)
	case <-ctx.Done():
		return nil
	case <-time.After(startTimeout):
		return fmt.Errorf("supervisor: no routing table after %s", startTimeout)
	}

	childCtx, stopChildren := context.WithCancel(context.Background())
	defer stopChildren()
	total := o.Layout.Total()
	early := make(chan error, total)
	var running sync.WaitGroup
	ns := newNamespaces(o.Logger)
	chains := gateway.NewChains()
	for i := 0; i < total; i++ {
		socket := filepath.Join(dir, fmt.Sprintf("child-%d.sock", i))
		c := newChild(i, socket, o.Executable, o.Args(i, socket), o.Output, o.Logger)
		c.env = o.Env
		c.ns = ns
		c.tier = o.Layout.TierOf(i)
		if o.Feed != nil {
			c.feed = o.Feed
			c.serves = func(worker string) bool { return d.pick(worker) == c }
			c.dispatch = d.Dispatch
			c.chains = chains
		}
		if d.quarantine != nil {
			c.died = d.quarantine.died
		}
		d.children = append(d.children, c)
		running.Add(1)
		go func() { defer running.Done(); c.run(childCtx, early) }()
	}
	stop := func() {
		stopChildren()
		running.Wait() // bounded: each process is killed stopGrace after its SIGTERM
	}
	deadline := time.After(startTimeout)
	for _, c := range d.children {
		select {
		case <-c.served:
		case err := <-early:
			stop()
			return fmt.Errorf("supervisor: %w", err)
		case <-ctx.Done():
			stop()
			return nil
		case <-deadline:
			stop()
			return fmt.Errorf("supervisor: runtime process %d did not serve within %s", c.index, startTimeout)
		}
	}

	srv := gateway.NewServerWith(o.Listener.Addr().String(), gw, o.Server)
	serveErr := make(chan error, 1)
	// The public listener is guarded against request smuggling whoever opened it (the hop to a
	// runtime process re-frames every request, so only this edge sees a client's framing).
	public := gateway.GuardListener(o.Listener)
	go func() { serveErr <- srv.Serve(public) }()
	if o.Ready != nil {
		o.Ready()
	}
	var runErr error
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		runErr = fmt.Errorf("supervisor: serve: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	srv.Shutdown(sctx)
	cancel()
	for _, c := range d.children {
		c.transport.CloseIdleConnections()
	}
	stop()
	o.Logger.Info("supervisor stopped")
	return runErr
}
