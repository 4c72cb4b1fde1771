// Package core is the first runtime extension: primordials (built-ins captured before user
// code) and the rt helpers every other extension uses (rt.expose, rt.opAsync).
package core

import (
	"embed"

	"islet/internal/ext"
)

//go:embed js/*.js
var files embed.FS

// Ext is the core extension.
var Ext = ext.Ext{Name: "core", JS: ext.JSDir(files)}
