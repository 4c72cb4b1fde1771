package blob_test

import (
	"testing"

	"islet/internal/ext/exttest"
)

func TestBlob(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Name: "parts", Script: `(async () => { const b = new Blob(['ab', new Uint8Array([99]), new Blob(['d']), new Uint16Array([0x6665]).buffer]); return b.size + ':' + await b.text() })()`, Want: "6:abcdef"},
		{Name: "type normalised", Script: `new Blob([], {type: 'Text/HTML'}).type + '|' + new Blob([], {type: 'a\u00e5'}).type`, Want: "text/html|"},
		{Name: "endings native", Script: `(async () => JSON.stringify(await new Blob(['a\r\nb\rc\n'], {endings: 'native'}).text()))()`, Want: `"a\nb\nc\n"`},
		{Name: "bad endings", Script: `new Blob([], {endings: 'dos'})`, WantErr: "TypeError"},
		{Name: "parts not a sequence", Script: `new Blob('abc')`, WantErr: "TypeError"},
		{Name: "date parts", Script: `new Blob(new Date())`, WantErr: "TypeError"},
		{Name: "without new", Script: `Blob()`, WantErr: "TypeError"},
		{Name: "slice", Script: `(async () => { const b = new Blob(['abcdef']); return [await b.slice(1, 3).text(), await b.slice(-2).text(), await b.slice(4, 1).text(), b.slice(0, 2, 'X/Y').type, b.slice(-100, 100).size].join(',') })()`, Want: "bc,ef,,x/y,6"},
		{Name: "arrayBuffer and bytes", Script: `(async () => { const b = new Blob([new Uint8Array([1, 2, 255])]); const ab = await b.arrayBuffer(); const u = await b.bytes(); u[0] = 9; return new Uint8Array(ab).join() + '|' + (await b.bytes()).join() })()`, Want: "1,2,255|1,2,255"},
		{Name: "source not aliased", Script: `(async () => { const u = new Uint8Array([1]); const b = new Blob([u]); u[0] = 2; return (await b.bytes())[0] })()`, Want: "1"},
		{Name: "stream", Script: `(async () => { const r = new Blob(['hi']).stream().getReader(); let s = ''; for (;;) { const {done, value} = await r.read(); if (done) break; s += new TextDecoder().decode(value) } return s })()`, Want: "hi"},
		{Name: "text decodes invalid utf-8", Script: `(async () => (await new Blob([new Uint8Array([0xff])]).text()).charCodeAt(0))()`, Want: "65533"},
		{Name: "brand check", Script: `Object.getOwnPropertyDescriptor(Blob.prototype, 'size').get.call({})`, WantErr: "Illegal invocation"},
		{Name: "tag", Script: `String(new Blob()) + String(new File([], 'f'))`, Want: "[object Blob][object File]"},
		{Name: "file", Script: `const f = new File(['x'], 'a/b.txt', {type: 'TEXT/plain', lastModified: 42}); [f.name, f.type, f.size, f.lastModified, f instanceof Blob].join()`, Want: "a/b.txt,text/plain,1,42,true"},
		{Name: "file default lastModified", Script: `const d = Date.now(); const f = new File([], 'n'); f.lastModified >= d && f.lastModified <= Date.now()`, Want: "true"},
		{Name: "file needs two arguments", Script: `new File([])`, WantErr: "2 arguments required"},
		{Name: "response blob", Script: `(async () => { const b = await new Response('hey', {headers: {'content-type': 'Text/Plain'}}).blob(); return b.type + ':' + await b.text() })()`, Want: "text/plain:hey"},
		{Name: "blob body", Script: `(async () => { const r = new Response(new Blob(['yo'], {type: 'a/b'})); return r.headers.get('content-type') + ':' + await r.text() })()`, Want: "a/b:yo"},
	})
}

func TestFormData(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Name: "append get getAll", Script: `const f = new FormData(); f.append('a', '1'); f.append('a', 2); f.append('b', '3'); [f.get('a'), f.getAll('a').join(), f.get('zz'), f.has('b'), f.has('c')].join()`, Want: "1,1,2,,true,false"},
		{Name: "set and delete", Script: `const f = new FormData(); f.append('a', '1'); f.append('b', '2'); f.append('a', '3'); f.set('a', '4'); const s = [...f].join(';'); f.delete('a'); s + '|' + [...f.keys()].join()`, Want: "a,4;b,2|b"},
		{Name: "blob becomes file", Script: `const f = new FormData(); f.append('x', new Blob(['abc'], {type: 'text/plain'})); f.append('y', new Blob([]), 'n.txt'); const x = f.get('x'); const y = f.get('y'); [x instanceof File, x.name, x.type, x.size, y.name].join()`, Want: "true,blob,text/plain,3,n.txt"},
		{Name: "filename needs a blob", Script: `new FormData().append('a', 'b', 'c')`, WantErr: "not of type 'Blob'"},
		{Name: "form argument", Script: `new FormData(null)`, WantErr: "TypeError"},
		{Name: "too few arguments", Script: `new FormData().append('a')`, WantErr: "2 arguments required"},
		{Name: "forEach", Script: `const f = new FormData(); f.append('a', '1'); f.append('b', '2'); let s = ''; f.forEach((v, k) => s += k + v); s`, Want: "a1b2"},
		{Name: "usv", Script: `const f = new FormData(); f.append('\uD800', 'x'); f.has('\uFFFD')`, Want: "true"},
		{Name: "multipart round trip", Script: `(async () => {
			const f = new FormData(); f.append('na"me\n', 'v\nal'); f.append('file', new File([new Uint8Array([0, 13, 10, 255])], 'a"b.bin', {type: 'application/x-y'}));
			const r = new Response(f); const ct = r.headers.get('content-type');
			const g = await r.formData(); const file = g.get('file');
			return [ct.startsWith('multipart/form-data; boundary='), JSON.stringify([...g.keys()]), JSON.stringify(g.get('na"me\r\n')), file.name, file.type, (await file.bytes()).join()].join('|') })()`,
			Want: `true|["na\"me\r\n","file"]|"v\r\nal"|a"b.bin|application/x-y|0,13,10,255`},
		{Name: "multipart encoding", Script: `(async () => { const f = new FormData(); f.append('a', 'b'); const r = new Response(f); const b = r.headers.get('content-type').split('boundary=')[1]; return (await r.text()) === '--' + b + '\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--' + b + '--\r\n' })()`, Want: "true"},
		{Name: "urlencoded", Script: `(async () => { const f = await new Response('a=1&b=%C3%A9&a=+2', {headers: {'content-type': 'application/x-www-form-urlencoded;charset=utf-8'}}).formData(); return JSON.stringify([...f]) })()`, Want: `[["a","1"],["b","é"],["a"," 2"]]`},
		{Name: "urlsearchparams body", Script: `(async () => (await new Request('http://x/', {method: 'POST', body: new URLSearchParams('q=1')}).formData()).get('q'))()`, Want: "1"},
		{Name: "wrong content type", Script: `new Response('a=1').formData()`, WantErr: "TypeError"},
		{Name: "no boundary", Script: `new Response('x', {headers: {'content-type': 'multipart/form-data'}}).formData()`, WantErr: "no boundary"},
		{Name: "malformed multipart", Script: `new Response('--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated', {headers: {'content-type': 'multipart/form-data; boundary=b'}}).formData()`, WantErr: "TypeError"},
		{Name: "no disposition", Script: `new Response('--b\r\nX: y\r\n\r\nv\r\n--b--', {headers: {'content-type': 'multipart/form-data; boundary=b'}}).formData()`, WantErr: "Content-Disposition"},
		{Name: "quoted boundary", Script: `(async () => (await new Response('--a b\r\ncontent-disposition: form-data; name="k"\r\n\r\nv\r\n--a b--\r\n', {headers: {'content-type': 'multipart/form-data; boundary="a b"'}}).formData()).get('k'))()`, Want: "v"},
	})
}

func TestFileReader(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Name: "events and result", Script: `new Promise((resolve) => { const r = new FileReader(); const log = [];
			for (const t of ['loadstart', 'progress', 'load', 'loadend']) r.addEventListener(t, (e) => log.push(t + ':' + r.readyState + ':' + e.loaded));
			r.onloadend = () => resolve(log.join() + '|' + r.result); r.readAsText(new Blob(['h\u00e9'])); })`,
			Want: "loadstart:1:0,progress:1:3,load:2:3,loadend:2:3|hé"},
		{Name: "data URL", Script: `new Promise((resolve) => { const r = new FileReader(); r.onload = () => resolve(r.result); r.readAsDataURL(new Blob(['TEST'], { type: 'text/plain' })); })`,
			Want: "data:text/plain;base64,VEVTVA=="},
		{Name: "text encodings", Script: `new Promise((resolve) => { const r = new FileReader(); r.onload = () => resolve(r.result);
			r.readAsText(new Blob([new Uint8Array([0xe9])], { type: 'text/plain;charset=windows-1252' })); })`, Want: "é"},
		{Name: "busy", Script: `const r = new FileReader(); r.readAsArrayBuffer(new Blob(['x'])); r.readAsText(new Blob(['y']))`, WantErr: "InvalidStateError"},
		{Name: "abort", Script: `const r = new FileReader(); const log = []; r.onabort = () => log.push('abort'); r.onloadend = () => log.push('loadend');
			r.onload = () => log.push('load'); r.readAsText(new Blob(['x'])); r.abort(); new Promise((res) => setTimeout(() => res(log.join() + ':' + r.readyState + ':' + r.result), 20))`,
			Want: "abort,loadend:2:null"},
		{Name: "not a blob", Script: `new FileReader().readAsText('x')`, WantErr: "TypeError"},
		{Name: "constants", Script: `[FileReader.EMPTY, FileReader.LOADING, FileReader.DONE, new FileReader().readyState].join()`, Want: "0,1,2,0"},
		{Name: "ProgressEvent", Script: `const e = new ProgressEvent('p', { loaded: 3, total: 9, lengthComputable: true }); [e.type, e.loaded, e.total, e.lengthComputable, e instanceof Event].join()`,
			Want: "p,3,9,true,true"},
	})
}
