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
	// Lazy, when set, keeps the extension's JS out of the snapshot: it is evaluated in an
	// isolate the first time one of these globals or rt.internal names is read. Every isolate
	// carries the snapshot, so a large API few workers use is cheaper loaded on demand. A lazy
	// extension's files must take built-ins only from rt.primordials (they run after user code).
	Lazy *Lazy
}

// Lazy names what loads a lazy extension.
type Lazy struct {
	Globals   []string
	Internals []string
}

// JSDir returns the js/ folder of an extension's embedded files, where its js/NN_name.js
// files are. The folder is fixed by the //go:embed pattern, so a failure is a programming error
// and panics at start-up.
func JSDir(embedded fs.FS) fs.FS {
	sub, err := fs.Sub(embedded, "js")
	if err != nil {
		panic(err)
	}
	return sub
}
