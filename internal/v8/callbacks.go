package v8

/*
#include "islet_v8.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime/cgo"
	"unsafe"

	"islet/internal/op"
)

// isletGoOp runs op opID for the isolate behind handle h. For an async op the first argument is
// the promise id that rt.opAsync allocated.
//
//export isletGoOp
func isletGoOp(h C.uintptr_t, opID C.int, args *C.islet_val, nargs C.int, ret *C.islet_op_return) {
	// A Go panic must not unwind through V8's frames (that aborts the process): an op that
	// panics throws an Error in JS instead, and the node keeps serving.
	var def *op.Def
	defer func() {
		if r := recover(); r != nil {
			name := fmt.Sprint(int(opID))
			if def != nil {
				name = def.Name
			}
			throw(ret, fmt.Errorf("internal error in op %s: %v", name, r))
		}
	}()
	iso := cgo.Handle(h).Value().(*Isolate)
	if int(opID) < 0 || int(opID) >= len(iso.snap.ops) {
		throw(ret, op.TypeErrorf("unknown op %d", opID))
		return
	}
	def = &iso.snap.ops[opID]
	var small [6]op.Value
	vals := small[:0]
	if int(nargs) > len(small) {
		vals = make([]op.Value, 0, int(nargs))
	}
	if nargs > 0 {
		for _, a := range unsafe.Slice(args, int(nargs)) {
			v := op.Value{Kind: op.Kind(a.kind), Num: float64(a.num)}
			switch v.Kind {
			case op.KindString:
				v.Str = C.GoStringN(a.ptr, C.int(a.len))
			case op.KindBytes:
				// Borrowed: valid until the op returns.
				if a.len > 0 {
					v.Bytes = unsafe.Slice((*byte)(unsafe.Pointer(a.ptr)), int(a.len))
				} else {
					v.Bytes = []byte{}
				}
			}
			vals = append(vals, v)
		}
	}
	call := &op.Call{Args: vals, Host: iso.cb.Host, Runtime: iso}
	if def.Async != nil {
		pid, err := call.Int(0)
		if err != nil {
			throw(ret, fmt.Errorf("async op %s: %w", def.Name, err))
			return
		}
		call.Args = call.Args[1:]
		complete := iso.cb.Complete
		if complete == nil {
			throw(ret, op.TypeErrorf("async op %s: this isolate cannot run async ops", def.Name))
			return
		}
		done := func(v op.Value, err error) { complete(pid, v, err) }
		if iso.cb.AsyncStarted != nil {
			iso.cb.AsyncStarted(pid)
		}
		if err := def.Async(call, done); err != nil {
			if iso.cb.AsyncRefused != nil {
				iso.cb.AsyncRefused(pid)
			}
			throw(ret, err)
		}
		return
	}
	v, err := def.Sync(call)
	if err != nil {
		throw(ret, err)
		return
	}
	setReturn(ret, v)
}

func setReturn(ret *C.islet_op_return, v op.Value) {
	switch v.Kind {
	case op.KindUndefined:
	case op.KindNull:
		C.islet_ret_null(ret)
	case op.KindBool:
		b := C.int(0)
		if v.Num != 0 {
			b = 1
		}
		C.islet_ret_bool(ret, b)
	case op.KindNumber:
		C.islet_ret_number(ret, C.double(v.Num))
	case op.KindString:
		p, n := cstr(v.Str)
		C.islet_ret_string(ret, p, n)
	case op.KindBytes:
		p, n := cbytes(v.Bytes)
		C.islet_ret_bytes(ret, p, n)
	case op.KindStrings:
		b := encodeStrings(v.List)
		p, n := cbytes(b)
		C.islet_ret_strings(ret, p, n)
	default:
		throw(ret, op.TypeErrorf("op returned a value of kind %d", v.Kind))
	}
}

// throw makes the op call throw err in JS: an *op.Error keeps its class, anything else is an Error.
func throw(ret *C.islet_op_return, err error) {
	var oe *op.Error
	if !errors.As(err, &oe) {
		oe = &op.Error{Class: op.ClassError, Message: err.Error()}
	}
	np, nn := cstr(oe.Name)
	mp, mn := cstr(oe.Message)
	C.islet_ret_throw(ret, C.int(oe.Class), np, nn, mp, mn)
}

//export isletGoResolve
func isletGoResolve(h C.uintptr_t, referrer C.int, spec *C.char, specLen C.size_t) (id C.int) {
	defer func() {
		if recover() != nil {
			id = -1
		}
	}()
	iso := cgo.Handle(h).Value().(*Isolate)
	if iso.cb.Resolve == nil {
		return -1
	}
	return C.int(iso.cb.Resolve(int(referrer), C.GoStringN(spec, C.int(specLen))))
}

// isletGoInterrupt runs Callbacks.Interrupt for the isolate behind h (see RequestInterrupt).
//
//export isletGoInterrupt
func isletGoInterrupt(h C.uintptr_t) {
	defer func() { recover() }()
	iso := cgo.Handle(h).Value().(*Isolate)
	if iso.cb.Interrupt != nil {
		iso.cb.Interrupt()
	}
}

//export isletGoUnhandledRejection
func isletGoUnhandledRejection(h C.uintptr_t, msg *C.char, msgLen C.size_t, stack *C.char, stackLen C.size_t) {
	defer func() { recover() }()
	iso := cgo.Handle(h).Value().(*Isolate)
	if iso.cb.UnhandledRejection == nil {
		return
	}
	var m, s string
	if msg != nil {
		m = C.GoStringN(msg, C.int(msgLen))
	}
	if stack != nil {
		s = C.GoStringN(stack, C.int(stackLen))
	}
	iso.cb.UnhandledRejection(m, s)
}

//export isletGoWasmInstance
func isletGoWasmInstance(h C.uintptr_t, functions C.int, msg *C.char, msgCap C.size_t, msgLen *C.size_t) (refused C.int) {
	refuse := func(why string) C.int {
		*msgLen = C.size_t(copy(unsafe.Slice((*byte)(unsafe.Pointer(msg)), int(msgCap)), why))
		return 1
	}
	// A panic refuses the instance: the table it guards must not be filled by a bug.
	defer func() {
		if r := recover(); r != nil {
			refused = refuse("WebAssembly.Instance(): refused (internal error)")
		}
	}()
	iso := cgo.Handle(h).Value().(*Isolate)
	if iso.cb.WasmInstance == nil {
		return 0
	}
	if err := iso.cb.WasmInstance(int(functions)); err != nil {
		return refuse(err.Error())
	}
	return 0
}
