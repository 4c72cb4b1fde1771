// Package fetchevent is the Workers programming model's entry: the fetch event Go delivers for
// each HTTP request (rt.host.fetch), the module or service-worker handler it calls, and the ops
// that send the handler's Response back to Go and read the request body from Go.
package fetchevent

import (
	"embed"
	"strings"

	"islet/internal/ext"
	"islet/internal/op"
)

//go:embed js/*.js
var files embed.FS

// Host is what the isolate's owner provides for requests. Request ids are the ones Go passed to
// rt.host.fetch. Every method runs on the isolate's thread, inside a turn, and must not block.
type Host interface {
	// Respond sends a whole response; body is nil, a string's UTF-8 or bytes (copy to keep).
	// done says JS holds nothing more of the request (as RequestDone).
	Respond(id int, status int, statusText string, headers []string, body []byte, done bool) error
	// RespondHead sends the status and headers of a streamed response.
	RespondHead(id int, status int, statusText string, headers []string) error
	// WriteBody sends a chunk of a streamed body (copy it); done is called once it was written.
	WriteBody(id int, chunk []byte, done op.Completer) error
	// CloseBody ends a streamed body.
	CloseBody(id int) error
	// AbortBody ends a streamed body because its stream failed.
	AbortBody(id int, message, stack string)
	// Fail answers the request with the platform's error response for an exception.
	Fail(id int, message, stack string)
	// ReadBody reads the next chunk of the request body; done gets bytes, or null at the end.
	ReadBody(id int, done op.Completer) error
	// DiscardBody says the body will not be read further.
	DiscardBody(id int)
	// RequestDone says JS holds nothing more of the request (response sent, waitUntil settled).
	RequestDone(id int)
	// ReportError logs an error that has no request to answer (e.g. a failed waitUntil promise).
	ReportError(message, stack string)
}

func host(c *op.Call) (Host, error) {
	h, ok := c.Host.(Host)
	if !ok {
		return nil, op.TypeErrorf("this isolate does not serve requests")
	}
	return h, nil
}

func splitHeaders(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}

// head reads (id, status, statusText, headers) from the first four arguments.
func head(c *op.Call) (id, status int, statusText string, headers []string, err error) {
	if id, err = c.Int(0); err != nil {
		return
	}
	if status, err = c.Int(1); err != nil {
		return
	}
	if statusText, err = c.Str(2); err != nil {
		return
	}
	var h string
	if h, err = c.Str(3); err != nil {
		return
	}
	return id, status, statusText, splitHeaders(h), nil
}

// idOp makes an op taking a request id (and maybe strings) that returns nothing.
func idOp(f func(h Host, c *op.Call, id int) error) op.Func {
	return func(c *op.Call) (op.Value, error) {
		h, err := host(c)
		if err != nil {
			return op.Undefined, err
		}
		id, err := c.Int(0)
		if err != nil {
			return op.Undefined, err
		}
		return op.Undefined, f(h, c, id)
	}
}

func str(c *op.Call, i int) string {
	if v := c.Arg(i); v.Kind == op.KindString {
		return v.Str
	}
	return ""
}

// Ext is the fetch-event extension.
var Ext = ext.Ext{
	Name: "fetchevent",
	JS:   ext.JSDir(files),
	Ops: []op.Def{
		{Name: "fetch_respond", Sync: func(c *op.Call) (op.Value, error) {
			h, err := host(c)
			if err != nil {
				return op.Undefined, err
			}
			id, status, text, headers, err := head(c)
			if err != nil {
				return op.Undefined, err
			}
			var body []byte
			if b := c.Arg(4); !b.IsNullish() {
				if body, err = c.Buf(4); err != nil {
					return op.Undefined, err
				}
				if body == nil {
					body = []byte{}
				}
			}
			return op.Undefined, h.Respond(id, status, text, headers, body, c.Arg(5).Truthy())
		}},
		{Name: "fetch_respond_head", Sync: func(c *op.Call) (op.Value, error) {
			h, err := host(c)
			if err != nil {
				return op.Undefined, err
			}
			id, status, text, headers, err := head(c)
			if err != nil {
				return op.Undefined, err
			}
			return op.Undefined, h.RespondHead(id, status, text, headers)
		}},
		{Name: "fetch_body_write", Async: func(c *op.Call, done op.Completer) error {
			h, err := host(c)
			if err != nil {
				return err
			}
			id, err := c.Int(0)
			if err != nil {
				return err
			}
			chunk, err := c.Buf(1)
			if err != nil {
				return err
			}
			return h.WriteBody(id, chunk, done)
		}},
		{Name: "fetch_body_close", Sync: idOp(func(h Host, c *op.Call, id int) error { return h.CloseBody(id) })},
		{Name: "fetch_body_abort", Sync: idOp(func(h Host, c *op.Call, id int) error {
			h.AbortBody(id, str(c, 1), str(c, 2))
			return nil
		})},
		{Name: "fetch_fail", Sync: idOp(func(h Host, c *op.Call, id int) error {
			h.Fail(id, str(c, 1), str(c, 2))
			return nil
		})},
		{Name: "fetch_body_read", Async: func(c *op.Call, done op.Completer) error {
			h, err := host(c)
			if err != nil {
				return err
			}
			id, err := c.Int(0)
			if err != nil {
				return err
			}
			return h.ReadBody(id, done)
		}},
		{Name: "fetch_body_discard", Sync: idOp(func(h Host, c *op.Call, id int) error {
			h.DiscardBody(id)
			return nil
		})},
		{Name: "request_done", Sync: idOp(func(h Host, c *op.Call, id int) error {
			h.RequestDone(id)
			return nil
		})},
		{Name: "worker_report_error", Sync: func(c *op.Call) (op.Value, error) {
			if h, ok := c.Host.(Host); ok {
				h.ReportError(str(c, 0), str(c, 1))
			}
			return op.Undefined, nil
		}},
	},
}
