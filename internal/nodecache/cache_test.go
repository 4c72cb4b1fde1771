package nodecache

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"islet/internal/control"
	"islet/internal/deploy"
)

// fixture is a state of workers, each running a version of its own bundle, and the bundles by
// name.
type fixture struct {
	state   *State
	bundles map[string]*control.Bundle
}

// newFixture makes a state with one worker per source; the first one also has a rollout to
// a second version and a sealed secret.
func newFixture(srcs ...string) *fixture {
	f := &fixture{state: &State{Saved: time.Now().UTC().Truncate(time.Second), Workers: map[string]*control.Worker{}},
		bundles: map[string]*control.Bundle{}}
	version := func(worker, src string) *control.Version {
		b := &control.Bundle{Modules: map[string][]byte{"index.js": []byte(src)}}
		f.bundles[b.Hash()] = b
		v := &control.Version{ID: fmt.Sprintf("%x", len(f.state.Versions)+1), Worker: worker, Bundle: b.Hash(),
			Main: "index.js", Format: "module", Bindings: []deploy.Binding{deploy.PlainText("A", "b")}}
		f.state.Versions = append(f.state.Versions, v)
		return v
	}
	for i, src := range srcs {
		name := fmt.Sprintf("w%d", i)
		w := &control.Worker{Name: name, Account: "acct", Current: version(name, src).ID, Routes: []string{name + ".example.com/*"}}
		if i == 0 {
			w.Rollout = &control.Rollout{Version: version(name, src+" // canary").ID, Percent: 10}
			w.Secrets = map[string]string{"TOKEN": "c2VhbGVkLWJ5dGVz"}
		}
		f.state.Workers[name] = w
	}
	return f
}

func (f *fixture) get(name string) (*control.Bundle, error) {
	b, ok := f.bundles[name]
	if !ok {
		return nil, errors.New("no such bundle")
	}
	return b, nil
}

func open(t *testing.T, dir string) *Cache {
	t.Helper()
	c, err := Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func bundleFiles(t *testing.T, c *Cache) []string {
	t.Helper()
	entries, err := os.ReadDir(c.bundleDir())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	c := open(t, filepath.Join(t.TempDir(), "cache"))
	f := newFixture("a", "b")
	if _, err := c.Load(); !errors.Is(err, ErrNoState) {
		t.Fatalf("Load of an empty cache: %v, want ErrNoState", err)
	}
	if err := c.Save(f.state, f.get); err != nil {
		t.Fatal(err)
	}
	// A fresh Cache on the directory (a restarted node) reads back what was saved.
	got, err := open(t, c.Dir()).Load()
	if err != nil {
		t.Fatal(err)
	}
	if !got.Saved.Equal(f.state.Saved) || !reflect.DeepEqual(got.Workers, f.state.Workers) || !reflect.DeepEqual(got.Versions, f.state.Versions) {
		t.Fatalf("loaded %+v\nsaved %+v", got, f.state)
	}
	for _, w := range f.state.Workers {
		v, ok := got.Version(w.Name, w.Current)
		if !ok {
			t.Fatalf("no version %s of %s", w.Current, w.Name)
		}
		b, err := c.Bundle(v.Bundle)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(b, f.bundles[v.Bundle]) {
			t.Fatalf("bundle %s: %v", v.Bundle, b)
		}
	}
	if got.Workers["w0"].Secrets["TOKEN"] != "c2VhbGVkLWJ5dGVz" {
		t.Fatalf("sealed secret not kept as given: %v", got.Workers["w0"].Secrets)
	}
	if n := len(bundleFiles(t, c)); n != 3 {
		t.Fatalf("%d bundle files, want 3", n)
	}
}

func TestPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	if err := os.MkdirAll(dir, 0o755); err != nil { // a directory made looser beforehand
		t.Fatal(err)
	}
	c := open(t, dir)
	f := newFixture("a")
	if err := c.Save(f.state, f.get); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		info, _ := d.Info()
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", path, info.Mode().Perm(), want)
		}
		return nil
	})
}

func TestCorruptOrPartialStateIsRefused(t *testing.T) {
	c := open(t, filepath.Join(t.TempDir(), "cache"))
	f := newFixture("a", "b")
	if err := c.Save(f.state, f.get); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(c.statePath())
	if err != nil {
		t.Fatal(err)
	}
	header, body, _ := strings.Cut(string(good), "\n")
	flipped := []byte(good)
	flipped[len(flipped)-5] ^= 0x20
	// A state missing a version a record runs, with a header that matches it.
	partial := *f.state
	partial.Versions = partial.Versions[1:]
	partialFile, err := encodeState(&partial)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty":            nil,
		"no header":        []byte(body),
		"truncated":        good[:len(good)/2],
		"a byte flipped":   flipped,
		"other format":     []byte(strings.Replace(header, " 1 ", " 2 ", 1) + "\n" + body),
		"not json":         withHeader("{{{"),
		"missing version":  partialFile,
		"garbage":          []byte("\x00\xff\x10 garbage"),
		"header only":      []byte(header + "\n"),
		"trailing garbage": append(append([]byte(nil), good...), "x"...),
	}
	for name, data := range cases {
		if err := os.WriteFile(c.statePath(), data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := c.Load()
		if err == nil || errors.Is(err, ErrNoState) {
			t.Errorf("%s: Load = %v, %v; want an error", name, s, err)
		}
	}
}

// withHeader is body under a header that matches it.
func withHeader(body string) []byte {
	sum := sha256.Sum256([]byte(body))
	return []byte(fmt.Sprintf("%s %d %x %d\n%s", stateMagic, stateFormat, sum, len(body), body))
}

func TestCorruptBundleIsRefusedAndRewritten(t *testing.T) {
	c := open(t, filepath.Join(t.TempDir(), "cache"))
	f := newFixture("a")
	if err := c.Save(f.state, f.get); err != nil {
		t.Fatal(err)
	}
	name := f.state.Versions[0].Bundle
	other := &control.Bundle{Modules: map[string][]byte{"index.js": []byte("evil")}}
	for what, data := range map[string]string{"truncated": `{"modules":{"index.js":"YQ`, "other content": mustJSON(t, other)} {
		if err := os.WriteFile(c.bundlePath(name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := open(t, c.Dir()).Bundle(name); err == nil {
			t.Errorf("%s bundle read without error", what)
		}
	}
	if _, err := c.Bundle("../state"); err == nil {
		t.Error("a bundle name that is not a content address was read")
	}
	// A node that saves again (a fresh process, which has not verified the file) repairs it.
	c2 := open(t, c.Dir())
	if err := c2.Save(f.state, f.get); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Bundle(name); err != nil {
		t.Fatalf("after Save: %v", err)
	}
}

func mustJSON(t *testing.T, b *control.Bundle) string {
	t.Helper()
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestSavePrunesUnreferencedBundles(t *testing.T) {
	c := open(t, filepath.Join(t.TempDir(), "cache"))
	first := newFixture("a", "b")
	if err := c.Save(first.state, first.get); err != nil {
		t.Fatal(err)
	}
	// Leftovers of a crash: a temporary file in each directory.
	for _, p := range []string{filepath.Join(c.Dir(), tempPrefix+"1"), filepath.Join(c.bundleDir(), tempPrefix+"2")} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The next state keeps worker w1 ("b"), drops w0 and its rollout, and adds "c".
	next := newFixture("z", "b", "c")
	delete(next.state.Workers, "w0")
	next.state.Versions = next.state.Versions[2:]
	if err := c.Save(next.state, next.get); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, v := range next.state.Versions {
		want[v.Bundle] = true
	}
	got := bundleFiles(t, c)
	if len(got) != len(want) {
		t.Fatalf("bundle files %v, want only %v", got, want)
	}
	for _, name := range got {
		if !want[name] {
			t.Fatalf("bundle %s survived though no version references it", name)
		}
	}
	if _, err := os.Stat(filepath.Join(c.Dir(), tempPrefix+"1")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a temporary file survived Save: %v", err)
	}
}

func TestSaveRefusesPartialStatesAndWrongBundles(t *testing.T) {
	c := open(t, filepath.Join(t.TempDir(), "cache"))
	f := newFixture("a")
	partial := *f.state
	partial.Versions = partial.Versions[:1] // the rollout's version is missing
	if err := c.Save(&partial, f.get); err == nil {
		t.Fatal("a partial state was saved")
	}
	wrong := func(string) (*control.Bundle, error) {
		return &control.Bundle{Modules: map[string][]byte{"index.js": []byte("not it")}}, nil
	}
	if err := c.Save(f.state, wrong); err == nil {
		t.Fatal("a bundle that does not match its name was saved")
	}
	bad := newFixture("a")
	bad.state.Versions[0].Bundle = "../../etc/passwd"
	if err := c.Save(bad.state, bad.get); err == nil {
		t.Fatal("a bundle name that is not a content address was accepted")
	}
	if _, err := c.Load(); !errors.Is(err, ErrNoState) {
		t.Fatalf("after refused saves Load = %v, want ErrNoState", err)
	}
}

func TestReadOnlyCacheWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	c, err := Open(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture("a")
	if err := c.Save(f.state, f.get); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a read-only cache created its directory: %v", err)
	}
	// It reads what the writer saved.
	if err := open(t, dir).Save(f.state, f.get); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Load(); err != nil {
		t.Fatal(err)
	}
}
