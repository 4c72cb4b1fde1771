// Package clone holds structuredClone (https://html.spec.whatwg.org/#dom-structuredclone): the
// HTML structured serialize/deserialize algorithms, run in JavaScript as one pass that copies
// the value graph. Blob and File are cloned through the blob extension's rt.internal hooks.
// ArrayBuffers in the transfer list are copied into the clone and then detached
// (ArrayBuffer.prototype.transfer).
package clone

import (
	"embed"

	"islet/internal/ext"
)

//go:embed js/*.js
var files embed.FS

// Ext is the clone extension. It needs webidl and blob loaded before it.
//
// It is lazy (see ext.Lazy): loaded in an isolate when a worker first calls structuredClone.
var Ext = ext.Ext{Name: "clone", JS: ext.JSDir(files), Lazy: &ext.Lazy{
	Globals:   []string{"structuredClone"},
	Internals: []string{"structuredClone"},
}}
