// Package blob holds Blob, File, FileReader (https://w3c.github.io/FileAPI/), ProgressEvent and FormData
// (https://xhr.spec.whatwg.org/#interface-formdata), plus the hooks the fetch extension's Body
// mixin uses: rt.internal.isBlob, blobBytes, blobType, isFormData, encodeFormData and
// parseFormData. A Blob keeps its bytes in JavaScript, in a Uint8Array no user code can reach.
// It has no Go ops.
package blob

import (
	"embed"

	"islet/internal/ext"
)

//go:embed js/*.js
var files embed.FS

// Ext is the blob extension. It needs webidl, url and encoding loaded before it, and must load
// before fetch.
//
// It is lazy (see ext.Lazy): loaded in an isolate when a worker first touches one of these.
var Ext = ext.Ext{Name: "blob", JS: ext.JSDir(files), Lazy: &ext.Lazy{
	Globals: []string{"Blob", "File", "FileReader", "FormData", "ProgressEvent"},
	Internals: []string{
		"Blob", "File", "FileReader", "FormData", "ProgressEvent", "blobAsFile", "blobBytes",
		"blobType", "cloneBlob", "encodeFormData", "fileLastModified", "fileName", "isBlob",
		"isFile", "isFormData", "newBlob", "newFile", "parseFormData", "parseMimeType",
	},
}}
