package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"islet/internal/ext/fetch"
	"islet/internal/gateway"
	"islet/internal/op"
)

// Request is one HTTP request served by an Instance. Its HTTP goroutine (Serve) owns the
// ResponseWriter; the executor side sends it the response as events on a channel, never
// blocking: a streamed body has at most one chunk in flight, whose op completes once written.
type Request struct {
	id     int
	inst   *Instance
	w      http.ResponseWriter
	r      *http.Request
	events chan respEvent
	gone   atomic.Bool // the HTTP side has returned

	mu         sync.Mutex
	writeDone  op.Completer // the in-flight body write's completion
	readActive bool

	// chain is the id of the chain of service-binding calls the request's calls belong to
	// (gateway.ChainHeader): its incoming request's, else one made up at its first call.
	// Executor only.
	chain string

	// Executor only.
	cpuUsed      time.Duration // CPU time charged for the turns run on this request's behalf
	runtimeCPU   time.Duration // CPU time of the runtime's own work in those turns (not charged)
	subrequests  int           // outbound fetches made on this request's behalf
	consoleBytes int           // console output written on this request's behalf
	conns        *fetch.Conns  // its open outbound connections (made on its first fetch)
	headSent     bool
	wroteHead    bool        // the HTTP goroutine wrote the head (serve's own copy of headSent)
	finished     bool        // the response is complete or failed
	released     bool        // JS is finished with the request
	expired      bool        // its waitUntil time ran out; what it still waits for is dropped
	waitTimer    *time.Timer // the waitUntil deadline, armed once the response is complete
}

type respKind int

const (
	evRespond respKind = iota
	evHead
	evChunk
	evClose
	evAbort
	evFail
)

type respEvent struct {
	kind    respKind
	status  int
	headers []string
	body    []byte
	message string
}

// Serve answers one HTTP request with the instance and returns when the response is complete
// (HTTP goroutine). The request's later work (waitUntil) goes on in the isolate. It returns
// false, having written nothing, if the instance was disposed before it could take the
// request (its owner evicted or replaced it meanwhile); the caller retries on a new instance.
func (inst *Instance) Serve(w http.ResponseWriter, r *http.Request) bool {
	if limit := inst.requestBodyLimit(); r.ContentLength > limit {
		gateway.WriteError(w, http.StatusRequestEntityTooLarge, gateway.NewErrorID(),
			fmt.Sprintf("the request body is larger than the worker's limit of %d bytes", limit))
		return true
	} else if r.Body != nil && r.Body != http.NoBody {
		// A body without a length is cut at the limit: reading past it fails in JS.
		r.Body = http.MaxBytesReader(w, r.Body, limit)
	}
	inst.inflight.Add(1)
	defer inst.inflight.Add(-1)
	inst.lastUsed.Store(time.Now().UnixNano())
	req := &Request{inst: inst, w: w, r: r, events: make(chan respEvent, 4)}
	if !inst.postAndRun(func() { inst.start(req) }, req) {
		return false
	}
	req.serve()
	return true
}

func (req *Request) serve() {
	defer req.gone.Store(true)
	ctx := req.r.Context()
	for {
		select {
		case ev := <-req.events:
			switch ev.kind {
			case evRespond:
				req.writeHead(ev.status, ev.headers, len(ev.body), ev.body != nil)
				if len(ev.body) > 0 {
					req.w.Write(ev.body)
				}
				return
			case evHead:
				req.writeHead(ev.status, ev.headers, -1, true)
				if f, ok := req.w.(http.Flusher); ok {
					f.Flush()
				}
			case evChunk:
				_, err := req.w.Write(ev.body)
				if err == nil {
					if f, ok := req.w.(http.Flusher); ok {
						f.Flush()
					}
				}
				req.finishWrite(err)
			case evClose:
				return
			case evAbort:
				// The body stream failed after the head went out: cut the connection so the
				// client sees an incomplete response rather than a truncated "complete" one.
				req.finishWrite(errors.New("response aborted"))
				panic(http.ErrAbortHandler)
			case evFail:
				req.w.Header().Set("content-type", "text/plain; charset=utf-8")
				req.w.Header().Set(gateway.HeaderErrorID, ev.headers[0])
				req.w.WriteHeader(ev.status)
				io.WriteString(req.w, ev.message)
				return
			}
		case <-req.inst.stuck:
			// The isolate's thread is inside a built-in that ignores termination; nothing will
			// answer from there in good time. headSent is the executor's, so a head already
			// written is known here only by the writer: abort the connection then.
			req.gone.Store(true)
			if req.wroteHead {
				panic(http.ErrAbortHandler)
			}
			id := gateway.NewErrorID()
			req.inst.log.Error("request failed: its worker's turn is stuck past the CPU limit", "error_id", id)
			req.w.Header().Set("content-type", "text/plain; charset=utf-8")
			req.w.Header().Set(gateway.HeaderErrorID, id)
			req.w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(req.w, "islet: the worker exceeded its CPU time limit inside a built-in that does not stop; its isolate is dropped (error id "+id+")\n")
			return
		case <-ctx.Done():
			req.finishWrite(errors.New("the client disconnected"))
			req.inst.Post(func() { req.inst.forget(req) })
			return
		}
	}
}

// writeHead writes status and headers; length ≥ 0 sets Content-Length for a whole body.
func (req *Request) writeHead(status int, headers []string, length int, hasBody bool) {
	req.wroteHead = true
	h := req.w.Header()
	for i := 0; i+1 < len(headers); i += 2 {
		if length >= 0 && strings.EqualFold(headers[i], "content-length") {
			continue
		}
		h[http.CanonicalHeaderKey(headers[i])] = append(h[http.CanonicalHeaderKey(headers[i])], headers[i+1])
	}
	if length >= 0 && hasBody && status != http.StatusNoContent && status != http.StatusNotModified {
		h.Set("content-length", strconv.Itoa(length))
	}
	if status < 200 || status > 999 {
		status = http.StatusInternalServerError
	}
	req.w.WriteHeader(status)
}

func (req *Request) finishWrite(err error) {
	req.mu.Lock()
	done := req.writeDone
	req.writeDone = nil
	req.mu.Unlock()
	if done != nil {
		if err != nil {
			done(op.Undefined, err)
		} else {
			done(op.Undefined, nil)
		}
	}
}

// send gives the HTTP side an event without blocking (executor side). It reports false when
// the HTTP side has gone.
func (req *Request) send(ev respEvent) bool {
	if req.gone.Load() {
		return false
	}
	select {
	case req.events <- ev:
		return true
	default:
		req.inst.log.Error("response event queue is full; dropping the request", "request", req.id)
		return false
	}
}

// failPlatform answers with the platform's own error (executor side).
func (req *Request) failPlatform(status int, message string) {
	if req.finished {
		return
	}
	req.finished = true
	req.inst.afterResponse(req)
	id := gateway.NewErrorID()
	req.inst.log.Error(message, "request", req.id, "error_id", id)
	req.fail(status, id, "islet: "+message)
}

func (req *Request) failLoad(err error) {
	if req.finished {
		return
	}
	req.finished = true
	id := gateway.NewErrorID()
	req.fail(http.StatusInternalServerError, id, "islet: "+err.Error())
}

func (req *Request) fail(status int, errorID, body string) {
	if req.headSent {
		req.send(respEvent{kind: evAbort})
		return
	}
	req.send(respEvent{kind: evFail, status: status, headers: []string{errorID},
		message: body + " (error id " + errorID + ")\n"})
}

// start delivers the request to the worker, loading it first if needed (executor only).
func (inst *Instance) start(req *Request) {
	inst.mu.Lock()
	delete(inst.unstarted, req)
	inst.mu.Unlock()
	if inst.state == stateNew {
		inst.load()
	}
	switch inst.state {
	case stateFailed:
		req.failLoad(inst.loadErr)
	case stateLoading:
		inst.waiting = append(inst.waiting, req)
	default:
		inst.dispatch(req)
	}
}

// dispatch runs the fetch event for req (executor only).
func (inst *Instance) dispatch(req *Request) {
	if req.gone.Load() {
		return
	}
	inst.nextID++
	req.id = inst.nextID
	inst.requests[req.id] = req
	r := req.r
	var hb strings.Builder
	first := true
	add := func(k, v string) {
		if !first {
			hb.WriteByte(0)
		}
		first = false
		hb.WriteString(k)
		hb.WriteByte(0)
		hb.WriteString(v)
	}
	add("host", isomorphicDecode(r.Host))
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		for _, v := range vs {
			add(lk, isomorphicDecode(v))
		}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	url := scheme + "://" + r.Host + r.URL.RequestURI()
	hasBody := r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
	inst.current = req
	err := inst.turn(req, func() error {
		_, err := inst.iso.CallHost("fetch", op.Int(req.id), op.String(r.Method), op.String(url),
			op.String(hb.String()), op.Bool(hasBody))
		return err
	})
	inst.afterTurn(err)
}

// isomorphicDecode turns header bytes into the string JS sees, one code point per byte (the
// Fetch standard's "isomorphic decode"): header values are bytes, and one that is not UTF-8
// (obs-text) must not turn into U+FFFD. ASCII, the common case, is returned as it is.
func isomorphicDecode(s string) string {
	i := 0
	for i < len(s) && s[i] < 0x80 {
		i++
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x80 {
			b = append(b, c)
		} else {
			b = append(b, 0xc0|c>>6, 0x80|c&0x3f)
		}
	}
	return string(b)
}

// forget drops a request whose client went away (executor only). Its waitUntil work goes on,
// for the usual time.
func (inst *Instance) forget(req *Request) {
	req.finished = true
	inst.afterResponse(req)
	if _, ok := inst.requests[req.id]; ok && inst.iso != nil {
		delete(inst.requests, req.id)
		err := inst.turn(nil, func() error {
			_, err := inst.iso.CallHost("requestGone", op.Int(req.id))
			return err
		})
		inst.afterTurn(err)
	}
}

func (inst *Instance) request(id int) (*Request, error) {
	req, ok := inst.requests[id]
	if !ok {
		return nil, op.TypeErrorf("request %d is not in flight", id)
	}
	return req, nil
}

// ioRequest returns request id for body I/O, refusing I/O on behalf of a request other than the
// one whose event the current turn runs (a body kept in a global and read by a later request).
func (inst *Instance) ioRequest(id int) (*Request, error) {
	req, ok := inst.requests[id]
	if cur := inst.current; cur != nil && (!ok || cur != req) {
		return nil, op.TypeErrorf("Cannot perform I/O on behalf of a different request: this body belongs to another request")
	}
	if !ok {
		return nil, op.TypeErrorf("request %d is not in flight", id)
	}
	return req, nil
}

// The fetchevent.Host methods, called by ops inside turns.

// Respond sends a whole response.
func (inst *Instance) Respond(id, status int, statusText string, headers []string, body []byte, done bool) error {
	req, ok := inst.requests[id]
	if !ok {
		return nil // the client went away; nobody is waiting for this response
	}
	if req.finished || req.headSent {
		return op.TypeErrorf("the response was already sent")
	}
	req.finished, req.headSent = true, true
	if body != nil {
		body = append([]byte(nil), body...)
	}
	req.send(respEvent{kind: evRespond, status: status, headers: headers, body: body})
	if done {
		delete(inst.requests, id)
		req.release()
	} else {
		inst.afterResponse(req)
	}
	return nil
}

// RespondHead sends a streamed response's head.
func (inst *Instance) RespondHead(id, status int, statusText string, headers []string) error {
	req, ok := inst.requests[id]
	if !ok {
		return nil // the client went away; nobody is waiting for this response
	}
	if req.finished || req.headSent {
		return op.TypeErrorf("the response was already sent")
	}
	req.headSent = true
	req.send(respEvent{kind: evHead, status: status, headers: headers})
	return nil
}

// WriteBody sends one chunk of a streamed body.
func (inst *Instance) WriteBody(id int, chunk []byte, done op.Completer) error {
	req, err := inst.ioRequest(id)
	if err != nil {
		return err
	}
	req.mu.Lock()
	if req.writeDone != nil {
		req.mu.Unlock()
		return op.TypeErrorf("a body write is already in flight")
	}
	req.writeDone = done
	req.mu.Unlock()
	if !req.send(respEvent{kind: evChunk, body: append([]byte(nil), chunk...)}) {
		req.finishWrite(errors.New("the client disconnected"))
	}
	return nil
}

// CloseBody ends a streamed body.
func (inst *Instance) CloseBody(id int) error {
	req, ok := inst.requests[id]
	if !ok {
		return nil // the client went away; nobody is waiting for this response
	}
	req.finished = true
	req.send(respEvent{kind: evClose})
	inst.afterResponse(req)
	return nil
}

// AbortBody ends a streamed body whose stream failed.
func (inst *Instance) AbortBody(id int, message, stack string) {
	req, err := inst.request(id)
	if err != nil {
		return
	}
	inst.log.Error("response body stream failed: "+message, "request", id, "stack", inst.stack(stack))
	req.finished = true
	req.send(respEvent{kind: evAbort})
	inst.afterResponse(req)
}

// Fail answers the request with a 500 for an exception in the worker.
func (inst *Instance) Fail(id int, message, stack string) {
	req, err := inst.request(id)
	if err != nil || req.finished {
		return
	}
	req.finished = true
	errID := gateway.NewErrorID()
	inst.log.Error("worker threw: "+message, "request", id, "error_id", errID, "stack", inst.stack(stack))
	body := "islet: the worker threw an exception; the node's log has its stack"
	if inst.deps.ExposeErrors {
		body = "islet: the worker threw an exception: " + inst.stack(stack)
		if stack == "" {
			body = "islet: the worker threw an exception: " + message
		}
	} else if strings.HasPrefix(message, "TypeError: The fetch handler returned ") {
		body = "islet: " + strings.TrimPrefix(message, "TypeError: ")
	}
	req.fail(http.StatusInternalServerError, errID, body)
	inst.afterResponse(req)
}

// ReadBody reads the next chunk of the request body on a goroutine.
func (inst *Instance) ReadBody(id int, done op.Completer) error {
	req, err := inst.ioRequest(id)
	if err != nil {
		return err
	}
	req.mu.Lock()
	if req.readActive {
		req.mu.Unlock()
		return op.TypeErrorf("a body read is already in flight")
	}
	req.readActive = true
	req.mu.Unlock()
	go func() {
		buf := make([]byte, 64<<10)
		n, err := req.r.Body.Read(buf)
		req.mu.Lock()
		req.readActive = false
		req.mu.Unlock()
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			done(op.Undefined, op.TypeErrorf("the request body is larger than the worker's limit of %d bytes", tooLarge.Limit))
		case n > 0:
			done(op.Bytes(buf[:n]), nil)
		case err == io.EOF:
			done(op.Null, nil)
		case err != nil:
			done(op.Undefined, op.TypeErrorf("reading the request body failed: %v", err))
		default:
			done(op.Bytes(nil), nil)
		}
	}()
	return nil
}

// DiscardBody notes that JS will not read the body further.
func (inst *Instance) DiscardBody(id int) {}

// RequestDone forgets a request JS is finished with.
func (inst *Instance) RequestDone(id int) {
	if req, ok := inst.requests[id]; ok {
		req.finished = true
		delete(inst.requests, id)
		req.release()
	}
}

// ReportError logs an error no request can be answered with.
func (inst *Instance) ReportError(message, stack string) {
	attrs := []any{"stack", inst.stack(stack)}
	if inst.current != nil {
		attrs = append(attrs, "request", inst.current.id)
	}
	inst.log.Error(message, attrs...)
}

// ConsoleLog writes a console.* line to the node's log (console.Sink).
// Each request's output is capped (Limits.ConsoleBytes).
func (inst *Instance) ConsoleLog(level int, msg string) {
	if !inst.consoleAllowed(msg) {
		return
	}
	lv := slog.LevelInfo
	switch level {
	case 0:
		lv = slog.LevelDebug
	case 2:
		lv = slog.LevelWarn
	case 3:
		lv = slog.LevelError
	}
	attrs := []any{"source", "console"}
	if inst.current != nil {
		attrs = append(attrs, "request", inst.current.id)
	}
	inst.log.Log(context.Background(), lv, msg, attrs...)
}

// MaxTimers is how many timers one isolate may have armed at once.
const MaxTimers = 10000

// StartTimer arms timer id (timers.Host). Past MaxTimers live timers it refuses with a
// RangeError, so a timer storm cannot grow the node's memory without bound.
func (inst *Instance) StartTimer(id int, delay time.Duration) error {
	if old, ok := inst.timers[id]; ok {
		old.t.Stop()
	} else if len(inst.timers) >= MaxTimers {
		return op.RangeErrorf("too many timers: a worker may have %d armed at once; clear some first", MaxTimers)
	}
	t := &timer{owner: inst.current}
	t.t = time.AfterFunc(delay, func() { inst.Post(func() { inst.fireTimer(id, t) }) })
	inst.timers[id] = t
	return nil
}

// CancelTimer disarms timer id (timers.Host).
func (inst *Instance) CancelTimer(id int) {
	if t, ok := inst.timers[id]; ok {
		t.t.Stop()
		delete(inst.timers, id)
	}
}

func (inst *Instance) fireTimer(id int, t *timer) {
	if cur, ok := inst.timers[id]; !ok || cur != t || inst.iso == nil {
		return
	}
	delete(inst.timers, id)
	inst.current = t.owner
	err := inst.turn(t.owner, func() error {
		_, err := inst.iso.CallHost("timerFired", op.Int(id))
		return err
	})
	inst.afterTurn(err)
}

// BeginSubrequest counts an outbound fetch against the current request (Limits.Subrequests)
// and returns the loop depth it carries: one more than the request's own (fetch.Host).
func (inst *Instance) BeginSubrequest() (int, error) {
	req := inst.current
	if req == nil {
		return 1, nil
	}
	if req.expired {
		return 0, op.TypeErrorf("the request's waitUntil() time is over; it can make no more subrequests")
	}
	if max := inst.subrequestLimit(); req.subrequests >= max {
		return 0, op.TypeErrorf("Too many subrequests: a request may make at most %d", max)
	}
	req.subrequests++
	depth, _ := strconv.Atoi(req.r.Header.Get(fetch.LoopHeader))
	return depth + 1, nil
}

// FetchResources is the instance's table of outbound fetches (fetch.Host).
func (inst *Instance) FetchResources() *fetch.Resources { return &inst.fetches }
