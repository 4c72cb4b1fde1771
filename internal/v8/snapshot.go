package v8

/*
#include <stdlib.h>
#include "islet_v8.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"

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
	p    *C.islet_snapshot
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
	shared := make([]*C.islet_source, len(files))
	var named []*C.islet_source
	for i, f := range files {
		if shared[i] = sharedSource(f.Code); shared[i] != nil {
			named = append(named, shared[i])
		}
	}
	var namedPtr **C.islet_source
	if len(named) > 0 {
		// The C array of pointers to C memory, so cgo's pointer rules allow passing it.
		arr := C.malloc(C.size_t(len(named)) * C.size_t(unsafe.Sizeof(named[0])))
		defer C.free(arr)
		copy(unsafe.Slice((**C.islet_source)(arr), len(named)), named)
		namedPtr = (**C.islet_source)(arr)
	}
	c := C.islet_snapshot_new(namedPtr, C.size_t(len(named)))
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
	for i, f := range files {
		var ce C.islet_error
		np, nn := cstr(f.Name)
		sp, sn := cstr(f.Code)
		rc := C.islet_snapshot_run(c, np, nn, sp, sn, shared[i], &ce)
		runtime.KeepAlive(f)
		if err := takeError(rc, &ce); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("build snapshot: %s: %w", f.Name, err)
		}
	}
	var snap *C.islet_snapshot
	var ce C.islet_error
	rc := C.islet_snapshot_take(c, &snap, &ce)
	if firstErr != nil {
		return nil, firstErr
	}
	if err := takeError(rc, &ce); err != nil {
		return nil, fmt.Errorf("build snapshot: %w", err)
	}
	return &Snapshot{p: snap, size: int(C.islet_snapshot_size(snap)), ops: append([]op.Def(nil), ops...)}, nil
}

var (
	sharedMu      sync.Mutex
	sharedSources = map[string]*C.islet_source{}
)

// sharedSource is the process's one C copy of a runtime file's text (made on first use, never
// freed), which isolates hold as an external string instead of each copying it into its heap:
// the runtime's sources are about 120 KB, paid once per process rather than once per worker.
// It is nil for a source that is not ASCII; that one is copied into each isolate.
func sharedSource(code string) *C.islet_source {
	if code == "" {
		return nil
	}
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if s, ok := sharedSources[code]; ok {
		return s
	}
	p, n := cstr(code)
	s := C.islet_source_new(p, n)
	runtime.KeepAlive(code)
	sharedSources[code] = s
	return s
}
