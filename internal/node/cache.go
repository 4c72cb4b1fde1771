package node

import (
	"context"
	"fmt"
	"time"

	"islet/internal/control"
	"islet/internal/nodecache"
	"islet/internal/worker"
)

// Follower follows the control plane for a node: it resolves worker records into specs,
// reading each version and bundle once, and installs them. With a cache it saves every state
// it installs completely, and it can serve the saved state while the control plane does not
// answer (ServeCache). Its lifecycle is ServeCache (optional), then ServeControl, never
// concurrently: the specs resolved from the cache carry over to the live records.
type Follower struct {
	r     *resolver
	cache *nodecache.Cache
}

// NewFollower makes a follower of this node that opens secrets with sealer and, when cache is
// not nil, saves to and serves from it.
func (n *Node) NewFollower(sealer *control.Sealer, cache *nodecache.Cache) *Follower {
	return &Follower{r: &resolver{n: n, sealer: sealer, cache: map[string]*cachedSpec{}}, cache: cache}
}

// ServeCache installs the state the cache holds, as ServeControl installs live records: the
// secrets it holds sealed are opened with the follower's key, and a worker whose version,
// bundle or secret cannot be used is left out with an error in the log. It returns when the
// state was saved and how many workers it serves. A cache that is empty (nodecache.ErrNoState),
// corrupt or partial is an error and installs nothing.
func (f *Follower) ServeCache(ctx context.Context) (saved time.Time, workers int, err error) {
	if f.cache == nil {
		return time.Time{}, 0, fmt.Errorf("serve cache: %w", nodecache.ErrNoState)
	}
	st, err := f.cache.Load()
	if err != nil {
		return time.Time{}, 0, err
	}
	f.r.store = cacheSource{st: st, cache: f.cache}
	f.r.apply(ctx, st.Workers)
	for name := range st.Workers {
		if f.r.cache[name] != nil {
			workers++
		}
	}
	return st.Saved, workers, nil
}

// save writes the state just installed completely to the cache (if any): workers are the
// records, and the resolver's specs (all of them in use, at the versions the records name)
// give the versions and their bundles. A failure is logged; the previous saved state stays.
func (f *Follower) save(workers map[string]*control.Worker) {
	if f.cache == nil || f.cache.ReadOnly() {
		return
	}
	st := &nodecache.State{Saved: time.Now().UTC(), Workers: workers}
	specs := map[string]*worker.Spec{} // by bundle name
	for _, cs := range f.r.cache {
		st.Versions = append(st.Versions, cs.version)
		specs[cs.version.Bundle] = cs.spec
	}
	err := f.cache.Save(st, func(name string) (*control.Bundle, error) {
		spec := specs[name]
		if spec == nil {
			return nil, fmt.Errorf("no spec runs bundle %s", name)
		}
		return bundleOfSpec(spec), nil
	})
	if err != nil {
		f.r.n.log.Error("cannot save the node cache; it keeps the previous state", "dir", f.cache.Dir(), "err", err)
	}
}

// bundleOfSpec is the bundle a spec was made of (specFromBundle keeps every module's bytes).
func bundleOfSpec(spec *worker.Spec) *control.Bundle {
	b := &control.Bundle{Modules: make(map[string][]byte, len(spec.Modules))}
	for p, src := range spec.Modules {
		b.Modules[p] = []byte(src)
	}
	return b
}

// cacheSource serves versions and bundles from a loaded cache state (a versionSource).
type cacheSource struct {
	st    *nodecache.State
	cache *nodecache.Cache
}

func (s cacheSource) Version(_ context.Context, worker, id string) (*control.Version, error) {
	v, ok := s.st.Version(worker, id)
	if !ok {
		return nil, fmt.Errorf("version %s of %q: %w", id, worker, control.ErrNotFound)
	}
	return v, nil
}

func (s cacheSource) Bundle(_ context.Context, name string) (*control.Bundle, error) {
	return s.cache.Bundle(name)
}
