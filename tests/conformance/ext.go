package wpt

import (
	"embed"
	"mime"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"islet/internal/ext"
	"islet/internal/ext/all"
	"islet/internal/op"
	"islet/internal/snapshot"
	"islet/internal/v8"
)

//go:embed js/*.js
var jsFiles embed.FS

// Ext is the runner's test-only extension (js/00_wpt.js and its ops). Its ops find the file
// run they serve as op.Call.Host.
var Ext = ext.Ext{Name: "wpt", JS: ext.JSDir(jsFiles), Ops: []op.Def{
	{Name: "wpt_result", Sync: opResult},
	{Name: "wpt_complete", Sync: opComplete},
	{Name: "wpt_log", Sync: opLog},
}}

var (
	snapOnce sync.Once
	snap     *v8.Snapshot
	snapErr  error
)

// Snapshot returns the runner's snapshot: every runtime extension, then Ext. It is built once
// per process.
func Snapshot() (*v8.Snapshot, error) {
	snapOnce.Do(func() {
		snap, snapErr = snapshot.Build(append(slices.Clone(all.Exts), Ext))
	})
	return snap, snapErr
}

func host(c *op.Call) (*fileRun, error) {
	r, ok := c.Host.(*fileRun)
	if !ok {
		return nil, op.TypeErrorf("wpt ops run only under the WPT runner")
	}
	return r, nil
}

// opResult is wpt_result(name, status, message string, final bool): one subtest's result, from
// a result callback (final false) or the completion callback's list (final true).
func opResult(c *op.Call) (op.Value, error) {
	r, err := host(c)
	if err != nil {
		return op.Undefined, err
	}
	name, _ := c.Str(0)
	status, _ := c.Str(1)
	msg, _ := c.Str(2)
	r.result(Subtest{Name: name, Status: status, Message: msg}, c.Arg(3).Truthy())
	return op.Undefined, nil
}

// opComplete is wpt_complete(harnessStatus, message string).
func opComplete(c *op.Call) (op.Value, error) {
	r, err := host(c)
	if err != nil {
		return op.Undefined, err
	}
	status, _ := c.Str(0)
	msg, _ := c.Str(1)
	r.complete(status, msg)
	return op.Undefined, nil
}

// opLog is wpt_log(text string): a line for the file's log.
func opLog(c *op.Call) (op.Value, error) {
	r, err := host(c)
	if err != nil {
		return op.Undefined, err
	}
	s, _ := c.Str(0)
	r.log(s)
	return op.Undefined, nil
}

func contentType(file string) string {
	switch ext := strings.ToLower(filepath.Ext(file)); ext {
	case ".js":
		return "text/javascript"
	case ".json":
		return "application/json"
	case ".txt", ".idl":
		return "text/plain"
	case ".html", ".htm":
		return "text/html"
	default:
		if t := mime.TypeByExtension(ext); t != "" {
			return t
		}
	}
	return "application/octet-stream"
}
