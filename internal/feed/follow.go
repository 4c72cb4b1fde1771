package feed

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"islet/internal/control"
	"islet/internal/nodecache"
)

// Follower follows the control plane: it resolves the worker records into States and hands
// each one to emit. With a cache it saves every State it emits, less the workers that did not
// resolve completely (so that one that never can does not stop the others' saves), and it can
// emit the saved state while the control plane does not answer (ServeCache). Its lifecycle is
// ServeCache (optional), then ServeControl, never concurrently: the versions resolved from the
// cache carry over to the live records.
type Follower struct {
	res   *Resolver
	cache *nodecache.Cache
	emit  func(*State) error
	log   *slog.Logger
	// partial is the last State saved without some workers, as the records saved; a retry
	// that resolves the same is not saved again.
	partial string
}

// NewFollower makes a follower that opens secrets with open, hands each State to emit (an
// error from it is logged and the State is tried again a second later) and, when cache is not
// nil, saves to and serves from it.
func NewFollower(open Opener, cache *nodecache.Cache, log *slog.Logger, emit func(*State) error) *Follower {
	if log == nil {
		log = slog.Default()
	}
	return &Follower{res: NewResolver(open, log), cache: cache, emit: emit, log: log}
}

// retryEvery is how soon a State that did not resolve completely, or that emit refused, is
// tried again.
const retryEvery = time.Second

// ServeControl follows the store's worker records: it emits their State as soon as the watch
// fires, until ctx ends. Versions and bundles are read once and kept, so a node cut off from
// NATS keeps serving what it last had; a change whose version cannot be read yet is retried
// every second. first, if not nil, is called once the workers present at start are emitted.
func (f *Follower) ServeControl(ctx context.Context, store *control.Store, first func()) error {
	latest := make(chan map[string]*control.Worker, 1)
	watchErr := make(chan error, 1)
	go func() {
		watchErr <- store.Watch(ctx, func(m map[string]*control.Worker) {
			select { // keep only the newest records
			case <-latest:
			default:
			}
			latest <- m
		}, func(err error) { f.log.Error("control plane", "err", err) })
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
		st, unresolved := f.res.resolveEach(ctx, store, current)
		if err := f.emit(st); err != nil {
			f.log.Error("cannot install workers", "err", err)
			retry.Reset(retryEvery)
		} else if len(unresolved) == 0 {
			f.partial = ""
			f.save(current, st)
		} else {
			f.savePartial(current, st, unresolved)
			retry.Reset(retryEvery)
		}
		if first != nil {
			first()
			first = nil
		}
	}
}

// ServeCache emits the state the cache holds, as ServeControl emits live records: the secrets
// it holds sealed are opened, and a worker whose version, bundle or secret cannot be used is
// left out with an error in the log. It returns when the state was saved and how many workers
// it serves. A cache that is empty (nodecache.ErrNoState), corrupt or partial is an error and
// emits nothing.
func (f *Follower) ServeCache(ctx context.Context) (saved time.Time, workers int, err error) {
	if f.cache == nil {
		return time.Time{}, 0, fmt.Errorf("serve cache: %w", nodecache.ErrNoState)
	}
	cst, err := f.cache.Load()
	if err != nil {
		return time.Time{}, 0, err
	}
	st, _ := f.res.Resolve(ctx, cacheSource{st: cst, cache: f.cache}, cst.Workers)
	if err := f.emit(st); err != nil {
		return time.Time{}, 0, fmt.Errorf("serve cache: %w", err)
	}
	return cst.Saved, len(st.Workers), nil
}

// save writes a State that resolved completely, and the records it was resolved from, to the
// cache (if any). A failure is logged; the previous saved state stays.
func (f *Follower) save(records map[string]*control.Worker, st *State) {
	if f.cache == nil || f.cache.ReadOnly() {
		return
	}
	cst := &nodecache.State{Saved: time.Now().UTC(), Workers: records}
	for _, w := range st.Workers {
		for _, v := range w.Versions() {
			cst.Versions = append(cst.Versions, v.Version)
		}
	}
	err := f.cache.Save(cst, func(name string) (*control.Bundle, error) {
		if b := st.Bundles[name]; b != nil {
			return b, nil
		}
		return nil, fmt.Errorf("no version runs bundle %s", name)
	})
	if err != nil {
		f.log.Error("cannot save the node cache; it keeps the previous state", "dir", f.cache.Dir(), "err", err)
	}
}

// savePartial saves st less the workers in unresolved (and their records), unless that is what
// it saved last time: a worker whose version can never be read (a secret sealed under another
// key) is left out of the cache, and the others are still saved.
func (f *Follower) savePartial(records map[string]*control.Worker, st *State, unresolved map[string]bool) {
	keep := map[string]*control.Worker{}
	part := &State{Workers: map[string]*Worker{}, Bundles: st.Bundles}
	for name, rec := range records {
		if w := st.Workers[name]; w != nil && !unresolved[name] {
			keep[name], part.Workers[name] = rec, w
		}
	}
	key, err := json.Marshal(keep)
	if err != nil || string(key) == f.partial {
		return
	}
	f.partial = string(key)
	f.save(keep, part)
}

// cacheSource serves versions and bundles from a loaded cache state (a Source).
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
