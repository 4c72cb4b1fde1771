// Package fetch holds Headers, Request, Response and the Body mixin, plus the hooks the core
// uses to turn HTTP requests into Requests and Responses into HTTP responses
// (rt.internal.newIncomingRequest, rt.internal.responseParts), and outbound fetch() through
// Go's HTTP client with egress rules (client.go, egress.go).
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
}}
