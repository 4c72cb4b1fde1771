package core_test

import (
	"testing"

	"islet/internal/ext/exttest"
)

// TestSliceIsBounded: Array.prototype.slice refuses the receivers V8 cannot survive or stop (a
// string or String object, or an array, longer than the bound) and keeps the standard's
// behaviour otherwise, with one read of an array-like's length.
func TestSliceIsBounded(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Script: `[1, 2, 3].slice(1).join() + " " + [1, 2, 3].slice().join() + " " + [1, 2, 3].slice(-1, undefined).join()`, Want: "2,3 1,2,3 3"},
		{Script: `Array.prototype.slice.call("abc", 1).join() + " " + Array.prototype.slice.call(new String("abc"), 2).join()`, Want: "b,c c"},
		{Script: `let reads = 0; const o = { get length() { reads++; return 2; }, 0: "x", 1: "y" }; Array.prototype.slice.call(o).join() + " " + reads`, Want: "x,y 1"},
		{Script: `[Array.prototype.slice.length, Array.prototype.slice.name, Object.getOwnPropertyDescriptor(Array.prototype, "slice").enumerable].join()`, Want: "2,slice,false"},
		{Script: `Array.prototype.slice.call("x".repeat(2 ** 25 + 1))`, WantErr: "RangeError: Array.prototype.slice on a string of length 33554433 is refused"},
		{Script: `Array.prototype.slice.call(new String("x".repeat(2 ** 25 + 1)))`, WantErr: "RangeError: Array.prototype.slice on a string"},
		{Script: `const a = []; a[2 ** 32 - 2] = 1; a.slice()`, WantErr: "RangeError: Array.prototype.slice on an array of length 4294967295"},
	})
}
