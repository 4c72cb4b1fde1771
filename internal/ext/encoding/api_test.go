package encoding_test

import (
	"testing"

	"islet/internal/ext/exttest"
)

func TestTextEncoderJS(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Script: `new TextEncoder().encode('héllo').join()`, Want: "104,195,169,108,108,111"},
		{Script: `new TextEncoder().encode('\uD800x').join()`, Want: "239,191,189,120"},
		{Script: `new TextEncoder().encode().length`, Want: "0"},
		{Script: `new TextEncoder().encode() instanceof Uint8Array`, Want: "true"},
		{Script: `new TextEncoder().encoding`, Want: "utf-8"},
		{Script: `const d = new Uint8Array(5); const r = new TextEncoder().encodeInto('a€b', d); [r.read, r.written, d.join()].join('|')`, Want: "3|5|97,226,130,172,98"},
		{Script: `const d = new Uint8Array(4); const r = new TextEncoder().encodeInto('a€b', d); [r.read, r.written].join()`, Want: "2,4"},
		{Script: `const r = new TextEncoder().encodeInto('😀x', new Uint8Array(3)); [r.read, r.written].join()`, Want: "0,0"},
		{Script: `const r = new TextEncoder().encodeInto('\uD800', new Uint8Array(3)); [r.read, r.written].join()`, Want: "1,3"},
		{Script: `new TextEncoder().encodeInto('a', new Uint16Array(2))`, WantErr: "TypeError"},
		{Script: `new TextEncoder().encode(Symbol())`, WantErr: "TypeError"},
		{Script: `TextEncoder.prototype.encode.call({})`, WantErr: "TypeError: Illegal invocation"},
	})
}

func TestTextDecoderJS(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Script: `new TextDecoder().decode(new Uint8Array([0xEF, 0xBB, 0xBF, 104, 105]))`, Want: "hi"},
		{Script: `new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array([0xEF, 0xBB, 0xBF, 104])).length`, Want: "2"},
		{Script: `new TextDecoder().decode(new Uint8Array([0xE2, 0x82, 0x41]))`, Want: "\uFFFDA"},
		{Script: `new TextDecoder().decode(new Uint8Array([104, 105]).buffer)`, Want: "hi"},
		{Script: `new TextDecoder().decode(new DataView(new Uint8Array([0, 104, 105]).buffer, 1))`, Want: "hi"},
		{Script: `new TextDecoder().decode()`, Want: ""},
		{Script: `new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xFF]))`, WantErr: "TypeError"},
		{Script: `const d = new TextDecoder(); const b = new TextEncoder().encode('a€😀'); let s = '';
			for (const x of b) s += d.decode(new Uint8Array([x]), { stream: true }); s + d.decode()`, Want: "a€😀"},
		{Script: `const d = new TextDecoder(); d.decode(new Uint8Array([0xE2]), { stream: true }) + '|' + d.decode()`, Want: "|\uFFFD"},
		{Script: `const d = new TextDecoder(); d.decode(new Uint8Array([0xEF, 0xBB]), { stream: true }); d.decode(new Uint8Array([0xBF, 0x41]), { stream: true }) + d.decode(new Uint8Array([0xEF, 0xBB, 0xBF]))`, Want: "A\uFEFF"},
		{Script: `[new TextDecoder(' UTF-16 ').encoding, new TextDecoder('latin1').encoding, new TextDecoder('SJIS').encoding].join()`, Want: "utf-16le,windows-1252,shift_jis"},
		{Script: `new TextDecoder('utf-16le').decode(new Uint8Array([0x41, 0, 0x42, 0]))`, Want: "AB"},
		{Script: `new TextDecoder('utf-16be').decode(new Uint8Array([0, 0x41]))`, Want: "A"},
		{Script: `new TextDecoder('windows-1252').decode(new Uint8Array([0x80]))`, Want: "€"},
		{Script: `new TextDecoder('bogus')`, WantErr: "RangeError"},
		{Script: `new TextDecoder('iso-2022-kr')`, WantErr: "RangeError"},
		{Script: `new TextDecoder('\u212Aoi8-r')`, WantErr: "RangeError"},
		{Script: `new TextDecoder().decode('abc')`, WantErr: "TypeError"},
		{Script: `const d = new TextDecoder('utf-8', { fatal: true }); [d.fatal, d.ignoreBOM].join()`, Want: "true,false"},
		{Script: `Object.prototype.toString.call(new TextDecoder())`, Want: "[object TextDecoder]"},
	})
}

func TestBase64JS(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Script: `btoa('hello')`, Want: "aGVsbG8="},
		{Script: `atob(' aGVs bG8= ')`, Want: "hello"},
		{Script: `atob('/w==').charCodeAt(0)`, Want: "255"},
		{Script: `btoa(String.fromCharCode(255, 0))`, Want: "/wA="},
		{Script: `atob(null)`, Want: "\u009e\u00e9e"},
		{Script: `btoa(undefined)`, Want: "dW5kZWZpbmVk"},
		{Script: `try { atob('a') } catch (e) { [e instanceof DOMException, e.name, e.code].join() }`, Want: "true,InvalidCharacterError,5"},
		{Script: `try { btoa('☃') } catch (e) { [e instanceof DOMException, e.name].join() }`, Want: "true,InvalidCharacterError"},
		{Script: `atob()`, WantErr: "TypeError"},
	})
}

func TestEncodingStreamsJS(t *testing.T) {
	if got, err := exttest.Eval(t, "typeof TransformStream"); err != nil || got != "function" {
		t.Skip("TransformStream is not in the snapshot")
	}
	exttest.Run(t, []exttest.Case{
		{Script: `(async () => {
			const ds = new TextDecoderStream(); const w = ds.writable.getWriter(); const r = ds.readable.getReader();
			const reading = (async () => { let s = ''; for (;;) { const { value, done } = await r.read(); if (done) return s; s += value; } })();
			for (const b of new TextEncoder().encode('a€😀')) await w.write(new Uint8Array([b]));
			await w.close(); return reading; })()`, Want: "a€😀"},
		{Script: `(async () => {
			const es = new TextEncoderStream(); const w = es.writable.getWriter(); const r = es.readable.getReader();
			w.write('x\uD83D'); w.write('\uDE00'); w.write('\uD800'); w.close(); const out = [];
			for (;;) { const { value, done } = await r.read(); if (done) break; out.push(value.join(',')); }
			return out.join('|'); })()`, Want: "120|240,159,152,128|239,191,189"},
		{Script: `(async () => { const ds = new TextDecoderStream('utf-8', { fatal: true }); const w = ds.writable.getWriter();
			ds.readable.getReader().read().catch(() => {}); await w.write(new Uint8Array([0xFF])); await w.close(); })()`, WantErr: "TypeError"},
		{Script: `(async () => { const ds = new TextDecoderStream(); const w = ds.writable.getWriter(); ds.readable.getReader().read().catch(() => {}); await w.write('not bytes'); })()`, WantErr: "TypeError"},
		{Script: `[new TextDecoderStream('latin1').encoding, new TextEncoderStream().encoding].join()`, Want: "windows-1252,utf-8"},
		{Script: `new TextDecoderStream('bogus')`, WantErr: "RangeError"},
	})
}
