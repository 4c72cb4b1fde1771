package feed

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"islet/internal/control"
)

// Source reads version records and bundles: the control plane's store, or a node's cache.
type Source interface {
	Version(ctx context.Context, worker, id string) (*control.Version, error)
	Bundle(ctx context.Context, name string) (*control.Bundle, error)
}

// Opener opens a worker's sealed secret (*control.Sealer is one).
type Opener interface {
	Open(worker, name, sealed string) (string, error)
}

// readTimeout bounds the reading of one version and its bundle.
const readTimeout = 10 * time.Second

// Resolver turns worker records into a State, reading each version and bundle once: what it
// resolved stays until a record no longer names it. It is used by one goroutine at a time.
type Resolver struct {
	open Opener
	log  *slog.Logger
	// versions are the versions resolved, by worker name and Key.
	versions map[string]*Version
	bundles  map[string]*control.Bundle
	// last is the previous State's workers: a worker whose new version cannot be read keeps
	// serving the one it had.
	last map[string]*Worker
}

// NewResolver makes a resolver that opens secrets with open and logs what it cannot resolve.
func NewResolver(open Opener, log *slog.Logger) *Resolver {
	if log == nil {
		log = slog.Default()
	}
	return &Resolver{open: open, log: log, versions: map[string]*Version{},
		bundles: map[string]*control.Bundle{}, last: map[string]*Worker{}}
}

// Resolve returns the State of records, reading from src what it has not resolved before, and
// whether every version the records name was resolved. A worker whose version cannot be read
// or opened keeps the version of the previous State (if it had one; it is left out otherwise),
// and its rollout is dropped unless the previous State ran the same one; each such failure is
// logged.
func (r *Resolver) Resolve(ctx context.Context, src Source, records map[string]*control.Worker) (st *State, complete bool) {
	st, unresolved := r.resolveEach(ctx, src, records)
	return st, len(unresolved) == 0
}

// resolveEach is Resolve, naming the workers whose current or rollout version was not resolved.
func (r *Resolver) resolveEach(ctx context.Context, src Source, records map[string]*control.Worker) (st *State, unresolved map[string]bool) {
	unresolved = map[string]bool{}
	st = &State{Workers: map[string]*Worker{}, Bundles: map[string]*control.Bundle{}}
	names := make([]string, 0, len(records))
	for name := range records {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		rec := records[name]
		prev := r.last[name]
		w := &Worker{Name: name, Routes: rec.Routes}
		cur, err := r.version(ctx, src, rec, rec.Current)
		switch {
		case err != nil:
			r.log.Error("cannot load worker version; serving the previous one if any", "worker", name, "version", rec.Current, "err", err)
			unresolved[name] = true
			if prev == nil {
				continue
			}
			w.Current = prev.Current
		default:
			w.Current = cur
		}
		if ro := rec.Rollout; ro != nil {
			v, err := r.version(ctx, src, rec, ro.Version)
			switch {
			case err == nil:
				w.Rollout = &Rollout{Version: v, Percent: ro.Percent}
			default:
				r.log.Error("cannot load rollout version", "worker", name, "version", ro.Version, "err", err)
				unresolved[name] = true
				if prev != nil && prev.Rollout != nil && prev.Rollout.Version.ID == ro.Version {
					w.Rollout = &Rollout{Version: prev.Rollout.Version, Percent: ro.Percent}
				}
			}
		}
		st.Workers[name] = w
		for _, v := range w.Versions() {
			st.Bundles[v.Bundle] = r.bundles[v.Bundle]
		}
	}
	r.prune(st)
	return st, unresolved
}

// version resolves version id of rec's worker.
func (r *Resolver) version(ctx context.Context, src Source, rec *control.Worker, id string) (*Version, error) {
	key := versionKey(id, rec.Secrets)
	if v := r.versions[rec.Name+"\x00"+key]; v != nil {
		return v, nil
	}
	rctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	cv, err := src.Version(rctx, rec.Name, id)
	if err != nil {
		return nil, err
	}
	if r.bundles[cv.Bundle] == nil {
		b, err := src.Bundle(rctx, cv.Bundle)
		if err != nil {
			return nil, err
		}
		// A Receiver refuses a bundle whose content is not its name, and with it the feed.
		if got := b.Hash(); got != cv.Bundle {
			return nil, fmt.Errorf("bundle %s: its content hashes to %s", cv.Bundle, got)
		}
		r.bundles[cv.Bundle] = b
	}
	v := &Version{Version: cv, Key: key, Secrets: make(map[string]string, len(rec.Secrets))}
	for k, sealed := range rec.Secrets {
		plain, err := r.open.Open(rec.Name, k, sealed)
		if err != nil {
			return nil, fmt.Errorf("secret %s: %w", k, err)
		}
		v.Secrets[k] = plain
	}
	r.versions[rec.Name+"\x00"+key] = v
	return v, nil
}

// prune forgets the versions and bundles st does not use, and makes st the previous State.
func (r *Resolver) prune(st *State) {
	used := map[string]bool{}
	for name, w := range st.Workers {
		for _, v := range w.Versions() {
			used[name+"\x00"+v.Key] = true
		}
	}
	for k := range r.versions {
		if !used[k] {
			delete(r.versions, k)
		}
	}
	for b := range r.bundles {
		if st.Bundles[b] == nil {
			delete(r.bundles, b)
		}
	}
	r.last = st.Workers
}
