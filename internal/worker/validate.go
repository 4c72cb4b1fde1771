package worker

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"islet/internal/v8"
)

// Validate starts spec once in a fresh isolate, as its first request would: compile, link,
// evaluate the top level under the start-up CPU limit, then rt.host.init. It returns the
// *LoadError that stops the worker from serving (syntax error with file:line:column, missing
// import, exception or CPU limit at the top level, no fetch handler), or nil. A top-level await
// may wait for I/O or timers for at most wait. The isolate is disposed before Validate returns.
// deps.Schedule and deps.RunNow are replaced: the instance's turns run on goroutines Validate
// starts.
func Validate(spec *Spec, deps Deps, wait time.Duration) error {
	if n := spec.Segments(); n > MaxSegments {
		return &LoadError{Worker: spec.Name, Err: fmt.Errorf(
			"the worker's code may create up to %d functions (counting its braces, arrows and classes), more than the %d one worker may: V8 keeps one function table for the whole process",
			spec.functions, MaxSegments*v8.DispatchSegmentEntries-RuntimeFunctions)}
	}
	deps.RunNow = nil
	deps.Schedule = func(inst *Instance) {
		go func() {
			for inst.RunTurns(64, nil) {
			}
		}()
	}
	inst := New(spec, deps)
	result := make(chan error, 1)
	var tickPending atomic.Bool // a progress check is queued
	reported := false           // executor only
	report := func() {
		if reported {
			return
		}
		switch inst.state {
		case stateReady:
			result <- nil
		case stateFailed:
			result <- inst.loadErr
		default:
			return
		}
		reported = true
	}
	inst.Post(func() {
		inst.load()
		report()
	})
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var err error
wait:
	for {
		select {
		case err = <-result:
			break wait
		case <-deadline.C:
			err = &LoadError{Worker: spec.Name, Err: fmt.Errorf("the top level did not finish within %v", wait)}
			break wait
		case <-tick.C:
			if !tickPending.CompareAndSwap(false, true) {
				continue
			}
			inst.Post(func() {
				tickPending.Store(false)
				if inst.state == stateLoading {
					inst.checkLoaded()
				}
				report()
			})
		}
	}
	// The isolate may already be gone (a limit condemned it); otherwise dispose it in a turn.
	inst.Post(inst.Dispose)
	stop := time.Now().Add(wait)
	for !inst.isDisposed() {
		if time.Now().After(stop) {
			return errors.Join(err, fmt.Errorf("validate %s: the scratch isolate did not stop", spec.Name))
		}
		time.Sleep(2 * time.Millisecond)
	}
	return err
}

// IsCPULimit reports whether err is a CPU limit stopping JavaScript (at start-up or in a
// request).
func IsCPULimit(err error) bool {
	var c *cpuLimitError
	return errors.As(err, &c)
}

func (inst *Instance) isDisposed() bool {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	return inst.disposed
}
