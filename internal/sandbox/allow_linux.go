package sandbox

// allowed is one row of the seccomp allowlist: syscalls a runtime process may make (those the
// running architecture does not have are left out) and what for. Every syscall in no row fails
// with ENOSYS, which the Go runtime, glibc and V8 treat as "this kernel does not have it" and
// fall back from where they can. The denylist (rules) still refuses, with EPERM, the dangerous
// uses of allowed syscalls (clone with namespace flags, sockets of other families, TIOCSTI…).
type allowed struct {
	names []string
	why   string
}

// allowlist is measured: strace -f -c of runtime processes serving fetch, timers, WebCrypto
// (RSA key generation), compression, streams, waitUntil, CPU- and heap-limit kills and thrown
// errors, and of the worker and scheduler test suites (Go runtime, cgo, glibc, V8 with Wasm).
// Rows name also the close relatives of what was seen (the *at and 64 variants, x86-64's old
// names) so that a different glibc or kernel path keeps working, and nothing else.
var allowlist = []allowed{
	{[]string{"mmap", "munmap", "mprotect", "madvise", "mremap", "brk", "mincore", "msync", "membarrier"},
		"memory: Go's heap and stacks, V8's heap, code space and Wasm memory, malloc"},
	{[]string{"pkey_alloc", "pkey_free", "pkey_mprotect"},
		"memory protection keys: V8 guards its JIT code and sandbox with them where the CPU has them"},
	{[]string{"clone", "futex", "futex_waitv", "set_robust_list", "get_robust_list", "set_tid_address", "rseq",
		"gettid", "exit", "exit_group", "restart_syscall", "arch_prctl", "prctl"},
		"threads: Go's Ms, V8's platform and GC threads (clone without namespace flags, see rules), their locks, thread names and TLS"},
	{[]string{"sched_yield", "sched_getaffinity", "sched_getparam", "sched_getscheduler", "sched_getattr",
		"getpriority", "setpriority", "getcpu"},
		"scheduling queries and lowering a background thread's priority (V8)"},
	{[]string{"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigtimedwait", "sigaltstack",
		"tgkill", "tkill", "kill", "getpid", "getppid"},
		"signals: Go's preemption and crash handling, V8's Wasm trap handler, SIGTERM; Landlock's scope keeps kill inside the process's domain"},
	{[]string{"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
		"timer_create", "timer_settime", "timer_gettime", "timer_delete", "setitimer", "getitimer",
		"timerfd_create", "timerfd_settime", "timerfd_gettime"},
		"time: the thread CPU clocks of the CPU limit, timers, sleeps, Go's profiling timers"},
	{[]string{"read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev", "preadv2", "pwritev2",
		"lseek", "close", "close_range", "dup", "dup2", "dup3", "fcntl", "ioctl", "fsync", "fdatasync", "ftruncate", "fallocate", "flock"},
		"I/O on descriptors the process has: sockets, pipes, its log, files Landlock let it open"},
	{[]string{"open", "openat", "openat2", "stat", "lstat", "fstat", "newfstatat", "statx", "statfs", "fstatfs",
		"access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents64", "getcwd",
		"mkdirat", "unlinkat", "renameat", "renameat2", "fchmod", "fchmodat", "umask", "memfd_create"},
		"files: Landlock decides which paths may be opened, read and written (a config's folders, system files, read-write folders given); an anonymous memory file"},
	{[]string{"epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
		"eventfd", "eventfd2", "pipe", "pipe2", "poll", "ppoll", "select", "pselect6"},
		"waiting for descriptors: Go's network poller and wake-ups, libuv-free V8 platform waits"},
	{[]string{"socket", "socketpair", "connect", "accept", "accept4", "getsockname", "getpeername", "getsockopt",
		"setsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown"},
		"sockets: serving on its listener, its supervisor's sockets, outbound fetch where the process connects itself (families and types are limited by rules; NoSockets refuses new ones)"},
	{[]string{"uname", "sysinfo", "getrandom", "getrlimit", "prlimit64", "getrusage", "times",
		"getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid", "getresgid", "getpgrp", "getpgid", "getsid", "capget", "personality"},
		"facts about the process and machine: memory size (V8's heap sizing), limits, random bytes (crypto), ids, the execution domain (its query only, see rules)"},
	{[]string{"seccomp"},
		"installing the denylist after the allowlist; a filter added later can only refuse more"},
}
