package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"islet/internal/bundle"
	"islet/internal/config"
	"islet/internal/control"
	"islet/internal/deploy"
	"islet/internal/feed"
	"islet/internal/gateway"
	"islet/internal/limits"
	"islet/internal/nodecache"
	"islet/internal/worker"
)

// ServeControl serves the workers the control plane holds, keeping no cache on disk (see
// feed.Follower.ServeControl).
func (n *Node) ServeControl(ctx context.Context, store *control.Store, sealer *control.Sealer, first func()) error {
	return n.NewFollower(sealer, nil).ServeControl(ctx, store, first)
}

// NewFollower makes a follower of the control plane that installs what it resolves on this
// node (ApplyState), opening secrets with open and, when cache is not nil, saving to and
// serving from it.
func (n *Node) NewFollower(open feed.Opener, cache *nodecache.Cache) *feed.Follower {
	return feed.NewFollower(open, cache, n.log, n.ApplyState)
}

// ServeFeed serves the workers a supervisor sends over r (a feed.Sender's stream), installing
// each State as it arrives, until the stream ends (it returns nil) or ctx ends. first, if not
// nil, is called once the first State is installed.
func (n *Node) ServeFeed(ctx context.Context, r io.Reader, first func()) error {
	recv := feed.NewReceiver(r)
	for ctx.Err() == nil {
		st, err := recv.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := n.ApplyState(st); err != nil {
			n.log.Error("cannot install workers", "err", err)
		}
		if first != nil {
			first()
			first = nil
		}
	}
	return nil
}

// builtSpec is a spec made from a feed.Version, kept while that version serves.
type builtSpec struct {
	key  string // the Version's Key
	spec *worker.Spec
}

// ApplyState makes st's workers the ones served: each version becomes a spec (reused while its
// Key is the same), served under the worker's name, and a rollout's version under
// "<worker>@<version>" with its share of the requests. A version whose settings do not make a
// spec keeps the previous spec under that name, if any, with an error in the log. Routes that
// conflict (the admin API can let two writers through concurrently) are dropped, the later in
// name order.
func (n *Node) ApplyState(st *feed.State) error {
	n.builtMu.Lock()
	defer n.builtMu.Unlock()
	var specs []*worker.Spec
	var names []string
	var routes []gateway.Route
	splits := map[string]split{}
	built := map[string]*builtSpec{}
	use := func(specName string, v *feed.Version) *worker.Spec {
		if b := n.built[specName]; b != nil && b.key == v.Key {
			built[specName] = b
			return b.spec
		}
		spec, err := specOfVersion(specName, v, st.Bundles[v.Bundle])
		if err != nil {
			n.log.Error("cannot load worker version; serving the previous one if any", "worker", specName, "version", v.ID, "err", err)
			if b := n.built[specName]; b != nil {
				built[specName] = b
				return b.spec
			}
			return nil
		}
		built[specName] = &builtSpec{key: v.Key, spec: spec}
		return spec
	}
	for _, name := range st.Names() {
		w := st.Workers[name]
		spec := use(name, w.Current)
		if spec == nil {
			continue
		}
		specs, names = append(specs, spec), append(names, name)
		for _, p := range w.Routes {
			routes = append(routes, gateway.Route{Pattern: p, Worker: name})
		}
		if ro := w.Rollout; ro != nil {
			canary := name + "@" + ro.Version.ID
			if cs := use(canary, ro.Version); cs != nil {
				specs = append(specs, cs)
				splits[name] = split{Canary: canary, Percent: ro.Percent}
			}
		}
	}
	n.built = built
	if err := n.install(specs, names, routes, splits); err != nil {
		n.log.Error("routes conflict; dropping the conflicting ones", "err", err)
		var kept []gateway.Route
		for _, rt := range routes {
			if _, err := gateway.NewTable(names, append(kept, rt)); err == nil {
				kept = append(kept, rt)
			}
		}
		if err := n.install(specs, names, kept, splits); err != nil {
			return err
		}
	}
	n.log.Info("control plane: workers installed", "workers", len(names))
	return nil
}

// specOfVersion makes the spec of a resolved version, served under specName: its bindings and
// its secrets (secret_text bindings, which win over a binding of the same name) are the
// worker's env.
func specOfVersion(specName string, v *feed.Version, b *control.Bundle) (*worker.Spec, error) {
	if b == nil {
		return nil, fmt.Errorf("bundle %s is missing", v.Bundle)
	}
	bindings, err := v.Env()
	if err != nil {
		return nil, err
	}
	env := make([]deploy.Binding, 0, len(bindings)+len(v.Secrets))
	for _, bd := range bindings {
		if _, secret := v.Secrets[bd.Name]; !secret {
			env = append(env, bd)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(v.Secrets)) {
		text := v.Secrets[name]
		env = append(env, deploy.Binding{Type: deploy.BindingSecretText, Name: name, Text: &text})
	}
	spec, err := specFromBundle(specName, v.Main, v.Format, b.Modules, env, v.Limits, v.EgressAllow)
	if err != nil {
		return nil, err
	}
	spec.Account, spec.CompatibilityDate = v.Account, v.CompatibilityDate
	return spec, nil
}

// specFromBundle makes a spec of deployed modules; they are named under islet://<worker>/.
func specFromBundle(name, main, format string, modules map[string][]byte, env []deploy.Binding, lim config.Limits, egressAllow []string) (*worker.Spec, error) {
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
		Env:         env,
		Limits:      LimitsFromConfig(lim),
		EgressAllow: egress,
	}, nil
}

// Validate starts an upload's worker once in a scratch isolate with this node's limits
// (admin.Validator).
func (n *Node) Validate(ctx context.Context, name string, up *deploy.Upload) error {
	m := up.Metadata
	env, err := m.EnvBindings()
	if err != nil {
		return err
	}
	spec, err := specFromBundle(name, up.Main(), up.Format(), up.Modules, env, m.Limits, m.EgressAllow)
	if err != nil {
		return deploy.Errorf(deploy.CodeInvalidEgressAllow, "%v", err)
	}
	spec.CompatibilityDate = m.CompatibilityDate
	wait := 5 * time.Second
	if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
		wait = time.Until(d)
	}
	err = n.sched.Validate(spec, wait)
	switch {
	case err == nil:
		return checkDynamicImports(up.Modules)
	case worker.IsCPULimit(err):
		return deploy.Errorf(deploy.CodeStartupLimit, "%v", err)
	}
	var le *worker.LoadError
	if errors.As(err, &le) {
		return deploy.Errorf(deploy.CodeScriptError, "%v", err)
	}
	return deploy.Errorf(deploy.CodeValidationFailed, "%v", err)
}

// checkDynamicImports refuses `import("./…")` of the upload's own files: islet does not load
// modules dynamically, so such a call could only fail at run time, and one naming a file that
// was not uploaded is a link error like a static import of it. Specifiers that are not relative
// (runtime modules such as node:crypto) are left to the run-time rejection, which a library
// probing for an optional module catches.
func checkDynamicImports(modules map[string][]byte) error {
	found, err := bundle.DynamicImports(modules)
	if err != nil {
		return deploy.Errorf(deploy.CodeScriptError, "%v", err)
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
				return deploy.Errorf(deploy.CodeScriptError, "%s: import(%q): %v", from, spec, err)
			}
			if _, ok := modules[target]; !ok {
				return deploy.Errorf(deploy.CodeScriptError, "%s: import(%q): %s is not part of the upload", from, spec, target)
			}
			return deploy.Errorf(deploy.CodeScriptError,
				"%s: import(%q): islet does not load modules dynamically; import %s statically, or bundle without code splitting", from, spec, target)
		}
	}
	return nil
}
