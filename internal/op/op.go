// Package op is the ABI between the runtime's JavaScript and Go: the values that cross, the
// shape of a Go op, and the JavaScript error classes an op can throw. It is pure Go; internal/v8
// converts between these values and V8's, and extension packages define ops with it.
package op

import (
	"fmt"
	"math"
)

// Kind is the type of a Value crossing the boundary.
type Kind uint8

// The kinds of Value. The numbering is shared with internal/v8's C header.
const (
	KindUndefined Kind = 0
	KindNull      Kind = 1
	KindBool      Kind = 2
	KindNumber    Kind = 3
	KindString    Kind = 4
	KindBytes     Kind = 5
	KindStrings   Kind = 6 // a JS array of strings (return values only)
	KindHandle    Kind = 7 // a value held by the isolate's handle table (internal/v8 only)
)

// Value is one argument or result of an op. Bytes given to an op as an argument are borrowed:
// they are valid only until the op returns (copy them to keep them). Bytes returned by an op
// become a fresh Uint8Array in JS.
type Value struct {
	Kind  Kind
	Num   float64 // KindNumber, KindBool (0 or 1), KindHandle (the handle id)
	Str   string
	Bytes []byte
	List  []string
}

// Undefined is the JS undefined value.
var Undefined = Value{}

// Null is the JS null value.
var Null = Value{Kind: KindNull}

// Number returns a JS number.
func Number(f float64) Value { return Value{Kind: KindNumber, Num: f} }

// Int returns a JS number holding n.
func Int(n int) Value { return Value{Kind: KindNumber, Num: float64(n)} }

// String returns a JS string.
func String(s string) Value { return Value{Kind: KindString, Str: s} }

// Bytes returns a fresh Uint8Array holding a copy of b.
func Bytes(b []byte) Value { return Value{Kind: KindBytes, Bytes: b} }

// Bool returns a JS boolean.
func Bool(b bool) Value {
	if b {
		return Value{Kind: KindBool, Num: 1}
	}
	return Value{Kind: KindBool}
}

// Strings returns a JS array of strings.
func Strings(list []string) Value { return Value{Kind: KindStrings, List: list} }

// IsNullish reports whether v is undefined or null.
func (v Value) IsNullish() bool { return v.Kind == KindUndefined || v.Kind == KindNull }

// Truthy reports whether v is a true boolean or a non-zero number.
func (v Value) Truthy() bool { return (v.Kind == KindBool || v.Kind == KindNumber) && v.Num != 0 }

// String describes v for error messages and logs.
func (v Value) String() string {
	switch v.Kind {
	case KindUndefined:
		return "undefined"
	case KindNull:
		return "null"
	case KindBool:
		return fmt.Sprint(v.Num != 0)
	case KindNumber:
		return fmt.Sprint(v.Num)
	case KindString:
		return fmt.Sprintf("%q", v.Str)
	case KindBytes:
		return fmt.Sprintf("bytes[%d]", len(v.Bytes))
	case KindStrings:
		return fmt.Sprintf("%q", v.List)
	case KindHandle:
		return fmt.Sprintf("handle#%d", int(v.Num))
	}
	return "?"
}

// Call is one invocation of an op: its arguments and the Go state of the isolate that made it.
type Call struct {
	Args []Value
	// Host is the Go object that owns the isolate (a *worker.Instance), given to every op.
	Host any
	// Runtime is the isolate itself (a *v8.Isolate), for the few ops that run runtime code
	// (loading a lazy extension).
	Runtime any
}

// Blocker is what a Host implements to let a sync op run long Go work without holding one of
// the node's executor slots (see Call.Blocking).
type Blocker interface {
	Blocking(work func())
}

// Blocking runs work, a long computation that cannot be interrupted (RSA key generation), so
// that other tenants' turns need not wait for it: the host gives its executor slot up for the
// duration and waits for its tenant's turn to take one again. The CPU time still counts against
// the calling request. Without a Blocker host, work simply runs.
func (c *Call) Blocking(work func()) {
	if b, ok := c.Host.(Blocker); ok {
		b.Blocking(work)
		return
	}
	work()
}

// Uncharger is what a Host implements to run the platform's own work inside a turn without
// charging it to the worker (see Call.Uncharged).
type Uncharger interface {
	Uncharged(work func())
}

// Uncharged runs work, the runtime's own code that a worker's call happened to trigger (a lazy
// extension loading on first use), without charging its CPU time to the worker's request or
// letting the CPU limit cut it off half-done. Without an Uncharger host, work simply runs.
func (c *Call) Uncharged(work func()) {
	if u, ok := c.Host.(Uncharger); ok {
		u.Uncharged(work)
		return
	}
	work()
}

// Arg returns argument i, or undefined when there are fewer arguments.
func (c *Call) Arg(i int) Value {
	if i < len(c.Args) {
		return c.Args[i]
	}
	return Undefined
}

// Int returns argument i as an integer, or a TypeError if it is not an integral number.
func (c *Call) Int(i int) (int, error) {
	v := c.Arg(i)
	if v.Kind != KindNumber || v.Num != math.Trunc(v.Num) || math.IsInf(v.Num, 0) {
		return 0, TypeErrorf("argument %d: expected an integer, got %s", i, v)
	}
	return int(v.Num), nil
}

// Str returns argument i as a string, or a TypeError if it is not one.
func (c *Call) Str(i int) (string, error) {
	v := c.Arg(i)
	if v.Kind != KindString {
		return "", TypeErrorf("argument %d: expected a string, got %s", i, v)
	}
	return v.Str, nil
}

// Buf returns argument i as borrowed bytes (a string argument is given as its UTF-8 bytes), or a
// TypeError for other kinds.
func (c *Call) Buf(i int) ([]byte, error) {
	v := c.Arg(i)
	switch v.Kind {
	case KindBytes:
		return v.Bytes, nil
	case KindString:
		return []byte(v.Str), nil
	}
	return nil, TypeErrorf("argument %d: expected bytes, got %s", i, v)
}

// Func is a synchronous op.
type Func func(c *Call) (Value, error)

// Completer settles the promise of an async op. It is called exactly once, from any goroutine.
type Completer func(Value, error)

// AsyncFunc is an asynchronous op: it starts work and returns; the work calls done when it
// finishes. An error returned directly rejects the promise at once.
type AsyncFunc func(c *Call, done Completer) error

// Def declares one op. Exactly one of Sync and Async is set.
type Def struct {
	Name  string
	Sync  Func
	Async AsyncFunc
}
