// Package streams holds the WHATWG Streams Standard (https://streams.spec.whatwg.org/):
// ReadableStream (default and byte streams), WritableStream, TransformStream, their readers,
// writers and controllers, and the queuing strategies. It has no Go ops; Go-backed sources
// use rt.internal.newReadableStreamFromPull.
package streams

import (
	"embed"
	"io/fs"

	"islet/internal/ext"
)

//go:embed js/*.js
var files embed.FS

// Ext is the streams extension. It needs the webidl and event extensions loaded before it.
var Ext = ext.Ext{Name: "streams", JS: jsFS(), Ops: nil}

func jsFS() fs.FS {
	sub, err := fs.Sub(files, "js")
	if err != nil {
		panic(err)
	}
	return sub
}
