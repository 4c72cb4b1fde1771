// Package wasmtest holds a hand-assembled WebAssembly module for tests of Wasm support (the
// binding, workers importing .wasm files, the adversarial suite).
package wasmtest

import "strconv"

// Module is this module (96 bytes):
//
//	(module
//	  (import "env" "double" (func $double (param i32) (result i32)))
//	  (memory (export "mem") 1)
//	  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
//	  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
//	  (export "twice" (func $double)))
//
// grow returns the previous size in pages, or -1 when the memory cannot grow.
var Module = string([]byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
	0x01, 0x0c, 0x02, // types: 2
	0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, // (i32, i32) -> i32
	0x60, 0x01, 0x7f, 0x01, 0x7f, // (i32) -> i32
	0x02, 0x0e, 0x01, 0x03, 'e', 'n', 'v', 0x06, 'd', 'o', 'u', 'b', 'l', 'e', 0x00, 0x01, // import env.double: type 1
	0x03, 0x03, 0x02, 0x00, 0x01, // functions: add (type 0), grow (type 1)
	0x05, 0x03, 0x01, 0x00, 0x01, // memory: min 1 page, no maximum
	0x07, 0x1c, 0x04, // exports: 4
	0x03, 'a', 'd', 'd', 0x00, 0x01,
	0x04, 'g', 'r', 'o', 'w', 0x00, 0x02,
	0x03, 'm', 'e', 'm', 0x02, 0x00,
	0x05, 't', 'w', 'i', 'c', 'e', 0x00, 0x00,
	0x0a, 0x10, 0x02, // code: 2 bodies
	0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, // local.get 0, local.get 1, i32.add
	0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b, // local.get 0, memory.grow 0
})

// Functions is a module of n functions of no parameters and no results, exported as "0", "1",
// …, with no memory: each of its instances hands JS n functions.
func Functions(n int) string {
	uleb := func(b []byte, v int) []byte {
		for {
			c := byte(v & 0x7f)
			if v >>= 7; v == 0 {
				return append(b, c)
			}
			b = append(b, c|0x80)
		}
	}
	section := func(m []byte, id byte, body []byte) []byte {
		return append(uleb(append(m, id), len(body)), body...)
	}
	m := []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}
	m = section(m, 1, []byte{0x01, 0x60, 0x00, 0x00}) // one type: () -> ()
	funcs, exports, code := uleb(nil, n), uleb(nil, n), uleb(nil, n)
	for i := 0; i < n; i++ {
		funcs = append(funcs, 0x00)
		name := strconv.Itoa(i)
		exports = append(uleb(exports, len(name)), name...)
		exports = uleb(append(exports, 0x00), i)
		code = append(code, 0x02, 0x00, 0x0b) // body: no locals, end
	}
	m = section(m, 3, funcs)
	m = section(m, 7, exports)
	m = section(m, 10, code)
	return string(m)
}
