package sandbox

import (
	"log/slog"
	"os"
)

// Options say what a sandboxed process may still reach on the filesystem, beyond the system
// files every runtime process needs (systemPaths). Paths that do not exist are skipped.
type Options struct {
	// ReadOnly are files or directories (with everything below them) the process may read.
	ReadOnly []string
	// ReadWrite are files or directories the process may read, write, create and remove in.
	ReadWrite []string
	// NoSockets refuses every new socket (socket, socketpair) too: for a process that works on
	// sockets it already has and opens no connection itself (a platform runtime process, whose
	// supervisor connects for it, package egress; a deploy's validator).
	NoSockets bool
	// Log receives one line saying what was enforced; nil logs to slog.Default().
	Log *slog.Logger
}

// Report is what Enter enforced.
type Report struct {
	// Landlock is the Landlock ABI version enforced, 0 when the kernel has none.
	Landlock int
	// Seccomp is set when the seccomp filters are installed on every thread.
	Seccomp bool
	// Rules is the number of syscall rules of the seccomp denylist.
	Rules int
	// Allowed is the number of syscalls the seccomp allowlist lets through.
	Allowed int
}

// selfTestEnv names the environment variable that makes Enter, once the sandbox is in place,
// try the operations it must refuse and log one line per result (see SelfTest).
const selfTestEnv = "ISLET_SANDBOX_SELFTEST"

// DisableEnv names the environment variable that, set to 1, makes Enter do nothing (a
// debugging aid, as --no-sandbox is).
const DisableEnv = "ISLET_NO_SANDBOX"

func logger(o Options) *slog.Logger {
	if o.Log != nil {
		return o.Log
	}
	return slog.Default()
}

func disabled() bool { return os.Getenv(DisableEnv) == "1" }

// Probe is the result of one operation SelfTest tried: Refused is set when it failed, with the
// error it failed with.
type Probe struct {
	Name    string
	Refused bool
	Err     error
}
