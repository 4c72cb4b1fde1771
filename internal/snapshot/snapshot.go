// Package snapshot builds the V8 startup snapshot that every isolate starts from: all runtime
// extensions' JavaScript, evaluated once in extension order, and their ops. It is built once per
// process, on first use.
package snapshot

import (
	"fmt"
	"io/fs"
	"sort"
	"sync"

	"islet/internal/ext"
	"islet/internal/ext/all"
	"islet/internal/op"
	"islet/internal/v8"
)

var (
	once sync.Once
	snap *v8.Snapshot
	err  error
)

// Get returns the process's snapshot of all extensions, building it on the first call.
func Get() (*v8.Snapshot, error) {
	once.Do(func() { snap, err = Build(all.Exts) })
	return snap, err
}

// Build makes a snapshot of the given extensions: their ops in order, then their JS files in
// extension order and, within one, in file-name order. Each file is wrapped as the body of
// `(function (rt) { 'use strict'; … })` on its first line, so line numbers are unchanged.
func Build(exts []ext.Ext) (*v8.Snapshot, error) {
	var ops []op.Def
	var files []v8.SourceFile
	for _, e := range exts {
		ops = append(ops, e.Ops...)
		if e.JS == nil {
			continue
		}
		names, err := fs.Glob(e.JS, "*.js")
		if err != nil {
			return nil, fmt.Errorf("snapshot: extension %s: %w", e.Name, err)
		}
		sort.Strings(names)
		for _, n := range names {
			code, err := fs.ReadFile(e.JS, n)
			if err != nil {
				return nil, fmt.Errorf("snapshot: extension %s: %w", e.Name, err)
			}
			files = append(files, v8.SourceFile{
				Name: "ext:" + e.Name + "/" + n,
				Code: "(function (rt) { 'use strict'; " + string(code) + "\n})",
			})
		}
	}
	return v8.BuildSnapshot(ops, files)
}
