// Package webidl holds the runtime's WebIDL conversion helpers (rt.internal.webidl) and
// DOMException. It has no Go ops.
package webidl

import (
	"embed"

	"islet/internal/ext"
)

//go:embed js/*.js
var files embed.FS

// Ext is the webidl extension.
var Ext = ext.Ext{Name: "webidl", JS: ext.JSDir(files)}
