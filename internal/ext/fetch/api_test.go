package fetch_test

import (
	"testing"

	"islet/internal/ext/exttest"
)

// needs skips the test while the snapshot (internal/ext/all) lacks a global.
func needs(t *testing.T, global string) {
	t.Helper()
	if got, err := exttest.Eval(t, "typeof "+global); err != nil || got == "undefined" {
		t.Skipf("%s is not in the snapshot", global)
	}
}

func TestHeaders(t *testing.T) {
	needs(t, "Headers")
	exttest.Run(t, []exttest.Case{
		{Script: `const h = new Headers({ 'Content-Type': 'text/plain', 'X-A': '1' }); h.append('x-a', ' 2 ');
			[h.get('x-a'), h.get('CONTENT-TYPE'), h.get('nope'), h.has('X-a'), h.has('b')].join('|')`, Want: "1, 2|text/plain||true|false"},
		{Script: `const h = new Headers([['b', '1'], ['a', '2'], ['Set-Cookie', 'x=1'], ['set-cookie', 'y=2'], ['B', '3']]);
			JSON.stringify([...h])`, Want: `[["a","2"],["b","1, 3"],["set-cookie","x=1"],["set-cookie","y=2"]]`},
		{Script: `const h = new Headers(); h.append('Set-Cookie', 'a'); h.append('set-cookie', 'b'); h.getSetCookie().join() + '|' + h.get('set-cookie')`, Want: "a,b|a, b"},
		{Script: `const h = new Headers({ a: '1' }); h.set('A', '2'); h.append('a', '3'); h.set('a', '4'); h.get('a')`, Want: "4"},
		{Script: `const h = new Headers({ a: '1', b: '2' }); h.delete('A'); [...h.keys()].join()`, Want: "b"},
		{Script: `new Headers(new Headers({ a: '1' })).get('a')`, Want: "1"},
		{Script: `new Headers({ a: '\t x \r\n' }).get('a')`, Want: "x"},
		{Script: `const h = new Headers({ a: '1' }); const it = h.keys(); h.append('b', '2'); [...it].join()`, Want: "a,b"},
		{Script: `const out = []; new Headers({ b: '2', a: '1' }).forEach((v, k) => out.push(k + v)); out.join()`, Want: "a1,b2"},
		{Script: `new Headers().append('bad name', 'x')`, WantErr: "TypeError"},
		{Script: `new Headers().append('x', 'a\nb')`, WantErr: "TypeError"},
		{Script: `new Headers().append('x', 'a\0b')`, WantErr: "TypeError"},
		{Script: `new Headers().append('x', '☃')`, WantErr: "TypeError"},
		{Script: `new Headers().get('')`, WantErr: "TypeError"},
		{Script: `new Headers([['a']])`, WantErr: "TypeError"},
		{Script: `new Headers(5)`, WantErr: "TypeError"},
		{Script: `new Headers().append('a')`, WantErr: "TypeError"},
		{Script: `Headers.prototype.get.call({}, 'a')`, WantErr: "TypeError: Illegal invocation"},
		{Script: `Response.redirect('http://a/').headers.set('a', 'b')`, WantErr: "TypeError"},
		{Script: `Object.prototype.toString.call(new Headers().entries())`, Want: "[object Headers Iterator]"},
	})
}

func TestResponse(t *testing.T) {
	needs(t, "Response")
	exttest.Run(t, []exttest.Case{
		{Script: `const r = new Response('hello', { status: 201, statusText: 'Created', headers: { a: 'b' } });
			[r.status, r.ok, r.statusText, r.headers.get('content-type'), r.type, r.url, r.redirected, r.bodyUsed].join('|')`,
			Want: "201|true|Created|text/plain;charset=UTF-8|default||false|false"},
		{Script: `(async () => { const r = new Response('héllo'); const t = await r.text(); return t + r.bodyUsed; })()`, Want: "héllotrue"},
		{Script: `(async () => { const r = new Response('x'); await r.text(); return r.text(); })()`, WantErr: "TypeError"},
		{Script: `(async () => (await new Response(new Uint8Array([104, 105])).arrayBuffer()).byteLength)()`, Want: "2"},
		{Script: `(async () => (await new Response('hi').bytes()).join())()`, Want: "104,105"},
		{Script: `(async () => JSON.stringify(await Response.json({ a: [1] }).json()))()`, Want: `{"a":[1]}`},
		{Script: `Response.json({}).headers.get('content-type')`, Want: "application/json"},
		{Script: `Response.json(undefined)`, WantErr: "TypeError"},
		{Script: `(async () => { const r = new Response('abc'); const c = r.clone(); return (await r.text()) + (await c.text()); })()`, Want: "abcabc"},
		{Script: `(async () => new Response(new URLSearchParams('a=1&b=2')).text())()`, Want: "a=1&b=2"},
		{Script: `new Response(new URLSearchParams('a=1')).headers.get('content-type')`, Want: "application/x-www-form-urlencoded;charset=UTF-8"},
		{Script: `(async () => new Response({ toString() { return 'obj'; } }).text())()`, Want: "obj"},
		{Script: `(async () => new Response('\uFEFFbom').text())()`, Want: "bom"},
		{Script: `(async () => new Response(null).text())()`, Want: ""},
		{Script: `new Response(null).body`, Want: "null"},
		{Script: `(async () => new Response('{bad').json())()`, WantErr: "SyntaxError"},
		{Script: `(async () => new Response('x').formData())()`, WantErr: "TypeError"},
		{Script: `Response.prototype.text.call({}) instanceof Promise`, Want: "true"},
		{Script: `new Response(null, { status: 99 })`, WantErr: "RangeError"},
		{Script: `new Response(null, { status: 600 })`, WantErr: "RangeError"},
		{Script: `new Response('x', { status: 204 })`, WantErr: "TypeError"},
		{Script: `new Response(null, { status: 204 }).status`, Want: "204"},
		{Script: `new Response('x', { statusText: 'a\nb' })`, WantErr: "TypeError"},
		{Script: `new Response('x', { headers: [['a']] })`, WantErr: "TypeError"},
		{Script: `const r = Response.redirect('https://example.com/x', 301); [r.status, r.headers.get('location')].join()`, Want: "301,https://example.com/x"},
		{Script: `Response.redirect('https://example.com/', 200)`, WantErr: "RangeError"},
		{Script: `Response.redirect('/relative')`, WantErr: "TypeError"},
		{Script: `const r = Response.error(); [r.type, r.status, r.ok].join()`, Want: "error,0,false"},
		{Script: `Response.error().headers.append('a', 'b')`, WantErr: "TypeError"},
		{Script: `Object.getOwnPropertyDescriptor(Response.prototype, 'status').get.call({})`, WantErr: "TypeError: Illegal invocation"},
		{Script: `Response('x')`, WantErr: "TypeError"},
		{Script: `Object.keys(Response.prototype).join()`, Want: "type,url,redirected,status,ok,statusText,headers,clone,body,bodyUsed,arrayBuffer,blob,bytes,formData,json,text"},
	})
}

func TestRequest(t *testing.T) {
	needs(t, "Request")
	exttest.Run(t, []exttest.Case{
		{Script: `const r = new Request('https://example.com/a?b#c');
			[r.method, r.url, r.mode, r.credentials, r.cache, r.redirect, r.referrer, r.integrity, r.keepalive, r.destination, r.duplex, r.bodyUsed, r.body].join('|')`,
			Want: "GET|https://example.com/a?b#c|cors|same-origin|default|follow|about:client||false||half|false|"},
		{Script: `(async () => { const r = new Request('https://x/', { method: 'post', body: 'payload', headers: { 'X-Y': 'z' } });
			return [r.method, r.headers.get('x-y'), r.headers.get('content-type'), await r.clone().text(), await r.text(), r.bodyUsed].join('|'); })()`,
			Want: "POST|z|text/plain;charset=UTF-8|payload|payload|true"},
		{Script: `[new Request('https://x/', { method: 'patch' }).method, new Request('https://x/', { method: 'Delete' }).method].join()`, Want: "patch,DELETE"},
		{Script: `new Request('https://x/', { body: 'a' })`, WantErr: "TypeError"},
		{Script: `new Request('https://x/', { method: 'HEAD', body: 'a' })`, WantErr: "TypeError"},
		{Script: `new Request('/relative')`, WantErr: "TypeError"},
		{Script: `new Request('https://u:p@x/')`, WantErr: "TypeError"},
		{Script: `new Request('https://x/', { method: 'TRACE' })`, WantErr: "TypeError"},
		{Script: `new Request('https://x/', { method: 'bad method' })`, WantErr: "TypeError"},
		{Script: `new Request('https://x/', { mode: 'navigate' })`, WantErr: "TypeError"},
		{Script: `new Request('https://x/', { redirect: 'nope' })`, WantErr: "TypeError"},
		{Script: `new Request('https://x/', { signal: {} })`, WantErr: "TypeError"},
		{Script: `new Request('https://x/', { window: {} })`, WantErr: "TypeError"},
		{Script: `new Request()`, WantErr: "TypeError"},
		{Script: `(async () => { const a = new Request('https://x/', { method: 'PUT', body: 'abc' }); const b = new Request(a);
			return [a.bodyUsed, b.method, await b.text()].join(); })()`, Want: "true,PUT,abc"},
		{Script: `(async () => { const a = new Request('https://x/', { method: 'PUT', body: 'abc' }); await a.text(); new Request(a); })()`, WantErr: "TypeError"},
		{Script: `const a = new Request('https://x/', { headers: { a: '1' } }); new Request(a, { headers: { b: '2' } }).headers.has('a')`, Want: "false"},
		{Script: `const a = new Request('https://x/', { headers: { a: '1' } }); new Request(a).headers.get('a')`, Want: "1"},
		{Script: `const ac = new AbortController(); const r = new Request('https://x/', { signal: ac.signal }); ac.abort('why'); [r.signal.aborted, r.signal.reason].join()`, Want: "true,why"},
		{Script: `const r = new Request('https://x/'); r.signal === r.signal && !r.signal.aborted`, Want: "true"},
		{Script: `const r = new Request('https://x/', { signal: AbortSignal.abort('x') }); r.clone().signal.reason`, Want: "x"},
		{Script: `new Request('https://x/').headers.append('a', 'b'); 'ok'`, Want: "ok"},
		{Script: `Object.getOwnPropertyDescriptor(Request.prototype, 'url').get.call({})`, WantErr: "TypeError: Illegal invocation"},
	})
}

func TestBodyStreams(t *testing.T) {
	needs(t, "ReadableStream")
	exttest.Run(t, []exttest.Case{
		{Script: `(async () => { const r = new Response('streamed'); const reader = r.body.getReader(); const { value } = await reader.read();
			return [value instanceof Uint8Array, value.length, r.bodyUsed, r.body === r.body].join(); })()`, Want: "true,8,true,true"},
		{Script: `(async () => { const s = new ReadableStream({ start(c) { c.enqueue(new Uint8Array([104])); c.enqueue(new Uint8Array([105])); c.close(); } });
			return new Response(s).text(); })()`, Want: "hi"},
		{Script: `(async () => { const s = new ReadableStream({ start(c) { c.enqueue('not bytes'); c.close(); } }); return new Response(s).text(); })()`, WantErr: "TypeError"},
		{Script: `const s = new ReadableStream(); s.getReader(); new Response(s)`, WantErr: "TypeError"},
		{Script: `(async () => { const r = new Response('x'); await r.text(); return [r.bodyUsed, r.body.locked].join(); })()`, Want: "true,true"},
		{Script: `(async () => { const r = new Response('x'); r.body.getReader(); return r.text(); })()`, WantErr: "TypeError"},
		{Script: `const r = new Response('x'); r.body.getReader(); r.clone()`, WantErr: "TypeError"},
	})
}

func TestBodyStreamClone(t *testing.T) {
	needs(t, "ReadableStream")
	if _, err := exttest.Eval(t, "new ReadableStream().tee()"); err != nil {
		t.Skipf("ReadableStream.prototype.tee does not work yet: %v", err)
	}
	exttest.Run(t, []exttest.Case{
		{Script: `(async () => { const r = new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array([65])); c.close(); } }));
			const c = r.clone(); return (await r.text()) + (await c.text()); })()`, Want: "AA"},
		{Script: `(async () => { const r = new Request('https://x/', { method: 'POST', duplex: 'half', body: new ReadableStream({ start(c) { c.enqueue(new Uint8Array([66])); c.close(); } }) });
			const c = r.clone(); return (await c.text()) + (await r.text()); })()`, Want: "BB"},
	})
}

func TestFetchSpecSteps(t *testing.T) {
	needs(t, "Request")
	exttest.Run(t, []exttest.Case{
		// The "request-no-cors" guard keeps only no-CORS-safelisted request-headers.
		{Script: `const h = new Request('https://x/', { mode: 'no-cors' }).headers; h.append('x-a', '1'); h.set('accept', 'text/html');
			h.append('content-type', 'application/json'); h.append('accept-language', 'fr'); [...h].join('|')`,
			Want: "accept,text/html|accept-language,fr"},
		{Script: `const h = new Request('https://x/', { mode: 'no-cors' }).headers; h.set('accept', 'a'.repeat(129)); h.has('accept')`, Want: "false"},
		{Script: `new Request('https://x/', { mode: 'no-cors', method: 'PUT' })`, WantErr: "TypeError"},
		{Script: `new Request('https://x/', { method: 'POST', headers: { 'content-type': '' }, body: 'x' }).headers.get('content-type')`, Want: ""},
		// A ReadableStream body needs duplex: 'half'.
		{Script: `new Request('https://x/', { method: 'POST', body: new ReadableStream() })`, WantErr: "TypeError"},
		{Script: `new Request('https://x/', { method: 'POST', body: new ReadableStream(), duplex: 'half' }).duplex`, Want: "half"},
		// The input request's stream is proxied: it stays, locked and disturbed.
		{Script: `const a = new Request('https://x/', { method: 'POST', body: 'abc' }); const s = a.body; const b = new Request(a);
			[a.body === s, a.bodyUsed, s.locked, b.body !== s].join()`, Want: "true,true,true,true"},
		// blob(): the body's MIME type, parsed and serialized ("" when it does not parse).
		{Script: `(async () => [(await new Response('x', { headers: { 'content-type': 'Text/Plain;Charset="utf-8"' } }).blob()).type,
			(await new Response('x', { headers: { 'content-type': 'nonsense' } }).blob()).type].join('|'))()`, Want: "text/plain;charset=utf-8|"},
		// A patched Object.prototype.then sees nothing of a body being read.
		{Script: `(async () => { const r = new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array([104, 105])); c.close(); } }));
			Object.prototype.then = (f) => { delete Object.prototype.then; f({ done: false, value: new Uint8Array([33]) }); };
			try { return await r.text(); } finally { delete Object.prototype.then; } })()`, Want: "hi"},
		// Response.clone() tees with structured clones for the second branch.
		{Script: `(async () => { const r = new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array([1])); c.close(); } }));
			const c = r.clone(); const [a, b] = await Promise.all([r.body.getReader().read(), c.body.getReader().read()]);
			return [a.value[0], b.value[0], a.value.buffer !== b.value.buffer].join(); })()`, Want: "1,1,true"},
	})
}

func TestFetchLocalSchemes(t *testing.T) {
	needs(t, "fetch")
	exttest.Run(t, []exttest.Case{
		{Script: `(async () => { const r = await fetch('data:text/plain;base64,aGk='); return [r.status, r.type, r.headers.get('content-type'), await r.text()].join('|'); })()`,
			Want: "200|basic|text/plain|hi"},
		{Script: `(async () => { const r = await fetch('data:,a%20b#frag'); return [r.url, r.headers.get('content-type'), await r.text()].join('|'); })()`,
			Want: "data:,a%20b|text/plain;charset=US-ASCII|a b"},
		{Script: `(async () => (await fetch('data:;base64,@@@')).text())()`, WantErr: "TypeError"},
		{Script: `(async () => { const u = URL.createObjectURL(new Blob(['blob!'], { type: 'text/x' })); const r = await fetch(u);
			return [u.startsWith('blob:null/'), r.headers.get('content-type'), r.headers.get('content-length'), await r.text()].join('|'); })()`,
			Want: "true|text/x|5|blob!"},
		{Script: `(async () => { const u = URL.createObjectURL(new Blob(['x'])); URL.revokeObjectURL(u); return fetch(u); })()`, WantErr: "TypeError"},
		{Script: `(async () => { const u = URL.createObjectURL(new Blob(['x'])); const req = new Request(u); URL.revokeObjectURL(u); return (await fetch(req)).text(); })()`, Want: "x"},
		{Script: `(async () => fetch(URL.createObjectURL(new Blob(['x'])), { method: 'POST' }))()`, WantErr: "TypeError"},
		{Script: `(async () => fetch('https://x/', { cache: 'only-if-cached', mode: 'same-origin' }))()`, WantErr: "TypeError"},
		{Script: `(async () => fetch('about:blank'))()`, WantErr: "TypeError"},
		{Script: `(async () => { const s = new ReadableStream({ cancel(r) { globalThis.why = r; } }); const c = new AbortController(); c.abort('stop');
			try { await fetch('https://x/', { method: 'POST', body: s, duplex: 'half', signal: c.signal }); } catch (e) { return [e, globalThis.why].join(); } })()`,
			Want: "stop,stop"},
	})
}
