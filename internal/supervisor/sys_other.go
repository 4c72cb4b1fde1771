//go:build !linux

package supervisor

import "syscall"

// sysProcAttr puts a runtime process in its own process group, so a terminal's Ctrl-C reaches
// only the supervisor, which stops the processes in order.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
