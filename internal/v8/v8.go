// Package v8 binds V8 13.6 (Debian's libnode137, Node 24 LTS) to Go. It is the only package with
// `import "C"`, and it knows nothing of workers: it offers a process-wide engine, startup
// snapshots, isolates with one context each, modules and scripts, calls into the runtime's JS
// (rt.host entry points) and calls out of it (ops, see internal/op).
//
// Threading: every method of Isolate except Terminate enters the isolate with a v8::Locker on the
// calling OS thread for the duration of the call, so an isolate is used by one thread at a time
// and may move between threads between calls. Ops run nested inside such a call, on the same
// thread. Terminate may be called from any goroutine while the isolate is alive.
package v8

/*
#include <stdlib.h>
#include "islet_v8.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unsafe"
)

var initOnce sync.Once

// DefaultFlags are the V8 flags islet runs with: no background threads (compilation and
// garbage collection happen on the isolate's own thread; executors are the only threads doing
// JS work), no SharedArrayBuffer, Wasm memories of at most 1 GiB, eager feedback allocation
// and Uint8Array's base64 methods. V8 13.6 stops at the first flag it does not know and ignores
// the rest (it prints so on stderr), so every guarantee a flag gives is tested, not assumed.
var DefaultFlags = []string{
	"--single-threaded",
	// SharedArrayBuffer only in contexts an embedder callback allows it in; islet sets none,
	// so no context has it (V8 13.6 has no flag that removes it everywhere). Shared Wasm
	// memories, which hand out one too, are refused by islet_webassembly.cc and isolate.go.
	"--enable-sharedarraybuffer-per-context",
	// Uint8Array.fromBase64/fromHex/toBase64/toHex (TC39 stage 4, in Workers, Deno and
	// Node 25): complete in V8 13.6 and staged behind this flag.
	"--js-base-64",
	// V8 reserves a Wasm memory's whole maximum up front (4 GiB for a memory that declares
	// none) and all memories of the process share about 1 TiB of reservations; 16,384 pages
	// (1 GiB) per memory lets each isolate hold 8 of them (islet_webassembly.cc).
	"--wasm-max-mem-pages=16384",
	// Feedback vectors from a function's first call: with thousands of isolates each one sees
	// few requests, and without feedback every property access takes the slow path
	// (round-robin over 1,000 workers: 9.8k → 13.5k req/s, +15 KB per isolate).
	"--no-lazy-feedback-allocation",
}

// Init sets V8's flags and starts its platform. Only the first call has an effect; every other
// function calls it with DefaultFlags if nobody has yet.
func Init(flags ...string) {
	initOnce.Do(func() {
		f := strings.Join(flags, " ")
		cf := C.CString(f)
		defer C.free(unsafe.Pointer(cf))
		C.islet_init(cf, C.size_t(len(f)))
	})
}

func ensureInit() { Init(DefaultFlags...) }

// Version is the version of the V8 library islet runs (for example "13.6.233.17-node.53"),
// which need not be the one its headers named at build time.
func Version() string { return C.GoString(C.islet_v8_version()) }

// ErrorKind says why a call into V8 failed.
type ErrorKind int

// The kinds of Error.
const (
	// Exception is a JS exception; Message is its String(), Stack its stack.
	Exception ErrorKind = C.ISLET_FAIL_EXCEPTION
	// Terminated means Terminate stopped the JS.
	Terminated ErrorKind = C.ISLET_FAIL_TERMINATED
	// OutOfMemory means the isolate reached its heap limit; it is condemned and refuses every
	// further call. Dispose it.
	OutOfMemory ErrorKind = C.ISLET_FAIL_OOM
	// Internal means the binding refused the call.
	Internal ErrorKind = C.ISLET_FAIL_INTERNAL
)

// Error is a failure of a call into V8.
type Error struct {
	Kind    ErrorKind
	Message string
	Stack   string // the JS stack when there is one; it starts with the message
}

func (e *Error) Error() string { return e.Message }

// IsKind reports whether err is an *Error of kind k.
func IsKind(err error, k ErrorKind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

// takeError converts and frees a C error.
func takeError(rc C.int, ce *C.islet_error) error {
	if rc == 0 {
		return nil
	}
	e := &Error{Kind: ErrorKind(rc)}
	if ce.message != nil {
		e.Message = C.GoStringN(ce.message, C.int(ce.message_len))
		C.islet_free(unsafe.Pointer(ce.message))
	}
	if ce.stack != nil {
		e.Stack = C.GoStringN(ce.stack, C.int(ce.stack_len))
		C.islet_free(unsafe.Pointer(ce.stack))
	}
	if e.Message == "" {
		e.Message = fmt.Sprintf("v8 call failed (kind %d)", rc)
	}
	return e
}

// cstr returns a C view of a Go string for the duration of a call. The pointer is only valid
// while s is alive and may not be retained by C.
func cstr(s string) (*C.char, C.size_t) {
	if len(s) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}

func cbytes(b []byte) (*C.char, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// encodeStrings lays out a list as a sequence of uint32 length + bytes (the STRINGS encoding).
func encodeStrings(list []string) []byte {
	n := 0
	for _, s := range list {
		n += 4 + len(s)
	}
	buf := make([]byte, 0, n)
	for _, s := range list {
		l := uint32(len(s))
		buf = append(buf, byte(l), byte(l>>8), byte(l>>16), byte(l>>24))
		buf = append(buf, s...)
	}
	return buf
}

func decodeStrings(b []byte) []string {
	var out []string
	for len(b) >= 4 {
		l := int(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24)
		b = b[4:]
		if l > len(b) {
			break
		}
		out = append(out, string(b[:l]))
		b = b[l:]
	}
	return out
}
