package streams_test

import (
	"testing"

	"islet/internal/ext/exttest"
)

func TestZZProbe(t *testing.T) {
	env := exttest.New(t)
	got, err := env.Eval(`(async () => {
	  const N = 100000;
	  const out = [];
	  let t0 = Date.now();
	  { let n = 0; const rs = new ReadableStream({ pull(c) { if (n++ === N) c.close(); else c.enqueue(n); } });
	    const r = rs.getReader(); for (;;) { const { done } = await r.read(); if (done) break; } }
	  out.push('default read ' + (Date.now() - t0)); t0 = Date.now();
	  { let n = 0; const rs = new ReadableStream({ pull(c) { if (n++ === N) c.close(); else c.enqueue(n); } }, { highWaterMark: 1000 });
	    for await (const x of rs) {} }
	  out.push('for await hwm1000 ' + (Date.now() - t0)); t0 = Date.now();
	  { let n = 0; const chunk = new Uint8Array(1024); const rs = new ReadableStream({ type: 'bytes', pull(c) { if (n++ === N) c.close(); else c.enqueue(chunk); } });
	    const r = rs.getReader(); for (;;) { const { done } = await r.read(); if (done) break; } }
	  out.push('byte read ' + (Date.now() - t0)); t0 = Date.now();
	  { let n = 0; const rs = new ReadableStream({ pull(c) { if (n++ === N) c.close(); else c.enqueue(n); } });
	    let count = 0; await rs.pipeThrough(new TransformStream()).pipeTo(new WritableStream({ write() { count++; } })); out.push(count); }
	  out.push('pipeThrough ' + (Date.now() - t0)); t0 = Date.now();
	  { let n = 0; const rs = new ReadableStream({ pull(c) { if (n++ === N) c.close(); else c.enqueue(n); } });
	    const [a, b] = rs.tee(); await Promise.all([(async () => { for await (const x of a) {} })(), (async () => { for await (const x of b) {} })()]); }
	  out.push('tee ' + (Date.now() - t0)); t0 = Date.now();
	  { const rs = new ReadableStream({ start(c) { for (let i = 0; i < N; i++) c.enqueue(i); c.close(); } });
	    const r = rs.getReader(); for (;;) { const { done } = await r.read(); if (done) break; } }
	  out.push('queued read ' + (Date.now() - t0)); t0 = Date.now();
	  return out.join('\n');
	})()`)
	t.Log("\n", got, err)
}
