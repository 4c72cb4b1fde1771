// Package wasmtest holds a hand-assembled WebAssembly module for tests of Wasm support (the
// binding, workers importing .wasm files, the adversarial suite).
package wasmtest

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
