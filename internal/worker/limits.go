package worker

import (
	"fmt"
	"time"

	"islet/internal/egress"
	"islet/internal/ext/fetch"
	"islet/internal/limits"
	"islet/internal/op"
)

// Workers' limits, the defaults of Spec.Limits.
const (
	// DefaultSubrequests is how many outbound fetches one request may make.
	DefaultSubrequests = limits.DefaultSubrequests
	// DefaultRequestBodyBytes bounds an incoming request's body (Workers' 100 MB).
	DefaultRequestBodyBytes = limits.DefaultRequestBodyMB << 20
	// DefaultWaitUntil is how long waitUntil work may run after the response, and the most a
	// worker may be given.
	DefaultWaitUntil = limits.DefaultWaitUntilMillis * time.Millisecond
	// DefaultConsoleBytes bounds the console output of one request.
	DefaultConsoleBytes = limits.DefaultConsoleKB << 10
)

// MaxSubrequests is the default number of subrequests per request (DefaultSubrequests).
const MaxSubrequests = DefaultSubrequests

func (inst *Instance) subrequestLimit() int {
	if n := inst.spec.Limits.Subrequests; n > 0 {
		return n
	}
	return DefaultSubrequests
}

func (inst *Instance) requestBodyLimit() int64 {
	if n := inst.spec.Limits.RequestBodyBytes; n > 0 {
		return n
	}
	return DefaultRequestBodyBytes
}

func (inst *Instance) waitUntilLimit() time.Duration {
	if d := inst.spec.Limits.WaitUntil; d > 0 && d < DefaultWaitUntil {
		return d
	}
	return DefaultWaitUntil
}

func (inst *Instance) consoleLimit() int {
	if n := inst.spec.Limits.ConsoleBytes; n > 0 {
		return n
	}
	return DefaultConsoleBytes
}

// afterResponse starts the waitUntil deadline of a request whose response is complete (or
// whose client went away) while its JS is not finished with it (executor only). When the
// deadline passes, expireWaitUntil cancels what is left.
func (inst *Instance) afterResponse(req *Request) {
	if req.released || req.waitTimer != nil || req.id == 0 {
		return // already armed, or never dispatched, or nothing left to cancel
	}
	req.waitTimer = time.AfterFunc(inst.waitUntilLimit(), func() {
		inst.Post(func() { inst.expireWaitUntil(req) })
	})
}

// release records that JS is finished with req: no deadline is needed any more, and its
// outbound fetches still open (started without waitUntil) are cancelled, as in Workers. The
// first release reports the request's usage (Deps.Finished).
func (req *Request) release() {
	if !req.released {
		req.inst.report(req)
	}
	req.released = true
	if req.waitTimer != nil {
		req.waitTimer.Stop()
	}
	req.conns.Close()
}

// expireWaitUntil cancels the work a request still has after its waitUntil time (executor
// only): its timers are disarmed, its outbound fetches aborted, its pending async ops will not
// settle, and the runtime forgets it.
func (inst *Instance) expireWaitUntil(req *Request) {
	if req.released || req.expired || inst.iso == nil {
		return
	}
	req.expired = true
	req.release()
	inst.log.Warn(fmt.Sprintf("the request's waitUntil() work was still running %v after the response; it was cancelled",
		inst.waitUntilLimit()), "request", req.id)
	for id, t := range inst.timers {
		if t.owner == req {
			t.t.Stop()
			delete(inst.timers, id)
		}
	}
	if inst.requests[req.id] != req {
		return
	}
	delete(inst.requests, req.id)
	err := inst.turn(nil, func() error {
		_, err := inst.iso.CallHost("requestGone", op.Int(req.id))
		return err
	})
	inst.afterTurn(err)
}

// consoleAllowed counts a console line against the current request's output cap (the
// instance's own for turns of no request) and reports whether it may be logged. The line that
// crosses the cap is replaced by one saying the output was truncated.
func (inst *Instance) consoleAllowed(msg string) bool {
	used := &inst.consoleBytes
	if inst.current != nil {
		used = &inst.current.consoleBytes
	}
	limit := inst.consoleLimit()
	if *used > limit {
		return false
	}
	*used += len(msg)
	if *used > limit {
		attrs := []any{"source", "console"}
		if inst.current != nil {
			attrs = append(attrs, "request", inst.current.id)
		}
		inst.log.Warn(fmt.Sprintf("console output truncated: the worker wrote more than %d bytes of it for this request", limit), attrs...)
		return false
	}
	return true
}

// RequestConns is the connection limit of the request the current turn runs for (fetch.ConnsHost).
func (inst *Instance) RequestConns() *fetch.Conns {
	req := inst.current
	if req == nil {
		return nil
	}
	if req.conns == nil {
		req.conns = fetch.NewConns(fetch.MaxConnsPerRequest)
	}
	return req.conns
}

// EgressPolicy is the worker's egress rules (fetch.EgressHost).
func (inst *Instance) EgressPolicy() *egress.Policy {
	if inst.egress == nil {
		inst.egress = egress.For(inst.spec.EgressAllow)
	}
	return inst.egress
}
