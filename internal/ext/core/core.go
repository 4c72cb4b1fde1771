// Package core is the first runtime extension: primordials (built-ins captured before user
// code) and the rt helpers every other extension uses (rt.expose, rt.opAsync).
package core

import (
	"embed"
	"io/fs"

	"islet/internal/ext"
)

//go:embed js/*.js
var files embed.FS

// Ext is the core extension.
var Ext = ext.Ext{Name: "core", JS: mustSub(files, "js")}

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
