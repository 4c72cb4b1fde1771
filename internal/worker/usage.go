package worker

import "time"

// Usage is what one request cost, reported once JS is finished with it (Deps.Finished): its
// response is complete and its waitUntil work settled, was cancelled, or its isolate went away.
// It is the seed of the invocation event that logs, tail, metrics and billing read (DESIGN §2).
type Usage struct {
	Worker  string // the worker's name
	Version string // its deployment version
	Request int    // the request's id within its instance (as in the log's "request" field)
	// CPU is the CPU time charged to the request: its turns' thread time, less RuntimeCPU.
	CPU time.Duration
	// RuntimeCPU is the CPU time of the runtime's own work inside those turns (its code loaded
	// on first use), which is the platform's and is neither charged nor counted against a limit.
	RuntimeCPU  time.Duration
	Subrequests int // outbound fetches made on its behalf
}

// report hands req's usage to Deps.Finished (executor only; called once per request). A request
// released inside a watched turn is reported after the turn, once its CPU time is counted.
func (inst *Instance) report(req *Request) {
	if inst.deps.Finished == nil || req.id == 0 {
		return
	}
	if inst.watchedTurn != nil {
		inst.toReport = append(inst.toReport, req)
		return
	}
	inst.deps.Finished(Usage{
		Worker: inst.spec.Name, Version: inst.spec.Version(), Request: req.id,
		CPU: req.cpuUsed, RuntimeCPU: req.runtimeCPU, Subrequests: req.subrequests,
	})
}

// reportReleased reports the requests released during the turn that just ended.
func (inst *Instance) reportReleased() {
	reqs := inst.toReport
	inst.toReport = nil
	for _, req := range reqs {
		inst.report(req)
	}
}
