package timers

import (
	"testing"
	"time"

	"islet/internal/op"
)

type fakeHost struct {
	started  map[int]time.Duration
	canceled []int
}

func (h *fakeHost) StartTimer(id int, d time.Duration) error { h.started[id] = d; return nil }
func (h *fakeHost) CancelTimer(id int)                       { h.canceled = append(h.canceled, id) }

func TestTimerOps(t *testing.T) {
	h := &fakeHost{started: map[int]time.Duration{}}
	if _, err := opStart(&op.Call{Args: []op.Value{op.Int(3), op.Number(1.5)}, Host: h}); err != nil {
		t.Fatal(err)
	}
	if h.started[3] != 1500*time.Microsecond {
		t.Errorf("started %v", h.started)
	}
	if _, err := opCancel(&op.Call{Args: []op.Value{op.Int(3)}, Host: h}); err != nil {
		t.Fatal(err)
	}
	if len(h.canceled) != 1 || h.canceled[0] != 3 {
		t.Errorf("canceled %v", h.canceled)
	}
	bad := [][]op.Value{
		{op.Int(0), op.Int(1)},
		{op.Int(1), op.Number(-1)},
		{op.Int(1), op.String("1")},
		{op.Number(1.5), op.Int(1)},
		{op.Int(1), op.Number(3e9)},
	}
	for _, args := range bad {
		if _, err := opStart(&op.Call{Args: args, Host: h}); err == nil {
			t.Errorf("timer_start%v: want an error", args)
		}
	}
	if _, err := opStart(&op.Call{Args: []op.Value{op.Int(1), op.Int(1)}, Host: struct{}{}}); err == nil {
		t.Error("timer_start without a timers.Host: want an error")
	}
}
