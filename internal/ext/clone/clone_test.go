package clone_test

import (
	"testing"

	"islet/internal/ext/exttest"
)

func TestStructuredClone(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Name: "primitives", Script: `[structuredClone(1), structuredClone('s'), structuredClone(null), structuredClone(undefined), structuredClone(10n), Object.is(structuredClone(-0), -0)].join()`, Want: "1,s,,,10,true"},
		{Name: "wrappers", Script: `const v = structuredClone([new Boolean(false), new Number(2), new String('x'), Object(3n)]); v.map(x => typeof x + ':' + x.valueOf()).join()`, Want: "object:false,object:2,object:x,object:3"},
		{Name: "date and regexp", Script: `const [d, r] = structuredClone([new Date(5), /a\/b/gimsuy]); d.getTime() + ' ' + r.source + ' ' + r.flags + ' ' + (r instanceof RegExp)`, Want: `5 a\/b gimsuy true`},
		{Name: "cycles and shared references", Script: `const a = {}; const o = {a, b: a}; o.self = o; const c = structuredClone(o); [c !== o, c.a === c.b, c.self === c].join()`, Want: "true,true,true"},
		{Name: "arrays keep extra properties and holes", Script: `const a = [1, , 3]; a.x = 'y'; const c = structuredClone(a); [c.length, 1 in c, c.x].join()`, Want: "3,false,y"},
		{Name: "map and set", Script: `const k = {}; const m = new Map([[k, new Set([k])]]); const c = structuredClone(m); const [ck] = c.keys(); c.get(ck).has(ck) && ck !== k`, Want: "true"},
		{Name: "typed arrays share a cloned buffer", Script: `const b = new ArrayBuffer(8); const x = new Uint8Array(b, 2, 4); const y = new DataView(b); const [cx, cy] = structuredClone([x, y]); cx[0] = 7; [cx.buffer === cy.buffer, cx.byteOffset, cx.length, cy.getUint8(2), new Uint8Array(b)[2]].join()`, Want: "true,2,4,7,0"},
		{Name: "bigint64 array", Script: `structuredClone(new BigInt64Array([-1n]))[0]`, Want: "-1"},
		{Name: "errors", Script: `const e = new RangeError('m', {cause: {z: 1}}); e.foo = 1; const c = structuredClone(e); [c instanceof RangeError, c.name, c.message, c.cause.z, c.foo, Object.keys(c).length, typeof c.stack].join()`, Want: "true,RangeError,m,1,,0,string"},
		{Name: "unknown error name", Script: `const e = new Error('x'); e.name = 'Custom'; structuredClone(e).name`, Want: "Error"},
		{Name: "class instance becomes a plain object", Script: `class A { constructor() { this.v = 1 } get g() { return 2 } }; const c = structuredClone(new A()); [Object.getPrototypeOf(c) === Object.prototype, c.v, c.g].join()`, Want: "true,1,"},
		{Name: "blob and file", Script: `(async () => { const f = structuredClone(new File(['ab'], 'n', {type: 'x/y', lastModified: 3})); const b = structuredClone(new Blob(['c'])); return [f instanceof File, f.name, f.type, f.lastModified, await f.text(), b instanceof File, await b.text()].join() })()`, Want: "true,n,x/y,3,ab,false,c"},
		{Name: "transfer copies", Script: `const b = new Uint8Array([1, 2]).buffer; const c = structuredClone(b, {transfer: [b]}); c !== b && new Uint8Array(c).join()`, Want: "1,2"},
		{Name: "function", Script: `structuredClone(() => 1)`, WantErr: "DataCloneError"},
		{Name: "nested function", Script: `structuredClone({f() {}})`, WantErr: "DataCloneError"},
		{Name: "symbol", Script: `structuredClone(Symbol())`, WantErr: "DataCloneError"},
		{Name: "weakmap", Script: `structuredClone(new WeakMap())`, WantErr: "DataCloneError"},
		{Name: "promise", Script: `structuredClone(Promise.resolve())`, WantErr: "DataCloneError"},
		{Name: "platform object", Script: `structuredClone(new Headers())`, WantErr: "DataCloneError"},
		{Name: "error is a DOMException", Script: `try { structuredClone(Symbol()) } catch (e) { e instanceof DOMException && e.code === 25 }`, Want: "true"},
		{Name: "transfer not transferable", Script: `structuredClone(1, {transfer: [{}]})`, WantErr: "DataCloneError"},
		{Name: "transfer duplicate", Script: `const b = new ArrayBuffer(1); structuredClone(b, {transfer: [b, b]})`, WantErr: "DataCloneError"},
		{Name: "transfer not a sequence", Script: `structuredClone(1, {transfer: 5})`, WantErr: "TypeError"},
		{Name: "no arguments", Script: `structuredClone()`, WantErr: "1 argument required"},
		{Name: "getter that throws", Script: `structuredClone({get x() { throw new Error('boom') }})`, WantErr: "boom"},
	})
}

func TestTransferDetaches(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Name: "transfer", Script: `(() => {
			const buf = new Uint8Array([1, 2, 3]).buffer;
			const view = new Uint8Array(buf, 1);
			const out = structuredClone({ buf, view }, { transfer: [buf] });
			return [buf.byteLength, view.length, out.buf.byteLength, Array.from(out.view).join("+"), out.view.buffer === out.buf].join(" ");
		})()`, Want: "0 0 3 2+3 true"},
		{Name: "detached twice", Script: `(() => {
			const buf = new ArrayBuffer(4);
			structuredClone(buf, { transfer: [buf] });
			try { structuredClone(buf, { transfer: [buf] }); return "no error"; } catch (e) { return e.name; }
		})()`, Want: "DataCloneError"},
	})
}
