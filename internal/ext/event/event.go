// Package event holds Event, CustomEvent, ErrorEvent, EventTarget, AbortController,
// AbortSignal and reportError. It has no Go ops.
package event

import (
	"embed"
	"io/fs"

	"islet/internal/ext"
)

//go:embed js/*.js
var files embed.FS

// Ext is the event extension.
var Ext = ext.Ext{Name: "event", JS: jsFS()}

func jsFS() fs.FS {
	sub, err := fs.Sub(files, "js")
	if err != nil {
		panic(err)
	}
	return sub
}
