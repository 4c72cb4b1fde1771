// Package ext declares what a runtime extension is: a Web API family's JavaScript files and the
// Go ops they call. The extensions themselves live in the packages below this one.
package ext

import (
	"io/fs"

	"islet/internal/op"
)

// Ext is one extension.
type Ext struct {
	Name string
	// JS holds the extension's js/NN_name.js files; they are evaluated in name order.
	JS fs.FS
	// Ops are the Go ops the JS calls as rt.ops.<name> or rt.opAsync(name, …).
	Ops []op.Def
}
