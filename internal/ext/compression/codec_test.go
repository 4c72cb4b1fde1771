package compression

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"math/rand"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"islet/internal/op"
)

var formats = []string{"gzip", "deflate", "deflate-raw", "brotli"}

// run pushes each chunk and pulls until the codec needs input, then finishes; it returns the
// concatenated output and the largest chunk seen.
func run(t testing.TB, c codec, chunks ...[]byte) ([]byte, int, error) {
	t.Helper()
	var out bytes.Buffer
	largest := 0
	drain := func() error {
		for {
			b, err := c.pull()
			if err != nil {
				return err
			}
			if b == nil {
				return nil
			}
			largest = max(largest, len(b))
			out.Write(b)
		}
	}
	for _, ch := range chunks {
		if err := c.push(ch); err != nil {
			return nil, 0, err
		}
		if err := drain(); err != nil {
			return nil, 0, err
		}
	}
	c.finish()
	if err := drain(); err != nil {
		return nil, 0, err
	}
	return out.Bytes(), largest, nil
}

func compressStd(t testing.TB, format string, data []byte) []byte {
	var b bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch format {
	case "gzip":
		w = gzip.NewWriter(&b)
	case "deflate":
		w = zlib.NewWriter(&b)
	case "brotli":
		// The library's defaults (quality 6, 4 MB window), not the compressor's settings.
		w = brotli.NewWriter(&b)
	default:
		w, _ = flate.NewWriter(&b, 6)
	}
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func TestRoundTrip(t *testing.T) {
	data := bytes.Repeat([]byte("hello, compression streams! "), 20000)
	for _, f := range formats {
		c, _ := newCodec(f, true)
		comp, _, err := run(t, c, data[:100], data[100:300000], nil, data[300000:])
		c.release()
		if err != nil {
			t.Fatalf("%s compress: %v", f, err)
		}
		// Decompress in awkward pieces.
		d, _ := newCodec(f, false)
		var pieces [][]byte
		for i := 0; i < len(comp); i += 7 {
			pieces = append(pieces, comp[i:min(i+7, len(comp))])
		}
		got, largest, err := run(t, d, pieces...)
		d.release()
		if err != nil {
			t.Fatalf("%s decompress: %v", f, err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("%s: round trip differs (%d bytes, want %d)", f, len(got), len(data))
		}
		if largest > ChunkSize {
			t.Fatalf("%s: chunk of %d bytes", f, largest)
		}
	}
}

// wptBrotli is WPT's brotli sample (compression/resources/decompression-input.js): "expected
// output" as one uncompressed meta-block and an empty last one.
var wptBrotli = []byte{
	0x21, 0x38, 0x00, 0x04, 0x65, 0x78, 0x70, 0x65, 0x63, 0x74, 0x65, 0x64, 0x20, 0x6F, 0x75, 0x74,
	0x70, 0x75, 0x74, 0x03,
}

func TestDecompressErrors(t *testing.T) {
	data := []byte("expected output, expected output")
	for _, f := range formats {
		good := compressStd(t, f, data)
		d, _ := newCodec(f, false)
		if got, _, err := run(t, d, good); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s: decoding a good stream: %q, %v", f, got, err)
		}
		d.release()
		corrupt := append([]byte(nil), good...)
		corrupt[len(corrupt)-2] ^= 0xff
		cases := map[string][]byte{
			"empty":     {},
			"truncated": good[:len(good)-1],
			"trailing":  append(append([]byte(nil), good...), 0),
			"garbage":   []byte("this is not compressed at all"),
		}
		switch f {
		case "deflate-raw": // a raw stream has no checksum
		case "brotli":
			// Neither has brotli, but its format has checks of its own: the bits that pad the
			// last byte must be zero, and the window size must be one of the valid ones (this
			// header asks for a large window, an extension the Web's brotli does not allow).
			padding := append([]byte(nil), wptBrotli...)
			padding[len(padding)-1] |= 0x80 // ends with ISLAST, ISLASTEMPTY and six bits of padding
			cases["bad padding"] = padding
			cases["bad window"] = append([]byte{0x11}, good[1:]...)
		default:
			cases["corrupt"] = corrupt
		}
		for name, in := range cases {
			d, _ := newCodec(f, false)
			_, _, err := run(t, d, in)
			d.release()
			var oe *op.Error
			if !errors.As(err, &oe) || oe.Class != op.ClassTypeError {
				t.Errorf("%s %s: got %v, want a TypeError", f, name, err)
			}
		}
		// Trailing data in a later chunk is an error too.
		d, _ = newCodec(f, false)
		if _, _, err := run(t, d, good, []byte{1}); err == nil || !strings.Contains(err.Error(), "trailing") {
			t.Errorf("%s: trailing chunk: got %v", f, err)
		}
		d.release()
	}
}

// TestBombIsIncremental checks that a small input that inflates to 64 MB comes out one bounded
// chunk per pull, not all at once.
func TestBombIsIncremental(t *testing.T) {
	for _, f := range formats {
		bomb := compressStd(t, f, make([]byte, 64<<20))
		if len(bomb) > 1<<20 {
			t.Fatalf("%s: a bomb of %d bytes", f, len(bomb))
		}
		d, _ := newCodec(f, false)
		if err := d.push(bomb); err != nil {
			t.Fatal(err)
		}
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		for i := 0; i < 10; i++ {
			b, err := d.pull()
			if err != nil || len(b) == 0 || len(b) > ChunkSize {
				t.Fatalf("%s: pull %d: %d bytes, %v", f, i, len(b), err)
			}
		}
		runtime.ReadMemStats(&ms)
		// brotli's decoder allocates the stream's window (4 MB here) at the first pull.
		if grew := ms.TotalAlloc - before; grew > 8<<20 {
			t.Fatalf("%s: 10 pulls allocated %d bytes", f, grew)
		}
		d.release()
	}
}

// brotliSamples are brotli streams of assorted data, compressed at assorted qualities and
// windows with assorted flushes, each with its original.
func brotliSamples(t testing.TB) (comp, orig [][]byte) {
	rng := rand.New(rand.NewSource(1))
	for i := range 40 {
		data := make([]byte, rng.Intn(3000))
		if i == 0 {
			data = nil
		}
		alpha := 1 + rng.Intn(255)
		for j := range data {
			data[j] = byte(rng.Intn(alpha))
		}
		var b bytes.Buffer
		w := brotli.NewWriterOptions(&b, brotli.WriterOptions{Quality: rng.Intn(12), LGWin: 10 + rng.Intn(15)})
		for off := 0; off < len(data); {
			n := min(len(data)-off, 1+rng.Intn(1000))
			w.Write(data[off : off+n])
			if rng.Intn(3) == 0 {
				w.Flush()
			}
			off += n
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		comp, orig = append(comp, b.Bytes()), append(orig, data)
	}
	return comp, orig
}

// split cuts b into pieces of n bytes.
func split(b []byte, n int) [][]byte {
	var out [][]byte
	for i := 0; i < len(b); i += n {
		out = append(out, b[i:min(i+n, len(b))])
	}
	return out
}

// TestBrotliSplits decodes brotli streams cut into pieces of every size from 1 to 17 bytes:
// whole, the stream decodes; with a byte more, in the last piece or a piece of its own, it
// fails as trailing data; a byte short, as truncated.
func TestBrotliSplits(t *testing.T) {
	comp, orig := brotliSamples(t)
	for i, c := range comp {
		for n := 1; n <= 17; n++ {
			check := func(what string, pieces [][]byte, want string) {
				t.Helper()
				d, _ := newCodec("brotli", false)
				defer d.release()
				got, _, err := run(t, d, pieces...)
				switch {
				case want == "" && (err != nil || !bytes.Equal(got, orig[i])):
					t.Fatalf("sample %d, pieces of %d, %s: %d bytes, %v", i, n, what, len(got), err)
				case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
					t.Fatalf("sample %d, pieces of %d, %s: got %v, want %q", i, n, what, err, want)
				}
			}
			check("whole", split(c, n), "")
			extra := append(append([]byte(nil), c...), byte(i))
			check("trailing byte", split(extra, n), "trailing")
			check("trailing piece", append(split(c, n), []byte{0}), "trailing")
			check("truncated", split(c[:len(c)-1], n), "truncated")
		}
	}
}

// TestBrotliTrailingBeforeFinish checks that data after the end of a brotli stream fails the
// stream before the input is finished (a DecompressionStream whose writer is never closed):
// after the output, when it came in the same chunk, or at the first pull after its push.
func TestBrotliTrailingBeforeFinish(t *testing.T) {
	data := []byte("expected output")
	good := compressStd(t, "brotli", data)
	pullAll := func(d codec) ([]byte, error) {
		var out []byte
		for {
			b, err := d.pull()
			if err != nil || b == nil {
				return out, err
			}
			out = append(out, b...)
		}
	}

	d, _ := newCodec("brotli", false)
	d.push(append(append([]byte(nil), good...), 0))
	if out, err := pullAll(d); !bytes.Equal(out, data) || err == nil || !strings.Contains(err.Error(), "trailing") {
		t.Errorf("same chunk: %q, %v", out, err)
	}
	d.release()

	d, _ = newCodec("brotli", false)
	d.push(good)
	if out, err := pullAll(d); !bytes.Equal(out, data) || err != nil {
		t.Fatalf("good chunk: %q, %v", out, err)
	}
	d.push(good) // a second stream is trailing data too
	if out, err := pullAll(d); out != nil || err == nil || !strings.Contains(err.Error(), "trailing") {
		t.Errorf("second stream: %q, %v", out, err)
	}
	if _, err := d.pull(); err == nil {
		t.Error("the error did not stick")
	}
	d.release()
}

// TestDecoderPanicIsAnError checks that a panic in a decoder's goroutine (say, a bug in a
// decoder on some input; here its source panics) fails the stream rather than the process.
func TestDecoderPanicIsAnError(t *testing.T) {
	d := newDecompressor("brotli")
	defer d.release()
	go d.run(func(ev event) bool {
		if ev.kind == evNeedInput {
			panic("boom")
		}
		return d.yield(ev)
	})
	ev := <-d.events
	if ev.kind != evError || !strings.Contains(fmt.Sprint(ev.err), "boom") {
		t.Fatalf("got %+v", ev)
	}
}

// TestReleaseEndsGoroutine checks that releasing a decompressor that waits for input ends its
// goroutine.
func TestReleaseEndsGoroutine(t *testing.T) {
	runtime.GC()
	base := runtime.NumGoroutine()
	var ds []codec
	for range 20 {
		d, _ := newCodec("deflate", false)
		d.push([]byte{0x78})
		if b, err := d.pull(); b != nil || err != nil {
			t.Fatalf("pull: %v %v", b, err)
		}
		ds = append(ds, d)
	}
	if n := runtime.NumGoroutine(); n < base+20 {
		t.Fatalf("%d goroutines, want at least %d", n, base+20)
	}
	for _, d := range ds {
		d.release()
		d.release()
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		t.Fatalf("%d goroutines left, want %d", n, base)
	}
}

func TestUnknownFormat(t *testing.T) {
	if _, err := newCodec("zstd", false); err == nil {
		t.Fatal("no error")
	}
}
