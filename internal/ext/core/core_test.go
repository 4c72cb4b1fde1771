package core_test

import (
	"testing"

	"islet/internal/ext/exttest"
)

func TestArrayBufferTransfer(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Script: `const a = new Uint8Array([1, 2, 3]).buffer; const b = a.transfer(); [a.byteLength, a.detached, b.byteLength, b.detached, new Uint8Array(b).join('')].join()`,
			Want: "0,true,3,false,123"},
		{Script: `const a = new Uint8Array([1, 2, 3]).buffer; const b = a.transfer(5); [a.detached, new Uint8Array(b).join('')].join()`, Want: "true,12300"},
		{Script: `const a = new Uint8Array([1, 2, 3]).buffer; new Uint8Array(a.transferToFixedLength(1)).join('')`, Want: "1"},
		{Script: `const a = new ArrayBuffer(0); [a.detached, a.transfer().detached, a.detached].join()`, Want: "false,false,true"},
		{Script: `const a = new ArrayBuffer(1); a.transfer(); a.transfer()`, WantErr: "TypeError"},
		{Script: `ArrayBuffer.prototype.transfer.call({})`, WantErr: "TypeError"},
		{Script: `new ArrayBuffer(1).transfer(-1)`, WantErr: "RangeError"},
		{Script: `[ArrayBuffer.prototype.transfer.length, ArrayBuffer.prototype.transfer.name, Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'transfer').enumerable].join()`,
			Want: "0,transfer,false"},
	})
}

func TestArrayFromAsync(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Script: `async function* g() { yield 1; yield Promise.resolve(2); } (async () => (await Array.fromAsync(g())).join())()`, Want: "1,2"},
		{Script: `(async () => (await Array.fromAsync([1, Promise.resolve(2), 3], (v, i) => v * 10 + i)).join())()`, Want: "10,21,32"},
		{Script: `(async () => (await Array.fromAsync({ length: 2, 0: 'a', 1: Promise.resolve('b') })).join())()`, Want: "a,b"},
		{Script: `(async () => (await Array.fromAsync(new ReadableStream({ start(c) { c.enqueue('x'); c.enqueue('y'); c.close(); } }))).join())()`, Want: "x,y"},
		{Script: `Array.fromAsync([1], 5)`, WantErr: "TypeError"},
		{Script: `[Array.fromAsync.name, Array.fromAsync.length, Object.getOwnPropertyDescriptor(Array, 'fromAsync').enumerable].join()`, Want: "fromAsync,1,false"},
	})
}
