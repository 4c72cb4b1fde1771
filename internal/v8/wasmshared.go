package v8

import (
	"errors"
	"fmt"
)

// Wasm binary section and import kinds read by wasmScan.
const (
	wasmSectionImport   = 2
	wasmSectionFunction = 3
	wasmSectionMemory   = 5

	wasmImportFunc   = 0
	wasmImportTable  = 1
	wasmImportMemory = 2
	wasmImportGlobal = 3
	wasmImportTag    = 4

	wasmLimitsHasMax = 1 << 0
	wasmLimitsShared = 1 << 1
	wasmLimits64     = 1 << 2
)

var errWasmTruncated = errors.New("truncated")

// wasmFacts are what islet reads from a Wasm binary before V8 compiles it.
type wasmFacts struct {
	// shared says where the module declares or imports a shared memory (a memory whose buffer
	// is a SharedArrayBuffer), or is "".
	shared string
	// functions is the size of its function index space (imported and defined functions): the
	// most JS functions one instance of it can hand out (exports and table entries are made
	// once per function), each an entry of V8's function table (see DispatchSegments).
	functions int
}

// wasmSharedMemory is wasmScan's shared-memory answer.
func wasmSharedMemory(bin string) (string, error) {
	f, err := wasmScan(bin)
	return f.shared, err
}

// wasmScan reads the import, function and memory sections of a Wasm binary, stopping at the
// first shared memory. An error means the binary could not be read this far; callers refuse
// such a module, since V8 accepting bytes this reader does not understand must not open a way
// to shared memory.
func wasmScan(bin string) (wasmFacts, error) {
	var f wasmFacts
	r := wasmReader{b: bin}
	if len(bin) < 8 || bin[:4] != "\x00asm" {
		return f, errors.New("not a WebAssembly binary")
	}
	r.off = 8
	for r.off < len(r.b) {
		id, err := r.byte()
		if err != nil {
			return f, err
		}
		size, err := r.u32()
		if err != nil {
			return f, err
		}
		if uint64(size) > uint64(len(r.b)-r.off) {
			return f, fmt.Errorf("section %d: %w", id, errWasmTruncated)
		}
		sec := wasmReader{b: r.b[:r.off+int(size)], off: r.off}
		r.off += int(size)
		switch id {
		case wasmSectionImport:
			funcs, where, err := sec.imports()
			f.functions += funcs
			if where != "" || err != nil {
				f.shared = where
				return f, err
			}
		case wasmSectionFunction:
			n, err := sec.u32()
			if err != nil {
				return f, err
			}
			f.functions += int(n)
		case wasmSectionMemory:
			n, err := sec.u32()
			if err != nil {
				return f, err
			}
			for i := uint32(0); i < n; i++ {
				shared, err := sec.limits()
				if err != nil {
					return f, err
				}
				if shared {
					f.shared = fmt.Sprintf("memory %d", i)
					return f, nil
				}
			}
		}
	}
	return f, nil
}

type wasmReader struct {
	b   string
	off int
}

func (r *wasmReader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errWasmTruncated
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

// uleb reads an unsigned LEB128 number of at most bits bits.
func (r *wasmReader) uleb(bits uint) (uint64, error) {
	var v uint64
	for shift := uint(0); shift < bits+7; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
	}
	return 0, errors.New("LEB128 number too long")
}

func (r *wasmReader) u32() (uint32, error) {
	v, err := r.uleb(32)
	return uint32(v), err
}

func (r *wasmReader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	if uint64(n) > uint64(len(r.b)-r.off) {
		return "", errWasmTruncated
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s, nil
}

// valType skips a value type: one byte, or (ref ht) / (ref null ht) with a heap type index
// (the typed function references and GC proposals, which V8 13.6 ships).
func (r *wasmReader) valType() error {
	c, err := r.byte()
	if err != nil {
		return err
	}
	if c == 0x63 || c == 0x64 {
		_, err = r.uleb(33) // s33 heap type; its sign does not matter for skipping
	}
	return err
}

// limits reads a memory's or table's limits and reports whether they say "shared".
func (r *wasmReader) limits() (bool, error) {
	flags, err := r.u32()
	if err != nil {
		return false, err
	}
	bits := uint(32)
	if flags&wasmLimits64 != 0 {
		bits = 64
	}
	if _, err := r.uleb(bits); err != nil {
		return false, err
	}
	if flags&wasmLimitsHasMax != 0 {
		if _, err := r.uleb(bits); err != nil {
			return false, err
		}
	}
	return flags&wasmLimitsShared != 0, nil
}

// imports reads the import section: how many functions it imports, and where it imports a
// shared memory ("" if it does not).
func (r *wasmReader) imports() (funcs int, shared string, err error) {
	n, err := r.u32()
	if err != nil {
		return funcs, "", err
	}
	for i := uint32(0); i < n; i++ {
		module, err := r.name()
		if err != nil {
			return funcs, "", err
		}
		field, err := r.name()
		if err != nil {
			return funcs, "", err
		}
		kind, err := r.byte()
		if err != nil {
			return funcs, "", err
		}
		switch kind {
		case wasmImportFunc:
			funcs++
			_, err = r.u32()
		case wasmImportTable:
			if err = r.valType(); err == nil { // the table's reference type
				_, err = r.limits()
			}
		case wasmImportMemory:
			var sh bool
			if sh, err = r.limits(); err == nil && sh {
				return funcs, fmt.Sprintf("import %q %q", module, field), nil
			}
		case wasmImportGlobal:
			if err = r.valType(); err == nil {
				_, err = r.byte() // mutability
			}
		case wasmImportTag:
			if _, err = r.byte(); err == nil { // attribute
				_, err = r.u32()
			}
		default:
			return funcs, "", fmt.Errorf("import %d has unknown kind %d", i, kind)
		}
		if err != nil {
			return funcs, "", fmt.Errorf("import %d: %w", i, err)
		}
	}
	return funcs, "", nil
}
