package feed

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"islet/internal/control"
	"islet/internal/nodecache"
)

func openCache(t *testing.T, dir string, readOnly bool) *nodecache.Cache {
	t.Helper()
	c, err := nodecache.Open(dir, readOnly)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// emitted records the States a Follower emits.
type emitted struct {
	mu     sync.Mutex
	states []*State
	fail   error
}

func (e *emitted) emit(st *State) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.states = append(e.states, st)
	return e.fail
}

func (e *emitted) all() []*State {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*State(nil), e.states...)
}

// savedCache saves to a cache in a new directory the State of two workers, a (a rollout and
// secrets) and b (neither), as a Follower does once they resolved completely, and returns
// the directory and that State.
func savedCache(t *testing.T, sealer *control.Sealer) (dir string, st *State) {
	t.Helper()
	src := newFakeSource()
	src.add("a", "v1", "cache a1")
	src.add("a", "v2", "cache a2")
	src.add("b", "v1", "cache b1")
	recs := records(
		record("a", "v1", &control.Rollout{Version: "v2", Percent: 40},
			map[string]string{"TOKEN": seal(t, sealer, "a", "TOKEN", "cached-secret")}, "a.example.com/*"),
		record("b", "v1", nil, nil))
	st, complete := NewResolver(sealer, discard()).Resolve(context.Background(), src, recs)
	if !complete {
		t.Fatal("not complete")
	}
	dir = filepath.Join(t.TempDir(), "cache")
	f := NewFollower(sealer, openCache(t, dir, false), discard(), func(*State) error { return nil })
	f.save(recs, st)
	return dir, st
}

// TestServeCacheWithoutState proves that ServeCache without a cache, with an empty one or
// with a corrupt one returns an error (nodecache.ErrNoState for the first two) and emits
// nothing.
func TestServeCacheWithoutState(t *testing.T) {
	sealer := testSealer(t)
	corrupt, _ := savedCache(t, sealer)
	if err := os.WriteFile(filepath.Join(corrupt, "state"), []byte("islet-node-cache 1 00 3\n{}x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		cache   *nodecache.Cache
		noState bool
	}{
		"no cache":        {nil, true},
		"empty cache":     {openCache(t, t.TempDir(), false), true},
		"empty read-only": {openCache(t, t.TempDir(), true), true},
		"corrupt cache":   {openCache(t, corrupt, true), false},
	} {
		var e emitted
		saved, n, err := NewFollower(sealer, c.cache, discard(), e.emit).ServeCache(context.Background())
		if err == nil || errors.Is(err, nodecache.ErrNoState) != c.noState {
			t.Errorf("%s: %v (want ErrNoState: %v)", name, err, c.noState)
		}
		if !saved.IsZero() || n != 0 || len(e.all()) != 0 {
			t.Errorf("%s: saved %v, %d workers, %d States emitted", name, saved, n, len(e.all()))
		}
	}
}

// TestServeCacheEmitsSavedState proves that a state a Follower saved is emitted by another
// Follower on the same directory (read-only) as it was resolved live: the same workers,
// versions, Keys and bundles, with the secrets opened; ServeCache reports when it was saved
// and how many workers it serves.
func TestServeCacheEmitsSavedState(t *testing.T) {
	sealer := testSealer(t)
	before := time.Now()
	dir, live := savedCache(t, sealer)
	after := time.Now()
	var e emitted
	saved, n, err := NewFollower(sealer, openCache(t, dir, true), discard(), e.emit).ServeCache(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || saved.Before(before.Add(-time.Second)) || saved.After(after) {
		t.Errorf("saved %v (between %v and %v?), %d workers", saved, before, after, n)
	}
	states := e.all()
	if len(states) != 1 {
		t.Fatalf("%d States emitted", len(states))
	}
	st := states[0]
	sameState(t, st, live)
	if a := st.Workers["a"]; a == nil || a.Current.Secrets["TOKEN"] != "cached-secret" || a.Rollout == nil || a.Rollout.Version.Secrets["TOKEN"] != "cached-secret" {
		t.Errorf("worker a: %+v", a)
	}
	checkBundles(t, st)
}

// TestServeCacheLeavesOutUnusable proves that a worker of the cache whose bundle is missing
// or altered, or whose secret the key does not open, is left out while the others are
// emitted.
func TestServeCacheLeavesOutUnusable(t *testing.T) {
	sealer := testSealer(t)
	other, err := control.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		spoil   func(dir string, st *State) error
		opener  Opener
		workers string // a without its rollout is "a-"
	}{
		"intact": {nil, sealer, "a,b"},
		"a's bundle missing": {func(dir string, st *State) error {
			return os.Remove(filepath.Join(dir, "bundles", st.Workers["a"].Current.Bundle))
		}, sealer, "b"},
		// a serves without its rollout, as when a rollout's version cannot be read live
		"a's rollout bundle missing": {func(dir string, st *State) error {
			return os.Remove(filepath.Join(dir, "bundles", st.Workers["a"].Rollout.Version.Bundle))
		}, sealer, "a-,b"},
		"b's bundle altered": {func(dir string, st *State) error {
			return os.WriteFile(filepath.Join(dir, "bundles", st.Workers["b"].Current.Bundle), []byte(`{"modules":{"index.js":"ZXZpbA=="}}`), 0o600)
		}, sealer, "a"},
		"another secret key": {nil, other, "b"},
	} {
		dir, live := savedCache(t, sealer)
		if c.spoil != nil {
			if err := c.spoil(dir, live); err != nil {
				t.Fatal(err)
			}
		}
		var e emitted
		_, n, err := NewFollower(c.opener, openCache(t, dir, true), discard(), e.emit).ServeCache(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		states := e.all()
		if len(states) != 1 {
			t.Fatalf("%s: %d States emitted", name, len(states))
		}
		var names []string // a worker without its rollout as "<name>-"
		for _, w := range states[0].Names() {
			if w == "a" && states[0].Workers[w].Rollout == nil {
				w += "-"
			}
			names = append(names, w)
		}
		if got := strings.Join(names, ","); got != c.workers || n != len(states[0].Workers) {
			t.Errorf("%s: workers %s (%d), want %s", name, got, n, c.workers)
		}
		checkBundles(t, states[0])
	}
}

// TestServeCacheEmitError proves that ServeCache returns emit's error.
func TestServeCacheEmitError(t *testing.T) {
	sealer := testSealer(t)
	dir, _ := savedCache(t, sealer)
	errEmit := errors.New("cannot install (test)")
	e := emitted{fail: errEmit}
	if _, _, err := NewFollower(sealer, openCache(t, dir, true), discard(), e.emit).ServeCache(context.Background()); !errors.Is(err, errEmit) {
		t.Errorf("ServeCache: %v, want emit's error", err)
	}
}

// TestSaveReadOnly proves that a Follower on a read-only cache saves nothing.
func TestSaveReadOnly(t *testing.T) {
	sealer := testSealer(t)
	dir, live := savedCache(t, sealer)
	empty := t.TempDir()
	f := NewFollower(sealer, openCache(t, empty, true), discard(), func(*State) error { return nil })
	recs := map[string]*control.Worker{}
	for name := range live.Workers {
		recs[name] = &control.Worker{Name: name, Current: live.Workers[name].Current.ID}
	}
	f.save(recs, live)
	if _, err := openCache(t, empty, true).Load(); !errors.Is(err, nodecache.ErrNoState) {
		t.Errorf("a read-only cache was saved to: %v", err)
	}
	if _, err := openCache(t, dir, true).Load(); err != nil {
		t.Error(err)
	}
}

// controlStore starts an embedded NATS server (in-process clients only) and opens the
// control plane's store on it.
func controlStore(t *testing.T) *control.Store {
	t.Helper()
	ns, err := control.StartServer(control.ServerOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	nc, err := control.Connect(ns, "", "feed-test", "", discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	store, err := control.Open(ctx, nc, control.Options{Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// TestServeControl proves, on an embedded control plane, that ServeControl emits a deployed
// worker with its secret opened, calls first once the workers present at start are emitted,
// tries a State that emit refused again (saving nothing until it is installed), saves a
// completely resolved State to the cache, follows a new deploy, and returns nil when its
// context ends.
func TestServeControl(t *testing.T) {
	store := controlStore(t)
	sealer := testSealer(t)
	ctx := context.Background()
	put := func(code string) *control.Version {
		t.Helper()
		v, err := store.PutVersion(ctx, control.Version{Worker: "app", Account: "acct", Main: "index.js", Format: "module"},
			&control.Bundle{Modules: map[string][]byte{"index.js": []byte(code)}})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	activate := func(v *control.Version) {
		t.Helper()
		sealed := seal(t, sealer, "app", "TOKEN", "live-secret")
		if _, err := store.Update(ctx, "app", func(*control.Worker) (*control.Worker, error) {
			return &control.Worker{Name: "app", Account: "acct", Current: v.ID, Routes: []string{"app.example.com/*"},
				Secrets: map[string]string{"TOKEN": sealed}, Versions: []control.VersionRef{{ID: v.ID}}}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	v1 := put(`export default { fetch() { return new Response("one") } }`)
	activate(v1)

	dir := t.TempDir()
	cache := openCache(t, dir, false)
	calls := make(chan *State, 64)
	var mu sync.Mutex
	refuse := 1 // emit refuses its first State
	errEmit := errors.New("cannot install (test)")
	f := NewFollower(sealer, cache, discard(), func(st *State) error {
		calls <- st
		mu.Lock()
		defer mu.Unlock()
		if refuse > 0 {
			refuse--
			return errEmit
		}
		return nil
	})
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	first := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- f.ServeControl(fctx, store, func() { close(first) }) }()

	nextCall := func() *State {
		t.Helper()
		select {
		case st := <-calls:
			return st
		case err := <-done:
			t.Fatalf("ServeControl returned %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("nothing emitted within 10s")
		}
		return nil
	}
	check := func(st *State, v *control.Version) {
		t.Helper()
		w := st.Workers["app"]
		if w == nil || w.Current.ID != v.ID || w.Current.Secrets["TOKEN"] != "live-secret" || strings.Join(w.Routes, ",") != "app.example.com/*" {
			t.Fatalf("emitted %+v", w)
		}
		checkBundles(t, st)
	}
	check(nextCall(), v1) // refused
	select {
	case <-first:
	case <-time.After(wait):
		t.Fatal("first was not called")
	}
	if _, err := cache.Load(); !errors.Is(err, nodecache.ErrNoState) {
		t.Errorf("a State emit refused was saved: %v", err)
	}
	check(nextCall(), v1) // tried again a second later
	waitSaved := func(v *control.Version) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			cst, err := openCache(t, dir, true).Load()
			if err == nil && cst.Workers["app"] != nil && cst.Workers["app"].Current == v.ID {
				got, ok := cst.Version("app", v.ID)
				if !ok || got.Bundle != v.Bundle {
					t.Fatalf("the cache holds version %+v", got)
				}
				if _, err := cache.Bundle(v.Bundle); err != nil {
					t.Fatal(err)
				}
				// The cache holds the record's secret sealed, as NATS does.
				sealed := cst.Workers["app"].Secrets["TOKEN"]
				if plain, err := sealer.Open("app", "TOKEN", sealed); err != nil || plain != "live-secret" || sealed == plain {
					t.Fatalf("the cache holds the secret as %q (%v)", sealed, err)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the cache does not hold version %s after 10s: %v", v.ID, err)
			}
			select {
			case <-time.After(20 * time.Millisecond):
			case err := <-done:
				t.Fatalf("ServeControl returned %v", err)
			}
		}
	}
	waitSaved(v1)

	v2 := put(`export default { fetch() { return new Response("two") } }`)
	activate(v2)
	deadline := time.After(10 * time.Second)
	for {
		var st *State
		select {
		case st = <-calls:
		case <-deadline:
			t.Fatal("the new deploy was not emitted within 10s")
		}
		if w := st.Workers["app"]; w != nil && w.Current.ID == v2.ID {
			check(st, v2)
			break
		}
	}
	waitSaved(v2)

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeControl returned %v after its context ended, want nil", err)
		}
	case <-time.After(wait):
		t.Fatal("ServeControl did not return after its context ended")
	}
}

// TestUnresolvableWorkerDoesNotStopSaves: a worker whose version cannot be read is left out of
// the saved cache and the others are saved; the same partial State is not saved twice.
func TestUnresolvableWorkerDoesNotStopSaves(t *testing.T) {
	sealer := testSealer(t)
	src := newFakeSource()
	src.add("good", "v1", "good code")
	recs := records(record("good", "v1", nil, nil), record("lost", "v9", nil, nil)) // no v9 anywhere
	st, unresolved := NewResolver(sealer, discard()).resolveEach(context.Background(), src, recs)
	if !unresolved["lost"] || unresolved["good"] {
		t.Fatalf("unresolved %v, want only lost", unresolved)
	}
	dir := filepath.Join(t.TempDir(), "cache")
	f := NewFollower(sealer, openCache(t, dir, false), discard(), func(*State) error { return nil })
	f.savePartial(recs, st, unresolved)
	var e emitted
	saved, n, err := NewFollower(sealer, openCache(t, dir, true), discard(), e.emit).ServeCache(context.Background())
	if err != nil || n != 1 || e.all()[0].Workers["good"] == nil {
		t.Fatalf("ServeCache after a partial save: %d workers, %v", n, err)
	}
	f.savePartial(recs, st, unresolved)
	again, _, err := NewFollower(sealer, openCache(t, dir, true), discard(), (&emitted{}).emit).ServeCache(context.Background())
	if err != nil || !again.Equal(saved) {
		t.Fatalf("the same partial State was saved again (%v, then %v): %v", saved, again, err)
	}
}
