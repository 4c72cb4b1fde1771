package v8

/*
#include "islet_v8.h"
*/
import "C"

import (
	"fmt"
	"runtime"

	"islet/internal/op"
)

// SourceFile is one runtime JavaScript file for a snapshot. Its Code must evaluate to a function;
// the snapshot builder calls it with the runtime object `rt`.
type SourceFile struct {
	Name string // shown in stack traces, e.g. "ext:fetch/20_headers.js"
	Code string
}

// Snapshot is a V8 startup blob holding a context in which the runtime JS has run, plus the op
// table its native functions refer to. It lives for the rest of the process.
type Snapshot struct {
	blob *C.char
	size int
	ops  []op.Def
}

// Size is the snapshot's size in bytes.
func (s *Snapshot) Size() int { return s.size }

// Ops returns the op table the snapshot was built with.
func (s *Snapshot) Ops() []op.Def { return s.ops }

// BuildSnapshot creates a snapshot: rt.ops holds one native function per op (by index in ops),
// then each file runs in order. An exception in a file fails the build with its location.
func BuildSnapshot(ops []op.Def, files []SourceFile) (*Snapshot, error) {
	ensureInit()
	// A snapshot creator enters its isolate on the creating thread and must stay there.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	seen := map[string]bool{}
	c := C.islet_snapshot_new()
	for i, d := range ops {
		if seen[d.Name] {
			return nil, fmt.Errorf("build snapshot: op %q is declared twice", d.Name)
		}
		if (d.Sync == nil) == (d.Async == nil) {
			return nil, fmt.Errorf("build snapshot: op %q must have exactly one of Sync and Async", d.Name)
		}
		seen[d.Name] = true
		p, n := cstr(d.Name)
		C.islet_snapshot_add_op(c, p, n, C.int(i))
		runtime.KeepAlive(d.Name)
	}
	var firstErr error
	for _, f := range files {
		var ce C.islet_error
		np, nn := cstr(f.Name)
		sp, sn := cstr(f.Code)
		rc := C.islet_snapshot_run(c, np, nn, sp, sn, &ce)
		runtime.KeepAlive(f)
		if err := takeError(rc, &ce); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("build snapshot: %s: %w", f.Name, err)
		}
	}
	var blob *C.char
	var size C.size_t
	var ce C.islet_error
	rc := C.islet_snapshot_take(c, &blob, &size, &ce)
	if firstErr != nil {
		return nil, firstErr
	}
	if err := takeError(rc, &ce); err != nil {
		return nil, fmt.Errorf("build snapshot: %w", err)
	}
	return &Snapshot{blob: blob, size: int(size), ops: append([]op.Def(nil), ops...)}, nil
}
