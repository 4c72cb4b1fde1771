package sandbox

import (
	"fmt"
	"runtime"
	"unsafe"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// policy assembles the rules (and extra) without an argument condition for the running
// architecture, leaving out the syscalls it does not have (iopl exists on x86 only, for
// example), and returns it with the architecture's syscall numbers and the number of syscall
// rows.
func policy(extra []rule) (seccomp.Policy, map[string]int, int, error) {
	info, err := arch.GetInfo("")
	if err != nil {
		return seccomp.Policy{}, nil, 0, fmt.Errorf("seccomp: %w", err)
	}
	p := seccomp.Policy{DefaultAction: seccomp.ActionAllow}
	n := 0
	for _, r := range append(append([]rule(nil), rules...), extra...) {
		if r.when != nil {
			continue // in argFilter
		}
		g := seccomp.SyscallGroup{Action: seccomp.Action(unix.SECCOMP_RET_ERRNO | uint32(r.errno))}
		for _, name := range r.names {
			if _, ok := info.SyscallNames[name]; ok {
				g.Names = append(g.Names, name)
				n++
			}
		}
		p.Syscalls = append(p.Syscalls, g)
	}
	return p, info.SyscallNames, n, nil
}

// allowProgram is the allowlist as a BPF program for the running architecture (numbers): the
// syscalls of allowlist it has are allowed, every other fails with ENOSYS. (go-seccomp-bpf
// accepts no default action but EPERM's.) It returns the program and the number of syscalls
// allowed.
func allowProgram(numbers map[string]int) ([]bpf.Instruction, int, error) {
	var nrs []uint32
	for _, a := range allowlist {
		for _, name := range a.names {
			if nr, ok := numbers[name]; ok {
				nrs = append(nrs, uint32(nr))
			}
		}
	}
	// Each test jumps over the ones after it and the ENOSYS return to the ALLOW at the end;
	// a BPF jump skips at most 255 instructions.
	if len(nrs) > 255 {
		return nil, 0, fmt.Errorf("seccomp: allowlist: %d syscalls, more than one program's jumps reach", len(nrs))
	}
	prog := []bpf.Instruction{bpf.LoadAbsolute{Off: offNr, Size: 4}}
	for i, nr := range nrs {
		prog = append(prog, bpf.JumpIf{Cond: bpf.JumpEqual, Val: nr, SkipTrue: uint8(len(nrs) - i)})
	}
	prog = append(prog,
		bpf.RetConstant{Val: unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		bpf.RetConstant{Val: unix.SECCOMP_RET_ALLOW})
	return prog, len(nrs), nil
}

// installSeccomp installs four filters on every thread of the process (TSYNC), with
// no_new_privs: the architecture lock, the allowlist (allowProgram), the denylist's rows with
// an argument condition (argFilter) and those without (go-seccomp-bpf), with noSockets
// socketRules too. The kernel runs every filter on each syscall and the strictest answer wins. It returns the number of denylist rows and of syscalls allowed.
func installSeccomp(noSockets bool) (rows, allowedCount int, err error) {
	var extra []rule
	if noSockets {
		extra = socketRules
	}
	p, numbers, n, err := policy(extra)
	if err != nil {
		return 0, 0, err
	}
	allow, nallow, err := allowProgram(numbers)
	if err != nil {
		return 0, 0, err
	}
	args, nargs := argFilter(numbers, extra)
	// no_new_privs is per thread: set it and load the filters from the same one. TSYNC gives
	// every other thread both the filter and no_new_privs.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := seccomp.SetNoNewPrivs(); err != nil {
		return 0, 0, fmt.Errorf("seccomp: no_new_privs: %w", err)
	}
	if err := loadTSync("architecture lock", archLock()); err != nil {
		return 0, 0, err
	}
	// The allowlist goes first: of two filters answering ERRNO the later one's errno wins, so
	// a syscall both filters refuse fails with the denylist's EPERM, not ENOSYS.
	if err := loadTSync("allowlist", allow); err != nil {
		return 0, 0, err
	}
	if err := loadTSync("argument rules", args); err != nil {
		return 0, 0, err
	}
	if err := seccomp.LoadFilter(seccomp.Filter{Flag: seccomp.FilterFlagTSync, Policy: p}); err != nil {
		return 0, 0, fmt.Errorf("seccomp: denylist: %w", err)
	}
	return n + nargs, nallow, nil
}

// auditArch is the audit architecture of the syscalls this program makes, for the
// little-endian architectures argFilter knows the layout of.
var auditArch = map[string]uint32{
	"amd64":   unix.AUDIT_ARCH_X86_64,
	"arm64":   unix.AUDIT_ARCH_AARCH64,
	"riscv64": unix.AUDIT_ARCH_RISCV64,
	"ppc64le": unix.AUDIT_ARCH_PPC64LE,
}

// archLock refuses (ENOSYS) any syscall made through another architecture's entry point, such
// as the 32-bit int 0x80 of x86-64: go-seccomp-bpf's filter lets those through, and their
// numbers differ, so no per-syscall rule would see them.
func archLock() []bpf.Instruction {
	return []bpf.Instruction{
		bpf.LoadAbsolute{Off: offArch, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: auditArch[runtime.GOARCH], SkipTrue: 1},
		bpf.RetConstant{Val: unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		bpf.RetConstant{Val: unix.SECCOMP_RET_ALLOW},
	}
}

// loadTSync installs the filter insts on every thread of the process; the calling thread must
// have no_new_privs.
func loadTSync(what string, insts []bpf.Instruction) error {
	if _, ok := auditArch[runtime.GOARCH]; !ok {
		return fmt.Errorf("seccomp: no little-endian audit architecture known for %s", runtime.GOARCH)
	}
	raw, err := bpf.Assemble(insts)
	if err != nil {
		return fmt.Errorf("seccomp: %s: %w", what, err)
	}
	filter := make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		filter[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	tid, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC,
		uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(filter)
	if errno != 0 {
		return fmt.Errorf("seccomp: %s: %w", what, errno)
	}
	if tid != 0 { // TSYNC names the thread it could not synchronise
		return fmt.Errorf("seccomp: %s: thread %d cannot take the filter", what, tid)
	}
	return nil
}
