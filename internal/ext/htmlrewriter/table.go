package htmlrewriter

import (
	"islet/internal/ext/isostate"
	"islet/internal/op"
)

// MaxRewriters bounds how many rewriters (transforms in progress) one isolate may hold at once.
// A rewriter is made when a transformed body is first read and freed when the body ends, errors
// or is cancelled, or when JavaScript's garbage collector finds the body unreachable; what is
// left goes with the isolate.
var MaxRewriters = 256

// tables holds each isolate's rewriters by integer id (see isostate).
var tables = isostate.New(func(r *Rewriter) { r.release() })

// table is one isolate's rewriters.
type table = isostate.Table[*Rewriter]

// tableFor returns the table of the isolate that made call c.
func tableFor(c *op.Call) (*table, error) {
	t, ok := tables.For(c)
	if !ok {
		return nil, op.TypeErrorf("HTMLRewriter is not available here")
	}
	return t, nil
}

// admit applies MaxRewriters.
func admit(held map[int]*Rewriter) error {
	if len(held) >= MaxRewriters {
		return op.RangeErrorf("too many HTMLRewriter transforms in progress in this worker (at most %d); read or cancel their bodies", MaxRewriters)
	}
	return nil
}

// get returns the rewriter stored under id.
func get(t *table, id int) (*Rewriter, error) {
	r, ok := t.Get(id)
	if !ok {
		return nil, op.TypeErrorf("the HTMLRewriter transform has ended")
	}
	return r, nil
}
