// Package timers holds setTimeout, setInterval, clearTimeout, clearInterval and queueMicrotask.
// The JavaScript keeps the callbacks; the ops ask the isolate's host to run the clock, and the
// host calls rt.host.timerFired(id) when a timer is due.
package timers

import (
	"embed"
	"math"
	"time"

	"islet/internal/ext"
	"islet/internal/op"
)

//go:embed js/*.js
var files embed.FS

// Host runs timers for an isolate. StartTimer arms timer id to fire once after delay (the JS
// re-arms intervals itself); CancelTimer disarms it. When a timer fires, the host calls
// rt.host.timerFired(id) in a turn of the isolate. Ids are positive and never reused by one
// isolate. StartTimer may refuse (e.g. past a cap on live timers); its error is thrown.
type Host interface {
	StartTimer(id int, delay time.Duration) error
	CancelTimer(id int)
}

// Ext is the timers extension.
var Ext = ext.Ext{
	Name: "timers",
	JS:   ext.JSDir(files),
	Ops: []op.Def{
		{Name: "timer_start", Sync: opStart},
		{Name: "timer_cancel", Sync: opCancel},
	},
}

func host(c *op.Call) (Host, error) {
	h, ok := c.Host.(Host)
	if !ok {
		return nil, op.TypeErrorf("timers are not available in this context")
	}
	return h, nil
}

// opStart is timer_start(id number, delayMs number) → undefined.
func opStart(c *op.Call) (op.Value, error) {
	id, err := c.Int(0)
	if err != nil {
		return op.Undefined, err
	}
	if id <= 0 {
		return op.Undefined, op.RangeErrorf("timer_start: invalid id %d", id)
	}
	ms := c.Arg(1)
	if ms.Kind != op.KindNumber || math.IsNaN(ms.Num) || ms.Num < 0 || ms.Num > math.MaxInt32 {
		return op.Undefined, op.RangeErrorf("timer_start: invalid delay %s", ms)
	}
	h, err := host(c)
	if err != nil {
		return op.Undefined, err
	}
	return op.Undefined, h.StartTimer(id, time.Duration(ms.Num*float64(time.Millisecond)))
}

// opCancel is timer_cancel(id number) → undefined.
func opCancel(c *op.Call) (op.Value, error) {
	id, err := c.Int(0)
	if err != nil {
		return op.Undefined, err
	}
	h, err := host(c)
	if err != nil {
		return op.Undefined, err
	}
	h.CancelTimer(id)
	return op.Undefined, nil
}
