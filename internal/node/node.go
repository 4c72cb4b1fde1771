// Package node wires one islet node: a source of worker definitions feeds the scheduler and
// the gateway's routing table, and the gateway serves HTTP.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"islet/internal/config"
	"islet/internal/egress"
	"islet/internal/gateway"
	"islet/internal/limits"
	"islet/internal/sched"
	"islet/internal/snapshot"
	"islet/internal/v8"
	"islet/internal/worker"
)

// Source delivers the set of workers a node serves. Watch calls apply with the first set and
// again whenever it changes, until ctx ends. A config file is one Source; the control plane
// will be another.
type Source interface {
	Watch(ctx context.Context, apply func(*config.Config) error) error
}

// Options configure a Node.
type Options struct {
	Sched  sched.Options
	Logger *slog.Logger
	// EgressAllow opens private destinations to every worker's outbound fetch (--egress-allow);
	// it is process-wide, set by New.
	EgressAllow []limits.EgressRule
	// Server bounds the HTTP server's timeouts (zero fields: the gateway's defaults).
	Server gateway.ServerLimits
	// BehindSupervisor says the node is a runtime process: its gateway takes the worker of a
	// service-binding call from the supervisor's header (gateway.TrustServiceHeader).
	BehindSupervisor bool
}

// Node is a running islet node.
type Node struct {
	log   *slog.Logger
	sched *sched.Scheduler
	gw    *gateway.Gateway
	snap  *v8.Snapshot

	server  gateway.ServerLimits
	checkMu sync.Mutex
	// splits maps a worker name to its gradual rollout, if any (see Dispatch).
	splits atomic.Pointer[map[string]split]

	// builtMu guards built, the specs made of the control plane's versions, by spec name (see
	// ApplyState).
	builtMu sync.Mutex
	built   map[string]*builtSpec
}

// New builds the runtime snapshot and starts the scheduler.
func New(opts Options) (*Node, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	opts.Sched.Logger = opts.Logger
	snap, err := snapshot.Get()
	if err != nil {
		return nil, fmt.Errorf("start node: %w", err)
	}
	egress.SetNodeRules(opts.EgressAllow)
	n := &Node{log: opts.Logger, snap: snap, server: opts.Server}
	n.sched = sched.New(snap, opts.Sched)
	n.gw = gateway.New(n, opts.Logger)
	if opts.BehindSupervisor {
		n.gw.TrustServiceHeader()
	}
	return n, nil
}

// Handler is the node's HTTP handler.
func (n *Node) Handler() http.Handler { return n.gw }

// Scheduler exposes the scheduler (for stats and benchmarks).
func (n *Node) Scheduler() *sched.Scheduler { return n.sched }

// Apply makes cfg's workers the ones served. A worker whose files cannot be read is left out
// with an error in the log; the others are served. It returns the specs it applied.
func (n *Node) Apply(cfg *config.Config) ([]*worker.Spec, error) {
	var specs []*worker.Spec
	var names []string
	var errs []error
	for _, w := range cfg.Workers {
		spec, err := SpecFromConfig(w)
		if err != nil {
			n.log.Error("worker refused", "worker", w.Name, "err", err)
			errs = append(errs, err)
			continue
		}
		specs = append(specs, spec)
		names = append(names, w.Name)
	}
	var routes []gateway.Route
	for _, w := range cfg.Workers {
		for _, r := range w.Routes {
			routes = append(routes, gateway.Route{Pattern: r, Worker: w.Name})
		}
	}
	if err := n.install(specs, names, routes, nil); err != nil {
		return nil, err
	}
	return specs, errors.Join(errs...)
}

// install makes specs the workers served: names are routed at <name>.localhost and by routes,
// and splits send part of a worker's traffic to another spec (a rollout's version, in specs
// under its own name). A table that does not build changes nothing.
func (n *Node) install(specs []*worker.Spec, names []string, routes []gateway.Route, splits map[string]split) error {
	table, err := gateway.NewTable(names, routes)
	if err != nil {
		return fmt.Errorf("routes: %w", err)
	}
	n.sched.SetWorkers(specs)
	n.splits.Store(&splits)
	n.gw.SetTable(table)
	return nil
}

// Check compiles and links each worker in a scratch isolate without running it and returns
// the workers that fail (syntax errors with file:line:column, missing imports). The code caches
// it makes go to the scheduler's cache, so the workers' first requests compile faster.
func (n *Node) Check(specs []*worker.Spec) []error {
	n.checkMu.Lock()
	defer n.checkMu.Unlock()
	var errs []error
	var iso *v8.Isolate
	for i, spec := range specs {
		if i%64 == 0 {
			if iso != nil {
				iso.Dispose()
			}
			iso = v8.NewIsolate(n.snap, v8.Options{}, v8.Callbacks{})
		}
		if err := worker.Check(spec, iso, n.sched.CodeCache()); err != nil {
			errs = append(errs, err)
		}
	}
	if iso != nil {
		iso.Dispose()
	}
	return errs
}

// Serve answers HTTP on ln until ctx ends, then shuts down gracefully (bounded).
func (n *Node) Serve(ctx context.Context, ln net.Listener) error {
	srv := gateway.NewServerWith(ln.Addr().String(), n.gw, n.server)
	// Workers' outbound fetch may not connect back to this listener, whatever its address.
	defer egress.AddOwnListener(ln.Addr())()
	errc := make(chan error, 1)
	// Whoever opened ln, requests whose framing two parsers could read differently are refused
	// before net/http reads them (gateway.GuardListener; a guarded ln is not wrapped twice).
	go func() { errc <- srv.Serve(gateway.GuardListener(ln)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	return nil
}

// Close stops the scheduler and frees every isolate.
func (n *Node) Close() { n.sched.Close() }

// FileSource is a config file (or a dev config) polled for changes to it and to the workers'
// files.
type FileSource struct {
	// Load reads the configuration; it is called at start and whenever files change.
	Load func() (*config.Config, error)
	// Path is the config file to watch, if any.
	Path string
	// WatchWorkerFiles also polls every worker's files (islet dev); otherwise only the config
	// file is watched, which keeps a node with thousands of workers from walking their folders.
	WatchWorkerFiles bool
	// Also are more files to watch, present or not (islet dev: the .dev.vars and .env files
	// it may read).
	Also     []string
	Interval time.Duration
	Logger   *slog.Logger
}

func (s *FileSource) key(cfg *config.Config) string {
	k := statKey(s.Path)
	for _, p := range s.Also {
		k += "\n" + p + " " + statKey(p)
	}
	if s.WatchWorkerFiles {
		return watchKey(cfg) + k
	}
	return k
}

// Watch applies the config now and again whenever its files change. A config that fails to
// load keeps the previous one serving; the error is logged and retried on the next change.
func (s *FileSource) Watch(ctx context.Context, apply func(*config.Config) error) error {
	if s.Interval == 0 {
		s.Interval = 300 * time.Millisecond
	}
	cfg, err := s.Load()
	if err != nil {
		return err
	}
	// The files' state is taken before apply reads them: apply lets requests in, and a change
	// made after the first answer must be seen as one (taken after, it was missed when a test
	// changed the files between the first answer and the end of apply).
	last := s.key(cfg)
	if err := apply(cfg); err != nil {
		s.Logger.Error("some workers were refused", "err", err)
	}
	t := time.NewTicker(s.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		key := s.key(cfg)
		if key == last {
			continue
		}
		last = key
		next, err := s.Load()
		if err != nil {
			s.Logger.Error("reload failed; still serving the previous version", "err", err)
			continue
		}
		cfg = next
		last = s.key(cfg)
		if err := apply(cfg); err != nil {
			s.Logger.Error("reload: some workers were refused", "err", err)
		} else {
			s.Logger.Info("reloaded", "workers", len(cfg.Workers))
		}
	}
}
