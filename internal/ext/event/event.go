// Package event holds Event, CustomEvent, ErrorEvent, EventTarget, AbortController,
// AbortSignal and reportError. It has no Go ops.
package event

import (
	"embed"

	"islet/internal/ext"
)

//go:embed js/*.js
var files embed.FS

// Ext is the event extension.
var Ext = ext.Ext{Name: "event", JS: ext.JSDir(files)}
