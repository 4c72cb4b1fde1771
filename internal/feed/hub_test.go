package feed

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// wait bounds every wait of these tests.
const wait = 5 * time.Second

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes())
}

// served is one Serve of a hub over an io.Pipe, read by a Receiver in its own goroutine.
type served struct {
	cancel context.CancelFunc
	done   chan error   // Serve's result
	states chan *State  // what the receiver read
	recv   chan error   // the receiver's last error (io.EOF at a clean end)
	wire   lockedBuffer // every byte Serve wrote
	pw     *io.PipeWriter
}

func serve(t *testing.T, h *Hub, keep func(string) bool) *served {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{cancel: cancel, done: make(chan error, 1), states: make(chan *State, 64),
		recv: make(chan error, 1), pw: pw}
	// The wire copy is written before the pipe, so it is complete once a State arrives.
	go func() { s.done <- h.Serve(ctx, io.MultiWriter(&s.wire, pw), keep) }()
	go func() {
		defer close(s.states)
		r := NewReceiver(pr)
		for {
			st, err := r.Next()
			if err != nil {
				s.recv <- err
				pr.CloseWithError(err)
				return
			}
			s.states <- st
		}
	}()
	t.Cleanup(func() { cancel(); pw.Close() })
	return s
}

// next is the next State the receiver reads, within wait.
func (s *served) next(t *testing.T) *State {
	t.Helper()
	select {
	case st, ok := <-s.states:
		if !ok {
			t.Fatalf("the feed ended: %v", <-s.recv)
		}
		return st
	case err := <-s.done:
		t.Fatalf("Serve returned %v", err)
	case <-time.After(wait):
		t.Fatal("no State within the wait")
	}
	return nil
}

// stop cancels Serve, checks that it returns nil, then closes the pipe and checks that the
// receiver read nothing more than the States already taken, and ended cleanly.
func (s *served) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("Serve returned %v after its context ended, want nil", err)
		}
	case <-time.After(wait):
		t.Fatal("Serve did not return after its context ended")
	}
	s.pw.Close()
	deadline := time.After(wait)
	for {
		select {
		case st, ok := <-s.states:
			if !ok {
				if err := <-s.recv; err != io.EOF {
					t.Errorf("the feed ended with %v, want io.EOF", err)
				}
				return
			}
			t.Errorf("an unexpected State was sent: %v", st.Names())
		case <-deadline:
			t.Fatal("the receiver did not end")
		}
	}
}

func only(names ...string) func(string) bool {
	return func(n string) bool {
		for _, m := range names {
			if n == m {
				return true
			}
		}
		return false
	}
}

// TestHubSendsCurrentStateAtOnce proves that Serve sends the hub's State as soon as it is
// attached, with only the workers keep accepts and only their bundles and secrets: nothing of
// another worker goes on the wire.
func TestHubSendsCurrentStateAtOnce(t *testing.T) {
	a := ver("a", "v1", "hub a", "s", map[string]string{"TOKEN": "secret-of-a"})
	aCanary := ver("a", "v2", "hub a canary", "s", map[string]string{"TOKEN": "secret-of-a"})
	b := ver("b", "v1", "hub b", "s", map[string]string{"TOKEN": "secret-of-b"})
	st := stateOf(withRollout(wk("a", a), aCanary, 10), wk("b", b, "b.example.com/*"))
	h := NewHub()
	h.Set(st)
	s := serve(t, h, only("a"))
	got := s.next(t)
	sameState(t, got, st.Only(only("a")))
	if len(got.Bundles) != 2 {
		t.Errorf("%d bundles, want a's 2", len(got.Bundles))
	}
	s.stop(t)
	wire := s.wire.Bytes()
	for _, leak := range []string{"secret-of-b", b.Bundle, "hub b", "b.example.com", `"b"`} {
		if bytes.Contains(wire, []byte(leak)) {
			t.Errorf("the wire carries %q of worker b", leak)
		}
	}
	if !bytes.Contains(wire, []byte("secret-of-a")) {
		t.Error("the wire does not carry a's secret")
	}
}

// TestHubWaitsForFirstState proves that Serve on a hub without a State sends nothing until
// Set, then the State at once; a keep that accepts nothing still gets (empty) States.
func TestHubWaitsForFirstState(t *testing.T) {
	h := NewHub()
	a := serve(t, h, only("a"))
	none := serve(t, h, only())
	st := stateOf(wk("a", ver("a", "v1", "first a", "s", nil)))
	h.Set(st)
	sameState(t, a.next(t), st)
	if got := none.next(t); len(got.Workers) != 0 || len(got.Bundles) != 0 {
		t.Errorf("a receiver of nothing got %v", got.Names())
	}
	a.stop(t)
	none.stop(t)
}

// TestHubSendsOnlyChanges proves that Serve sends a new State when the part keep accepts
// changed (routes, a version's Key, a rollout or its share, a worker accepted or gone), and
// sends nothing when only other workers changed or the same part is set again. Each State
// holds a probe worker that keep is asked about, so the test knows Serve saw each State
// before it sets the next one; an unexpected send shows as the wrong next State, or at stop.
func TestHubSendsOnlyChanges(t *testing.T) {
	asked := make(chan string, 64)
	keep := func(name string) bool {
		if strings.HasPrefix(name, "probe-") {
			asked <- name
			return false
		}
		return name == "a" || name == "c"
	}
	a1 := ver("a", "v1", "ch a1", "s1", map[string]string{"K": "1"})
	a1b := ver("a", "v1", "ch a1", "s2", map[string]string{"K": "2"}) // a1 resealed
	a2 := ver("a", "v2", "ch a2", "s1", map[string]string{"K": "1"})
	b1 := ver("b", "v1", "ch b1", "s1", nil)
	b2 := ver("b", "v2", "ch b2", "s1", nil)
	c1 := ver("c", "v1", "ch c1", "s1", nil)
	steps := []struct {
		name string
		ws   []*Worker
		send bool
	}{
		{"first", []*Worker{wk("a", a1), wk("b", b1)}, true},
		{"another worker changed", []*Worker{wk("a", a1), wk("b", b2)}, false},
		{"the same part again", []*Worker{wk("a", ver("a", "v1", "ch a1", "s1", map[string]string{"K": "1"})), wk("b", b2)}, false},
		{"routes changed", []*Worker{wk("a", a1, "a.example.com/*"), wk("b", b2)}, true},
		{"resealed (new Key)", []*Worker{wk("a", a1b, "a.example.com/*"), wk("b", b2)}, true},
		{"rollout started", []*Worker{withRollout(wk("a", a1b, "a.example.com/*"), a2, 10), wk("b", b2)}, true},
		{"another worker gone", []*Worker{withRollout(wk("a", a1b, "a.example.com/*"), a2, 10)}, false},
		{"rollout share changed", []*Worker{withRollout(wk("a", a1b, "a.example.com/*"), a2, 20)}, true},
		{"rollout ended", []*Worker{wk("a", a2, "a.example.com/*")}, true},
		{"another worker came", []*Worker{wk("a", a2, "a.example.com/*"), wk("b", b1)}, false},
		{"an accepted worker came", []*Worker{wk("a", a2, "a.example.com/*"), wk("b", b1), wk("c", c1)}, true},
		{"an accepted worker gone", []*Worker{wk("a", a2, "a.example.com/*"), wk("b", b1)}, true},
		{"nothing changed", []*Worker{wk("a", a2, "a.example.com/*"), wk("b", b1)}, false},
		{"every worker gone", nil, true},
		{"still none", []*Worker{wk("b", b2)}, false},
	}
	h := NewHub()
	var s *served
	for i, step := range steps {
		probe := "probe-" + string(rune('A'+i))
		ws := append([]*Worker{wk(probe, ver(probe, "v1", "probe", "s", nil))}, step.ws...)
		st := stateOf(ws...)
		h.Set(st)
		if s == nil {
			s = serve(t, h, keep)
		}
		deadline := time.After(wait)
	seen:
		for {
			select {
			case name := <-asked:
				if name == probe {
					break seen
				}
			case <-deadline:
				t.Fatalf("step %q: Serve did not look at its State", step.name)
			}
		}
		if step.send {
			got := s.next(t)
			want := st.Only(keep)
			if got.signature() != want.signature() {
				t.Fatalf("step %q: got\n%swant\n%s", step.name, got.signature(), want.signature())
			}
			sameState(t, got, want)
		}
	}
	s.stop(t)
}

// TestHubFansOut proves that each of several receivers of one hub gets its own part of every
// State, and none of another's workers.
func TestHubFansOut(t *testing.T) {
	h := NewHub()
	recvA, recvB := serve(t, h, only("a")), serve(t, h, only("b"))
	a1 := ver("a", "v1", "fan a1", "s", map[string]string{"T": "only-a"})
	b1 := ver("b", "v1", "fan b1", "s", map[string]string{"T": "only-b"})
	b2 := ver("b", "v2", "fan b2", "s", map[string]string{"T": "only-b"})
	st1 := stateOf(wk("a", a1), wk("b", b1), wk("z", ver("z", "v1", "fan z", "s", map[string]string{"T": "only-z"})))
	h.Set(st1)
	sameState(t, recvA.next(t), st1.Only(only("a")))
	sameState(t, recvB.next(t), st1.Only(only("b")))
	st2 := stateOf(wk("a", a1), wk("b", b2))
	h.Set(st2)
	sameState(t, recvB.next(t), st2.Only(only("b")))
	recvA.stop(t)
	recvB.stop(t)
	for name, c := range map[string]struct {
		s            *served
		mine, others []string
	}{
		"a": {recvA, []string{"only-a"}, []string{"only-b", "only-z", b1.Bundle, b2.Bundle}},
		"b": {recvB, []string{"only-b", b1.Bundle, b2.Bundle}, []string{"only-a", "only-z", a1.Bundle}},
	} {
		wire := c.s.wire.Bytes()
		for _, m := range c.mine {
			if !bytes.Contains(wire, []byte(m)) {
				t.Errorf("receiver %s: %q is not on its wire", name, m)
			}
		}
		for _, o := range c.others {
			if bytes.Contains(wire, []byte(o)) {
				t.Errorf("receiver %s: %q of another worker is on its wire", name, o)
			}
		}
	}
}

// TestHubServeEnds proves that Serve returns nil when its context ends, whether or not the
// hub holds a State, and returns a write's error.
func TestHubServeEnds(t *testing.T) {
	h := NewHub()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Serve(ctx, io.Discard, only("a")) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve of an empty hub: %v, want nil", err)
		}
	case <-time.After(wait):
		t.Fatal("Serve of an empty hub did not return")
	}

	h.Set(stateOf(wk("a", ver("a", "v1", "ends", "s", nil))))
	go func() { done <- h.Serve(context.Background(), failingWriter{}, only("a")) }()
	select {
	case err := <-done:
		if !errors.Is(err, errWrite) {
			t.Errorf("Serve to a failing writer: %v, want the write's error", err)
		}
	case <-time.After(wait):
		t.Fatal("Serve to a failing writer did not return")
	}
}
