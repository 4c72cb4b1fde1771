package node

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"islet/internal/bundle"
	"islet/internal/config"
	"islet/internal/control"
	"islet/internal/deploy"
	"islet/internal/gateway"
	"islet/internal/limits"
	"islet/internal/worker"
)

// ServeControl serves the workers the control plane holds, keeping no cache on disk (see
// Follower.ServeControl).
func (n *Node) ServeControl(ctx context.Context, store *control.Store, sealer *control.Sealer, first func()) error {
	return n.NewFollower(sealer, nil).ServeControl(ctx, store, first)
}

// ServeControl serves the workers the control plane holds: it watches the store's worker
// records and installs each change as soon as the watch fires, until ctx ends. Versions and
// bundles are read once and kept, so a node cut off from NATS keeps serving what it last had;
// a change whose version cannot be read yet is retried every second. Every state installed
// completely is saved to the follower's cache, if it has one. Specs the follower already
// resolved (from its cache, see ServeCache) are kept when the live records name the same
// versions and secrets.
// first, if not nil, is called once the workers present at start are installed.
func (f *Follower) ServeControl(ctx context.Context, store *control.Store, first func()) error {
	r, n := f.r, f.r.n
	r.store = store
	latest := make(chan map[string]*control.Worker, 1)
	watchErr := make(chan error, 1)
	go func() {
		watchErr <- store.Watch(ctx, func(m map[string]*control.Worker) {
			select { // keep only the newest state
			case <-latest:
			default:
			}
			latest <- m
		}, func(err error) { n.log.Error("control plane", "err", err) })
	}()
	var current map[string]*control.Worker
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-watchErr:
			return err
		case current = <-latest:
		case <-retry.C:
		}
		if current == nil {
			continue
		}
		if !r.apply(ctx, current) {
			retry.Reset(time.Second)
		} else {
			f.save(current)
		}
		if first != nil {
			first()
			first = nil
		}
	}
}

// resolver turns worker records into specs, reading versions and bundles from its source once.
type resolver struct {
	n      *Node
	store  versionSource
	sealer *control.Sealer
	cache  map[string]*cachedSpec // by spec name
}

// versionSource reads versions and bundles: the control plane's store, or a node's cache
// (cacheSource).
type versionSource interface {
	Version(ctx context.Context, worker, id string) (*control.Version, error)
	Bundle(ctx context.Context, name string) (*control.Bundle, error)
}

type cachedSpec struct {
	key     string // version and sealed secrets it was built from
	spec    *worker.Spec
	version *control.Version // the version it runs
}

// apply installs workers and reports whether every one of them could be resolved.
func (r *resolver) apply(ctx context.Context, workers map[string]*control.Worker) (complete bool) {
	complete = true
	var specs []*worker.Spec
	var names []string
	var routes []gateway.Route
	splits := map[string]split{}
	used := map[string]bool{}
	sorted := make([]string, 0, len(workers))
	for name := range workers {
		sorted = append(sorted, name)
	}
	sort.Strings(sorted)
	for _, name := range sorted {
		w := workers[name]
		spec, err := r.spec(ctx, name, w, w.Current)
		if err != nil {
			r.n.log.Error("cannot load worker version; serving the previous one if any", "worker", name, "version", w.Current, "err", err)
			complete = false
		}
		if spec == nil {
			continue
		}
		specs, names = append(specs, spec), append(names, name)
		used[name] = true
		for _, p := range w.Routes {
			routes = append(routes, gateway.Route{Pattern: p, Worker: name})
		}
		if ro := w.Rollout; ro != nil {
			canary := name + "@" + ro.Version
			cs, err := r.spec(ctx, canary, w, ro.Version)
			if err != nil {
				r.n.log.Error("cannot load rollout version", "worker", name, "version", ro.Version, "err", err)
				complete = false
			}
			if cs != nil {
				specs = append(specs, cs)
				used[canary] = true
				splits[name] = split{Canary: canary, Percent: ro.Percent}
			}
		}
	}
	for k := range r.cache {
		if !used[k] {
			delete(r.cache, k)
		}
	}
	if err := r.n.install(specs, names, routes, splits); err != nil {
		// Routes the API let through concurrently may conflict; keep the ones that fit.
		r.n.log.Error("routes conflict; dropping the conflicting ones", "err", err)
		var kept []gateway.Route
		for _, rt := range routes {
			if _, err := gateway.NewTable(names, append(kept, rt)); err == nil {
				kept = append(kept, rt)
			}
		}
		if err := r.n.install(specs, names, kept, splits); err != nil {
			r.n.log.Error("cannot install workers", "err", err)
			return false
		}
	}
	r.n.log.Info("control plane: workers installed", "workers", len(names))
	return complete
}

// spec returns the spec of version id of w, served under specName; on an error it returns the
// previous spec under that name (if any) with the error.
func (r *resolver) spec(ctx context.Context, specName string, w *control.Worker, id string) (*worker.Spec, error) {
	var sk strings.Builder
	sk.WriteString(id)
	keys := make([]string, 0, len(w.Secrets))
	for k := range w.Secrets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&sk, "|%s=%s", k, w.Secrets[k])
	}
	prev := r.cache[specName]
	if prev != nil && prev.key == sk.String() {
		return prev.spec, nil
	}
	fail := func(err error) (*worker.Spec, error) {
		if prev != nil {
			return prev.spec, err
		}
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := r.store.Version(rctx, w.Name, id)
	if err != nil {
		return fail(err)
	}
	b, err := r.store.Bundle(rctx, v.Bundle)
	if err != nil {
		return fail(err)
	}
	vars := map[string]any{}
	for k, val := range v.Vars {
		vars[k] = val
	}
	for _, k := range keys {
		plain, err := r.sealer.Open(w.Name, k, w.Secrets[k])
		if err != nil {
			return fail(err)
		}
		vars[k] = plain
	}
	spec, err := specFromBundle(specName, v.Main, v.Format, b.Modules, vars, v.Limits, v.EgressAllow)
	if err != nil {
		return fail(err)
	}
	spec.Account = v.Account
	r.cache[specName] = &cachedSpec{key: sk.String(), spec: spec, version: v}
	return spec, nil
}

// specFromBundle makes a spec of deployed modules; they are named under islet://<worker>/.
func specFromBundle(name, main, format string, modules map[string][]byte, vars map[string]any, lim config.Limits, egressAllow []string) (*worker.Spec, error) {
	egress, err := limits.ParseEgressRules(egressAllow)
	if err != nil {
		return nil, fmt.Errorf("egress_allow: %w", err)
	}
	mods := make(map[string]string, len(modules))
	for p, b := range modules {
		mods[p] = string(b)
	}
	f := worker.FormatModule
	if format == "script" {
		f = worker.FormatScript
	}
	base, _, _ := strings.Cut(name, "@")
	return &worker.Spec{
		Name:        name,
		BaseURL:     "islet://" + base + "/",
		Main:        main,
		Modules:     mods,
		Format:      f,
		Vars:        vars,
		Limits:      LimitsFromConfig(lim),
		EgressAllow: egress,
	}, nil
}

// Validate starts an upload's worker once in a scratch isolate with this node's limits
// (admin.Validator).
func (n *Node) Validate(ctx context.Context, name string, up *deploy.Upload) error {
	m := up.Metadata
	vars := map[string]any{}
	for k, v := range m.Vars {
		vars[k] = v
	}
	spec, err := specFromBundle(name, up.Main(), up.Format(), up.Modules, vars, m.Limits, m.EgressAllow)
	if err != nil {
		return deploy.Errorf(http.StatusBadRequest, "invalid_egress_allow", "%v", err)
	}
	wait := 5 * time.Second
	if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
		wait = time.Until(d)
	}
	err = n.sched.Validate(spec, wait)
	switch {
	case err == nil:
		return checkDynamicImports(up.Modules)
	case worker.IsCPULimit(err):
		return deploy.Errorf(http.StatusBadRequest, "startup_limit", "%v", err)
	}
	var le *worker.LoadError
	if errors.As(err, &le) {
		return deploy.Errorf(http.StatusBadRequest, "script_error", "%v", err)
	}
	return deploy.Errorf(http.StatusInternalServerError, "validation_failed", "%v", err)
}

// checkDynamicImports refuses `import("./…")` of the upload's own files: islet does not load
// modules dynamically, so such a call could only fail at run time, and one naming a file that
// was not uploaded is a link error like a static import of it. Specifiers that are not relative
// (runtime modules such as node:crypto) are left to the run-time rejection, which a library
// probing for an optional module catches.
func checkDynamicImports(modules map[string][]byte) error {
	found, err := bundle.DynamicImports(modules)
	if err != nil {
		return deploy.Errorf(http.StatusBadRequest, "script_error", "%v", err)
	}
	importers := make([]string, 0, len(found))
	for p := range found {
		importers = append(importers, p)
	}
	sort.Strings(importers)
	for _, from := range importers {
		for _, spec := range found[from] {
			if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") && !strings.HasPrefix(spec, "/") {
				continue
			}
			target, err := worker.ResolvePath(from, spec)
			if err != nil {
				return deploy.Errorf(http.StatusBadRequest, "script_error", "%s: import(%q): %v", from, spec, err)
			}
			if _, ok := modules[target]; !ok {
				return deploy.Errorf(http.StatusBadRequest, "script_error", "%s: import(%q): %s is not part of the upload", from, spec, target)
			}
			return deploy.Errorf(http.StatusBadRequest, "script_error",
				"%s: import(%q): islet does not load modules dynamically; import %s statically, or bundle without code splitting", from, spec, target)
		}
	}
	return nil
}
