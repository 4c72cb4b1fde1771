package compression

import (
	"islet/internal/ext/isostate"
	"islet/internal/op"
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

// tables holds each isolate's codec states by integer id (see isostate).
var tables = isostate.New(func(s codec) { s.release() })

// table is one isolate's codec states.
type table = isostate.Table[codec]

// tableFor returns the table of the isolate that made call c.
func tableFor(c *op.Call) (*table, error) {
	t, ok := tables.For(c)
	if !ok {
		return nil, op.TypeErrorf("compression streams are not available here")
	}
	return t, nil
}

// admit applies MaxStreams and MaxBrotliStreams to a new state s.
func admit(s codec) func(held map[int]codec) error {
	return func(held map[int]codec) error {
		if len(held) >= MaxStreams {
			return op.RangeErrorf("too many open compression streams in this worker (at most %d); close or cancel some", MaxStreams)
		}
		if !isBrotli(s) {
			return nil
		}
		n := 0
		for _, h := range held {
			if isBrotli(h) {
				n++
			}
		}
		if n >= MaxBrotliStreams {
			return op.RangeErrorf("too many open brotli compression streams in this worker (at most %d); close or cancel some", MaxBrotliStreams)
		}
		return nil
	}
}

// get returns the state stored under id.
func get(t *table, id int) (codec, error) {
	s, ok := t.Get(id)
	if !ok {
		return nil, op.TypeErrorf("the compression stream is closed")
	}
	return s, nil
}
