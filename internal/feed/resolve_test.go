package feed

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"

	"islet/internal/control"
	"islet/internal/deploy"
)

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// testSealer is a real sealer with a fixed key.
func testSealer(t *testing.T) *control.Sealer {
	t.Helper()
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i + 1)
	}
	s, err := control.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func seal(t *testing.T, s *control.Sealer, worker, name, value string) string {
	t.Helper()
	sealed, err := s.Seal(worker, name, value)
	if err != nil {
		t.Fatal(err)
	}
	return sealed
}

// codeBundle is a bundle of one module whose source is a comment of code.
func codeBundle(code string) *control.Bundle {
	return &control.Bundle{Modules: map[string][]byte{"index.js": []byte("// " + code)}}
}

var errRead = errors.New("read failed (test)")

// fakeSource is an in-memory Source that counts its reads and fails those named in fail (a
// version as "worker/id", a bundle by its name).
type fakeSource struct {
	mu           sync.Mutex
	versions     map[string]*control.Version
	bundles      map[string]*control.Bundle
	fail         map[string]bool
	versionReads map[string]int
	bundleReads  map[string]int
}

func newFakeSource() *fakeSource {
	return &fakeSource{versions: map[string]*control.Version{}, bundles: map[string]*control.Bundle{},
		fail: map[string]bool{}, versionReads: map[string]int{}, bundleReads: map[string]int{}}
}

// add stores version id of worker, with the bundle codeBundle(code), and returns it.
func (s *fakeSource) add(worker, id, code string) *control.Version {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := codeBundle(code)
	v := &control.Version{ID: id, Worker: worker, Account: "acct", Bundle: b.Hash(), BundleBytes: b.Size(),
		Main: "index.js", Format: "module", Bindings: []deploy.Binding{deploy.PlainText("MODE", id)}}
	s.versions[worker+"/"+id] = v
	s.bundles[v.Bundle] = b
	return v
}

func (s *fakeSource) bundleOf(worker, id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.versions[worker+"/"+id].Bundle
}

func (s *fakeSource) Version(_ context.Context, worker, id string) (*control.Version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := worker + "/" + id
	s.versionReads[k]++
	if s.fail[k] {
		return nil, errRead
	}
	v := s.versions[k]
	if v == nil {
		return nil, control.ErrNotFound
	}
	c := *v
	return &c, nil
}

func (s *fakeSource) Bundle(_ context.Context, name string) (*control.Bundle, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bundleReads[name]++
	if s.fail[name] {
		return nil, errRead
	}
	b := s.bundles[name]
	if b == nil {
		return nil, control.ErrNotFound
	}
	return &control.Bundle{Modules: b.Modules}, nil
}

func (s *fakeSource) reads(worker, id string) (version, bundle int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.versions[worker+"/"+id]
	return s.versionReads[worker+"/"+id], s.bundleReads[v.Bundle]
}

// record is a worker record running current, with an optional rollout and sealed secrets.
func record(name, current string, ro *control.Rollout, secrets map[string]string, routes ...string) *control.Worker {
	return &control.Worker{Name: name, Account: "acct", Current: current, Rollout: ro, Secrets: secrets, Routes: routes}
}

func records(ws ...*control.Worker) map[string]*control.Worker {
	m := map[string]*control.Worker{}
	for _, w := range ws {
		m[w.Name] = w
	}
	return m
}

// checkBundles fails unless st holds exactly the bundles its workers' versions name, each
// with the content its name addresses.
func checkBundles(t *testing.T, st *State) {
	t.Helper()
	want := map[string]bool{}
	for name, w := range st.Workers {
		for _, v := range w.Versions() {
			want[v.Bundle] = true
			b := st.Bundles[v.Bundle]
			if b == nil {
				t.Errorf("worker %s: its bundle %s is not in the State", name, v.Bundle)
			} else if b.Hash() != v.Bundle {
				t.Errorf("worker %s: bundle %s holds content %s", name, v.Bundle, b.Hash())
			}
		}
	}
	for name := range st.Bundles {
		if !want[name] {
			t.Errorf("the State holds bundle %s, which no worker runs", name)
		}
	}
}

// TestResolveOpensSecrets proves that a resolved worker carries its records' routes, its
// version's record and bundle, and its secrets opened to plaintext, and that its Key names
// the version without revealing the secrets.
func TestResolveOpensSecrets(t *testing.T) {
	sealer := testSealer(t)
	src := newFakeSource()
	src.add("app", "v1", "v1")
	recs := records(record("app", "v1", nil, map[string]string{
		"TOKEN":  seal(t, sealer, "app", "TOKEN", "t0p-secret"),
		"OTHER":  seal(t, sealer, "app", "OTHER", "second"),
		"EMPTYV": seal(t, sealer, "app", "EMPTYV", ""),
	}, "app.example.com/*"))
	st, complete := NewResolver(sealer, discard()).Resolve(context.Background(), src, recs)
	if !complete {
		t.Fatal("not complete")
	}
	w := st.Workers["app"]
	if w == nil || w.Name != "app" || w.Current == nil || w.Current.ID != "v1" || w.Rollout != nil {
		t.Fatalf("worker: %+v", w)
	}
	if got := strings.Join(w.Routes, ","); got != "app.example.com/*" {
		t.Errorf("routes %q", got)
	}
	want := map[string]string{"TOKEN": "t0p-secret", "OTHER": "second", "EMPTYV": ""}
	if len(w.Current.Secrets) != len(want) {
		t.Errorf("secrets %v, want %v", w.Current.Secrets, want)
	}
	for k, v := range want {
		if got, ok := w.Current.Secrets[k]; !ok || got != v {
			t.Errorf("secret %s = %q, want %q", k, got, v)
		}
	}
	if !strings.HasPrefix(w.Current.Key, "v1/") || strings.Contains(w.Current.Key, "t0p") {
		t.Errorf("key %q", w.Current.Key)
	}
	if w.Current.Main != "index.js" || len(w.Current.Bindings) != 1 || *w.Current.Bindings[0].Text != "v1" {
		t.Errorf("version record: %+v", w.Current.Version)
	}
	checkBundles(t, st)
	if len(st.Bundles) != 1 {
		t.Errorf("%d bundles", len(st.Bundles))
	}
}

// TestResolveReadsOnce proves that resolving the same records again reads no version and no
// bundle again and returns the very same Versions, and that two workers whose versions share
// a bundle read it once.
func TestResolveReadsOnce(t *testing.T) {
	sealer := testSealer(t)
	src := newFakeSource()
	src.add("a", "v1", "shared")
	src.add("b", "v7", "shared")
	src.add("b", "v8", "b-canary")
	recs := records(
		record("a", "v1", nil, map[string]string{"K": seal(t, sealer, "a", "K", "ka")}),
		record("b", "v7", &control.Rollout{Version: "v8", Percent: 25}, map[string]string{"K": seal(t, sealer, "b", "K", "kb")}),
	)
	r := NewResolver(sealer, discard())
	st1, complete1 := r.Resolve(context.Background(), src, recs)
	st2, complete2 := r.Resolve(context.Background(), src, recs)
	if !complete1 || !complete2 {
		t.Fatalf("complete %v, %v", complete1, complete2)
	}
	for _, c := range []struct{ worker, id string }{{"a", "v1"}, {"b", "v7"}, {"b", "v8"}} {
		if n := src.versionReads[c.worker+"/"+c.id]; n != 1 {
			t.Errorf("version %s/%s read %d times", c.worker, c.id, n)
		}
	}
	if n := src.bundleReads[src.bundleOf("a", "v1")]; n != 1 {
		t.Errorf("the shared bundle was read %d times", n)
	}
	if n := src.bundleReads[src.bundleOf("b", "v8")]; n != 1 {
		t.Errorf("the rollout's bundle was read %d times", n)
	}
	for name, w := range st1.Workers {
		w2 := st2.Workers[name]
		if w2 == nil || w2.Current != w.Current || (w.Rollout != nil && w2.Rollout.Version != w.Rollout.Version) {
			t.Errorf("worker %s resolved anew", name)
		}
	}
	if st2.Workers["b"].Rollout == nil || st2.Workers["b"].Rollout.Percent != 25 {
		t.Errorf("rollout %+v", st2.Workers["b"].Rollout)
	}
	checkBundles(t, st2)
	if len(st2.Bundles) != 2 {
		t.Errorf("%d bundles, want 2", len(st2.Bundles))
	}
}

// TestResolveChangedSecret proves that a secret sealed anew (even with the same plaintext)
// gives the version a new Key and is opened again with its version record read again (but
// not its bundle, which is still in use), and that a changed plaintext arrives.
func TestResolveChangedSecret(t *testing.T) {
	sealer := testSealer(t)
	src := newFakeSource()
	src.add("app", "v1", "v1")
	r := NewResolver(sealer, discard())
	ctx := context.Background()
	resolve := func(secret string) *Version {
		t.Helper()
		st, complete := r.Resolve(ctx, src, records(record("app", "v1", nil,
			map[string]string{"TOKEN": seal(t, sealer, "app", "TOKEN", secret)})))
		if !complete || st.Workers["app"] == nil {
			t.Fatalf("complete %v, workers %v", complete, st.Names())
		}
		checkBundles(t, st)
		return st.Workers["app"].Current
	}
	v1 := resolve("one")
	v2 := resolve("one") // sealed again: another nonce, another sealed value
	if v1.Key == v2.Key {
		t.Errorf("a new sealed value kept the Key %s", v1.Key)
	}
	if v2.Secrets["TOKEN"] != "one" {
		t.Errorf("secret %q", v2.Secrets["TOKEN"])
	}
	v3 := resolve("two")
	if v3.Key == v2.Key || v3.Secrets["TOKEN"] != "two" {
		t.Errorf("key %s (was %s), secret %q", v3.Key, v2.Key, v3.Secrets["TOKEN"])
	}
	if !strings.HasPrefix(v3.Key, "v1/") {
		t.Errorf("key %q", v3.Key)
	}
	if nv, nb := src.reads("app", "v1"); nv != 3 || nb != 1 {
		t.Errorf("version read %d times (want 3), bundle %d times (want 1)", nv, nb)
	}
}

// TestResolveFailures proves what a worker serves when what its record names cannot be read
// or opened: the version of the previous State (complete=false), nothing when it never
// resolved, and a rollout only when it resolves or the previous State ran the same one.
func TestResolveFailures(t *testing.T) {
	sealer := testSealer(t)
	secret := func(worker, value string) map[string]string {
		return map[string]string{"TOKEN": seal(t, sealer, worker, "TOKEN", value)}
	}
	ro := func(id string, percent int) *control.Rollout { return &control.Rollout{Version: id, Percent: percent} }
	type want struct {
		current, secret string // current: the version's ID, secret: its TOKEN
		rollout         string // the rollout's version ID, "" for none
		percent         int
	}
	aSecret := secret("a", "first")
	cases := []struct {
		name          string
		first, second map[string]*control.Worker
		fail          func(src *fakeSource) []string // what the source fails to read in the second Resolve
		want          map[string]want
		complete      bool
	}{{
		name:     "version read fails: the previous version serves",
		first:    records(record("a", "v1", nil, aSecret)),
		second:   records(record("a", "v2", nil, aSecret)),
		fail:     func(*fakeSource) []string { return []string{"a/v2"} },
		want:     map[string]want{"a": {current: "v1", secret: "first"}},
		complete: false,
	}, {
		name:     "bundle read fails: the previous version serves",
		first:    records(record("a", "v1", nil, aSecret)),
		second:   records(record("a", "v2", nil, aSecret)),
		fail:     func(s *fakeSource) []string { return []string{s.bundleOf("a", "v2")} },
		want:     map[string]want{"a": {current: "v1", secret: "first"}},
		complete: false,
	}, {
		name:  "secret cannot be opened: the previous version and secret serve",
		first: records(record("a", "v1", nil, aSecret)),
		// sealed for another worker: the sealer refuses to open it as a's
		second:   records(record("a", "v1", nil, secret("b", "stolen"))),
		want:     map[string]want{"a": {current: "v1", secret: "first"}},
		complete: false,
	}, {
		name:     "never resolved: left out, the others serve",
		first:    records(),
		second:   records(record("a", "v1", nil, aSecret), record("b", "v9", nil, nil)),
		fail:     func(*fakeSource) []string { return []string{"b/v9"} },
		want:     map[string]want{"a": {current: "v1", secret: "first"}},
		complete: false,
	}, {
		name:     "version not found: left out",
		first:    records(),
		second:   records(record("a", "v404", nil, aSecret)),
		want:     map[string]want{},
		complete: false,
	}, {
		name:     "change resolves: the new version serves",
		first:    records(record("a", "v1", nil, aSecret)),
		second:   records(record("a", "v2", nil, secret("a", "second"))),
		want:     map[string]want{"a": {current: "v2", secret: "second"}},
		complete: true,
	}, {
		name:     "rollout resolves",
		first:    records(record("a", "v1", nil, aSecret)),
		second:   records(record("a", "v1", ro("v2", 30), aSecret)),
		want:     map[string]want{"a": {current: "v1", secret: "first", rollout: "v2", percent: 30}},
		complete: true,
	}, {
		name:     "failing rollout is dropped",
		first:    records(record("a", "v1", nil, aSecret)),
		second:   records(record("a", "v1", ro("v2", 30), aSecret)),
		fail:     func(*fakeSource) []string { return []string{"a/v2"} },
		want:     map[string]want{"a": {current: "v1", secret: "first"}},
		complete: false,
	}, {
		name:  "failing rollout the previous State ran is kept",
		first: records(record("a", "v1", ro("v2", 20), aSecret)),
		// resealed: both versions must be resolved again, and v2 cannot be
		second:   records(record("a", "v1", ro("v2", 20), secret("a", "second"))),
		fail:     func(*fakeSource) []string { return []string{"a/v2"} },
		want:     map[string]want{"a": {current: "v1", secret: "second", rollout: "v2", percent: 20}},
		complete: false,
	}, {
		name:     "failing rollout of another version than the previous one is dropped",
		first:    records(record("a", "v1", ro("v2", 20), aSecret)),
		second:   records(record("a", "v1", ro("v3", 20), aSecret)),
		fail:     func(*fakeSource) []string { return []string{"a/v3"} },
		want:     map[string]want{"a": {current: "v1", secret: "first"}},
		complete: false,
	}, {
		name:     "failing current keeps the previous current and its rollout resolves",
		first:    records(record("a", "v1", nil, aSecret)),
		second:   records(record("a", "v2", ro("v3", 5), aSecret)),
		fail:     func(*fakeSource) []string { return []string{"a/v2"} },
		want:     map[string]want{"a": {current: "v1", secret: "first", rollout: "v3", percent: 5}},
		complete: false,
	}, {
		name:     "a worker left out of the records is gone",
		first:    records(record("a", "v1", nil, aSecret), record("b", "v9", nil, nil)),
		second:   records(record("b", "v9", nil, nil)),
		want:     map[string]want{"b": {current: "v9"}},
		complete: true,
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := newFakeSource()
			for _, id := range []string{"v1", "v2", "v3"} {
				src.add("a", id, id)
			}
			src.add("b", "v9", "v9")
			r := NewResolver(sealer, discard())
			ctx := context.Background()
			if _, complete := r.Resolve(ctx, src, c.first); !complete {
				t.Fatal("the first Resolve is not complete")
			}
			if c.fail != nil {
				for _, f := range c.fail(src) {
					src.fail[f] = true
				}
			}
			st, complete := r.Resolve(ctx, src, c.second)
			if complete != c.complete {
				t.Errorf("complete = %v, want %v", complete, c.complete)
			}
			var names []string
			for name := range c.want {
				names = append(names, name)
			}
			sort.Strings(names)
			if got := strings.Join(st.Names(), ","); got != strings.Join(names, ",") {
				t.Fatalf("workers %s, want %s", got, strings.Join(names, ","))
			}
			for name, want := range c.want {
				w := st.Workers[name]
				if w.Current.ID != want.current || w.Current.Secrets["TOKEN"] != want.secret {
					t.Errorf("%s: current %s with secret %q, want %s with %q", name, w.Current.ID, w.Current.Secrets["TOKEN"], want.current, want.secret)
				}
				switch {
				case want.rollout == "" && w.Rollout != nil:
					t.Errorf("%s: rollout %s, want none", name, w.Rollout.Version.ID)
				case want.rollout != "" && w.Rollout == nil:
					t.Errorf("%s: no rollout, want %s", name, want.rollout)
				case want.rollout != "" && (w.Rollout.Version.ID != want.rollout || w.Rollout.Percent != want.percent):
					t.Errorf("%s: rollout %s %d%%, want %s %d%%", name, w.Rollout.Version.ID, w.Rollout.Percent, want.rollout, want.percent)
				}
			}
			checkBundles(t, st)
			// Once the source reads again, the records resolve completely.
			if c.fail == nil {
				return
			}
			clear(src.fail)
			st, complete = r.Resolve(ctx, src, c.second)
			if !complete || len(st.Workers) != len(c.second) {
				t.Errorf("after the source recovered: complete %v, workers %v", complete, st.Names())
			}
			for name, rec := range c.second {
				if w := st.Workers[name]; w != nil && (w.Current.ID != rec.Current || (rec.Rollout != nil) != (w.Rollout != nil)) {
					t.Errorf("after the source recovered: %s runs %s (rollout %v), its record %s (rollout %v)", name, w.Current.ID, w.Rollout != nil, rec.Current, rec.Rollout != nil)
				}
			}
		})
	}
}

// TestResolvePrunes proves that the versions and bundles the newest State does not use are
// forgotten (a later Resolve naming them reads them again), and that the ones it uses are kept.
func TestResolvePrunes(t *testing.T) {
	sealer := testSealer(t)
	src := newFakeSource()
	src.add("a", "v1", "v1")
	src.add("a", "v2", "v2")
	r := NewResolver(sealer, discard())
	ctx := context.Background()
	steps := []struct {
		records        map[string]*control.Worker
		v1, v2         int // reads of each version (and of its bundle) so far
		versions, held int // versions and bundles the resolver holds after the step
	}{
		{records(record("a", "v1", nil, nil)), 1, 0, 1, 1},
		{records(record("a", "v1", nil, nil)), 1, 0, 1, 1},
		{records(record("a", "v2", nil, nil)), 1, 1, 1, 1},
		{records(record("a", "v1", nil, nil)), 2, 1, 1, 1},
		{records(record("a", "v1", &control.Rollout{Version: "v2", Percent: 50}, nil)), 2, 2, 2, 2},
		{records(record("a", "v2", &control.Rollout{Version: "v1", Percent: 50}, nil)), 2, 2, 2, 2},
		{records(), 2, 2, 0, 0},
		{records(record("a", "v1", nil, nil)), 3, 2, 1, 1},
	}
	for i, s := range steps {
		st, complete := r.Resolve(ctx, src, s.records)
		if !complete {
			t.Fatalf("step %d: not complete", i)
		}
		checkBundles(t, st)
		nv1, nb1 := src.reads("a", "v1")
		nv2, nb2 := src.reads("a", "v2")
		if nv1 != s.v1 || nb1 != s.v1 || nv2 != s.v2 || nb2 != s.v2 {
			t.Errorf("step %d: v1 read %d (bundle %d), v2 read %d (bundle %d); want %d and %d", i, nv1, nb1, nv2, nb2, s.v1, s.v2)
		}
		if len(r.versions) != s.versions || len(r.bundles) != s.held {
			t.Errorf("step %d: the resolver holds %d versions and %d bundles, want %d and %d", i, len(r.versions), len(r.bundles), s.versions, s.held)
		}
	}
}

// TestResolveRefusesMismatchedBundle proves that a bundle whose content does not hash to the
// name its version gives is not resolved: the worker keeps its previous version, or is left
// out (a Receiver would refuse such a bundle, and with it every worker of the feed).
func TestResolveRefusesMismatchedBundle(t *testing.T) {
	sealer := testSealer(t)
	src := newFakeSource()
	src.add("a", "v1", "v1")
	v2 := src.add("a", "v2", "v2")
	src.add("b", "v1", "b1")
	src.bundles[v2.Bundle] = codeBundle("tampered")
	r := NewResolver(sealer, discard())
	ctx := context.Background()
	st, complete := r.Resolve(ctx, src, records(record("a", "v1", nil, nil)))
	if !complete {
		t.Fatal("not complete")
	}
	st, complete = r.Resolve(ctx, src, records(record("a", "v2", nil, nil), record("b", "v1", nil, nil)))
	if complete {
		t.Error("complete with a bundle that does not match its name")
	}
	if w := st.Workers["a"]; w == nil || w.Current.ID != "v1" {
		t.Errorf("worker a: %+v, want its previous version v1", w)
	}
	if st.Workers["b"] == nil {
		t.Error("worker b left out")
	}
	checkBundles(t, st)
}

// TestStateOnly proves that Only keeps the workers keep accepts, each with the bundles of
// its current and its rollout version and no other, and that Names is sorted.
func TestStateOnly(t *testing.T) {
	src := newFakeSource()
	src.add("a", "v1", "v1")
	src.add("a", "v2", "v2")
	src.add("b", "v1", "b1")
	src.add("c", "v1", "c1")
	recs := records(record("a", "v1", &control.Rollout{Version: "v2", Percent: 10}, nil),
		record("b", "v1", nil, nil), record("c", "v1", nil, nil))
	st, complete := NewResolver(testSealer(t), discard()).Resolve(context.Background(), src, recs)
	if !complete {
		t.Fatal("not complete")
	}
	if got := strings.Join(st.Names(), ","); got != "a,b,c" {
		t.Errorf("names %s", got)
	}
	cases := []struct {
		keep    func(string) bool
		workers string
		bundles []string
	}{
		{func(string) bool { return true }, "a,b,c", []string{src.bundleOf("a", "v1"), src.bundleOf("a", "v2"), src.bundleOf("b", "v1"), src.bundleOf("c", "v1")}},
		{func(string) bool { return false }, "", nil},
		{func(n string) bool { return n == "a" }, "a", []string{src.bundleOf("a", "v1"), src.bundleOf("a", "v2")}},
		{func(n string) bool { return n != "a" }, "b,c", []string{src.bundleOf("b", "v1"), src.bundleOf("c", "v1")}},
	}
	for i, c := range cases {
		part := st.Only(c.keep)
		if got := strings.Join(part.Names(), ","); got != c.workers {
			t.Errorf("case %d: workers %s, want %s", i, got, c.workers)
		}
		if len(part.Bundles) != len(c.bundles) {
			t.Errorf("case %d: %d bundles, want %d", i, len(part.Bundles), len(c.bundles))
		}
		for _, b := range c.bundles {
			if part.Bundles[b] == nil {
				t.Errorf("case %d: bundle %s missing", i, b)
			}
		}
		checkBundles(t, part)
	}
	if len(st.Workers) != 3 || len(st.Bundles) != 4 {
		t.Error("Only changed the State")
	}
}
