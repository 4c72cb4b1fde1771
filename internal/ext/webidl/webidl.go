// Package webidl holds the runtime's WebIDL conversion helpers (rt.internal.webidl) and
// DOMException. It has no Go ops.
package webidl

import (
	"embed"
	"io/fs"

	"islet/internal/ext"
)

//go:embed js/*.js
var files embed.FS

// Ext is the webidl extension.
var Ext = ext.Ext{Name: "webidl", JS: jsFS()}

func jsFS() fs.FS {
	sub, err := fs.Sub(files, "js")
	if err != nil {
		panic(err)
	}
	return sub
}
