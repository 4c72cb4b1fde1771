package compression

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"

	"islet/internal/op"
)

// ChunkSize bounds the bytes one pull returns, and the input a compressor takes at a time.
const ChunkSize = 64 << 10

// codec is one stream's Go state. The caller alternates: push a chunk of input, then pull until
// pull says it needs more input; finish marks the end of input, then pull until done.
// A codec is used by one goroutine at a time.
type codec interface {
	// push appends input (the bytes are copied).
	push(data []byte) error
	// pull returns the next output chunk (at most about ChunkSize bytes, valid until the next
	// call), or nil when it needs more input or, after finish, when the stream is complete.
	// A corrupt or truncated stream is an error (a TypeError in JS).
	pull() ([]byte, error)
	// finish marks the end of input.
	finish()
	// release frees the state; the codec is unusable after.
	release()
}

// newCodec makes a compressor (compress true) or decompressor for a format: "gzip", "deflate"
// (zlib), "deflate-raw" or "brotli".
func newCodec(format string, compress bool) (codec, error) {
	switch format {
	case "gzip", "deflate", "deflate-raw", "brotli":
	default:
		return nil, op.TypeErrorf("unsupported compression format: %q", format)
	}
	if compress {
		return newCompressor(format), nil
	}
	return newDecompressor(format), nil
}

// ---------------------------------------------------------------------------------------------
// Compression.

// resetWriter is what compress/gzip, zlib and flate writers and brotli's writer have in common.
type resetWriter interface {
	io.WriteCloser
	Reset(w io.Writer)
}

// Writers of the deflate family are pooled per format: a flate compressor is about 1 MB of
// tables, allocated up front. A brotli writer is not pooled: it allocates as input comes (up to
// about 6 MB with brotliOptions) and keeps that memory across Reset, so a pool would only hold
// on to it.
var writerPools = map[string]*sync.Pool{
	"gzip":        {New: func() any { return gzip.NewWriter(io.Discard) }},
	"deflate":     {New: func() any { return zlib.NewWriter(io.Discard) }},
	"deflate-raw": {New: func() any { w, _ := flate.NewWriter(io.Discard, flate.DefaultCompression); return w }},
}

// brotliOptions are the brotli compressor's settings (the spec leaves them to the
// implementation). Quality 5 with a 256 KB window compresses text within a few percent of the
// library's default (quality 6, 4 MB window) at about twice the speed and an eighth of the
// memory (about 6 MB per stream rather than about 50 MB), and the small window keeps what a
// reader of the output must allocate small too.
var brotliOptions = brotli.WriterOptions{Quality: 5, LGWin: 18}

type compressor struct {
	format string
	w      resetWriter
	out    bytes.Buffer
	in     []byte
	done   bool // input finished
	closed bool // w closed (trailer written)
}

func newCompressor(format string) *compressor {
	c := &compressor{format: format}
	if pool := writerPools[format]; pool != nil {
		c.w = pool.Get().(resetWriter)
		c.w.Reset(&c.out)
	} else {
		c.w = brotli.NewWriterOptions(&c.out, brotliOptions)
	}
	return c
}

func (c *compressor) push(data []byte) error {
	if c.w == nil || c.done {
		return op.TypeErrorf("the compression stream is closed")
	}
	c.in = append(c.in, data...)
	return nil
}

func (c *compressor) finish() { c.done = true }

func (c *compressor) pull() ([]byte, error) {
	if c.w == nil {
		return nil, op.TypeErrorf("the compression stream is closed")
	}
	for c.out.Len() == 0 {
		switch {
		case len(c.in) > 0:
			n := min(len(c.in), ChunkSize)
			if _, err := c.w.Write(c.in[:n]); err != nil {
				return nil, op.TypeErrorf("compression failed: %v", err)
			}
			c.in = c.in[n:]
			if len(c.in) == 0 {
				c.in = nil
			}
		case c.done && !c.closed:
			c.closed = true
			if err := c.w.Close(); err != nil {
				return nil, op.TypeErrorf("compression failed: %v", err)
			}
		default:
			return nil, nil
		}
	}
	return c.out.Next(ChunkSize), nil
}

func (c *compressor) release() {
	if c.w == nil {
		return
	}
	if pool := writerPools[c.format]; pool != nil {
		c.w.Reset(io.Discard)
		pool.Put(c.w)
	}
	c.w = nil
	c.in = nil
	c.out = bytes.Buffer{}
}

// ---------------------------------------------------------------------------------------------
// Decompression.
//
// Go's decompressors pull their input from an io.Reader and cannot resume after a read error,
// while a DecompressionStream is pushed input a chunk at a time. So each decompressor runs on a
// goroutine of its own that hands control back and forth with pull (never both running): when
// its reader runs out of input it reports "need input" and blocks until the next pull, after
// the next chunk was pushed. (iter.Pull's coroutines would be cheaper, but they must be resumed
// with the OS-thread locking they were made with, and ops run in cgo callbacks on any thread.)

type event struct {
	kind int // evOutput, evNeedInput, evEnd, evError
	n    int
	err  error
}

const (
	evOutput = iota
	evNeedInput
	evEnd
	evError
)

var errStopped = errors.New("decompression stopped")

type decompressor struct {
	format string
	in     []byte
	eof    bool // no more input will come
	ended  bool // the compressed stream ended (successfully)
	err    error
	buf    []byte

	started bool
	closed  bool
	events  chan event    // the goroutine's reports
	resume  chan struct{} // pull's go-ahead after a report that is not the last
	quit    chan struct{} // closed by release
}

func newDecompressor(format string) *decompressor {
	return &decompressor{format: format, events: make(chan event), resume: make(chan struct{}), quit: make(chan struct{})}
}

// next runs the goroutine until its next report; it is not called after a final one (evEnd,
// evError).
func (d *decompressor) next() event {
	if !d.started {
		d.started = true
		go d.run(d.yield)
	} else {
		d.resume <- struct{}{}
	}
	return <-d.events
}

// yield reports ev from the goroutine and waits for the go-ahead; false means the stream was
// released and the goroutine must return.
func (d *decompressor) yield(ev event) bool {
	select {
	case d.events <- ev:
	case <-d.quit:
		return false
	}
	if ev.kind == evEnd || ev.kind == evError {
		return false
	}
	select {
	case <-d.resume:
		return true
	case <-d.quit:
		return false
	}
}

// source is the decompressor's input. It implements io.ByteReader, so compress/flate reads no
// byte past the end of the compressed stream and what is left in d.in is trailing data.
//
// brotli's Reader reads ahead instead (up to 32 KB at a time into a buffer of its own), and
// checks for trailing data itself: when the stream ends with bytes left in its buffer, and, once
// it has ended, at every Read after (it reads its source again before it reports io.EOF), it
// fails with "excessive input" (see brotliError). So for brotli the end is only reported once
// the input is finished, and trailing data in a later chunk fails the pull after its push
// rather than the push.
type source struct {
	d     *decompressor
	yield func(event) bool
}

func (s *source) fill() error {
	for len(s.d.in) == 0 {
		if s.d.eof {
			return io.EOF
		}
		if !s.yield(event{kind: evNeedInput}) {
			return errStopped
		}
	}
	return nil
}

func (s *source) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if err := s.fill(); err != nil {
		return 0, err
	}
	n := copy(p, s.d.in)
	s.d.in = s.d.in[n:]
	return n, nil
}

func (s *source) ReadByte() (byte, error) {
	if err := s.fill(); err != nil {
		return 0, err
	}
	b := s.d.in[0]
	s.d.in = s.d.in[1:]
	return b, nil
}

// errTrailing is a decompressor's error for data after the end of the compressed stream.
var errTrailing = errors.New("trailing bytes after the end of the compressed stream")

// brotliError maps brotli's Reader errors onto the decompressor's: its "excessive input" (data
// after the end of the stream) is errTrailing, and its format errors ("brotli: PADDING_1") lose
// the package prefix. The library does not export its error values, so this goes by message.
func brotliError(err error) error {
	switch {
	case err == nil || err == io.EOF || err == io.ErrUnexpectedEOF || err == errStopped:
		return err
	case strings.Contains(err.Error(), "excessive input"):
		return errTrailing
	}
	return errors.New(strings.TrimPrefix(err.Error(), "brotli: "))
}

// run is the coroutine body: it decompresses until the end of the stream or an error.
func (d *decompressor) run(yield func(event) bool) {
	// A panic here would end the process (this is not the op's goroutine, which recovers): a
	// decoder that panics on some input fails the stream instead.
	defer func() {
		if p := recover(); p != nil {
			yield(event{kind: evError, err: fmt.Errorf("internal decoder error: %v", p)})
		}
	}()
	src := &source{d: d, yield: yield}
	var r io.Reader
	switch d.format {
	case "gzip":
		z, err := gzip.NewReader(src)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			yield(event{kind: evError, err: err})
			return
		}
		z.Multistream(false)
		r = z
	case "deflate":
		z, err := zlib.NewReader(src)
		if err != nil {
			yield(event{kind: evError, err: err})
			return
		}
		r = z
	case "brotli":
		r = brotli.NewReader(src)
	default:
		r = flate.NewReader(src)
	}
	d.buf = make([]byte, ChunkSize)
	for {
		n, err := r.Read(d.buf)
		if d.format == "brotli" {
			err = brotliError(err)
		}
		if n > 0 && !yield(event{kind: evOutput, n: n}) {
			return
		}
		switch {
		case err == io.EOF:
			yield(event{kind: evEnd})
			return
		case err == errStopped:
			return
		case err != nil:
			yield(event{kind: evError, err: err})
			return
		}
	}
}

func (d *decompressor) push(data []byte) error {
	if d.closed {
		return op.TypeErrorf("the decompression stream is closed")
	}
	if len(data) == 0 {
		return nil
	}
	if d.ended {
		return op.TypeErrorf("invalid %s data: %v", d.format, errTrailing)
	}
	d.in = append(d.in, data...)
	return nil
}

func (d *decompressor) finish() { d.eof = true }

func (d *decompressor) pull() ([]byte, error) {
	if d.closed {
		return nil, op.TypeErrorf("the decompression stream is closed")
	}
	if d.err != nil {
		return nil, d.err
	}
	if d.ended {
		return nil, nil
	}
	ev := d.next()
	switch ev.kind {
	case evOutput:
		return d.buf[:ev.n], nil
	case evNeedInput:
		return nil, nil
	case evEnd:
		d.ended = true
		if len(d.in) > 0 {
			d.err = op.TypeErrorf("invalid %s data: %v", d.format, errTrailing)
			return nil, d.err
		}
		d.in = nil
		return nil, nil
	}
	err := ev.err
	switch err {
	case io.ErrUnexpectedEOF, io.EOF:
		d.err = op.TypeErrorf("invalid %s data: the compressed stream is truncated", d.format)
	default:
		d.err = op.TypeErrorf("invalid %s data: %v", d.format, err)
	}
	return nil, d.err
}

func (d *decompressor) release() {
	if d.closed {
		return
	}
	d.closed = true
	close(d.quit) // the goroutine, if any, returns at its next report
}
