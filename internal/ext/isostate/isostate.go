// Package isostate keeps Go-side state that belongs to one isolate, for extensions whose ops
// hold objects across calls (a compression stream's codec, an HTMLRewriter's tokenizer): each
// isolate gets its own table of values by integer id, so an id means nothing in another
// isolate. The tables hold their isolates weakly; once an isolate is disposed and collected,
// its table is closed and every value in it released.
package isostate

import (
	"runtime"
	"sync"
	"weak"

	"islet/internal/op"
	"islet/internal/v8"
)

// Tables maps each isolate to its Table of T values. It is safe for concurrent use.
type Tables[T any] struct {
	release func(T)
	tables  sync.Map // weak.Pointer[v8.Isolate] → *Table[T]
}

// New returns Tables whose values are released with release when they are freed, refused or
// left over in a closed table.
func New[T any](release func(T)) *Tables[T] {
	return &Tables[T]{release: release}
}

// For returns the table of the isolate that made call c; ok is false when the call comes from
// no isolate.
func (ts *Tables[T]) For(c *op.Call) (t *Table[T], ok bool) {
	iso, ok := c.Runtime.(*v8.Isolate)
	if !ok || iso == nil {
		return nil, false
	}
	return ts.forIsolate(iso), true
}

func (ts *Tables[T]) forIsolate(iso *v8.Isolate) *Table[T] {
	key := weak.Make(iso)
	if t, ok := ts.tables.Load(key); ok {
		return t.(*Table[T])
	}
	t, loaded := ts.tables.LoadOrStore(key, &Table[T]{states: map[int]T{}, release: ts.release})
	if !loaded {
		runtime.AddCleanup(iso, func(k weak.Pointer[v8.Isolate]) {
			if t, ok := ts.tables.LoadAndDelete(k); ok {
				t.(*Table[T]).closeAll()
			}
		}, key)
	}
	return t.(*Table[T])
}

// Len is how many values iso's table holds; ok is false when iso has no table. For tests.
func (ts *Tables[T]) Len(iso *v8.Isolate) (n int, ok bool) {
	t, ok := ts.tables.Load(weak.Make(iso))
	if !ok {
		return 0, false
	}
	return t.(*Table[T]).Len(), true
}

// Count is how many isolates have a table, for tests.
func (ts *Tables[T]) Count() int {
	n := 0
	ts.tables.Range(func(any, any) bool { n++; return true })
	return n
}

// Table is one isolate's values by id.
type Table[T any] struct {
	mu      sync.Mutex
	next    int
	states  map[int]T
	closed  bool
	release func(T)
}

// Add stores v under a new id. admit, if not nil, sees the values held (under the table's
// lock) and may refuse with an error, such as a limit's RangeError. A refused value, or one
// added to a table whose isolate is gone, is released.
func (t *Table[T]) Add(v T, admit func(held map[int]T) error) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		t.release(v)
		return 0, op.TypeErrorf("the isolate is shutting down")
	}
	if admit != nil {
		if err := admit(t.states); err != nil {
			t.release(v)
			return 0, err
		}
	}
	t.next++
	t.states[t.next] = v
	return t.next, nil
}

// Get returns the value stored under id.
func (t *Table[T]) Get(id int) (T, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.states[id]
	return v, ok
}

// Free removes the value stored under id, if any, and releases it.
func (t *Table[T]) Free(id int) {
	t.mu.Lock()
	v, ok := t.states[id]
	delete(t.states, id)
	t.mu.Unlock()
	if ok {
		t.release(v)
	}
}

// Len is how many values the table holds.
func (t *Table[T]) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.states)
}

func (t *Table[T]) closeAll() {
	t.mu.Lock()
	states := t.states
	t.states, t.closed = nil, true
	t.mu.Unlock()
	for _, v := range states {
		t.release(v)
	}
}
