package supervisor

import "syscall"

// sysProcAttr puts a runtime process in its own process group (a terminal's Ctrl-C reaches only
// the supervisor, which stops the processes in order) and has the kernel send it SIGTERM if the
// supervisor dies without stopping it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
