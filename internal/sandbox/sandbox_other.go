//go:build !linux

package sandbox

// Enter does nothing outside Linux: there is neither Landlock nor seccomp. It logs so.
func Enter(o Options) (Report, error) {
	logger(o).Warn("sandbox: not available on this operating system; the runtime process runs unconfined")
	return Report{}, nil
}

// Prepare does nothing outside Linux.
func Prepare(Options) error { return nil }

// SelfTest has nothing to try outside Linux.
func SelfTest(Options) []Probe { return nil }
