package worker

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"islet/internal/limits"
)

// Default CPU limits, as Workers has them.
const (
	// DefaultCPUPerRequest is the CPU time one request may use across all its turns.
	DefaultCPUPerRequest = limits.DefaultCPUMillis * time.Millisecond
	// DefaultStartupCPU is the CPU time a worker's top level may use when it loads.
	DefaultStartupCPU = time.Second
)

// cpuLimitError is a turn stopped because its request (or the start-up) ran out of CPU time.
type cpuLimitError struct {
	limit   time.Duration
	startup bool
}

func (e *cpuLimitError) Error() string {
	if e.startup {
		return fmt.Sprintf("the worker's top level exceeded the start-up CPU time limit of %v", e.limit)
	}
	return fmt.Sprintf("the worker exceeded its CPU time limit of %v for this request", e.limit)
}

// cpuLimit is the worker's CPU time limit per request.
func (inst *Instance) cpuLimit() time.Duration {
	if inst.spec.Limits.CPUPerRequest > 0 {
		return inst.spec.Limits.CPUPerRequest
	}
	if inst.deps.CPUPerRequest > 0 {
		return inst.deps.CPUPerRequest
	}
	return DefaultCPUPerRequest
}

// turn runs fn, a call into the isolate on behalf of owner (nil: the worker itself), under the
// CPU watchdog: the CPU time the calling thread spends is charged to owner, and when owner's
// budget is spent the JS is terminated and turn returns a *cpuLimitError. The goroutine stays on
// its thread for the turn, so the watchdog reads the right clock.
func (inst *Instance) turn(owner *Request, fn func() error) error {
	if inst.deps.Watchdog == nil {
		return fn()
	}
	limit := inst.cpuLimit()
	budget := limit
	if owner != nil {
		budget -= owner.cpuUsed
		if budget <= 0 {
			budget = time.Microsecond
		}
	}
	return inst.watched(budget, limit, false, owner, fn)
}

// startupTurn runs fn under the start-up CPU limit.
func (inst *Instance) startupTurn(fn func() error) error {
	if inst.deps.Watchdog == nil {
		return fn()
	}
	limit := inst.deps.StartupCPU
	if limit <= 0 {
		limit = DefaultStartupCPU
	}
	budget := limit - inst.startupCPU
	if budget <= 0 {
		budget = time.Microsecond
	}
	return inst.watched(budget, limit, true, nil, fn)
}

func (inst *Instance) watched(budget, limit time.Duration, startup bool, owner *Request, fn func() error) error {
	runtime.LockOSThread()
	iso := inst.iso
	begin := inst.deps.Watchdog.Begin
	if startup {
		begin = inst.deps.Watchdog.BeginUndemoted
	}
	t := begin(budget, iso.Terminate, inst.onStuck)
	inst.watchedTurn = t
	err := fn()
	inst.watchedTurn = nil
	used, killed := t.End()
	if !t.Stuck() {
		runtime.UnlockOSThread()
	} // else this goroutine keeps the thread, now at the least priority, and Go ends it with the goroutine

	if startup {
		inst.startupCPU += used
	}
	if owner != nil {
		owner.cpuUsed += used
		owner.runtimeCPU += t.Excluded()
	}
	inst.reportReleased()
	if killed {
		return &cpuLimitError{limit: limit, startup: startup}
	}
	return err
}

// DemoteTurn lowers the priority of the thread running the instance's current turn until the
// turn ends (limits.Turn.Demote). Only on that thread, inside the turn (Deps.Yield).
func (inst *Instance) DemoteTurn() {
	if t := inst.watchedTurn; t != nil {
		t.Demote()
	}
}

// Uncharged runs the runtime's own work inside a turn without charging it (op.Uncharger).
func (inst *Instance) Uncharged(work func()) {
	if t := inst.watchedTurn; t != nil {
		t.Exclude(work)
		return
	}
	work()
}

func isCPULimit(err error) (*cpuLimitError, bool) {
	var e *cpuLimitError
	ok := errors.As(err, &e)
	return e, ok
}
