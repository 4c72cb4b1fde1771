package htmlrewriter_test

import (
	"runtime"
	"strconv"
	"strings"
	"testing"

	"islet/internal/ext/exttest"
)

// page defines makePage(bytes) → an HTML string of about that size: a list of items with
// links, images and text.
const page = `
function makePage(size) {
  const item = (i) => '<div class="item" id="i' + i + '"><h2>Item ' + i + '</h2><p class="desc">Some <b>bold</b> text &amp; more text about item ' + i + ', long enough to look like a real paragraph of a product page.</p><a href="/items/' + i + '">details</a> <img src="/img/' + i + '.png" alt="item ' + i + '"><!-- item ' + i + ' --></div>\n';
  const parts = ['<!DOCTYPE html><html><head><title>bench</title><style>.item { margin: 0 }</style></head><body><main>'];
  let n = parts[0].length;
  for (let i = 0; n < size; i++) { const s = item(i); parts.push(s); n += s.length; }
  parts.push('</main></body></html>');
  return parts.join('');
}
// chunked is a ReadableStream of bytes in chunks of 16 KB.
function chunked(bytes) {
  let off = 0;
  return new ReadableStream({ type: 'bytes', pull(c) {
    if (off >= bytes.length) { c.close(); return; }
    c.enqueue(bytes.slice(off, off + 16384)); off += 16384;
  } });
}
// rewriter has 3 selectors that change links and images and read paragraph text.
function rewriter() {
  let textBytes = 0;
  return new HTMLRewriter()
    .on('a[href]', { element(el) { el.setAttribute('href', el.getAttribute('href') + '?ref=bench'); } })
    .on('div.item > img', { element(el) { el.setAttribute('loading', 'lazy'); } })
    .on('p.desc', { text(t) { textBytes += t.text.length; } });
}
async function drain(res) {
  const r = res.body.getReader();
  let n = 0;
  for (;;) { const { done, value } = await r.read(); if (done) return n; n += value.length; }
}
`

// BenchmarkTransform1MB rewrites a 1 MB page with 3 selectors through the JavaScript API
// (HTMLRewriter.transform on a Response streamed in 16 KB chunks, read to the end).
func BenchmarkTransform1MB(b *testing.B) {
	e := exttest.New(b)
	size, err := e.Eval(page + `globalThis.bytes = new TextEncoder().encode(makePage(1 << 20)); String(bytes.length)`)
	if err != nil {
		b.Fatal(err)
	}
	n, _ := strconv.Atoi(size)
	b.SetBytes(int64(n))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Eval(`drain(rewriter().transform(new Response(chunked(bytes))))`); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTransform1MBNoHandlers is the pass-through cost (no handler matches).
func BenchmarkTransform1MBNoHandlers(b *testing.B) {
	e := exttest.New(b)
	size, err := e.Eval(page + `globalThis.bytes = new TextEncoder().encode(makePage(1 << 20)); String(bytes.length)`)
	if err != nil {
		b.Fatal(err)
	}
	n, _ := strconv.Atoi(size)
	b.SetBytes(int64(n))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Eval(`drain(new HTMLRewriter().on('blink', { element() {} }).transform(new Response(chunked(bytes))))`); err != nil {
			b.Fatal(err)
		}
	}
}

// streamed defines a 50 MB (or n MB) page produced 64 KB at a time, never whole, and step(k),
// which reads k output chunks of its rewrite and returns the bytes read so far ("end N" at the
// end).
const streamed = page + `
function start(mb) {
  const unit = new TextEncoder().encode(makePage(64 << 10));
  const head = new TextEncoder().encode('<html><body>');
  let sent = 0;
  const total = mb << 20;
  const body = new ReadableStream({ type: 'bytes', pull(c) {
    if (sent === 0) { c.enqueue(head.slice()); sent += head.length; return; }
    if (sent >= total) { c.close(); return; }
    c.enqueue(unit.slice()); sent += unit.length;
  } });
  globalThis.reader = rewriter().transform(new Response(body)).body.getReader();
  globalThis.readBytes = 0;
}
async function step(k) {
  for (let i = 0; i < k; i++) {
    const { done, value } = await reader.read();
    if (done) return 'end ' + readBytes;
    readBytes += value.length;
  }
  return readBytes;
}
`

// streamPeak rewrites an mb-megabyte streamed page and returns the output size and the peak
// growth of the isolate's memory (V8 heap in use plus ArrayBuffers) and of the Go heap.
func streamPeak(tb testing.TB, mb int) (out int, v8Peak, goPeak uint64) {
	e := exttest.New(tb)
	if _, err := e.Eval(streamed + `start(` + strconv.Itoa(mb) + `); 0`); err != nil {
		tb.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	goBase := ms.HeapInuse
	st := e.Iso.HeapStats()
	v8Base := st.UsedHeapSize + st.ArrayBufferMemory
	for i := 0; ; i++ {
		got, err := e.Eval(`step(32)`)
		if err != nil {
			tb.Fatal(err)
		}
		st := e.Iso.HeapStats()
		if v := st.UsedHeapSize + st.ArrayBufferMemory; v > v8Base && v-v8Base > v8Peak {
			v8Peak = v - v8Base
		}
		if i%8 == 0 {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > goBase && ms.HeapInuse-goBase > goPeak {
				goPeak = ms.HeapInuse - goBase
			}
		}
		last := strings.HasPrefix(got, "end ")
		out, _ = strconv.Atoi(strings.TrimPrefix(got, "end "))
		if last {
			break
		}
	}
	return out, v8Peak, goPeak
}

// BenchmarkStream50MB rewrites a 50 MB page that arrives 64 KB at a time and reports the peak
// memory growth while it streams.
func BenchmarkStream50MB(b *testing.B) {
	for i := 0; i < b.N; i++ {
		out, v8Peak, goPeak := streamPeak(b, 50)
		b.SetBytes(int64(out))
		b.ReportMetric(float64(v8Peak)/(1<<20), "peak-v8-MB")
		b.ReportMetric(float64(goPeak)/(1<<20), "peak-go-MB")
	}
}

// TestStreamingMemoryIsFlat rewrites a 16 MB streamed page: memory must not grow with it.
func TestStreamingMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	out, v8Peak, goPeak := streamPeak(t, 16)
	if out < 16<<20 {
		t.Fatalf("only %d bytes out", out)
	}
	t.Logf("peak growth: V8 %.1f MB, Go %.1f MB", float64(v8Peak)/(1<<20), float64(goPeak)/(1<<20))
	if v8Peak > 24<<20 || goPeak > 24<<20 {
		t.Fatalf("memory grew with the document: V8 +%d, Go +%d", v8Peak, goPeak)
	}
}
