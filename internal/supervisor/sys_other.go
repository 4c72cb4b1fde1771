//go:build !linux

package supervisor

import "syscall"

// sysProcAttr puts a runtime process in its own process group, so a terminal's Ctrl-C reaches
// only the supervisor, which stops the processes in order. There are no namespaces here: ns
// is ignored.
func sysProcAttr(ns, netns bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// namespacesOffered reports that this system has no namespaces.
func namespacesOffered() (bool, string) { return false, "this operating system has no namespaces" }
