package sandbox

import "golang.org/x/sys/unix"

// rule is one row of the seccomp denylist: the syscalls it refuses (those the running
// architecture does not have are left out), optionally only when a condition on one argument
// holds, the errno it returns, and why a runtime process is denied it.
type rule struct {
	names []string
	when  *cond
	errno unix.Errno
	why   string
}

// cond is a test of one syscall argument, on all its 64 bits (see argFilter).
type cond struct {
	arg   int
	op    condOp
	value uint32
}

type condOp int

const (
	equal       condOp = iota // the argument is value
	notEqual                  // the argument is not value
	greaterThan               // the argument is above value (any bit above 32 set counts)
	bitsSet                   // the low 32 bits of the argument share a bit with value
)

// cloneNamespaceFlags are the flags of clone(2) that create a namespace.
const cloneNamespaceFlags = unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWUTS |
	unix.CLONE_NEWIPC | unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWTIME

// rules is the denylist. Everything else is allowed (see the package doc for why it is not an
// allowlist). An int argument with garbage in its upper half (which the kernel truncates)
// fails an equal test, so each argument tested for equality also has a greaterThan row that
// refuses such values.
var rules = []rule{
	{names: []string{"execve", "execveat"}, errno: unix.EPERM,
		why: "no new program: a taken-over process could run anything, with the process's files and sockets"},
	{names: []string{"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp"}, errno: unix.EPERM,
		why: "no reading, writing or stealing from other processes (the supervisor, other runtime processes)"},
	{names: []string{"mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick",
		"move_mount", "open_tree", "mount_setattr"}, errno: unix.EPERM,
		why: "no change to the filesystem's shape: a mount could lay new files over the ones Landlock allows"},
	{names: []string{"unshare", "setns"}, errno: unix.EPERM,
		why: "no new or other namespaces: a new user namespace gives capabilities in it, and the kernel surface that comes with them"},
	{names: []string{"clone"}, when: &cond{0, bitsSet, cloneNamespaceFlags},
		errno: unix.EPERM, why: "threads yes (Go, glibc and V8 make them with clone), namespaces no (as unshare)"},
	{names: []string{"clone3"}, errno: unix.ENOSYS,
		why: "its flags are behind a pointer a filter cannot read; ENOSYS makes glibc fall back to clone, whose flags it can"},
	{names: []string{"bpf", "perf_event_open", "userfaultfd"}, errno: unix.EPERM,
		why: "kernel attack surface a runtime never uses (eBPF, perf, userfaultfd's page-fault races)"},
	{names: []string{"io_uring_setup", "io_uring_enter", "io_uring_register"}, errno: unix.EPERM,
		why: "io_uring runs I/O that no seccomp filter sees, and is a frequent kernel attack surface"},
	{names: []string{"keyctl", "add_key", "request_key"}, errno: unix.EPERM,
		why: "no kernel keyrings (shared state outside the process, kernel attack surface)"},
	{names: []string{"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
		"swapon", "swapoff", "acct", "quotactl", "syslog", "iopl", "ioperm", "uselib",
		"settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname",
		"lookup_dcookie", "fanotify_init"}, errno: unix.EPERM,
		why: "administration of the machine; never a runtime's business"},
	{names: []string{"open_by_handle_at", "name_to_handle_at"}, errno: unix.EPERM,
		why: "opens a file by handle, past every path check (Landlock's included)"},
	{names: []string{"personality"}, when: &cond{0, notEqual, 0xffffffff},
		errno: unix.EPERM, why: "no execution-domain changes (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE); only the query 0xffffffff"},
	// Families: only AF_UNIX (1), AF_INET (2) and AF_INET6 (10) pass; every other value,
	// one with bits above 32 included, matches one of these rows.
	family(equal, 0), family(equal, 3), family(equal, 4), family(equal, 5),
	family(equal, 6), family(equal, 7), family(equal, 8), family(equal, 9),
	family(greaterThan, unix.AF_INET6),
	{names: []string{"socket", "socketpair"}, when: &cond{1, greaterThan, 0xffffffff},
		errno: unix.EPERM, why: "a type with bits above 32 (see the note on rules)"},
	{names: []string{"socket", "socketpair"}, when: &cond{1, bitsSet, 0xc},
		errno: unix.EPERM, why: "types other than stream and datagram (RDM, seqpacket, DCCP, packet: bits 2 and 3 of the type)"},
	{names: []string{"socket"}, when: &cond{2, equal, unix.IPPROTO_MPTCP},
		errno: unix.EPERM, why: "no Multipath TCP: Landlock's TCP bind rule does not cover it (Go falls back to TCP on any error)"},
	{names: []string{"socket"}, when: &cond{2, greaterThan, 0xffffffff},
		errno: unix.EPERM, why: "a protocol with bits above 32 (see the note on rules)"},
	{names: []string{"ioctl"}, when: &cond{1, equal, unix.TIOCSTI}, errno: unix.EPERM,
		why: "no typing into a terminal the process's output is on (TIOCSTI), which would run commands as whoever owns it"},
	{names: []string{"ioctl"}, when: &cond{1, greaterThan, 0xffffffff}, errno: unix.EPERM,
		why: "a request with bits above 32, which the kernel drops (see the note on rules)"},
	rawSocket(0), rawSocket(unix.SOCK_NONBLOCK), rawSocket(unix.SOCK_CLOEXEC), rawSocket(unix.SOCK_NONBLOCK | unix.SOCK_CLOEXEC),
}

// socketRules are the rows of Options.NoSockets.
var socketRules = []rule{
	{names: []string{"socket", "socketpair"}, errno: unix.EPERM,
		why: "no new socket of any family: the process serves on a listener and talks to its supervisor on sockets it was given; the supervisor opens its outbound connections (package egress); a Unix socket could reach other processes' sockets on the machine"},
}

// family is a row that refuses socket and socketpair for the address families op value
// matches: families other than Unix, IPv4 and IPv6 (netlink: kernel configuration and attack
// surface; packet: raw frames; vsock, Bluetooth, alg…). A greaterThan row also refuses a
// family with bits above 32.
func family(op condOp, value uint32) rule {
	return rule{names: []string{"socket", "socketpair"}, when: &cond{0, op, value},
		errno: unix.EPERM, why: "no address families other than Unix, IPv4 and IPv6 (netlink, packet, vsock, alg…)"}
}

// rawSocket is the row that refuses SOCK_RAW with the given flags (type 3 has bits 0 and 1
// set, which a bit test alone cannot single out).
func rawSocket(flags uint32) rule {
	return rule{names: []string{"socket"}, when: &cond{1, equal, unix.SOCK_RAW | flags},
		errno: unix.EPERM, why: "no raw sockets (forged packets, sniffing where the namespace allows)"}
}
