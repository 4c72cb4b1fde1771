// Package compression holds CompressionStream and DecompressionStream
// (https://compression.spec.whatwg.org/) for the "gzip", "deflate" (zlib), "deflate-raw" and
// "brotli" formats, backed by Go's compress/gzip, compress/zlib and compress/flate, and by
// github.com/andybalholm/brotli (a pure-Go port of the reference brotli library).
//
// Each stream's Go state (a codec) lives in a per-isolate table under an integer id. The JS side
// pushes each written chunk and pulls output in chunks of at most ChunkSize bytes, one per read
// of the readable side (so a small input that inflates to gigabytes is produced as it is read,
// never all at once). The state is freed when the stream finishes, errors or is cancelled, when
// the stream becomes garbage (a FinalizationRegistry), and at the latest with the isolate; at
// most MaxStreams states (of them at most MaxBrotliStreams brotli ones) exist per isolate.
package compression

import (
	"embed"

	"islet/internal/ext"
	"islet/internal/op"
)

//go:embed js/*.js
var files embed.FS

// Ext is the compression extension. It needs webidl and streams (it reaches the transform
// stream internals through rt.internal.streamsShared).
//
// It is lazy (see ext.Lazy): loaded in an isolate when a worker first touches one of these.
var Ext = ext.Ext{
	Name: "compression",
	JS:   ext.JSDir(files),
	Ops: []op.Def{
		{Name: "compression_new", Sync: opNew},
		{Name: "compression_push", Sync: opPush},
		{Name: "compression_pull", Sync: opPull},
		{Name: "compression_finish", Sync: opFinish},
		{Name: "compression_free", Sync: opFree},
	},
	Lazy: &ext.Lazy{Globals: []string{"CompressionStream", "DecompressionStream"}},
}

// opNew is compression_new(format, compress bool) → id of a new codec state.
func opNew(c *op.Call) (op.Value, error) {
	t, err := tableFor(c)
	if err != nil {
		return op.Undefined, err
	}
	format, err := c.Str(0)
	if err != nil {
		return op.Undefined, err
	}
	s, err := newCodec(format, c.Arg(1).Truthy())
	if err != nil {
		return op.Undefined, err
	}
	id, err := t.Add(s, admit(s))
	if err != nil {
		return op.Undefined, err
	}
	return op.Int(id), nil
}

func state(c *op.Call) (codec, error) {
	t, err := tableFor(c)
	if err != nil {
		return nil, err
	}
	id, err := c.Int(0)
	if err != nil {
		return nil, err
	}
	return get(t, id)
}

// opPush is compression_push(id, bytes): hands a chunk of input to the codec (copied).
func opPush(c *op.Call) (op.Value, error) {
	s, err := state(c)
	if err != nil {
		return op.Undefined, err
	}
	data, err := c.Buf(1)
	if err != nil {
		return op.Undefined, err
	}
	return op.Undefined, s.push(data)
}

// opPull is compression_pull(id) → the next output chunk (a Uint8Array of at most ChunkSize
// bytes), or null when the codec needs more input or, after compression_finish, is done. A
// corrupt, truncated or over-long compressed stream throws a TypeError.
func opPull(c *op.Call) (op.Value, error) {
	s, err := state(c)
	if err != nil {
		return op.Undefined, err
	}
	out, err := s.pull()
	if err != nil {
		return op.Undefined, err
	}
	if out == nil {
		return op.Null, nil
	}
	return op.Bytes(out), nil
}

// opFinish is compression_finish(id): marks the end of the input.
func opFinish(c *op.Call) (op.Value, error) {
	s, err := state(c)
	if err != nil {
		return op.Undefined, err
	}
	s.finish()
	return op.Undefined, nil
}

// opFree is compression_free(id): releases the codec state; freeing twice is harmless.
func opFree(c *op.Call) (op.Value, error) {
	t, err := tableFor(c)
	if err != nil {
		return op.Undefined, err
	}
	id, err := c.Int(0)
	if err != nil {
		return op.Undefined, err
	}
	t.Free(id)
	return op.Undefined, nil
}
