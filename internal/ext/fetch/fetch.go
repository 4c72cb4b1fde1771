// Package fetch holds Headers, Request, Response and the Body mixin, plus the hooks the core
// uses to turn HTTP requests into Requests and Responses into HTTP responses
// (rt.internal.newIncomingRequest, rt.internal.responseParts). It has no Go ops yet: outbound
// fetch() is a later issue.
package fetch

import (
	"embed"
	"io/fs"

	"islet/internal/ext"
)

//go:embed js/*.js
var files embed.FS

// Ext is the fetch extension. It needs webidl, event, streams, url and encoding loaded before it.
var Ext = ext.Ext{Name: "fetch", JS: jsFS()}

func jsFS() fs.FS {
	sub, err := fs.Sub(files, "js")
	if err != nil {
		panic(err)
	}
	return sub
}
