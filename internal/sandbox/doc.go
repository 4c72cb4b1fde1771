// Package sandbox confines a runtime process (one that runs tenants' JavaScript in V8) once it
// has started: after V8, ICU, the snapshot and every file it needs at start-up are loaded, and
// before it serves tenant code, the process calls Enter once. From then on, on Linux:
//
//   - Landlock (when the kernel has it; best effort down to the ABI it offers) lets the process
//     open only the paths it still needs (see systemPaths and Options) and bind no TCP port,
//     and scopes it so it can neither signal processes outside its domain nor connect to
//     abstract Unix sockets outside it.
//   - seccomp-bpf filters, installed on every thread at once (SECCOMP_FILTER_FLAG_TSYNC) with
//     no_new_privs. An allowlist (allowlist in allow_linux.go, each row with what it is for,
//     measured with strace on runtime processes and the worker and scheduler suites) lets
//     through about 150 syscalls and fails every other with ENOSYS, which the Go runtime, glibc
//     and V8 take for "not in this kernel". A denylist (rules in rules_linux.go, each with its
//     reason) refuses with EPERM what an attacker who took over V8 would want, including the
//     dangerous uses of allowed syscalls: exec, ptrace and cross-process memory, mounts and
//     namespaces (clone with namespace flags), BPF, io_uring, keyrings, raw and netlink
//     sockets, TIOCSTI… and with Options.NoSockets every new socket. Another filter refuses
//     every syscall made through another architecture's entry point (int 0x80 on x86-64),
//     which a per-syscall filter cannot see.
//
// open/openat stay allowed (Landlock decides what may be opened). A platform runtime process
// opens no socket (NoSockets): its supervisor connects its outbound fetches (package egress)
// and it runs in a network namespace of its own; a config file's runtime processes still
// connect their workers' fetches themselves.
//
// Enter is not reversible, and it applies to the whole process. Elsewhere than Linux it does
// nothing and reports so.
package sandbox
