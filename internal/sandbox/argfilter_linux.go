package sandbox

import (
	"fmt"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Offsets in struct seccomp_data, on a little-endian machine: the syscall number, the
// architecture, and the low and high 32 bits of argument i at argLo(i) and argLo(i)+4.
const (
	offNr   = 0
	offArch = 4
)

func argLo(i int) uint32 { return 16 + 8*uint32(i) }

// argFilter assembles the rules that test an argument (of rules and of extra) into one BPF program. Each rule is a
// block that loads the syscall number itself, so a block never depends on what an earlier
// one left in the accumulator. (go-seccomp-bpf v1.6.0 assembles argument conditions so that a
// failed test leaves the argument in the accumulator and the following syscall tests compare
// against it, skipping rows; this is why these rows are not in its policy.) It returns the
// program and the number of syscall rows in it.
func argFilter(numbers map[string]int, extra []rule) ([]bpf.Instruction, int) {
	var prog []bpf.Instruction
	n := 0
	for _, r := range append(append([]rule(nil), rules...), extra...) {
		if r.when == nil {
			continue
		}
		for _, name := range r.names {
			nr, ok := numbers[name]
			if !ok {
				continue
			}
			prog = append(prog, condBlock(uint32(nr), *r.when, unix.SECCOMP_RET_ERRNO|uint32(r.errno))...)
			n++
		}
	}
	return append(prog, bpf.RetConstant{Val: unix.SECCOMP_RET_ALLOW}), n
}

// condBlock returns with deny when the syscall is nr and c holds, and otherwise falls through
// to the instruction after the block. In the comments, "next" is the first instruction after
// the block and "deny" its last one.
func condBlock(nr uint32, c cond, deny uint32) []bpf.Instruction {
	lo, hi := argLo(c.arg), argLo(c.arg)+4
	var b []bpf.Instruction
	switch c.op {
	case equal: // hi == 0 && lo == value
		b = []bpf.Instruction{
			bpf.LoadAbsolute{Off: offNr, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: nr, SkipFalse: 5}, // → next
			bpf.LoadAbsolute{Off: hi, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0, SkipFalse: 3}, // → next
			bpf.LoadAbsolute{Off: lo, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: c.value, SkipFalse: 1}, // → next
		}
	case notEqual: // hi != 0 || lo != value
		b = []bpf.Instruction{
			bpf.LoadAbsolute{Off: offNr, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: nr, SkipFalse: 5}, // → next
			bpf.LoadAbsolute{Off: hi, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0, SkipFalse: 2}, // → deny
			bpf.LoadAbsolute{Off: lo, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: c.value, SkipTrue: 1}, // → next
		}
	case greaterThan: // hi != 0 || lo > value
		b = []bpf.Instruction{
			bpf.LoadAbsolute{Off: offNr, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: nr, SkipFalse: 5}, // → next
			bpf.LoadAbsolute{Off: hi, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0, SkipFalse: 2}, // → deny
			bpf.LoadAbsolute{Off: lo, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpGreaterThan, Val: c.value, SkipFalse: 1}, // → next
		}
	case bitsSet: // lo & value != 0
		b = []bpf.Instruction{
			bpf.LoadAbsolute{Off: offNr, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: nr, SkipFalse: 3}, // → next
			bpf.LoadAbsolute{Off: lo, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: c.value, SkipFalse: 1}, // → next
		}
	default:
		panic(fmt.Sprintf("sandbox: unknown condition %d", c.op))
	}
	return append(b, bpf.RetConstant{Val: deny})
}
