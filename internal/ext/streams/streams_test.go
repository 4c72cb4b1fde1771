package streams_test

import (
	"testing"

	"islet/internal/ext/exttest"
)

func TestSmoke(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Name: "globals", Script: `[typeof ReadableStream, typeof TransformStream, typeof ReadableStreamBYOBReader, typeof ReadableByteStreamController].join()`, Want: "function,function,function,function"},
		{Name: "basic", Script: `(async () => {
			const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); } });
			const out = [];
			for await (const x of rs) out.push(x);
			return out.join();
		})()`, Want: "a,b"},
	})
}
