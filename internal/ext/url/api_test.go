package url_test

import (
	"encoding/json"
	"os"
	"testing"

	"islet/internal/ext/exttest"
	"islet/internal/ext/url"
)

func TestURLJS(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Script: `const u = new URL('https://user:pw@example.com:8080/a/b?x=1#h');
			[u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash].join('|')`,
			Want: "https://user:pw@example.com:8080/a/b?x=1#h|https://example.com:8080|https:|user|pw|example.com:8080|example.com|8080|/a/b|?x=1|#h"},
		{Script: `new URL('../c', 'http://a/b/d/e').href`, Want: "http://a/b/c"},
		{Script: `const u = URL.createObjectURL(new Blob(['x'])); [/^blob:null\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u), u !== URL.createObjectURL(new Blob())].join()`, Want: "true,true"},
		{Script: `URL.createObjectURL('x')`, WantErr: "TypeError"},
		{Script: `URL.revokeObjectURL('nonsense'); URL.revokeObjectURL('blob:null/x'); 'ok'`, Want: "ok"},
		{Script: `new URL('nope')`, WantErr: "TypeError: Failed to construct 'URL': Invalid URL"},
		{Script: `new URL('/x', 'nope')`, WantErr: "TypeError"},
		{Script: `new URL()`, WantErr: "TypeError"},
		{Script: `URL('http://a')`, WantErr: "TypeError"},
		{Script: `[URL.canParse('http://a'), URL.canParse('a'), URL.canParse('a', 'http://b/')].join()`, Want: "true,false,true"},
		{Script: `[URL.parse('x', 'http://b/').href, URL.parse('x')].join()`, Want: "http://b/x,"},
		{Script: `URL.parse('http://a') instanceof URL`, Want: "true"},
		{Script: `const u = new URL('http://a/'); u.pathname = 'p q'; u.hash = 'h'; u.port = '81'; u.username = 'me'; u.href`, Want: "http://me@a:81/p%20q#h"},
		{Script: `const u = new URL('http://a/'); u.protocol = 'https'; u.host = 'b:444'; u.href`, Want: "https://b:444/"},
		{Script: `const u = new URL('http://a/'); u.href = 'bad'`, WantErr: "TypeError"},
		{Script: `const u = new URL('http://a/?x=1'); const sp = u.searchParams; sp.append('y', 'a b'); [u.search, sp === u.searchParams].join()`, Want: "?x=1&y=a+b,true"},
		{Script: `const u = new URL('http://a/?x=1'); const sp = u.searchParams; u.search = '?z=2'; sp.get('z')`, Want: "2"},
		{Script: `const u = new URL('http://a/?x=1'); const sp = u.searchParams; u.href = 'http://b/?k=v'; sp.get('k')`, Want: "v"},
		{Script: `const u = new URL('http://a/?x=1#f'); u.searchParams.delete('x'); u.href`, Want: "http://a/#f"},
		{Script: `JSON.stringify({ u: new URL('http://a/b') })`, Want: `{"u":"http://a/b"}`},
		{Script: `String(new URL('http://a/b'))`, Want: "http://a/b"},
		{Script: `Object.getOwnPropertyDescriptor(URL.prototype, 'href').get.call({})`, WantErr: "TypeError: Illegal invocation"},
		{Script: `Object.prototype.toString.call(new URL('http://a'))`, Want: "[object URL]"},
		{Script: `new URL('http://example.com/\uD800').pathname`, Want: "/%EF%BF%BD"},
		{Script: `new URL('http://a/').origin + new URL('blob:https://b:1/x').origin + new URL('data:x').origin`, Want: "http://ahttps://b:1null"},
	})
}

func TestURLSearchParamsJS(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Script: `const p = new URLSearchParams('?a=1&b=2&a=3'); [p.get('a'), p.getAll('a').join('+'), p.has('b'), p.has('a', '3'), p.has('a', '4'), p.size, p.get('zz')].join()`,
			Want: "1,1+3,true,true,false,3,"},
		{Script: `new URLSearchParams([['b', '2'], ['a', '1']]).toString()`, Want: "b=2&a=1"},
		{Script: `new URLSearchParams({ c: '3', d: '☃ +&' }).toString()`, Want: "c=3&d=%E2%98%83+%2B%26"},
		{Script: `new URLSearchParams([['a']])`, WantErr: "TypeError"},
		{Script: `new URLSearchParams({ [Symbol.iterator]: 5 })`, WantErr: "TypeError"},
		{Script: `const p = new URLSearchParams('z=1&a=2&z=0&b=3'); p.sort(); p.toString()`, Want: "a=2&b=3&z=1&z=0"},
		{Script: `const p = new URLSearchParams('a=1&b=2&a=3'); p.set('a', 'x'); p.toString()`, Want: "a=x&b=2"},
		{Script: `const p = new URLSearchParams('a=1&b=2&a=3'); p.delete('a', '3'); p.toString()`, Want: "a=1&b=2"},
		{Script: `[...new URLSearchParams('a=1&b=2')].map(([k, v]) => k + v).join()`, Want: "a1,b2"},
		{Script: `[...new URLSearchParams('a=1&b=2').keys()].join() + [...new URLSearchParams('a=1&b=2').values()].join()`, Want: "a,b1,2"},
		{Script: `const out = []; new URLSearchParams('a=1&b=2').forEach((v, k, o) => out.push(k + v + (o instanceof URLSearchParams))); out.join()`, Want: "a1true,b2true"},
		{Script: `Object.prototype.toString.call(new URLSearchParams().entries())`, Want: "[object URLSearchParams Iterator]"},
		{Script: `URLSearchParams.prototype[Symbol.iterator] === URLSearchParams.prototype.entries`, Want: "true"},
		{Script: `new URLSearchParams('a=%zz&b=%C3%A9&c=+').toString()`, Want: "a=%25zz&b=%C3%A9&c=+"},
		{Script: `new URLSearchParams('a=%zz&b=%C3%A9&c=+').get('c') === ' '`, Want: "true"},
		{Script: `new URLSearchParams().append('a')`, WantErr: "TypeError"},
		{Script: `URLSearchParams.prototype.get.call({}, 'a')`, WantErr: "TypeError: Illegal invocation"},
		{Script: `const p = new URLSearchParams('a=1'); const it = p.keys(); p.append('b', '2'); [...it].join()`, Want: "a,b"},
	})
}

// TestURLTestDataJS runs WPT's urltestdata.json through new URL() in an isolate.
func TestURLTestDataJS(t *testing.T) {
	b, err := os.ReadFile(url.WPTData(t, "url/urltestdata.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Fatal("invalid JSON")
	}
	script := `const data = ` + string(b) + `;
	let pass = 0, total = 0; const failures = [];
	for (const e of data) {
	  if (typeof e === 'string') continue;
	  total++;
	  let u = null;
	  try { u = e.base === null ? new URL(e.input) : new URL(e.input, e.base); } catch (err) { if (!(err instanceof TypeError)) failures.push('not TypeError: ' + e.input); }
	  if (e.failure) { if (u === null && URL.canParse(e.input, e.base ?? undefined) === false) pass++; else failures.push('should fail: ' + e.input); continue; }
	  if (u === null) { failures.push('failed: ' + e.input); continue; }
	  let ok = true;
	  for (const k of ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash']) {
	    if (k in e && u[k] !== e[k]) { ok = false; failures.push(e.input + ' ' + k + ': ' + u[k] + ' != ' + e[k]); }
	  }
	  if ('searchParams' in e && u.searchParams.toString() !== e.searchParams) { ok = false; failures.push(e.input + ' searchParams'); }
	  if (ok) pass++;
	}
	JSON.stringify({ pass, total, failures: failures.slice(0, 20) })`
	got, err := exttest.Eval(t, script)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Pass, Total int
		Failures    []string
	}
	if err := json.Unmarshal([]byte(got), &r); err != nil {
		t.Fatal(err)
	}
	t.Logf("urltestdata.json via new URL(): %d/%d pass", r.Pass, r.Total)
	for _, f := range r.Failures {
		t.Error(f)
	}
}

// TestSettersJS runs WPT's setters_tests.json through the URL setters in an isolate.
func TestSettersJS(t *testing.T) {
	b, err := os.ReadFile(url.WPTData(t, "url/setters_tests.json"))
	if err != nil {
		t.Fatal(err)
	}
	script := `const data = ` + string(b) + `;
	let pass = 0, total = 0; const failures = [];
	for (const setter of Object.keys(data)) {
	  if (setter === 'comment') continue;
	  for (const c of data[setter]) {
	    total++;
	    const u = new URL(c.href);
	    u[setter] = c.new_value;
	    let ok = true;
	    for (const k of Object.keys(c.expected)) if (u[k] !== c.expected[k]) { ok = false; failures.push(setter + '=' + c.new_value + ' on ' + c.href + ': ' + k + ' ' + u[k]); }
	    if (ok) pass++;
	  }
	}
	JSON.stringify({ pass, total, failures: failures.slice(0, 20) })`
	got, err := exttest.Eval(t, script)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Pass, Total int
		Failures    []string
	}
	if err := json.Unmarshal([]byte(got), &r); err != nil {
		t.Fatal(err)
	}
	t.Logf("setters_tests.json via URL setters: %d/%d pass", r.Pass, r.Total)
	for _, f := range r.Failures {
		t.Error(f)
	}
}
