// Package streams holds the WHATWG Streams Standard (https://streams.spec.whatwg.org/):
// ReadableStream (default and byte streams), WritableStream, TransformStream, their readers,
// writers and controllers, and the queuing strategies. It has no Go ops; Go-backed sources
// use rt.internal.newReadableStreamFromPull.
package streams

import (
	"embed"

	"islet/internal/ext"
)

//go:embed js/*.js
var files embed.FS

// Ext is the streams extension. It needs the webidl and event extensions loaded before it.
//
// It is lazy: its code (about 450 KB of heap per isolate, a third of the runtime) is evaluated
// in an isolate only when the worker first touches a stream class or a body stream, so a
// worker that answers with strings never pays for it. The lists name everything its files
// define; TestLazyNamesAreComplete checks them.
var Ext = ext.Ext{Name: "streams", JS: ext.JSDir(files), Lazy: &ext.Lazy{
	Globals: []string{
		"ByteLengthQueuingStrategy", "CountQueuingStrategy", "ReadableByteStreamController",
		"ReadableStream", "ReadableStreamBYOBReader", "ReadableStreamBYOBRequest",
		"ReadableStreamDefaultController", "ReadableStreamDefaultReader", "TransformStream",
		"TransformStreamDefaultController", "WritableStream", "WritableStreamDefaultController",
		"WritableStreamDefaultWriter",
	},
	Internals: []string{
		"ByteLengthQueuingStrategy", "CountQueuingStrategy", "ReadableByteStreamController",
		"ReadableStream", "ReadableStreamBYOBReader", "ReadableStreamBYOBRequest",
		"ReadableStreamDefaultController", "ReadableStreamDefaultReader", "TransformStream",
		"TransformStreamDefaultController", "WritableStream", "WritableStreamDefaultController",
		"WritableStreamDefaultWriter", "isReadableStream", "isReadableStreamDisturbed",
		"isReadableStreamLocked", "isTransformStream", "isWritableStream",
		"newReadableStreamFromBytes", "newReadableStreamFromPull", "readableStreamCancel",
		"readableStreamCollect", "readableStreamProxy",
		"readableStreamGetReader", "readableStreamRead", "readableStreamReadAll",
		"readableStreamReleaseReader", "readableStreamTee", "streamsShared",
	},
}}
