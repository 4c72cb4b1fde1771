package webidl_test

import (
	"testing"

	"islet/internal/ext/exttest"
)

func TestDOMException(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Script: `const e = new DOMException('boom', 'NotFoundError'); [e.name, e.message, e.code].join()`, Want: "NotFoundError,boom,8"},
		{Script: `const e = new DOMException(); [e.name, e.message, e.code].join()`, Want: "Error,,0"},
		{Script: `new DOMException('m', 'NoSuchName').code`, Want: "0"},
		{Script: `new DOMException('x', 'AbortError') instanceof Error`, Want: "true"},
		{Script: `Object.prototype.toString.call(new DOMException())`, Want: "[object DOMException]"},
		{Script: `String(new DOMException('msg', 'SyntaxError'))`, Want: "SyntaxError: msg"},
		{Script: `new DOMException('msg', 'SyntaxError').stack.split('\n')[0]`, Want: "SyntaxError: msg"},
		{Script: `[DOMException.ABORT_ERR, DOMException.prototype.TIMEOUT_ERR, DOMException.DATA_CLONE_ERR].join()`, Want: "20,23,25"},
		{Script: `Object.getOwnPropertyDescriptor(DOMException, 'INDEX_SIZE_ERR').writable`, Want: "false"},
		{Script: `Object.keys(DOMException.prototype).slice(0, 3).join()`, Want: "name,message,code"},
		{Script: `DOMException.length`, Want: "0"},
		{Script: `Object.getOwnPropertyDescriptor(DOMException.prototype, 'name').get.call({})`, WantErr: "TypeError: Illegal invocation"},
		{Script: `DOMException()`, WantErr: "TypeError"},
		{Script: `new DOMException(Symbol())`, WantErr: "TypeError"},
		{Script: `new DOMException('a', { toString() { return 'QuotaExceededError'; } }).code`, Want: "22"},
		{Script: `Object.getOwnPropertyDescriptor(globalThis, 'DOMException').enumerable`, Want: "false"},
	})
}
