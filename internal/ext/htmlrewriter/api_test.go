package htmlrewriter_test

import (
	"testing"

	"islet/internal/ext/exttest"
	"islet/internal/ext/htmlrewriter"
)

// rw defines run(html, build, chunks?) → the rewritten text; build gets an HTMLRewriter.
const rw = `
async function run(html, build, chunks) {
  const enc = new TextEncoder();
  let body = html;
  if (chunks) {
    const parts = [];
    for (let i = 0; i < html.length; i += chunks) parts.push(enc.encode(html.slice(i, i + chunks)));
    body = new ReadableStream({ pull(c) { if (parts.length) c.enqueue(parts.shift()); else c.close(); } });
  }
  const res = build(new HTMLRewriter()).transform(new Response(body, { headers: { 'content-type': 'text/html', 'content-length': '999' }, status: 201 }));
  return await res.text();
}
`

func TestHTMLRewriterAPI(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Name: "identity", Script: rw + `(async () => {
			const html = '<!doctype html><html><head><title>x</title></head><body><p class="a">Hi &amp; bye</p><!-- c --></body></html>';
			const a = await run(html, (r) => r);
			const b = await run(html, (r) => r.on('*', { element() {}, text() {}, comments() {} }).onDocument({ doctype() {}, text() {}, end() {} }), 3);
			return a === html && b === html;
		})()`, Want: "true"},
		{Name: "element api", Script: rw + `(async () => {
			let info;
			const out = await run('<div id="a" class="x y" data-v=1>t</div>', (r) => r.on('div.x', { element(el) {
				info = [el.tagName, el.getAttribute('id'), el.hasAttribute('data-v'), el.getAttribute('nope'), JSON.stringify([...el.attributes]), el.namespaceURI, el.selfClosing, el.canHaveContent, el.removed].join('|');
				el.setAttribute('id', 'b').removeAttribute('class');
				el.tagName = 'section';
				el.prepend('<', { html: false }).append('<i>!</i>', { html: true });
			} }));
			return info + '\n' + out;
		})()`, Want: "div|a|true||[[\"id\",\"a\"],[\"class\",\"x y\"],[\"data-v\",\"1\"]]|http://www.w3.org/1999/xhtml|false|true|false\n<section id=\"b\" data-v=1>&lt;t<i>!</i></section>"},
		{Name: "this is the handlers object", Script: rw + `(async () => {
			const h = { n: 0, element() { this.n++; } };
			await run('<p></p><p></p>', (r) => r.on('p', h));
			return h.n;
		})()`, Want: "2"},
		{Name: "async handler", Script: rw + `(async () => run('<p>a</p><p>b</p>', (r) => r.on('p', {
			async element(el) { await new Promise((res) => setTimeout(res, 5)); el.setAttribute('x', '1'); },
		})))()`, Want: `<p x="1">a</p><p x="1">b</p>`},
		{Name: "text and comments", Script: rw + `(async () => {
			const seen = [];
			const out = await run('<p>hello <b>world</b></p><!--c-->', (r) => r.on('p', {
				text(t) { seen.push(t.text + (t.lastInTextNode ? '$' : '')); if (t.text === 'world') t.replace('W'); },
			}).onDocument({ comments(c) { c.text = c.text.toUpperCase(); } }));
			return seen.join('|') + ' ' + out;
		})()`, Want: "hello $|world$ <p>hello <b>W</b></p><!--C-->"},
		{Name: "end tag", Script: rw + `(async () => run('<div>x</div>', (r) => r.on('div', {
			element(el) { el.onEndTag((end) => { end.before('!'); end.name = 'span'; }); el.tagName = 'span'; },
		})))()`, Want: "<span>x!</span>"},
		{Name: "doctype and end", Script: rw + `(async () => {
			let d;
			const out = await run('<!DOCTYPE html><p>', (r) => r.onDocument({
				doctype(dt) { d = [dt.name, dt.publicId, dt.systemId].join(); },
				end(e) { e.append('<!--end-->', { html: true }); },
			}));
			return d + ' ' + out;
		})()`, Want: "html,, <!DOCTYPE html><p><!--end-->"},
		{Name: "remove and replace", Script: rw + `(async () => run('<ul><li>a</li><li class=x>b</li><li>c</li></ul>', (r) => r
			.on('li.x', { element(el) { el.replace('<li>B</li>', { html: true }); } })
			.on('li:first-child', { element(el) { el.remove(); } })))()`, Want: "<ul><li>B</li><li>c</li></ul>"},
		{Name: "selectors", Script: rw + `(async () => {
			const hits = [];
			const sel = ['div > p', 'div p', '[data-x^=ab i]', 'p:nth-child(2n)', 'p:not(.q)', '#i', 'span:first-of-type', 'div, span'];
			let r = new HTMLRewriter();
			sel.forEach((s, i) => { r = r.on(s, { element(el) { hits.push(i + ':' + el.tagName + (el.getAttribute('id') || '')); } }); });
			await r.transform(new Response('<div><p id=1 data-x=ABc></p><p id=2 class=q></p><section><p id=3></p></section></div><span id=i></span>')).text();
			return hits.join(' ');
		})()`, Want: "7:div 0:p1 1:p1 2:p1 4:p1 0:p2 1:p2 3:p2 1:p3 4:p3 5:spani 6:spani 7:spani"},
		{Name: "bad selector throws at on()", Script: `new HTMLRewriter().on('div[', {})`, WantErr: "TypeError"},
		{Name: "unsupported selector", Script: `new HTMLRewriter().on('a + b', {})`, WantErr: "not supported"},
		{Name: "handler not a function", Script: `new HTMLRewriter().on('a', { element: 1 })`, WantErr: "TypeError"},
		{Name: "handler error errors the body", Script: rw + `(async () => { try { await run('<p>', (r) => r.on('p', { element() { throw new RangeError('boom'); } })); return 'no'; } catch (e) { return e.name + ':' + e.message; } })()`, Want: "RangeError:boom"},
		{Name: "stale element", Script: rw + `(async () => { let saved; await run('<p></p><p></p>', (r) => r.on('p', { element(el) { saved = saved || el; } })); try { saved.setAttribute('a', 'b'); return 'no'; } catch (e) { return e.name; } })()`, Want: "TypeError"},
		{Name: "response", Script: `(async () => {
			const res = new HTMLRewriter().transform(new Response('<p>x</p>', { status: 201, statusText: 'Made', headers: { 'content-type': 'text/html', 'content-length': '8', 'x-a': 'b' } }));
			return [res.status, res.statusText, res.headers.get('content-length'), res.headers.get('x-a'), res.headers.get('content-type'), await res.text()].join();
		})()`, Want: "201,Made,,b,text/html,<p>x</p>"},
		{Name: "null body", Script: `(async () => { const res = new HTMLRewriter().transform(new Response(null, { status: 204 })); return res.status + ':' + res.body })()`, Want: "204:null"},
		{Name: "not a response", Script: `new HTMLRewriter().transform('x')`, WantErr: "TypeError"},
		{Name: "used body", Script: `(async () => { const r = new Response('x'); await r.text(); new HTMLRewriter().transform(r) })()`, WantErr: "TypeError"},
		{Name: "escaping", Script: rw + `(async () => run('<p>x</p>', (r) => r.on('p', { element(el) { el.setInnerContent('<a href="x">&</a>'); } })))()`, Want: "<p>&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;</p>"},
		{Name: "streams first bytes early", Script: `(async () => {
			let ctl;
			const body = new ReadableStream({ start(c) { ctl = c; } });
			const res = new HTMLRewriter().on('p', { element(el) { el.setAttribute('a', '1'); } }).transform(new Response(body));
			const reader = res.body.getReader();
			ctl.enqueue(new TextEncoder().encode('<p>first</p>'));
			const first = new TextDecoder().decode((await reader.read()).value);
			ctl.enqueue(new TextEncoder().encode('<p>second</p>'));
			ctl.close();
			let rest = '';
			for (;;) { const { done, value } = await reader.read(); if (done) break; rest += new TextDecoder().decode(value); }
			return first + '|' + rest;
		})()`, Want: `<p a="1">first</p>|<p a="1">second</p>`},
	})
}

func TestHTMLRewriterMore(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Name: "onEndTag on a void element", Script: rw + `(async () => { let e; await run('<br>', (r) => r.on('br', { element(el) { try { el.onEndTag(() => {}); } catch (x) { e = x.name; } } })); return e })()`, Want: "TypeError"},
		{Name: "comments inside an element", Script: rw + `(async () => run('<div><!--a--></div><!--b-->', (r) => r.on('div', { comments(c) { c.replace('[' + c.text + ']'); } })))()`, Want: "<div>[a]</div><!--b-->"},
		{Name: "handler order and doc text", Script: rw + `(async () => {
			const log = [];
			await run('<p>x</p>', (r) => r.onDocument({ text(t) { if (t.text) log.push('doc') } }).on('p', { text(t) { if (t.text) log.push('p1') } }).on('*', { text(t) { if (t.text) log.push('p2') } }));
			return log.join();
		})()`, Want: "p1,p2,doc"},
		{Name: "end tag remove and text around", Script: rw + `(async () => run('<b>x</b>', (r) => r.on('b', {
			element(el) { el.removeAndKeepContent(); el.before('[', { html: true }); el.after(']', { html: true }); },
			text(t) { if (t.text) { t.before('<'); t.after('>'); } },
		})))()`, Want: "[&lt;x&gt;]"},
		{Name: "toString tags", Script: rw + `(async () => { let s = []; await run('<p>t<!--c--></p>', (r) => r.on('p', { element(el) { s.push(String(el)) }, text(t) { s.push(String(t)) }, comments(c) { s.push(String(c)) } })); return [...new Set(s)].join() })()`, Want: "[object Element],[object Text],[object Comment]"},
		{Name: "illegal constructor", Script: `(async () => { let C; await new HTMLRewriter().on('p', { element(el) { C = el.constructor; } }).transform(new Response('<p>')).text(); new C() })()`, WantErr: "Illegal constructor"},
		{Name: "async text handler", Script: rw + `(async () => run('<p>abc</p>', (r) => r.on('p', { async text(t) { await null; if (t.text) t.replace(t.text.toUpperCase()); } })))()`, Want: "<p>ABC</p>"},
		{Name: "rejected handler promise", Script: rw + `(async () => { try { await run('<p>', (r) => r.on('p', { async element() { throw new TypeError('nope'); } })); } catch (e) { return e.message } })()`, Want: "nope"},
		{Name: "streamed content not supported", Script: rw + `(async () => { let e; await run('<p>', (r) => r.on('p', { element(el) { try { el.append(new Response('x')); } catch (x) { e = x.name; } } })); return e })()`, Want: "TypeError"},
		{Name: "invalid tag name", Script: rw + `(async () => { let e; await run('<p>', (r) => r.on('p', { element(el) { try { el.tagName = 'a b'; } catch (x) { e = x.name; } } })); return e })()`, Want: "TypeError"},
		{Name: "transform twice with one rewriter", Script: `(async () => { const r = new HTMLRewriter().on('p', { element(el) { el.setAttribute('n', '1'); } }); return (await r.transform(new Response('<p>')).text()) + (await r.transform(new Response('<p>')).text()) })()`, Want: `<p n="1"><p n="1">`},
		{Name: "bytes body and unicode", Script: `(async () => new HTMLRewriter().on('p', { text(t) { if (t.text) t.replace(t.text + '✓'); } }).transform(new Response(new TextEncoder().encode('<p>日本</p>'))).text())()`, Want: "<p>日本✓</p>"},
	})
}

func TestRewriterStateIsFreed(t *testing.T) {
	e := exttest.New(t)
	got, err := e.Eval(rw + `(async () => {
		await run('<p>a</p>', (r) => r.on('p', { element() {} }));                      // finished
		try { await run('<p>', (r) => r.on('p', { element() { throw 1; } })); } catch {}  // errored
		const res = new HTMLRewriter().on('p', { element() {} }).transform(new Response(new ReadableStream({ pull(c) { c.enqueue(new TextEncoder().encode('<p>x</p>')); } })));
		const reader = res.body.getReader();
		await reader.read();
		await reader.cancel();                                                            // cancelled
		return 'ok';
	})()`)
	if err != nil || got != "ok" {
		t.Fatalf("got %q, %v", got, err)
	}
	if n := htmlrewriter.LiveRewriters(e.Iso); n != 0 {
		t.Fatalf("%d rewriters left", n)
	}
}
