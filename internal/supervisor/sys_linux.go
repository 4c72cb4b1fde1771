package supervisor

import (
	"os"
	"syscall"
)

// sysProcAttr puts a runtime process in its own process group (a terminal's Ctrl-C reaches only
// the supervisor, which stops the processes in order) and has the kernel send it SIGTERM if the
// supervisor dies without stopping it. With ns, it also gets user, PID, IPC and mount
// namespaces of its own (see namespaces.go), and with netns a network namespace too; its user
// namespace maps only the supervisor's uid and gid, to themselves, so the files it reads look
// the same from inside.
func sysProcAttr(ns, netns bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if ns {
		a.Cloneflags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWPID | syscall.CLONE_NEWIPC | syscall.CLONE_NEWNS
		if netns {
			a.Cloneflags |= syscall.CLONE_NEWNET
		}
		uid, gid := os.Getuid(), os.Getgid()
		a.UidMappings = []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}}
		a.GidMappings = []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}}
		a.GidMappingsEnableSetgroups = false
	}
	return a
}

// namespacesOffered reports whether this kernel can give a runtime process namespaces of its
// own, and why not when it cannot tell in advance (the first start then finds out).
func namespacesOffered() (bool, string) {
	if b, err := os.ReadFile("/proc/sys/user/max_user_namespaces"); err == nil && string(b) == "0\n" {
		return false, "user namespaces are disabled (/proc/sys/user/max_user_namespaces is 0)"
	}
	if b, err := os.ReadFile("/proc/sys/kernel/unprivileged_userns_clone"); err == nil && string(b) == "0\n" && os.Geteuid() != 0 {
		return false, "unprivileged user namespaces are disabled (/proc/sys/kernel/unprivileged_userns_clone is 0)"
	}
	return true, ""
}
