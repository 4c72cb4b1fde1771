package streams_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"islet/internal/ext"
	"islet/internal/ext/all"
	"islet/internal/ext/exttest"
	"islet/internal/op"
	"islet/internal/snapshot"
	"islet/internal/v8"
)

// prelude holds helpers every script may use.
const prelude = `
const flush = async (n = 20) => { for (let i = 0; i < n; i++) await null; };
const delay = (ms) => new Promise((r) => setTimeout(r, ms));
const readAll = async (rs) => {
  const r = rs.getReader();
  const out = [];
  for (;;) {
    const { done, value } = await r.read();
    if (done) { r.releaseLock(); return out; }
    out.push(value);
  }
};
const rejection = async (p) => {
  try { await p; return 'resolved'; } catch (e) { return e instanceof Error ? e.name : String(e); }
};
const throws = (f) => {
  try { f(); return 'no throw'; } catch (e) { return e instanceof Error ? e.name : String(e); }
};
const bytes = (v) => Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).join(' ');
`

// run runs table tests with the prelude, each in a fresh isolate, and fails on unhandled
// rejections (the streams mark their internal promises handled).
func run(t *testing.T, cases []exttest.Case) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			env := exttest.New(t)
			got, err := env.Eval(prelude + c.Script)
			if c.WantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.WantErr) {
					t.Fatalf("got %q, %v; want error containing %q", got, err, c.WantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got != c.Want {
				t.Fatalf("got %q, want %q", got, c.Want)
			}
			for _, l := range env.Logs {
				if strings.HasPrefix(l, "unhandled:") {
					t.Errorf("%s", l)
				}
			}
		})
	}
}

func TestInterfaces(t *testing.T) {
	run(t, []exttest.Case{
		{Name: "globals", Script: `['ReadableStream', 'ReadableStreamDefaultReader', 'ReadableStreamBYOBReader',
			'ReadableStreamBYOBRequest', 'ReadableStreamDefaultController', 'ReadableByteStreamController',
			'WritableStream', 'WritableStreamDefaultWriter', 'WritableStreamDefaultController', 'TransformStream',
			'TransformStreamDefaultController', 'ByteLengthQueuingStrategy', 'CountQueuingStrategy']
			.map((n) => { void globalThis[n]; const d = Object.getOwnPropertyDescriptor(globalThis, n);
				return typeof d.value + d.writable + d.enumerable + d.configurable; }).join()`,
			Want: strings.TrimSuffix(strings.Repeat("functiontruefalsetrue,", 13), ",")},
		{Name: "toStringTag", Script: `(() => {
			const rs = new ReadableStream({ start(c) { globalThis.c = c; } });
			const brs = new ReadableStream({ type: 'bytes', start(c) { globalThis.bc = c; } });
			const ts = new TransformStream({ start(c) { globalThis.tc = c; } });
			return [rs, rs.getReader(), c, bc, brs.getReader({ mode: 'byob' }), ts, tc, new ReadableStream().values()]
				.map((o) => Object.prototype.toString.call(o)).join();
		})()`, Want: "[object ReadableStream],[object ReadableStreamDefaultReader],[object ReadableStreamDefaultController]," +
			"[object ReadableByteStreamController],[object ReadableStreamBYOBReader],[object TransformStream]," +
			"[object TransformStreamDefaultController],[object ReadableStream AsyncIterator]"},
		{Name: "prototype members are enumerable", Script: `[Object.keys(ReadableStream.prototype).join(' '),
			Object.keys(ReadableStream).join(' '),
			Object.keys(ReadableStreamDefaultReader.prototype).join(' '),
			Object.keys(ReadableStreamBYOBReader.prototype).join(' '),
			Object.keys(ReadableByteStreamController.prototype).join(' '),
			Object.keys(ReadableStreamBYOBRequest.prototype).join(' '),
			Object.keys(TransformStream.prototype).join(' '),
			Object.keys(TransformStreamDefaultController.prototype).join(' ')].join('|')`,
			Want: "locked cancel getReader pipeThrough pipeTo tee values|from|closed cancel read releaseLock|" +
				"closed cancel read releaseLock|byobRequest desiredSize close enqueue error|view respond respondWithNewView|" +
				"readable writable|desiredSize enqueue error terminate"},
		{Name: "asyncIterator is values", Script: `const d = Object.getOwnPropertyDescriptor(ReadableStream.prototype, Symbol.asyncIterator);
			[d.value === ReadableStream.prototype.values, d.enumerable, d.writable, d.configurable].join()`,
			Want: "true,false,true,true"},
		{Name: "async iterator prototype", Script: `(() => {
			const it = new ReadableStream().values();
			const proto = Object.getPrototypeOf(it);
			const asyncIterProto = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);
			return [Object.getPrototypeOf(proto) === asyncIterProto, Object.getOwnPropertyNames(proto).join(' '),
				proto.next.length, proto.return.length, typeof it[Symbol.asyncIterator]].join();
		})()`, Want: "true,next return,0,1,function"},
		{Name: "lengths", Script: `[ReadableStream.length, ReadableStreamDefaultReader.length, ReadableStreamBYOBReader.length,
			ReadableStream.prototype.pipeTo.length, ReadableStream.prototype.pipeThrough.length, ReadableStream.from.length,
			ReadableStreamBYOBReader.prototype.read.length, ReadableByteStreamController.prototype.enqueue.length,
			ReadableStreamDefaultController.prototype.enqueue.length, TransformStream.length,
			ReadableStreamBYOBRequest.prototype.respond.length].join()`, Want: "0,1,1,1,1,1,1,1,0,0,1"},
		{Name: "illegal constructors", Script: `['ReadableStreamDefaultController', 'ReadableByteStreamController',
			'ReadableStreamBYOBRequest', 'TransformStreamDefaultController']
			.map((n) => throws(() => new globalThis[n]())).join()`, Want: "TypeError,TypeError,TypeError,TypeError"},
		{Name: "brand checks", Script: `(async () => [
			throws(() => ReadableStream.prototype.getReader.call({})),
			throws(() => Object.getOwnPropertyDescriptor(ReadableStream.prototype, 'locked').get.call({})),
			throws(() => ReadableStream.prototype.tee.call(new WritableStream())),
			await rejection(ReadableStream.prototype.cancel.call({})),
			await rejection(ReadableStream.prototype.pipeTo.call({}, new WritableStream())),
			await rejection(ReadableStreamDefaultReader.prototype.read.call({})),
			await rejection(Object.getOwnPropertyDescriptor(ReadableStreamDefaultReader.prototype, 'closed').get.call({})),
			await rejection(ReadableStream.prototype.values.call(new ReadableStream()).next.call({})),
			throws(() => Object.getOwnPropertyDescriptor(TransformStream.prototype, 'readable').get.call({})),
			throws(() => new ReadableStreamDefaultReader({})),
			throws(() => new ReadableStreamBYOBReader(new ReadableStream())),
		].join())()`, Want: "TypeError,TypeError,TypeError,TypeError,TypeError,TypeError,TypeError,TypeError,TypeError,TypeError,TypeError"},
		{Name: "constructor argument errors", Script: `[
			throws(() => new ReadableStream(null)),
			throws(() => new ReadableStream(1)),
			throws(() => new ReadableStream({ start: 1 })),
			throws(() => new ReadableStream({ pull: 'x' })),
			throws(() => new ReadableStream({ type: 'nope' })),
			throws(() => new ReadableStream({}, { highWaterMark: -1 })),
			throws(() => new ReadableStream({}, { highWaterMark: NaN })),
			throws(() => new ReadableStream({}, { size: 1 })),
			throws(() => new ReadableStream({ type: 'bytes' }, { size() { return 1; } })),
			throws(() => new ReadableStream({ type: 'bytes', autoAllocateChunkSize: 0 })),
			throws(() => new ReadableStream({ type: 'bytes', autoAllocateChunkSize: -1 })),
			throws(() => new ReadableStream({ start() { throw new SyntaxError('x'); } })),
			throws(() => new TransformStream({ readableType: 'bytes' })),
			throws(() => new TransformStream({ writableType: 'bytes' })),
			throws(() => new TransformStream({ transform: 1 })),
			throws(() => new WritableStream({ type: 'bytes' })),
			throws(() => new ReadableStream().getReader({ mode: 'nope' })),
			throws(() => new ReadableStream().getReader({ mode: 'byob' })),
			throws(() => new ReadableStream().getReader({ mode: undefined })),
		].join()`, Want: "TypeError,TypeError,TypeError,TypeError,TypeError,RangeError,RangeError,TypeError,RangeError," +
			"TypeError,TypeError,SyntaxError,RangeError,RangeError,TypeError,RangeError,TypeError,TypeError,no throw"},
	})
}

func TestDefaultStreams(t *testing.T) {
	run(t, []exttest.Case{
		{Name: "enqueue read close", Script: `(async () => {
			const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); } });
			const r = rs.getReader();
			const out = [];
			for (let i = 0; i < 4; i++) { const { value, done } = await r.read(); out.push(value + ':' + done); }
			await r.closed;
			return out.join() + ' ' + rs.locked;
		})()`, Want: "a:false,b:false,undefined:true,undefined:true true"},
		{Name: "pending read is fulfilled by enqueue", Script: `(async () => {
			let c;
			const rs = new ReadableStream({ start(ctrl) { c = ctrl; } });
			const r = rs.getReader();
			const p = r.read();
			c.enqueue(42);
			const { value, done } = await p;
			return value + ' ' + done + ' ' + c.desiredSize;
		})()`, Want: "42 false 1"},
		{Name: "pull and desiredSize", Script: `(async () => {
			let pulls = 0;
			const sizes = [];
			const rs = new ReadableStream({
				pull(c) { pulls++; sizes.push(c.desiredSize); c.enqueue(pulls); },
			}, { highWaterMark: 3 });
			await flush();
			const first = pulls + ':' + sizes.join('/');
			const r = rs.getReader();
			await r.read();
			await flush();
			return first + ' ' + pulls;
		})()`, Want: "3:3/2/1 4"},
		{Name: "pull waits for its promise", Script: `(async () => {
			let pulls = 0;
			let release;
			const rs = new ReadableStream({
				pull(c) { pulls++; c.enqueue(pulls); return new Promise((r) => { release = r; }); },
			}, { highWaterMark: 5 });
			await flush();
			const before = pulls;
			release();
			await flush();
			return before + ' ' + pulls;
		})()`, Want: "1 2"},
		{Name: "start promise delays pull", Script: `(async () => {
			let started;
			let pulled = false;
			new ReadableStream({ start() { return new Promise((r) => { started = r; }); }, pull() { pulled = true; } });
			await flush();
			const before = pulled;
			started();
			await flush();
			return before + ' ' + pulled;
		})()`, Want: "false true"},
		{Name: "highWaterMark 0 pulls only on read", Script: `(async () => {
			let pulls = 0;
			const rs = new ReadableStream({ pull(c) { pulls++; c.enqueue(pulls); } }, { highWaterMark: 0 });
			await flush();
			const before = pulls;
			const r = rs.getReader();
			const { value } = await r.read();
			return before + ' ' + value;
		})()`, Want: "0 1"},
		{Name: "size strategies", Script: `(async () => {
			const out = [];
			new ReadableStream({ start(c) { c.enqueue(new Uint8Array(10)); out.push(c.desiredSize); } },
				new ByteLengthQueuingStrategy({ highWaterMark: 16 }));
			new ReadableStream({ start(c) { c.enqueue('x'); c.enqueue('y'); out.push(c.desiredSize); } },
				new CountQueuingStrategy({ highWaterMark: 4 }));
			new ReadableStream({ start(c) { c.enqueue('abc'); out.push(c.desiredSize); } },
				{ highWaterMark: 10, size: (s) => s.length });
			return out.join();
		})()`, Want: "6,2,7"},
		{Name: "size function errors the stream", Script: `(async () => {
			let c;
			const rs = new ReadableStream({ start(ctrl) { c = ctrl; } }, { size() { throw new URIError('size'); } });
			const e = throws(() => c.enqueue(1));
			const r = rs.getReader();
			return e + ' ' + await rejection(r.read()) + ' ' + await rejection(r.closed);
		})()`, Want: "URIError URIError URIError"},
		{Name: "invalid chunk size is a RangeError", Script: `(async () => {
			let c;
			const rs = new ReadableStream({ start(ctrl) { c = ctrl; } }, { size() { return NaN; } });
			return throws(() => c.enqueue(1)) + ' ' + await rejection(rs.getReader().read());
		})()`, Want: "RangeError RangeError"},
		{Name: "error", Script: `(async () => {
			let c;
			const rs = new ReadableStream({ start(ctrl) { c = ctrl; } });
			const r = rs.getReader();
			const p = r.read();
			c.error(new EvalError('boom'));
			return [await rejection(p), await rejection(r.read()), await rejection(r.closed), c.desiredSize,
				throws(() => c.enqueue(1)), throws(() => c.close())].join();
		})()`, Want: "EvalError,EvalError,EvalError,,TypeError,TypeError"},
		{Name: "pull rejection errors the stream", Script: `(async () => {
			const rs = new ReadableStream({ pull() { return Promise.reject(new RangeError('pull')); } });
			await flush();
			return rejection(rs.getReader().read());
		})()`, Want: "RangeError"},
		{Name: "enqueue or close after close", Script: `(async () => {
			let c;
			new ReadableStream({ start(ctrl) { c = ctrl; } });
			c.close();
			return [throws(() => c.enqueue(1)), throws(() => c.close()), c.desiredSize].join();
		})()`, Want: "TypeError,TypeError,0"},
		{Name: "close waits for the queue to drain", Script: `(async () => {
			const rs = new ReadableStream({ start(c) { c.enqueue(1); c.close(); } });
			const r = rs.getReader();
			let closed = false;
			r.closed.then(() => { closed = true; });
			await flush();
			const before = closed;
			await r.read();
			await flush();
			return before + ' ' + closed;
		})()`, Want: "false true"},
		{Name: "cancel", Script: `(async () => {
			let reason;
			const rs = new ReadableStream({ start(c) { c.enqueue(1); }, cancel(r) { reason = r; return 'ignored'; } });
			const v = await rs.cancel('why');
			const { done } = await rs.getReader().read();
			return [v, reason, done].join();
		})()`, Want: ",why,true"},
		{Name: "cancel rejection", Script: `(async () => {
			const rs = new ReadableStream({ cancel() { throw new SyntaxError('c'); } });
			return rejection(rs.cancel());
		})()`, Want: "SyntaxError"},
		{Name: "cancel from the reader resolves pending reads", Script: `(async () => {
			const rs = new ReadableStream();
			const r = rs.getReader();
			const p = r.read();
			await r.cancel();
			const { done } = await p;
			return done;
		})()`, Want: "true"},
		{Name: "locked stream", Script: `(async () => {
			const rs = new ReadableStream();
			const r = rs.getReader();
			return [rs.locked, throws(() => rs.getReader()), throws(() => new ReadableStreamDefaultReader(rs)),
				await rejection(rs.cancel()), throws(() => rs.tee()), throws(() => rs.values()),
				await rejection(rs.pipeTo(new WritableStream())),
				throws(() => rs.pipeThrough(new TransformStream()))].join();
		})()`, Want: "true,TypeError,TypeError,TypeError,TypeError,TypeError,TypeError,TypeError"},
		{Name: "releaseLock", Script: `(async () => {
			const rs = new ReadableStream();
			const r = rs.getReader();
			const p = r.read();
			r.releaseLock();
			r.releaseLock();
			const r2 = rs.getReader();
			return [await rejection(p), await rejection(r.closed), await rejection(r.read()),
				await rejection(r.cancel()), rs.locked, r2 instanceof ReadableStreamDefaultReader].join();
		})()`, Want: "TypeError,TypeError,TypeError,TypeError,true,true"},
		{Name: "closed of a reader of a closed stream", Script: `(async () => {
			const rs = new ReadableStream({ start(c) { c.close(); } });
			await flush();
			const r = rs.getReader();
			await r.closed;
			r.releaseLock();
			return rejection(r.closed);
		})()`, Want: "TypeError"},
		{Name: "callbacks get exactly the spec's arguments", Script: `(async () => {
			const n = [];
			const rs = new ReadableStream({
				start() { n.push('start' + arguments.length); },
				pull() { n.push('pull' + arguments.length); },
				cancel() { n.push('cancel' + arguments.length); },
			});
			await flush();
			await rs.cancel();
			const ws = new WritableStream({
				write() { n.push('write' + arguments.length); },
				close() { n.push('close' + arguments.length); },
			});
			const w = ws.getWriter();
			await w.write(1);
			await w.close();
			await new WritableStream({ abort() { n.push('abort' + arguments.length); } }).abort();
			const ts = new TransformStream({
				transform(c, ctl) { n.push('transform' + arguments.length); },
				flush() { n.push('flush' + arguments.length); },
			});
			const tw = ts.writable.getWriter();
			ts.readable.getReader().read();
			await tw.write(1);
			await tw.close();
			await new TransformStream({ cancel() { n.push('tcancel' + arguments.length); } }).readable.cancel();
			return n.join();
		})()`, Want: "start1,pull1,cancel1,write2,close0,abort1,transform2,flush1,tcancel1"},
		{Name: "source callbacks get the controller and this", Script: `(async () => {
			const source = {
				start(c) { this.s = c instanceof ReadableStreamDefaultController; },
				pull(c) { this.p = this === source && c instanceof ReadableStreamDefaultController; c.close(); },
			};
			await readAll(new ReadableStream(source));
			return source.s + ' ' + source.p;
		})()`, Want: "true true"},
	})
}

func TestByteStreams(t *testing.T) {
	run(t, []exttest.Case{
		{Name: "default reader", Script: `(async () => {
			const rs = new ReadableStream({ type: 'bytes', start(c) {
				c.enqueue(new Uint8Array([1, 2, 3])); c.enqueue(new Uint16Array([0x0504])); c.close(); } });
			const chunks = await readAll(rs);
			return chunks.map((c) => c.constructor.name + ':' + bytes(c)).join(',');
		})()`, Want: "Uint8Array:1 2 3,Uint8Array:4 5"},
		{Name: "byob reader with byobRequest.respond", Script: `(async () => {
			let n = 0;
			const rs = new ReadableStream({ type: 'bytes', pull(c) {
				const v = c.byobRequest.view;
				v[0] = ++n; v[1] = 10 + n;
				c.byobRequest.respond(2);
				if (n === 2) c.close();
			} });
			const r = rs.getReader({ mode: 'byob' });
			const out = [];
			for (;;) {
				const { value, done } = await r.read(new Uint8Array(8));
				out.push(bytes(value) + '/' + value.buffer.byteLength + '/' + done);
				if (done) break;
			}
			return out.join(',');
		})()`, Want: "1 11/8/false,2 12/8/false,/8/true"},
		{Name: "byob read from the queue", Script: `(async () => {
			const rs = new ReadableStream({ type: 'bytes', start(c) {
				c.enqueue(new Uint8Array([1, 2, 3])); c.enqueue(new Uint8Array([4, 5])); c.close(); } });
			const r = rs.getReader({ mode: 'byob' });
			const a = await r.read(new Uint8Array(4));
			const b = await r.read(new Uint8Array(4));
			const c = await r.read(new Uint8Array(4));
			return [bytes(a.value), bytes(b.value), c.done, c.value.byteLength].join('|');
		})()`, Want: "1 2 3 4|5|true|0"},
		{Name: "byob read of a typed array keeps partial elements queued", Script: `(async () => {
			const rs = new ReadableStream({ type: 'bytes', start(c) {
				c.enqueue(new Uint8Array([1, 0, 2])); } });
			const r = rs.getReader({ mode: 'byob' });
			const { value } = await r.read(new Uint16Array(4));
			return value.constructor.name + ' ' + value.length + ' ' + value[0];
		})()`, Want: "Uint16Array 1 1"},
		{Name: "byob read with min", Script: `(async () => {
			let c;
			const rs = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; } });
			const r = rs.getReader({ mode: 'byob' });
			const p = r.read(new Uint8Array(8), { min: 4 });
			let settled = false;
			p.then(() => { settled = true; });
			c.enqueue(new Uint8Array([1, 2]));
			await flush();
			const before = settled;
			c.enqueue(new Uint8Array([3, 4, 5]));
			const { value } = await p;
			return before + ' ' + bytes(value);
		})()`, Want: "false 1 2 3 4 5"},
		{Name: "byob read argument errors", Script: `(async () => {
			const rs = new ReadableStream({ type: 'bytes' });
			const r = rs.getReader({ mode: 'byob' });
			return [await rejection(r.read()), await rejection(r.read(new ArrayBuffer(4))),
				await rejection(r.read(new Uint8Array(0))), await rejection(r.read(new Uint8Array(4), { min: 0 })),
				await rejection(r.read(new Uint8Array(4), { min: 5 })), await rejection(r.read(new Uint16Array(2), { min: 3 })),
				await rejection(r.read(new DataView(new ArrayBuffer(2)), { min: 3 })),
				await rejection(r.read(new Uint8Array(4), { min: -1 }))].join();
		})()`, Want: "TypeError,TypeError,TypeError,TypeError,RangeError,RangeError,RangeError,TypeError"},
		{Name: "autoAllocateChunkSize", Script: `(async () => {
			const sizes = [];
			const rs = new ReadableStream({ type: 'bytes', autoAllocateChunkSize: 16, pull(c) {
				const v = c.byobRequest.view;
				sizes.push(v.byteLength);
				v[0] = 7;
				c.byobRequest.respond(1);
			} });
			const { value } = await rs.getReader().read();
			return sizes.join() + ' ' + bytes(value) + ' ' + value.buffer.byteLength;
		})()`, Want: "16 7 16"},
		{Name: "respondWithNewView", Script: `(async () => {
			const rs = new ReadableStream({ type: 'bytes', pull(c) {
				const v = c.byobRequest.view;
				const nv = new Uint8Array(v.buffer, v.byteOffset, 3);
				nv.set([9, 8, 7]);
				c.byobRequest.respondWithNewView(nv);
			} });
			const { value } = await rs.getReader({ mode: 'byob' }).read(new Uint8Array(5));
			return bytes(value);
		})()`, Want: "9 8 7"},
		{Name: "respond errors", Script: `(async () => {
			const out = [];
			const rs = new ReadableStream({ type: 'bytes', pull(c) {
				const req = c.byobRequest;
				out.push(throws(() => req.respond(5)));
				out.push(throws(() => req.respond(0)));
				out.push(throws(() => req.respond(-1)));
				out.push(throws(() => req.respondWithNewView(new Uint8Array(2))));
				out.push(throws(() => req.respondWithNewView(new Uint8Array(req.view.buffer, 1, 1))));
				req.respond(1);
				out.push(req.view, throws(() => req.respond(1)));
			} });
			await rs.getReader({ mode: 'byob' }).read(new Uint8Array(4));
			return out.join();
		})()`, Want: "RangeError,TypeError,TypeError,RangeError,RangeError,,TypeError"},
		{Name: "close with a pending byob read", Script: `(async () => {
			let c;
			const rs = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; } });
			const r = rs.getReader({ mode: 'byob' });
			const p = r.read(new Uint8Array(4));
			await flush();
			c.close();
			const e = throws(() => c.byobRequest.respond(1));
			c.byobRequest.respond(0);
			const { value, done } = await p;
			return [e, done, value.byteLength, value.buffer.byteLength].join();
		})()`, Want: "TypeError,true,0,4"},
		{Name: "byob read of a closed stream", Script: `(async () => {
			const rs = new ReadableStream({ type: 'bytes', start(c) { c.close(); } });
			const { value, done } = await rs.getReader({ mode: 'byob' }).read(new Uint8Array(3));
			return done + ' ' + value.byteLength;
		})()`, Want: "true 0"},
		{Name: "controller enqueue errors", Script: `(async () => {
			let c;
			new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; } });
			const out = [throws(() => c.enqueue()), throws(() => c.enqueue('abc')), throws(() => c.enqueue(new ArrayBuffer(2))),
				throws(() => c.enqueue(new Uint8Array(0))), c.desiredSize];
			c.close();
			out.push(throws(() => c.enqueue(new Uint8Array(1))), throws(() => c.close()), c.byobRequest);
			return out.join();
		})()`, Want: "TypeError,TypeError,TypeError,TypeError,0,TypeError,TypeError,"},
		{Name: "close with a partial element errors", Script: `(async () => {
			let c;
			const rs = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; } });
			const r = rs.getReader({ mode: 'byob' });
			const p = r.read(new Uint16Array(2));
			await flush();
			c.enqueue(new Uint8Array([1]));
			return throws(() => c.close()) + ' ' + await rejection(p);
		})()`, Want: "TypeError TypeError"},
		{Name: "error byte stream", Script: `(async () => {
			let c;
			const rs = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; } });
			const r = rs.getReader({ mode: 'byob' });
			const p = r.read(new Uint8Array(2));
			c.error(new SyntaxError('x'));
			return [await rejection(p), await rejection(r.closed), c.desiredSize].join();
		})()`, Want: "SyntaxError,SyntaxError,"},
		{Name: "releasing a byob reader keeps the filled bytes", Script: `(async () => {
			let c;
			const rs = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; } });
			const r = rs.getReader({ mode: 'byob' });
			const p = r.read(new Uint8Array(4), { min: 4 });
			await flush();
			const view = c.byobRequest.view;
			view.set([5, 6]);
			r.releaseLock();
			c.byobRequest.respond(2);
			const e = await rejection(p);
			const { value } = await rs.getReader().read();
			return e + ' ' + bytes(value);
		})()`, Want: "TypeError 5 6"},
		{Name: "byte stream async iteration", Script: `(async () => {
			const rs = new ReadableStream({ type: 'bytes', start(c) { c.enqueue(new Uint8Array([1])); c.enqueue(new Uint8Array([2])); c.close(); } });
			const out = [];
			for await (const chunk of rs) out.push(bytes(chunk));
			return out.join();
		})()`, Want: "1,2"},
	})
}

func TestTee(t *testing.T) {
	run(t, []exttest.Case{
		{Name: "default tee", Script: `(async () => {
			const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); } });
			const [b1, b2] = rs.tee();
			const [x, y] = await Promise.all([readAll(b1), readAll(b2)]);
			return x.join() + '|' + y.join() + '|' + rs.locked;
		})()`, Want: "a,b|a,b|true"},
		{Name: "cancel both branches", Script: `(async () => {
			let reason;
			const rs = new ReadableStream({ cancel(r) { reason = r; } });
			const [b1, b2] = rs.tee();
			const p1 = b1.cancel('one');
			let first = 'pending';
			p1.then(() => { first = 'done'; });
			await flush();
			const before = first;
			await b2.cancel('two');
			await p1;
			return before + ' ' + JSON.stringify(reason);
		})()`, Want: `pending ["one","two"]`},
		{Name: "error propagates to both branches", Script: `(async () => {
			let c;
			const rs = new ReadableStream({ start(ctrl) { c = ctrl; } });
			const [b1, b2] = rs.tee();
			c.error(new URIError('e'));
			return [await rejection(b1.getReader().read()), await rejection(b2.getReader().read())].join();
		})()`, Want: "URIError,URIError"},
		{Name: "one branch canceled, the other still reads", Script: `(async () => {
			let n = 0;
			const rs = new ReadableStream({ pull(c) { c.enqueue(++n); if (n === 3) c.close(); } });
			const [b1, b2] = rs.tee();
			const canceled = b1.cancel(); // settles once the source closes
			const chunks = await readAll(b2);
			await canceled;
			return chunks.join();
		})()`, Want: "1,2,3"},
		{Name: "byte stream tee clones chunks", Script: `(async () => {
			const chunk = new Uint8Array([1, 2, 3]);
			const rs = new ReadableStream({ type: 'bytes', start(c) { c.enqueue(chunk); c.close(); } });
			const [b1, b2] = rs.tee();
			const r1 = b1.getReader();
			const r2 = b2.getReader({ mode: 'byob' });
			const a = await r1.read();
			const b = await r2.read(new Uint8Array(8));
			const endA = await r1.read();
			const endB = await r2.read(new Uint8Array(8));
			return [bytes(a.value), bytes(b.value), a.value.buffer !== b.value.buffer, endA.done, endB.done].join('|');
		})()`, Want: "1 2 3|1 2 3|true|true|true"},
		{Name: "byte stream tee with byob pull source", Script: `(async () => {
			let n = 0;
			const rs = new ReadableStream({ type: 'bytes', pull(c) {
				const req = c.byobRequest;
				if (n === 2) { c.close(); if (req) req.respond(0); return; }
				n++;
				if (req) { req.view[0] = n; req.respond(1); } else { c.enqueue(new Uint8Array([n])); }
			} });
			const [b1, b2] = rs.tee();
			const r2 = b2.getReader({ mode: 'byob' });
			const out2 = [];
			for (;;) { const { value, done } = await r2.read(new Uint8Array(4)); if (done) break; out2.push(bytes(value)); }
			const out1 = (await readAll(b1)).map(bytes);
			return out1.join() + '|' + out2.join();
		})()`, Want: "1,2|1,2"},
	})
}

func TestPipes(t *testing.T) {
	run(t, []exttest.Case{
		{Name: "pipeTo", Script: `(async () => {
			const written = [];
			let closed = false;
			const rs = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.enqueue(3); c.close(); } });
			const ws = new WritableStream({ write(chunk) { written.push(chunk); }, close() { closed = true; } });
			const v = await rs.pipeTo(ws);
			return [written.join(' '), closed, v, rs.locked, ws.locked].join();
		})()`, Want: "1 2 3,true,,false,false"},
		{Name: "pipeThrough a TransformStream", Script: `(async () => {
			const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); } });
			const ts = new TransformStream({
				transform(chunk, c) { c.enqueue(chunk.toUpperCase()); c.enqueue(chunk); },
				flush(c) { c.enqueue('end'); },
			});
			const out = rs.pipeThrough(ts);
			return [out === ts.readable, (await readAll(out)).join()].join();
		})()`, Want: "true,A,a,B,b,end"},
		{Name: "pipe chain with async sink", Script: `(async () => {
			let n = 0;
			const rs = new ReadableStream({ pull(c) { if (n === 20) c.close(); else c.enqueue(++n); } });
			const written = [];
			const ws = new WritableStream({ async write(chunk) { await delay(0); written.push(chunk); } });
			await rs.pipeThrough(new TransformStream({ transform(x, c) { c.enqueue(x * 2); } })).pipeTo(ws);
			return written.length + ' ' + written[19];
		})()`, Want: "20 40"},
		{Name: "enqueue does not call the sink synchronously", Script: `(async () => {
			let c;
			let synchronous = false;
			new ReadableStream({ start(ctrl) { c = ctrl; } }, { highWaterMark: 0 })
				.pipeTo(new WritableStream({ write() { synchronous = true; } }));
			await flush();
			c.enqueue('x');
			const during = synchronous;
			await flush();
			return during + ' ' + synchronous;
		})()`, Want: "false true"},
		{Name: "pipe respects backpressure", Script: `(async () => {
			let pulls = 0;
			const rs = new ReadableStream({ pull(c) { pulls++; c.enqueue(pulls); } }, { highWaterMark: 0 });
			const ws = new WritableStream({ write() { return new Promise(() => {}); } }, { highWaterMark: 2 });
			rs.pipeTo(ws);
			await delay(5);
			return String(pulls <= 4);
		})()`, Want: "true"},
		{Name: "preventClose", Script: `(async () => {
			let closed = false;
			const rs = new ReadableStream({ start(c) { c.enqueue(1); c.close(); } });
			const ws = new WritableStream({ close() { closed = true; } });
			await rs.pipeTo(ws, { preventClose: true });
			const w = ws.getWriter();
			await w.write(2);
			return closed + ' ' + ws.locked;
		})()`, Want: "false true"},
		{Name: "source error aborts the destination", Script: `(async () => {
			let abortReason;
			const rs = new ReadableStream({ start(c) { c.enqueue(1); c.error(new URIError('src')); } });
			const ws = new WritableStream({ abort(r) { abortReason = r; } });
			const res = await rejection(rs.pipeTo(ws));
			return [res, abortReason && abortReason.name, await rejection(ws.getWriter().closed)].join();
		})()`, Want: "URIError,URIError,URIError"},
		{Name: "source error with preventAbort", Script: `(async () => {
			let aborted = false;
			const rs = new ReadableStream({ start(c) { c.error(new URIError('src')); } });
			const ws = new WritableStream({ abort() { aborted = true; } });
			const res = await rejection(rs.pipeTo(ws, { preventAbort: true }));
			return res + ' ' + aborted + ' ' + ws.locked;
		})()`, Want: "URIError false false"},
		{Name: "destination error cancels the source", Script: `(async () => {
			let cancelReason;
			const rs = new ReadableStream({ pull(c) { c.enqueue(1); }, cancel(r) { cancelReason = r; } });
			const ws = new WritableStream({ write() { throw new EvalError('dest'); } });
			const res = await rejection(rs.pipeTo(ws));
			return res + ' ' + cancelReason.name;
		})()`, Want: "EvalError EvalError"},
		{Name: "closed destination cancels the source", Script: `(async () => {
			let cancelReason;
			const rs = new ReadableStream({ cancel(r) { cancelReason = r; } });
			const ws = new WritableStream();
			const w = ws.getWriter();
			await w.close();
			w.releaseLock();
			const res = await rejection(rs.pipeTo(ws));
			return res + ' ' + (cancelReason instanceof TypeError);
		})()`, Want: "TypeError true"},
		{Name: "abort signal", Script: `(async () => {
			let cancelReason, abortReason;
			let n = 0;
			const rs = new ReadableStream({ pull(c) { c.enqueue(++n); }, cancel(r) { cancelReason = r; } });
			const ws = new WritableStream({ write() { return delay(1); }, abort(r) { abortReason = r; } });
			const ac = new AbortController();
			const p = rs.pipeTo(ws, { signal: ac.signal });
			await delay(3);
			ac.abort();
			const res = await rejection(p);
			return [res, cancelReason.name, abortReason.name, rs.locked, ws.locked].join();
		})()`, Want: "AbortError,AbortError,AbortError,false,false"},
		{Name: "already aborted signal", Script: `(async () => {
			let cancelReason;
			const rs = new ReadableStream({ cancel(r) { cancelReason = r; } });
			const ws = new WritableStream();
			const p = rs.pipeTo(ws, { signal: AbortSignal.abort('stop'), preventAbort: true });
			const res = await rejection(p);
			return [res, cancelReason, ws.locked].join();
		})()`, Want: "stop,stop,false"},
		{Name: "pipeTo argument errors", Script: `(async () => [
			await rejection(new ReadableStream().pipeTo()),
			await rejection(new ReadableStream().pipeTo({})),
			await rejection(new ReadableStream().pipeTo(new WritableStream(), { signal: {} })),
			await rejection(new ReadableStream().pipeTo(new WritableStream(), 1)),
			throws(() => new ReadableStream().pipeThrough()),
			throws(() => new ReadableStream().pipeThrough({ readable: new ReadableStream() })),
			throws(() => new ReadableStream().pipeThrough({ writable: new WritableStream(), readable: {} })),
			await (async () => { const ws = new WritableStream(); ws.getWriter(); return rejection(new ReadableStream().pipeTo(ws)); })(),
		].join())()`, Want: "TypeError,TypeError,TypeError,TypeError,TypeError,TypeError,TypeError,TypeError"},
		{Name: "pipe from a byte stream", Script: `(async () => {
			const rs = new ReadableStream({ type: 'bytes', start(c) { c.enqueue(new Uint8Array([1, 2])); c.close(); } });
			const got = [];
			await rs.pipeTo(new WritableStream({ write(c) { got.push(bytes(c)); } }));
			return got.join();
		})()`, Want: "1 2"},
	})
}

func TestTransformStream(t *testing.T) {
	run(t, []exttest.Case{
		{Name: "identity", Script: `(async () => {
			const ts = new TransformStream();
			const w = ts.writable.getWriter();
			w.write('x'); w.write('y'); w.close();
			return (await readAll(ts.readable)).join();
		})()`, Want: "x,y"},
		{Name: "desiredSize and backpressure", Script: `(async () => {
			let ctrl;
			const ts = new TransformStream({ start(c) { ctrl = c; } }, undefined, { highWaterMark: 2 });
			const w = ts.writable.getWriter();
			await flush();
			const out = [ctrl.desiredSize, w.desiredSize];
			ctrl.enqueue(1);
			ctrl.enqueue(2);
			out.push(ctrl.desiredSize);
			return out.join();
		})()`, Want: "2,1,0"},
		{Name: "transform errors", Script: `(async () => {
			const ts = new TransformStream({ transform() { throw new URIError('t'); } });
			const w = ts.writable.getWriter();
			const r = ts.readable.getReader();
			const read = r.read();
			return [await rejection(w.write(1)), await rejection(read), await rejection(w.closed)].join();
		})()`, Want: "URIError,URIError,URIError"},
		{Name: "terminate", Script: `(async () => {
			const ts = new TransformStream({ transform(chunk, c) { c.enqueue(chunk); c.terminate(); } });
			const w = ts.writable.getWriter();
			w.write('only');
			const r = ts.readable.getReader();
			const a = await r.read();
			const b = await r.read();
			return [a.value, b.done, await rejection(w.write('more'))].join();
		})()`, Want: "only,true,TypeError"},
		{Name: "controller.error", Script: `(async () => {
			let c;
			const ts = new TransformStream({ start(ctrl) { c = ctrl; } });
			c.error(new SyntaxError('e'));
			return [await rejection(ts.readable.getReader().read()), await rejection(ts.writable.getWriter().write(1))].join();
		})()`, Want: "SyntaxError,SyntaxError"},
		{Name: "flush", Script: `(async () => {
			const ts = new TransformStream({ flush(c) { c.enqueue('last'); } });
			const w = ts.writable.getWriter();
			w.write('first');
			const closing = w.close();
			const chunks = await readAll(ts.readable);
			await closing;
			return chunks.join();
		})()`, Want: "first,last"},
		{Name: "cancel the readable side", Script: `(async () => {
			let reason;
			const ts = new TransformStream({ cancel(r) { reason = r; } });
			await ts.readable.cancel('stop');
			return reason + ' ' + await rejection(ts.writable.getWriter().write(1));
		})()`, Want: "stop stop"},
		{Name: "abort the writable side", Script: `(async () => {
			let reason;
			const ts = new TransformStream({ cancel(r) { reason = r; } });
			await ts.writable.abort('gone');
			return reason + ' ' + await rejection(ts.readable.getReader().read());
		})()`, Want: "gone gone"},
		{Name: "async transform", Script: `(async () => {
			const ts = new TransformStream({ async transform(chunk, c) { await delay(1); c.enqueue(chunk + 1); } });
			const w = ts.writable.getWriter();
			w.write(1); w.write(2); w.close();
			return (await readAll(ts.readable)).join();
		})()`, Want: "2,3"},
	})
}

func TestAsyncIterationAndFrom(t *testing.T) {
	run(t, []exttest.Case{
		{Name: "for await", Script: `(async () => {
			const rs = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.close(); } });
			const out = [];
			for await (const x of rs) out.push(x);
			return out.join() + ' ' + rs.locked;
		})()`, Want: "1,2 false"},
		{Name: "break cancels", Script: `(async () => {
			let reason = 'none';
			const rs = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); }, cancel(r) { reason = r; } });
			for await (const x of rs) break;
			return reason + ' ' + rs.locked;
		})()`, Want: "undefined false"},
		{Name: "preventCancel", Script: `(async () => {
			let canceled = false;
			const rs = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.close(); }, cancel() { canceled = true; } });
			for await (const x of rs.values({ preventCancel: true })) break;
			const rest = await readAll(rs);
			return canceled + ' ' + rest.join();
		})()`, Want: "false 2"},
		{Name: "errors reject next", Script: `(async () => {
			const rs = new ReadableStream({ start(c) { c.enqueue(1); c.error(new RangeError('x')); } });
			const out = [];
			try { for await (const x of rs) out.push(x); } catch (e) { out.push(e.name); }
			return out.join();
		})()`, Want: "RangeError"},
		{Name: "next after done and concurrent next", Script: `(async () => {
			const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.close(); } });
			const it = rs[Symbol.asyncIterator]();
			const [a, b, c] = await Promise.all([it.next(), it.next(), it.next()]);
			const d = await it.return('r');
			return JSON.stringify([a, b, c, d]);
		})()`, Want: `[{"value":"a","done":false},{"done":true},{"done":true},{"value":"r","done":true}]`},
		{Name: "return with a pending next", Script: `(async () => {
			let c;
			let reason = 'none';
			const rs = new ReadableStream({ start(ctrl) { c = ctrl; }, cancel(r) { reason = r; } });
			const it = rs.values();
			const n = it.next();
			const r = it.return('bye');
			c.enqueue('v');
			const res = [await n, await r];
			return JSON.stringify(res) + ' ' + reason + ' ' + rs.locked;
		})()`, Want: `[{"value":"v","done":false},{"value":"bye","done":true}] bye false`},
		{Name: "from array", Script: `(async () => (await readAll(ReadableStream.from([1, 2, 3]))).join())()`, Want: "1,2,3"},
		{Name: "from string", Script: `(async () => (await readAll(ReadableStream.from('ab'))).join())()`, Want: "a,b"},
		{Name: "from async generator", Script: `(async () => {
			async function* gen() { yield 'x'; await delay(1); yield 'y'; }
			return (await readAll(ReadableStream.from(gen()))).join();
		})()`, Want: "x,y"},
		{Name: "from sync iterable of promises", Script: `(async () => {
			return (await readAll(ReadableStream.from([Promise.resolve(1), 2]))).join();
		})()`, Want: "1,2"},
		{Name: "from a ReadableStream", Script: `(async () => {
			const rs = new ReadableStream({ start(c) { c.enqueue('q'); c.close(); } });
			const s = ReadableStream.from(rs);
			return (s instanceof ReadableStream) + ' ' + (s !== rs) + ' ' + (await readAll(s)).join();
		})()`, Want: "true true q"},
		{Name: "from cancel calls return", Script: `(async () => {
			let cleaned = false;
			function* gen() { try { yield 1; yield 2; } finally { cleaned = true; } }
			const rs = ReadableStream.from(gen());
			const r = rs.getReader();
			await r.read();
			await r.cancel('x');
			return cleaned;
		})()`, Want: "true"},
		{Name: "from errors", Script: `(async () => [
			throws(() => ReadableStream.from()),
			throws(() => ReadableStream.from(null)),
			throws(() => ReadableStream.from(1)),
			throws(() => ReadableStream.from({ [Symbol.asyncIterator]: 1 })),
			throws(() => ReadableStream.from({ [Symbol.iterator]() { return 1; } })),
			await rejection(ReadableStream.from({ [Symbol.iterator]() { return { next() { return 1; } }; } }).getReader().read()),
			await rejection(ReadableStream.from({ [Symbol.asyncIterator]() { return { next() { return Promise.resolve(1); } }; } }).getReader().read()),
			await rejection(ReadableStream.from((function* () { throw new URIError('g'); })()).getReader().read()),
		].join())()`, Want: "TypeError,TypeError,TypeError,TypeError,TypeError,TypeError,TypeError,URIError"},
		{Name: "from pulls lazily", Script: `(async () => {
			let calls = 0;
			const it = { [Symbol.iterator]() { return { next() { calls++; return { value: calls, done: false }; } }; } };
			const rs = ReadableStream.from(it);
			await flush();
			const before = calls;
			const { value } = await rs.getReader().read();
			return before + ' ' + value;
		})()`, Want: "0 1"},
	})
}

func TestWritableStream(t *testing.T) {
	run(t, []exttest.Case{
		{Name: "write and close", Script: `(async () => {
			const log = [];
			const ws = new WritableStream({
				start(c) { log.push('start'); },
				write(chunk, c) { log.push('write:' + chunk); },
				close() { log.push('close'); },
			});
			const w = ws.getWriter();
			await w.ready;
			log.push('ds:' + w.desiredSize);
			w.write('a');
			await w.write('b');
			await w.close();
			await w.closed;
			return log.join();
		})()`, Want: "start,ds:1,write:a,write:b,close"},
		{Name: "backpressure", Script: `(async () => {
			let finish;
			const ws = new WritableStream({ write() { return new Promise((r) => { finish = r; }); } }, { highWaterMark: 2 });
			const w = ws.getWriter();
			await flush();
			w.write(1); w.write(2);
			const ds = w.desiredSize;
			let ready = false;
			w.ready.then(() => { ready = true; });
			await flush();
			const before = ready;
			finish();
			await flush();
			return ds + ' ' + before + ' ' + ready;
		})()`, Want: "0 false true"},
		{Name: "abort", Script: `(async () => {
			let reason;
			const ws = new WritableStream({ abort(r) { reason = r; } });
			const w = ws.getWriter();
			await w.abort('stop');
			return [reason, await rejection(w.write(1)), await rejection(w.closed)].join();
		})()`, Want: "stop,stop,stop"},
		{Name: "controller signal", Script: `(async () => {
			let c;
			const ws = new WritableStream({ start(ctrl) { c = ctrl; } });
			await ws.abort('why');
			return c.signal.aborted + ' ' + c.signal.reason;
		})()`, Want: "true why"},
		{Name: "locked", Script: `(async () => {
			const ws = new WritableStream();
			ws.getWriter();
			return [throws(() => ws.getWriter()), await rejection(ws.abort()), await rejection(ws.close())].join();
		})()`, Want: "TypeError,TypeError,TypeError"},
		{Name: "sink write error", Script: `(async () => {
			const ws = new WritableStream({ write() { throw new EvalError('w'); } });
			const w = ws.getWriter();
			return [await rejection(w.write(1)), await rejection(w.closed), await rejection(w.write(2))].join();
		})()`, Want: "EvalError,EvalError,EvalError"},
	})
}

// Workers may replace built-ins; the streams keep working.
func TestPatchedBuiltins(t *testing.T) {
	run(t, []exttest.Case{
		{Name: "Promise.prototype.then and Array.prototype.push", Script: `(async () => {
			const then = Promise.prototype.then;
			const push = Array.prototype.push;
			let hijacked = 0;
			Promise.prototype.then = function () { hijacked++; throw new Error('then was called'); };
			Array.prototype.push = function () { hijacked++; throw new Error('push was called'); };
			Promise.resolve = function () { hijacked++; throw new Error('resolve was called'); };
			Promise.all = function () { hijacked++; throw new Error('all was called'); };
			const results = [];
			const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); } });
			const [b1, b2] = rs.tee();
			const chunks = [];
			const ws = new WritableStream({ write(c) { chunks[chunks.length] = c; } });
			await b1.pipeThrough(new TransformStream({ transform(c, ctl) { ctl.enqueue(c + c); } })).pipeTo(ws);
			for await (const x of b2) results[results.length] = x;
			const bs = new ReadableStream({ type: 'bytes', start(c) { c.enqueue(new Uint8Array([1, 2, 3])); c.close(); } });
			const r = bs.getReader({ mode: 'byob' });
			const { value } = await r.read(new Uint8Array(4));
			for await (const x of ReadableStream.from([1, 2])) results[results.length] = x;
			Promise.prototype.then = then;
			Array.prototype.push = push;
			return [chunks.join(), results.join(), value.length, hijacked].join('|');
		})()`, Want: "aa,bb|a,b,1,2|3|0"},
		{Name: "replaced stream prototypes do not affect pipes", Script: `(async () => {
			ReadableStream.prototype.getReader = () => { throw new Error('getReader'); };
			ReadableStreamDefaultReader.prototype.read = () => { throw new Error('read'); };
			WritableStream.prototype.getWriter = () => { throw new Error('getWriter'); };
			WritableStreamDefaultWriter.prototype.write = () => { throw new Error('write'); };
			ReadableStreamDefaultController.prototype.enqueue = () => { throw new Error('enqueue'); };
			const out = [];
			const rs = ReadableStream.from(['x', 'y']);
			await rs.pipeThrough(new TransformStream()).pipeTo(new WritableStream({ write(c) { out[out.length] = c; } }));
			return out.join();
		})()`, Want: "x,y"},
	})
}

// hooksExt exposes the runtime's internal stream hooks to test scripts.
var hooksExt = ext.Ext{Name: "streamshooks", JS: fstest.MapFS{"99_hooks.js": &fstest.MapFile{Data: []byte(`
// The hooks are read on use: the streams extension loads lazily, not at snapshot time.
rt.expose('hooks', new Proxy({}, { get: (_, key) => rt.internal[key] }));
`)}}}

// TestInternalHooks runs scripts that only need microtasks in an isolate whose snapshot also
// exposes the rt.internal hooks as the global "hooks".
func TestInternalHooks(t *testing.T) {
	snap, err := snapshot.Build(append(append([]ext.Ext{}, all.Exts...), hooksExt))
	if err != nil {
		t.Fatal(err)
	}
	cases := []exttest.Case{
		{Name: "predicates", Script: `(() => {
			const rs = new ReadableStream({ start(c) { c.enqueue(1); } });
			const out = [hooks.isReadableStream(rs), hooks.isReadableStream({}), hooks.isReadableStreamLocked(rs), hooks.isReadableStreamDisturbed(rs)];
			const r = rs.getReader();
			r.read();
			out.push(hooks.isReadableStreamLocked(rs), hooks.isReadableStreamDisturbed(rs));
			return out.join();
		})()`, Want: "true,false,false,false,true,true"},
		{Name: "pull source", Script: `(async () => {
			const chunks = [new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3])];
			let pulls = 0;
			const rs = hooks.newReadableStreamFromPull((c) => {
				pulls++;
				return Promise.resolve().then(() => {
					if (chunks.length === 0) c.close(); else c.enqueue(chunks.shift());
				});
			}, () => {}, 0);
			const before = pulls;
			const all = await hooks.readableStreamReadAll(rs);
			return [before, Array.from(all).join(' '), pulls, hooks.isReadableStreamLocked(rs),
				Object.prototype.toString.call(all)].join('|');
		})()`, Want: "0|1 2 3|4|true|[object Uint8Array]"},
		{Name: "pull source is a byte stream", Script: `(async () => {
			const rs = hooks.newReadableStreamFromPull((c) => { c.enqueue(new Uint8Array([7, 8, 9])); c.close(); }, undefined, 0);
			const r = rs.getReader({ mode: 'byob' });
			const { value } = await r.read(new Uint8Array(2));
			const rest = await r.read(new Uint8Array(2));
			return Array.from(value).join(' ') + '|' + Array.from(rest.value).join(' ');
		})()`, Want: "7 8|9"},
		{Name: "pull source cancel and errors", Script: `(async () => {
			let reason;
			const rs = hooks.newReadableStreamFromPull(() => new Promise(() => {}), (r) => { reason = r; }, 0);
			const reader = hooks.readableStreamGetReader(rs);
			const pending = hooks.readableStreamRead(reader);
			await hooks.readableStreamCancel(reader, 'gone');
			const res = await pending;
			const bad = hooks.newReadableStreamFromPull((c) => { c.enqueue('str'); }, undefined, 0);
			let err;
			try { await hooks.readableStreamReadAll(bad); } catch (e) { err = e.name; }
			const failing = hooks.newReadableStreamFromPull((c) => { c.error(new URIError('io')); }, undefined, 0);
			let err2;
			try { await hooks.readableStreamReadAll(failing); } catch (e) { err2 = e.name; }
			return [reason, res.done, err, err2].join();
		})()`, Want: "gone,true,TypeError,URIError"},
		{Name: "reader hooks", Script: `(async () => {
			const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.close(); } });
			const reader = hooks.readableStreamGetReader(rs);
			let locked;
			try { hooks.readableStreamGetReader(rs); } catch (e) { locked = e.name; }
			const a = await hooks.readableStreamRead(reader);
			const b = await hooks.readableStreamRead(reader);
			hooks.readableStreamReleaseReader(reader);
			return [locked, a.value, a.done, b.done, rs.locked].join();
		})()`, Want: "TypeError,a,false,true,false"},
		{Name: "readAll of default streams and bad chunks", Script: `(async () => {
			const buf = new Uint8Array([1, 2]);
			const rs = new ReadableStream({ start(c) { c.enqueue(buf); c.enqueue(new DataView(new ArrayBuffer(1))); c.close(); } });
			const p = hooks.readableStreamReadAll(rs);
			buf[0] = 9;
			const all = await p;
			let err;
			try { await hooks.readableStreamReadAll(new ReadableStream({ start(c) { c.enqueue('x'); } })); } catch (e) { err = e.name; }
			let locked;
			try { await hooks.readableStreamReadAll(rs); } catch (e) { locked = e.name; }
			return Array.from(all).join(' ') + '|' + err + '|' + locked;
		})()`, Want: "1 2 0|TypeError|TypeError"},
		{Name: "from bytes", Script: `(async () => {
			const rs = hooks.newReadableStreamFromBytes(new Uint8Array([4, 5, 6]));
			const empty = hooks.newReadableStreamFromBytes(new Uint8Array(0));
			const r = rs.getReader({ mode: 'byob' });
			const { value } = await r.read(new Uint8Array(8));
			const end = await r.read(new Uint8Array(8));
			const e = await hooks.readableStreamReadAll(empty);
			return Array.from(value).join(' ') + '|' + end.done + '|' + e.length;
		})()`, Want: "4 5 6|true|0"},
		{Name: "tee hook", Script: `(async () => {
			const rs = hooks.newReadableStreamFromBytes(new Uint8Array([1, 2]));
			const [a, b] = hooks.readableStreamTee(rs, true);
			const x = await hooks.readableStreamReadAll(a);
			const y = await hooks.readableStreamReadAll(b);
			return Array.from(x).join(' ') + '|' + Array.from(y).join(' ');
		})()`, Want: "1 2|1 2"},
		{Name: "hooks ignore patched prototypes", Script: `(async () => {
			let spied = 0;
			Object.defineProperty(Object.prototype, 'then', { get() { spied++; return undefined; }, configurable: true });
			const rs0 = new ReadableStream({ start(c) { c.enqueue('a'); c.close(); } });
			const reader = hooks.readableStreamGetReader(rs0);
			await hooks.readableStreamRead(reader);
			await hooks.readableStreamRead(reader);
			delete Object.prototype.then;
			if (spied !== 0) return 'spied ' + spied;
			Promise.prototype.then = () => { throw new Error('then'); };
			ReadableStreamDefaultReader.prototype.read = () => { throw new Error('read'); };
			ReadableByteStreamController.prototype.enqueue = () => { throw new Error('enqueue'); };
			const rs = hooks.newReadableStreamFromPull((c) => { c.enqueue(new Uint8Array([1])); c.close(); }, undefined, 0);
			const all = await hooks.readableStreamReadAll(rs);
			return String(all.length);
		})()`, Want: "1"},
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			var unhandled []string
			iso := v8.NewIsolate(snap, v8.Options{}, v8.Callbacks{
				UnhandledRejection: func(m, s string) { unhandled = append(unhandled, m) },
			})
			defer iso.Dispose()
			v, err := iso.RunScript("test.js", c.Script)
			if err != nil {
				t.Fatal(err)
			}
			got := v
			if v.Kind == op.KindHandle {
				h := v8.Handle(v.Num)
				defer iso.Release(h)
				st, err := iso.PromiseState(h)
				if st == v8.Pending {
					t.Fatal("the promise did not settle")
				}
				if st == v8.Rejected {
					t.Fatalf("rejected: %v", err)
				}
				got = iso.PromiseResult(h)
			}
			if got.Kind != op.KindString || got.Str != c.Want {
				t.Fatalf("got %v, want %q", got, c.Want)
			}
			if len(unhandled) > 0 {
				t.Fatalf("unhandled rejections: %v", unhandled)
			}
		})
	}
}

// TestLazyNamesAreComplete checks that the names that load the lazy streams extension are
// exactly the globals it exposes, and that touching any one of them loads all of them.
func TestLazyNamesAreComplete(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Name: "before", Script: `typeof Object.getOwnPropertyDescriptor(globalThis, 'ReadableStream').get`, Want: "function"},
		{Name: "one loads all", Script: `void CountQueuingStrategy;
			Object.getOwnPropertyNames(globalThis).filter((n) => {
				const d = Object.getOwnPropertyDescriptor(globalThis, n);
				return /Stream|QueuingStrategy/.test(n) && !/TextEncoderStream|TextDecoderStream|CompressionStream|DecompressionStream/.test(n) && d.get !== undefined;
			}).join()`, Want: ""},
		{Name: "assigning loads first", Script: `globalThis.ReadableStream = 1; typeof WritableStream + ReadableStream`, Want: "function1"},
		{Name: "body streams load it", Script: `(async () => {
			const r = new Response(new Uint8Array([104, 105]));
			return (await r.body.getReader().read()).value.length + typeof Object.getOwnPropertyDescriptor(globalThis, 'ReadableStream').value;
		})()`, Want: "2function"},
	})
}
