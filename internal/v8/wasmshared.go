package v8

import (
	"errors"
	"fmt"
)

// Wasm binary section and import kinds read by wasmSharedMemory.
const (
	wasmSectionImport = 2
	wasmSectionMemory = 5

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

// wasmSharedMemory reports where a Wasm binary declares or imports a shared memory (a memory
// whose buffer is a SharedArrayBuffer), or "" when it does not. It reads only the import and
// memory sections. An error means the binary could not be read this far; callers refuse such a
// module, since V8 accepting bytes this reader does not understand must not open a way to
// shared memory.
func wasmSharedMemory(bin string) (string, error) {
	r := wasmReader{b: bin}
	if len(bin) < 8 || bin[:4] != "\x00asm" {
		return "", errors.New("not a WebAssembly binary")
	}
	r.off = 8
	for r.off < len(r.b) {
		id, err := r.byte()
		if err != nil {
			return "", err
		}
		size, err := r.u32()
		if err != nil {
			return "", err
		}
		if uint64(size) > uint64(len(r.b)-r.off) {
			return "", fmt.Errorf("section %d: %w", id, errWasmTruncated)
		}
		sec := wasmReader{b: r.b[:r.off+int(size)], off: r.off}
		r.off += int(size)
		switch id {
		case wasmSectionImport:
			if where, err := sec.sharedImport(); where != "" || err != nil {
				return where, err
			}
		case wasmSectionMemory:
			n, err := sec.u32()
			if err != nil {
				return "", err
			}
			for i := uint32(0); i < n; i++ {
				shared, err := sec.limits()
				if err != nil {
					return "", err
				}
				if shared {
					return fmt.Sprintf("memory %d", i), nil
				}
			}
		}
	}
	return "", nil
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

func (r *wasmReader) sharedImport() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	for i := uint32(0); i < n; i++ {
		module, err := r.name()
		if err != nil {
			return "", err
		}
		field, err := r.name()
		if err != nil {
			return "", err
		}
		kind, err := r.byte()
		if err != nil {
			return "", err
		}
		switch kind {
		case wasmImportFunc:
			_, err = r.u32()
		case wasmImportTable:
			if err = r.valType(); err == nil { // the table's reference type
				_, err = r.limits()
			}
		case wasmImportMemory:
			var shared bool
			if shared, err = r.limits(); err == nil && shared {
				return fmt.Sprintf("import %q %q", module, field), nil
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
			return "", fmt.Errorf("import %d has unknown kind %d", i, kind)
		}
		if err != nil {
			return "", fmt.Errorf("import %d: %w", i, err)
		}
	}
	return "", nil
}
