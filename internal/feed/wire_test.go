package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"islet/internal/control"
	"islet/internal/deploy"
)

// knownBundles are the bundles ver made, by name, for stateOf.
var knownBundles sync.Map

// ver is version id of worker running codeBundle(code), with secrets in plaintext; its Key is
// id/tag (a new tag stands for secrets sealed anew).
func ver(worker, id, code, tag string, secrets map[string]string) *Version {
	b := codeBundle(code)
	knownBundles.Store(b.Hash(), b)
	return &Version{Version: &control.Version{ID: id, Worker: worker, Account: "acct", Bundle: b.Hash(),
		BundleBytes: b.Size(), Main: "index.js", Format: "module", CompatibilityDate: "2025-01-01",
		Bindings: []deploy.Binding{deploy.PlainText("MODE", id)}, EgressAllow: []string{"api.example.com"},
		Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		Secrets: secrets, Key: id + "/" + tag}
}

func wk(name string, current *Version, routes ...string) *Worker {
	return &Worker{Name: name, Current: current, Routes: routes}
}

func withRollout(w *Worker, v *Version, percent int) *Worker {
	c := *w
	c.Rollout = &Rollout{Version: v, Percent: percent}
	return &c
}

// stateOf makes a State of ws with the bundle of every version they run.
func stateOf(ws ...*Worker) *State {
	st := &State{Workers: map[string]*Worker{}, Bundles: map[string]*control.Bundle{}}
	for _, w := range ws {
		st.Workers[w.Name] = w
		for _, v := range w.Versions() {
			b, ok := knownBundles.Load(v.Bundle)
			if !ok {
				panic("unknown bundle " + v.Bundle)
			}
			st.Bundles[v.Bundle] = b.(*control.Bundle)
		}
	}
	return st
}

// link is a sequential in-memory connection: a Receiver reads what a Sender writes, and what
// each Send wrote can be decoded (sent).
type link struct {
	toReceiver bytes.Buffer
	unread     bytes.Buffer
}

func (l *link) Write(p []byte) (int, error) {
	l.toReceiver.Write(p)
	return l.unread.Write(p)
}

// sent decodes what was written since the last call: the names of the bundles sent, sorted,
// and how many State messages.
func (l *link) sent(t *testing.T) (bundles []string, states int) {
	t.Helper()
	dec := json.NewDecoder(&l.unread)
	for {
		var m message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the sender wrote something else than messages: %v", err)
		}
		switch {
		case m.Bundle != nil:
			bundles = append(bundles, m.Bundle.Name)
		case m.State != nil:
			states++
		default:
			t.Fatal("the sender wrote an empty message")
		}
	}
	l.unread.Reset()
	sort.Strings(bundles)
	return bundles, states
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sameState fails unless got holds what want holds: the same workers, versions, secrets and
// Keys, and the same bundles.
func sameState(t *testing.T, got, want *State) {
	t.Helper()
	if !reflect.DeepEqual(got.Workers, want.Workers) {
		g, _ := json.Marshal(got.Workers)
		w, _ := json.Marshal(want.Workers)
		t.Errorf("workers\n got %s\nwant %s", g, w)
	}
	if gk, wk := sortedKeys(got.Bundles), sortedKeys(want.Bundles); !reflect.DeepEqual(gk, wk) {
		t.Errorf("bundles %v, want %v", gk, wk)
	}
	for name, b := range want.Bundles {
		if g := got.Bundles[name]; g == nil || !reflect.DeepEqual(g.Modules, b.Modules) {
			t.Errorf("bundle %s arrived as %+v", name, g)
		}
	}
}

// TestWireRoundTrip proves that a State arrives whole (workers, routes, versions' records,
// secrets, Keys, rollouts and bundles), with a bundle two versions share sent once.
func TestWireRoundTrip(t *testing.T) {
	a1 := ver("a", "v1", "shared", "s1", map[string]string{"TOKEN": "t0p", "EMPTY": ""})
	a2 := ver("a", "v2", "a canary", "s1", map[string]string{"TOKEN": "t0p", "EMPTY": ""})
	b1 := ver("b", "v9", "shared", "s2", nil)
	st := stateOf(withRollout(wk("a", a1, "a.example.com/*", "*.a.example.com/api/*"), a2, 15), wk("b", b1))
	var l link
	if err := NewSender(&l).Send(st); err != nil {
		t.Fatal(err)
	}
	if bundles, states := l.sent(t); len(bundles) != 2 || states != 1 {
		t.Errorf("sent %d bundles and %d states, want 2 and 1", len(bundles), states)
	}
	got, err := NewReceiver(&l.toReceiver).Next()
	if err != nil {
		t.Fatal(err)
	}
	sameState(t, got, st)
	if got.Workers["a"].Current.Secrets["TOKEN"] != "t0p" || got.Workers["a"].Rollout.Percent != 15 {
		t.Errorf("worker a arrived as %+v", got.Workers["a"])
	}
}

// TestWireSendsBundlesOnce proves that a bundle the receiver holds is not sent again while
// States keep naming it, that one a State dropped is sent again when a later State names it,
// and that the receiver's States hold every bundle their workers name.
func TestWireSendsBundlesOnce(t *testing.T) {
	a1 := ver("a", "v1", "a one", "s1", map[string]string{"K": "1"})
	a1b := ver("a", "v1", "a one", "s2", map[string]string{"K": "2"}) // resealed
	a2 := ver("a", "v2", "a two", "s1", nil)
	b1 := ver("b", "v1", "b one", "s1", nil)
	c1 := ver("c", "v1", "a one", "s1", nil) // a's code
	name := func(v *Version) string { return v.Bundle }
	steps := []struct {
		st   *State
		sent []*Version // the versions whose bundles go on the wire
	}{
		{stateOf(wk("a", a1)), []*Version{a1}},
		{stateOf(wk("a", a1)), nil},
		{stateOf(wk("a", a1), wk("b", b1)), []*Version{b1}},
		{stateOf(wk("a", a1b), wk("b", b1)), nil},
		{stateOf(wk("b", b1)), nil},
		{stateOf(wk("a", a1), wk("b", b1)), []*Version{a1}},
		{stateOf(withRollout(wk("a", a1), a2, 50), wk("b", b1)), []*Version{a2}},
		{stateOf(wk("a", a2), wk("c", c1)), nil}, // c runs a1's bundle, which is held
		{stateOf(), nil},
		{stateOf(wk("c", c1), wk("b", b1)), []*Version{c1, b1}},
	}
	var l link
	s := NewSender(&l)
	r := NewReceiver(&l.toReceiver)
	for i, step := range steps {
		if err := s.Send(step.st); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		var want []string
		for _, v := range step.sent {
			want = append(want, name(v))
		}
		sort.Strings(want)
		if got, states := l.sent(t); !reflect.DeepEqual(got, want) || states != 1 {
			t.Errorf("step %d: sent bundles %v and %d states, want %v and 1", i, got, states, want)
		}
		got, err := r.Next()
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		sameState(t, got, step.st)
	}
}

// TestWireOverPipe proves that a Sender and a Receiver work across a synchronous connection
// (net.Pipe) from two goroutines, and that the Receiver returns io.EOF once the sender's end
// is closed.
func TestWireOverPipe(t *testing.T) {
	states := []*State{
		stateOf(wk("a", ver("a", "v1", "p a1", "s", nil))),
		stateOf(wk("a", ver("a", "v2", "p a2", "s", map[string]string{"K": "v"})), wk("b", ver("b", "v1", "p b1", "s", nil))),
		stateOf(),
	}
	sendEnd, recvEnd := net.Pipe()
	defer recvEnd.Close()
	sendErr := make(chan error, 1)
	go func() {
		defer sendEnd.Close()
		s := NewSender(sendEnd)
		for _, st := range states {
			if err := s.Send(st); err != nil {
				sendErr <- err
				return
			}
		}
		sendErr <- nil
	}()
	recvEnd.SetDeadline(time.Now().Add(10 * time.Second))
	r := NewReceiver(recvEnd)
	for i, want := range states {
		got, err := r.Next()
		if err != nil {
			t.Fatalf("state %d: %v", i, err)
		}
		sameState(t, got, want)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("after the last state: %v, want io.EOF", err)
	}
	if err := <-sendErr; err != nil {
		t.Fatal(err)
	}
}

// TestReceiverEOF proves that a stream that ends between messages ends with io.EOF itself
// (not wrapped), also when it is empty or only white space.
func TestReceiverEOF(t *testing.T) {
	var one link
	if err := NewSender(&one).Send(stateOf(wk("a", ver("a", "v1", "eof", "s", nil)))); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		input  string
		states int
	}{
		"empty":       {"", 0},
		"white space": {" \n\t\n", 0},
		"one state":   {one.toReceiver.String(), 1},
		"empty state": {`{"state":{"workers":{}}}` + "\n", 1},
		"null state":  {`{"state":{"workers":null}}`, 1},
	} {
		r := NewReceiver(strings.NewReader(c.input))
		for i := 0; i < c.states; i++ {
			if st, err := r.Next(); err != nil || st.Workers == nil || st.Bundles == nil {
				t.Fatalf("%s: state %d: %v, %v", name, i, st, err)
			}
		}
		if st, err := r.Next(); err != io.EOF || st != nil {
			t.Errorf("%s: at the end: %v, %v; want io.EOF", name, st, err)
		}
	}
}

func encodeMessages(t *testing.T, ms ...any) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	for _, m := range ms {
		if err := enc.Encode(m); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// TestReceiverRefuses proves that a Receiver returns an error (not io.EOF) for a stream that
// is not a feed: garbage, an empty message, a bundle whose content is not its name, a State
// naming a bundle never sent or dropped by the previous State, a worker without its version,
// a message cut short.
func TestReceiverRefuses(t *testing.T) {
	v := ver("a", "v1", "refuse", "s", nil)
	b := codeBundle("refuse")
	bundleMsg := message{Bundle: &wireBundle{Name: b.Hash(), Modules: b.Modules}}
	stateMsg := message{State: &wireState{Workers: map[string]*Worker{"a": wk("a", v)}}}
	emptyState := message{State: &wireState{Workers: map[string]*Worker{}}}
	tampered := message{Bundle: &wireBundle{Name: b.Hash(), Modules: map[string][]byte{"index.js": []byte("evil")}}}
	whole := encodeMessages(t, bundleMsg, stateMsg)
	cases := []struct {
		name  string
		input string
		ok    int    // States that arrive before the error
		err   string // in the error
	}{
		{"garbage", "this is not a feed", 0, "feed: receive"},
		{"binary", "\x00\x01\x02", 0, "feed: receive"},
		{"an array", "[1,2,3]", 0, "feed: receive"},
		{"a string", `"state"`, 0, "feed: receive"},
		{"an empty message", "{}", 0, "empty message"},
		{"null", "null", 0, "empty message"},
		{"a bundle whose content is not its name", encodeMessages(t, tampered, stateMsg), 0, "arrived with content"},
		{"a bundle with another's name", encodeMessages(t,
			message{Bundle: &wireBundle{Name: codeBundle("other").Hash(), Modules: b.Modules}}), 0, "arrived with content"},
		{"a State naming a bundle never sent", encodeMessages(t, stateMsg), 0, "which was not sent"},
		{"a State naming a bundle the previous State dropped", encodeMessages(t, bundleMsg, stateMsg, emptyState, stateMsg), 2, "which was not sent"},
		{"a worker without its version", `{"state":{"workers":{"a":{"name":"a"}}}}`, 0, "without its version"},
		{"a null worker", `{"state":{"workers":{"a":null}}}`, 0, "without its version"},
		{"a worker with an empty version", `{"state":{"workers":{"a":{"name":"a","current":{}}}}}`, 0, "without its version"},
		{"a rollout without its version", encodeMessages(t, bundleMsg,
			map[string]any{"state": map[string]any{"workers": map[string]any{"a": map[string]any{"name": "a", "current": v, "rollout": map[string]any{"percent": 5}}}}}), 0, "without its version"},
		{"a message cut short", whole[:len(whole)-10], 0, "feed: receive"},
		{"a bundle message cut short", whole[:20], 0, "feed: receive"},
		{"garbage after a State", whole + "}", 1, "feed: receive"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewReceiver(strings.NewReader(c.input))
			for i := 0; i < c.ok; i++ {
				if _, err := r.Next(); err != nil {
					t.Fatalf("state %d: %v", i, err)
				}
			}
			st, err := r.Next()
			if err == nil || errors.Is(err, io.EOF) || st != nil {
				t.Fatalf("got %v, %v; want an error", st, err)
			}
			if !strings.Contains(err.Error(), c.err) {
				t.Errorf("error %q, want one saying %q", err, c.err)
			}
		})
	}
}

type failingWriter struct{}

var errWrite = errors.New("write failed (test)")

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

// TestSenderWriteError proves that a failed write is Send's error.
func TestSenderWriteError(t *testing.T) {
	for _, st := range []*State{stateOf(), stateOf(wk("a", ver("a", "v1", "werr", "s", nil)))} {
		if err := NewSender(failingWriter{}).Send(st); !errors.Is(err, errWrite) {
			t.Errorf("Send: %v, want the write's error", err)
		}
	}
}
