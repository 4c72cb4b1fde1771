package sandbox

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// procMatches reports whether /proc shows this process's PID namespace (/proc/self names its
// own pid). In a PID namespace of its own under the parent's /proc, it does not.
func procMatches() bool {
	self, err := os.Readlink("/proc/self")
	return err == nil && self == strconv.Itoa(os.Getpid())
}

// ownProc makes /proc show this process's PID namespace when it does not: it mounts a fresh
// proc over /proc, after making every mount private so nothing propagates to the parent's
// mount namespace. It does so only in a user namespace of its own (the supervisor gives
// one, with a mount namespace): there the kernel lets it change only mounts of its own
// namespace, while root of the initial user namespace would change the machine's /proc. Go-Landlock on kernels without Landlock TSYNC (ABI < 8) reaches
// every thread through psx, which lists the threads in /proc/<getpid()>/task; with the
// parent's /proc it would list another process's threads (and hang, or restrict only one).
func ownProc() error {
	if procMatches() {
		return nil
	}
	if initialUserNamespace() {
		return fmt.Errorf("/proc shows another PID namespace, and this process is in the initial user namespace (it would mount over the machine's /proc)")
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mount /proc for this PID namespace: %w", err)
	}
	if !procMatches() {
		return fmt.Errorf("/proc still shows another PID namespace after mounting it")
	}
	return nil
}

// initialUserNamespace reports whether this process is in the initial user namespace (its
// uid_map is the identity over all ids), or cannot tell.
func initialUserNamespace() bool {
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return true
	}
	f := strings.Fields(string(b))
	return len(f) == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295"
}
