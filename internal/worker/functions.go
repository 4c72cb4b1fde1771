package worker

import (
	"fmt"
	"strings"

	"islet/internal/v8"
)

// FunctionBound is an upper bound on the functions JavaScript source can instantiate, each
// of which takes an entry of V8's function table (see v8.DispatchSegments): every function
// literal has a body in braces or an arrow, and a class adds at most two functions of its own
// (the field and static initialisers) to its braces; the module or script itself is one more.
// Braces of blocks, objects and strings count too, so the bound is loose, never low.
func FunctionBound(code string) int {
	return 1 + strings.Count(code, "{") + strings.Count(code, "=>") + 2*strings.Count(code, "class")
}

// MaxSegments is the most segments of V8's process-wide function table one worker's isolate
// may take (a sixteenth of the table): Validate refuses code that may need more, so that no
// worker can fill the table alone.
const MaxSegments = v8.DispatchSegments / 16

// RuntimeFunctions is what V8 and the runtime take of an isolate's first segment of the
// function table, at most: measured, an isolate that loaded every lazy extension and used the
// main APIs of each still had room for 1,500 functions of the worker's own in that segment, and
// not for 2,000. TestRuntimeLeavesRoomInItsSegment holds it to that.
const RuntimeFunctions = 2600

// Segments is how many segments of V8's function table an isolate of the worker may take
// (see v8.DispatchSegments): enough for RuntimeFunctions and every function its JavaScript
// modules can instantiate (FunctionBound). WebAssembly instances are counted as they are made
// (Instance.wasmInstance). It is computed once; the spec must not change after the first call.
func (s *Spec) Segments() int {
	s.segmentsOnce.Do(func() {
		for path, code := range s.Modules {
			if !IsWasm(path) {
				s.functions += FunctionBound(code)
			}
		}
		s.segments = segmentsFor(s.functions)
	})
	return s.segments
}

// segmentsWith is Segments with wasm more functions (of WebAssembly instances).
func (s *Spec) segmentsWith(wasm int) int {
	s.Segments()
	return segmentsFor(s.functions + wasm)
}

// segmentsFor is how many segments an isolate takes with functions of its own.
func segmentsFor(functions int) int {
	return (RuntimeFunctions + functions + v8.DispatchSegmentEntries - 1) / v8.DispatchSegmentEntries
}

// wasmInstance is asked before each new WebAssembly instance (v8.Callbacks.WasmInstance;
// executor only): each may take an entry of V8's function table per function of its module,
// until collected, which islet cannot see, so every instance made counts for the isolate's
// life. Past half of MaxSegments the instance is retired (its next requests get a fresh
// isolate); past MaxSegments, or when the node cannot grant more segments, the instance is
// refused with a RangeError.
func (inst *Instance) wasmInstance(functions int) error {
	if inst.segmentsHeld == 0 {
		inst.segmentsHeld = inst.spec.Segments()
	}
	need := inst.spec.segmentsWith(inst.wasmFuncs + functions)
	if need > MaxSegments {
		inst.Retire()
		return fmt.Errorf("WebAssembly.Instance(): this isolate has made WebAssembly instances with %d functions in all, and another %d would take more of V8's process-wide function table than one isolate may; the worker's next requests get a fresh isolate",
			inst.wasmFuncs, functions)
	}
	if need > inst.segmentsHeld {
		if inst.deps.GrowSegments != nil && !inst.deps.GrowSegments(need-inst.segmentsHeld) {
			return fmt.Errorf("WebAssembly.Instance(): this node's function table (V8's, one per process) has no room for another %d functions now; retry later", functions)
		}
		inst.segmentsHeld = need
	}
	inst.wasmFuncs += functions
	if need > MaxSegments/2 {
		inst.Retire()
	}
	return nil
}
