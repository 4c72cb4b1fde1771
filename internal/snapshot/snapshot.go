// Package snapshot builds the V8 startup snapshot that every isolate starts from: all runtime
// extensions' JavaScript, evaluated once in extension order, and their ops. It is built once per
// process, on first use.
package snapshot

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"

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

// minify strips comments and whitespace from a runtime file with esbuild. Isolates share the
// runtime's source text (v8.BuildSnapshot keeps it outside their heaps), so this is paid once per
// process; it still makes the text about 40% smaller, and V8 scans it when it compiles a
// function lazily. Identifiers are kept, so class and function names stay as the specs say.
func minify(name, code string) (string, error) {
	// An assignment keeps esbuild from dropping the (side-effect free) function expression.
	res := api.Transform("__islet_file="+code, api.TransformOptions{
		MinifyWhitespace: true,
		MinifySyntax:     true,
		Sourcefile:       name,
		Target:           api.ESNext,
		LegalComments:    api.LegalCommentsNone,
	})
	if len(res.Errors) > 0 {
		e := res.Errors[0]
		if e.Location != nil {
			return "", fmt.Errorf("%s:%d:%d: %s", name, e.Location.Line, e.Location.Column, e.Text)
		}
		return "", fmt.Errorf("%s: %s", name, e.Text)
	}
	out := strings.TrimSuffix(strings.TrimSuffix(string(res.Code), "\n"), ";")
	if !strings.HasPrefix(out, "__islet_file=") {
		return "", fmt.Errorf("%s: unexpected minifier output", name)
	}
	return strings.TrimPrefix(out, "__islet_file="), nil
}

// Build makes a snapshot of the given extensions: their ops in order, then their JS files in
// extension order and, within one, in file-name order. Each file is wrapped as the body of
// `(function (rt) { 'use strict'; … })` and minified. A lazy extension's files are kept out
// of the snapshot; the snapshot instead defines accessors (rt.defineLazy) that load them with
// the runtime_load op on first use.
func Build(exts []ext.Ext) (*v8.Snapshot, error) {
	var ops []op.Def
	var files []v8.SourceFile
	lazy := map[string][]v8.SourceFile{}
	var lazyDefs []string
	for _, e := range exts {
		ops = append(ops, e.Ops...)
		if e.JS == nil {
			continue
		}
		src, err := extFiles(e)
		if err != nil {
			return nil, err
		}
		if e.Lazy == nil {
			files = append(files, src...)
			continue
		}
		lazy[e.Name] = src
		g, _ := json.Marshal(append([]string{}, e.Lazy.Globals...))
		in, _ := json.Marshal(append([]string{}, e.Lazy.Internals...))
		lazyDefs = append(lazyDefs, fmt.Sprintf("rt.defineLazy(%q, %s, %s);", e.Name, g, in))
	}
	files = append([]v8.SourceFile{primordialNames(files, lazy)}, files...)
	if len(lazyDefs) > 0 {
		files = append(files, v8.SourceFile{
			Name: "ext:lazy.js",
			Code: "(function (rt) { 'use strict'; " + strings.Join(lazyDefs, "\n") + "\n})",
		})
	}
	ops = append(ops, op.Def{Name: "runtime_load", Sync: func(c *op.Call) (op.Value, error) {
		name, err := c.Str(0)
		if err != nil {
			return op.Undefined, err
		}
		src, ok := lazy[name]
		if !ok {
			return op.Undefined, op.TypeErrorf("no lazy extension %q", name)
		}
		iso, ok := c.Runtime.(*v8.Isolate)
		if !ok {
			return op.Undefined, op.TypeErrorf("runtime_load: no isolate")
		}
		// The runtime's own code: its CPU time is not the worker's, and a CPU limit must not
		// stop it half-loaded.
		c.Uncharged(func() {
			for _, f := range src {
				if err = iso.EvalRuntime(f.Name, f.Code); err != nil {
					err = fmt.Errorf("loading %s: %w", f.Name, err)
					return
				}
			}
		})
		return op.Undefined, err
	}})
	return v8.BuildSnapshot(ops, files)
}

// identifier matches a capitalised word of the runtime's (ASCII) source: every primordial's
// name is one.
var identifier = regexp.MustCompile(`\b[A-Z][A-Za-z0-9_]*`)

// primordialNames is the file evaluated first: it hands core's primordials the list of every
// capitalised identifier in the runtime's files, eager and lazy, so that only built-ins some
// file can name are captured. A name inside a string or a comment is listed too, which only
// captures more.
func primordialNames(files []v8.SourceFile, lazy map[string][]v8.SourceFile) v8.SourceFile {
	names := map[string]bool{}
	add := func(fs []v8.SourceFile) {
		for _, f := range fs {
			for _, id := range identifier.FindAllString(f.Code, -1) {
				names[id] = true
			}
		}
	}
	add(files)
	for _, fs := range lazy {
		add(fs)
	}
	list, _ := json.Marshal(slices.Sorted(maps.Keys(names)))
	return v8.SourceFile{
		Name: "ext:primordial-names.js",
		Code: "(function (rt) { 'use strict'; rt.primordialNames = " + string(list) + ";\n})",
	}
}

// extFiles reads, wraps and minifies an extension's JS files in name order.
func extFiles(e ext.Ext) ([]v8.SourceFile, error) {
	names, err := fs.Glob(e.JS, "*.js")
	if err != nil {
		return nil, fmt.Errorf("snapshot: extension %s: %w", e.Name, err)
	}
	sort.Strings(names)
	var out []v8.SourceFile
	for _, n := range names {
		code, err := fs.ReadFile(e.JS, n)
		if err != nil {
			return nil, fmt.Errorf("snapshot: extension %s: %w", e.Name, err)
		}
		name := "ext:" + e.Name + "/" + n
		src, err := minify(name, "(function (rt) { 'use strict'; "+string(code)+"\n})")
		if err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		out = append(out, v8.SourceFile{Name: name, Code: src})
	}
	return out, nil
}
