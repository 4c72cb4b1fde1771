package compression

import (
	"runtime"
	"sync"
	"weak"

	"islet/internal/op"
	"islet/internal/v8"
)

// MaxStreams bounds how many codec states one isolate may hold at once. A state is made at a
// stream's first chunk (or at its close) and freed when the stream finishes, errors or is
// cancelled, or when JavaScript's garbage collector finds the stream unreachable; what is left
// goes with the isolate. A compressor holds about 1 MB (flate's hash tables), so the bound keeps
// a worker that opens streams and never closes them to a few hundred MB at worst.
var MaxStreams = 256

// MaxBrotliStreams bounds how many of those states may be brotli ones, which are much bigger: a
// brotli decompressor's window is what the stream asks for, up to 16 MB (a few bytes of input
// can make it allocate that), and a compressor grows to about 6 MB (see brotliOptions). The
// bound keeps brotli states to about 300 MB per isolate at worst.
var MaxBrotliStreams = 16

// table is one isolate's codec states by integer id. Ids mean nothing in another isolate.
type table struct {
	mu      sync.Mutex
	next    int
	states  map[int]codec
	brotlis int // how many of states are brotli ones
	closed  bool
}

// isBrotli tells whether s is a brotli codec (counted against MaxBrotliStreams).
func isBrotli(s codec) bool {
	switch s := s.(type) {
	case *compressor:
		return s.format == "brotli"
	case *decompressor:
		return s.format == "brotli"
	}
	return false
}

// tables maps each isolate (weakly: the map does not keep it alive) to its table. A cleanup
// attached to the isolate closes the table once the isolate has been disposed and dropped.
var tables sync.Map // weak.Pointer[v8.Isolate] → *table

// tableFor returns the table of the isolate that made call c.
func tableFor(c *op.Call) (*table, error) {
	iso, ok := c.Runtime.(*v8.Isolate)
	if !ok || iso == nil {
		return nil, op.TypeErrorf("compression streams are not available here")
	}
	key := weak.Make(iso)
	if t, ok := tables.Load(key); ok {
		return t.(*table), nil
	}
	t, loaded := tables.LoadOrStore(key, &table{states: map[int]codec{}})
	if !loaded {
		runtime.AddCleanup(iso, func(k weak.Pointer[v8.Isolate]) {
			if t, ok := tables.LoadAndDelete(k); ok {
				t.(*table).closeAll()
			}
		}, key)
	}
	return t.(*table), nil
}

func (t *table) add(s codec) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		s.release()
		return 0, op.TypeErrorf("the isolate is shutting down")
	}
	if len(t.states) >= MaxStreams {
		s.release()
		return 0, op.RangeErrorf("too many open compression streams in this worker (at most %d); close or cancel some", MaxStreams)
	}
	brotli := isBrotli(s)
	if brotli && t.brotlis >= MaxBrotliStreams {
		s.release()
		return 0, op.RangeErrorf("too many open brotli compression streams in this worker (at most %d); close or cancel some", MaxBrotliStreams)
	}
	if brotli {
		t.brotlis++
	}
	t.next++
	t.states[t.next] = s
	return t.next, nil
}

func (t *table) get(id int) (codec, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.states[id]
	if !ok {
		return nil, op.TypeErrorf("the compression stream is closed")
	}
	return s, nil
}

func (t *table) free(id int) {
	t.mu.Lock()
	s, ok := t.states[id]
	if ok {
		delete(t.states, id)
		if isBrotli(s) {
			t.brotlis--
		}
	}
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
	t.states, t.brotlis, t.closed = nil, 0, true
	t.mu.Unlock()
	for _, s := range states {
		s.release()
	}
}
