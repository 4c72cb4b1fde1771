// Package fetch holds Headers, Request, Response and the Body mixin, plus the hooks the core
// uses to turn HTTP requests into Requests and Responses into HTTP responses
// (rt.internal.newIncomingRequest, rt.internal.responseParts), and fetch(): data: and blob:
// URLs are answered in JavaScript, http: and https: go out through Go's HTTP client with
// egress rules (client.go, package egress), a ReadableStream request body streamed to it
// (fetch_upload_write) and the response body streamed back (fetch_read).
package fetch

import (
	"embed"

	"islet/internal/ext"
	"islet/internal/op"
)

//go:embed js/*.js
var files embed.FS

// Ext is the fetch extension. It needs webidl, event, streams, url and encoding loaded before it.
var Ext = ext.Ext{Name: "fetch", JS: ext.JSDir(files), Ops: []op.Def{
	{Name: "fetch_send", Async: opSend},
	{Name: "fetch_read", Async: opRead},
	{Name: "fetch_cancel", Sync: opCancel},
	{Name: "fetch_abort", Sync: opAbort},
	{Name: "fetch_upload_write", Async: opUploadWrite},
	{Name: "fetch_upload_end", Sync: opUploadEnd},
}}
