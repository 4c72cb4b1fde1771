package sched

import (
	"time"

	"islet/internal/worker"
)

// Validate starts spec once in a scratch isolate with this scheduler's limits and returns the
// error that would stop it from serving (see worker.Validate). The scratch instance is never
// served and is disposed before Validate returns; its code caches stay for the real instance.
func (s *Scheduler) Validate(spec *worker.Spec, wait time.Duration) error {
	return worker.Validate(spec, worker.Deps{
		NewIsolate:    s.newIsolate,
		CodeCache:     s.cache,
		Logger:        s.log,
		Watchdog:      s.dog,
		CPUPerRequest: s.opts.CPUPerRequest,
		StartupCPU:    s.opts.StartupCPU,
	}, wait)
}
