// Package console holds the console namespace. The JavaScript formats each call's arguments
// into one line of text; the op hands it to the isolate's host.
package console

import (
	"embed"

	"islet/internal/ext"
	"islet/internal/op"
)

//go:embed js/*.js
var files embed.FS

// The levels console_log is called with.
const (
	LevelDebug = 0 // console.debug
	LevelLog   = 1 // console.log, info, dir, table, count, time…, trace, group
	LevelWarn  = 2 // console.warn
	LevelError = 3 // console.error, assert, uncaught errors
)

// Sink receives console output. The op calls it when the isolate's host (op.Call.Host)
// implements it; otherwise the line is dropped.
type Sink interface {
	ConsoleLog(level int, msg string)
}

// Ext is the console extension. It is lazy (see ext.Lazy): loaded in an isolate when a worker
// first touches console or the runtime first logs an uncaught error. How the runtime's own
// classes print is registered eagerly by their extensions (core's 04_inspectors.js).
var Ext = ext.Ext{
	Name: "console",
	JS:   ext.JSDir(files),
	Ops:  []op.Def{{Name: "console_log", Sync: opLog}},
	Lazy: &ext.Lazy{
		Globals:   []string{"console"},
		Internals: []string{"inspect", "inspectJSON", "indentLines", "console", "format", "consoleError", "consoleLog"},
	},
}

// opLog is console_log(level number, text string) → undefined.
func opLog(c *op.Call) (op.Value, error) {
	level, err := c.Int(0)
	if err != nil {
		return op.Undefined, err
	}
	if level < LevelDebug || level > LevelError {
		return op.Undefined, op.RangeErrorf("console_log: level %d out of range", level)
	}
	msg, err := c.Str(1)
	if err != nil {
		return op.Undefined, err
	}
	if s, ok := c.Host.(Sink); ok {
		s.ConsoleLog(level, msg)
	}
	return op.Undefined, nil
}
