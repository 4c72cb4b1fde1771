package htmlrewriter

import (
	"runtime"
	"sync"
	"weak"

	"islet/internal/op"
	"islet/internal/v8"
)

// MaxRewriters bounds how many rewriters (transforms in progress) one isolate may hold at once.
// A rewriter is made when a transformed body is first read and freed when the body ends, errors
// or is cancelled, or when JavaScript's garbage collector finds the body unreachable; what is
// left goes with the isolate.
var MaxRewriters = 256

// table is one isolate's rewriters by integer id. Ids mean nothing in another isolate.
type table struct {
	mu     sync.Mutex
	next   int
	states map[int]*Rewriter
	closed bool
}

// tables maps each isolate (weakly: the map does not keep it alive) to its table. A cleanup
// attached to the isolate closes the table once the isolate has been disposed and dropped.
var tables sync.Map // weak.Pointer[v8.Isolate] → *table

// tableFor returns the table of the isolate that made call c.
func tableFor(c *op.Call) (*table, error) {
	iso, ok := c.Runtime.(*v8.Isolate)
	if !ok || iso == nil {
		return nil, op.TypeErrorf("HTMLRewriter is not available here")
	}
	key := weak.Make(iso)
	if t, ok := tables.Load(key); ok {
		return t.(*table), nil
	}
	t, loaded := tables.LoadOrStore(key, &table{states: map[int]*Rewriter{}})
	if !loaded {
		runtime.AddCleanup(iso, func(k weak.Pointer[v8.Isolate]) {
			if t, ok := tables.LoadAndDelete(k); ok {
				t.(*table).closeAll()
			}
		}, key)
	}
	return t.(*table), nil
}

func (t *table) add(s *Rewriter) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		s.release()
		return 0, op.TypeErrorf("the isolate is shutting down")
	}
	if len(t.states) >= MaxRewriters {
		s.release()
		return 0, op.RangeErrorf("too many HTMLRewriter transforms in progress in this worker (at most %d); read or cancel their bodies", MaxRewriters)
	}
	t.next++
	t.states[t.next] = s
	return t.next, nil
}

func (t *table) get(id int) (*Rewriter, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.states[id]
	if !ok {
		return nil, op.TypeErrorf("the HTMLRewriter transform has ended")
	}
	return s, nil
}

func (t *table) free(id int) {
	t.mu.Lock()
	s, ok := t.states[id]
	delete(t.states, id)
	t.mu.Unlock()
	if ok {
		s.release()
	}
}

// len is how many states the table holds (for tests).
func (t *table) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.states)
}

func (t *table) closeAll() {
	t.mu.Lock()
	states := t.states
	t.states, t.closed = nil, true
	t.mu.Unlock()
	for _, s := range states {
		s.release()
	}
}
