package fetch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"islet/internal/egress"
	weburl "islet/internal/ext/url"
	"islet/internal/gateway"
	"islet/internal/op"
)

// Host is what outbound fetch needs from the isolate's owner.
type Host interface {
	// BeginSubrequest counts one subrequest against the current request's limit and returns
	// a TypeError past it, else the loop depth the subrequest carries (LoopHeader).
	BeginSubrequest() (depth int, err error)
	// FetchResources is the isolate's table of in-flight fetches and response bodies.
	FetchResources() *Resources
}

// ServiceHost is a Host whose worker may have service bindings: ServiceTransport is how a
// fetch() on env.<binding> reaches the worker it binds (in process, not over the network), or
// why it cannot.
type ServiceHost interface {
	ServiceTransport(binding string) (http.RoundTripper, error)
}

// Resources holds an isolate's in-flight fetches (by the token JS gave) and the bodies of
// their responses (by id), so JS refers to them by integers that mean nothing in another
// isolate. The zero value is ready to use; CloseAll ends everything when the isolate goes.
type Resources struct {
	mu      sync.Mutex
	nextID  int
	cancels map[int]context.CancelFunc
	bodies  map[int]io.ReadCloser
	uploads map[int]*io.PipeWriter // streamed request bodies, by fetch token
	closed  bool
}

func (r *Resources) addUpload(token int, w *io.PipeWriter) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	if r.uploads == nil {
		r.uploads = map[int]*io.PipeWriter{}
	}
	r.uploads[token] = w
	return true
}

func (r *Resources) upload(token int) *io.PipeWriter {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.uploads[token]
}

// endUpload closes a streamed request body: at its end (err nil) or failed.
func (r *Resources) endUpload(token int, err error) {
	r.mu.Lock()
	w := r.uploads[token]
	delete(r.uploads, token)
	r.mu.Unlock()
	if w != nil {
		w.CloseWithError(err)
	}
}

func (r *Resources) addCancel(token int, cancel context.CancelFunc) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	if r.cancels == nil {
		r.cancels = map[int]context.CancelFunc{}
	}
	r.cancels[token] = cancel
	return true
}

func (r *Resources) dropCancel(token int) {
	r.mu.Lock()
	delete(r.cancels, token)
	r.mu.Unlock()
}

func (r *Resources) abort(token int) {
	r.mu.Lock()
	cancel := r.cancels[token]
	r.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

func (r *Resources) addBody(b io.ReadCloser) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		b.Close()
		return -1
	}
	if r.bodies == nil {
		r.bodies = map[int]io.ReadCloser{}
	}
	r.nextID++
	r.bodies[r.nextID] = b
	return r.nextID
}

func (r *Resources) body(id int) io.ReadCloser {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bodies[id]
}

func (r *Resources) closeBody(id int) {
	r.mu.Lock()
	b := r.bodies[id]
	delete(r.bodies, id)
	r.mu.Unlock()
	if b != nil {
		b.Close()
	}
}

// CloseAll cancels every in-flight fetch and closes every body.
func (r *Resources) CloseAll() {
	r.mu.Lock()
	r.closed = true
	cancels, bodies, uploads := r.cancels, r.bodies, r.uploads
	r.cancels, r.bodies, r.uploads = nil, nil, nil
	r.mu.Unlock()
	for _, w := range uploads {
		w.CloseWithError(errors.New("fetch: the worker is shutting down"))
	}
	for _, c := range cancels {
		c()
	}
	for _, b := range bodies {
		b.Close()
	}
}

// LoopHeader is the header that carries a request's depth in a chain of fetches through
// workers (see gateway.LoopHeader).
const LoopHeader = gateway.LoopHeader

// UserAgent is the user-agent of outbound fetches and navigator.userAgent.
const UserAgent = "islet"

// maxRedirects is how many redirects fetch follows in "follow" mode, as the Fetch standard says.
const maxRedirects = 20

var transport = &http.Transport{
	DialContext:           egress.Base().Dial,
	ForceAttemptHTTP2:     true,
	MaxIdleConns:          256,
	MaxIdleConnsPerHost:   16,
	IdleConnTimeout:       90 * time.Second,
	TLSHandshakeTimeout:   10 * time.Second,
	ResponseHeaderTimeout: 60 * time.Second,
}

func clientFor(redirect string, policy *egress.Policy) *http.Client {
	return &http.Client{Transport: transportFor(policy), CheckRedirect: func(req *http.Request, via []*http.Request) error {
		switch redirect {
		case "manual":
			return http.ErrUseLastResponse
		case "error":
			return errors.New("redirect mode is \"error\"")
		}
		if len(via) > maxRedirects { // via holds the requests so far: the 21st redirect fails
			return fmt.Errorf("more than %d redirects", maxRedirects)
		}
		// Go's client adds a Referer naming the URL redirected from; fetch sends none of its
		// own (a worker's requests have no referrer), only the one the request carries.
		if ref := via[0].Header.Get("Referer"); ref != "" {
			req.Header.Set("Referer", ref)
		} else {
			req.Header.Del("Referer")
		}
		// Go's client drops the request-body headers on every 301, 302 and 303; the Fetch
		// standard only when the method becomes GET. Keep them when the method stays.
		if prev := via[len(via)-1]; req.Response != nil && req.Method == prev.Method {
			for _, k := range []string{"Content-Encoding", "Content-Language", "Content-Location", "Content-Type"} {
				if v, ok := via[0].Header[k]; ok && req.Header.Get(k) == "" {
					req.Header[k] = v
				}
			}
		}
		// A streamed body cannot be sent again: only a 303 (which drops it) may be followed.
		if _, streamed := via[0].Body.(*io.PipeReader); streamed && req.Response != nil && req.Response.StatusCode != http.StatusSeeOther {
			return errStreamRedirect
		}
		return whatwgRedirectURL(req, via[len(via)-1])
	}}
}

// nullBodyStatus reports a status whose response has no body (101, 103, 204, 205, 304).
func nullBodyStatus(code int) bool {
	return code == 101 || code == 103 || code == 204 || code == 205 || code == 304
}

// errStreamRedirect fails a redirect that would send a streamed request body again.
var errStreamRedirect = errors.New("a request whose body is a ReadableStream cannot follow this redirect")

// whatwgRedirectURL sets a redirect's URL to the Location header parsed by the URL Standard
// against the URL redirected from, as the Fetch standard's "HTTP-redirect fetch" does. Go's
// client resolves Location with net/url, which leaves what the URL parser would percent-encode
// (a space in the query, say) as it is, and servers reject such a request line.
func whatwgRedirectURL(req, prev *http.Request) error {
	if req.Response == nil {
		return nil
	}
	loc := req.Response.Header.Get("Location")
	if loc == "" {
		return nil
	}
	u, ok := weburl.Parse(loc, prev.URL.String(), true)
	if !ok {
		return fmt.Errorf("the redirect location %q is not a valid URL", loc)
	}
	if u.Scheme() != "http" && u.Scheme() != "https" {
		return fmt.Errorf("the redirect location %q is not an HTTP(S) URL", loc)
	}
	nu, err := url.Parse(u.Href(true))
	if err != nil {
		return fmt.Errorf("the redirect location %q: %v", loc, err)
	}
	req.URL = nu
	return nil
}

// fetchResult is what fetch_send resolves with (as JSON).
type fetchResult struct {
	Status     int      `json:"status"`
	StatusText string   `json:"statusText"`
	URL        string   `json:"url"`
	Redirected bool     `json:"redirected"`
	Headers    []string `json:"headers"`
	Body       int      `json:"body"` // a body id, or -1
}

func resources(c *op.Call) (Host, *Resources, error) {
	h, ok := c.Host.(Host)
	if !ok {
		return nil, nil, op.TypeErrorf("fetch is not available here")
	}
	return h, h.FetchResources(), nil
}

// opSend is fetch_send(token, method, url, headers joined by NUL, body|null, redirect,
// streamed, service): it sends the request on a goroutine and resolves with the response head
// as JSON. With streamed true the body comes afterwards through fetch_upload_write and
// fetch_upload_end (sent with chunked transfer encoding). A service binding's name in service
// sends it to the bound worker (ServiceHost) instead of the network; its response comes back
// as the worker gave it, redirects included.
func opSend(c *op.Call, done op.Completer) error {
	h, res, err := resources(c)
	if err != nil {
		return err
	}
	token, err := c.Int(0)
	if err != nil {
		return err
	}
	method, _ := c.Str(1)
	url, _ := c.Str(2)
	headerBlob, _ := c.Str(3)
	redirect, _ := c.Str(5)
	var body []byte
	if v := c.Arg(4); !v.IsNullish() {
		b, err := c.Buf(4)
		if err != nil {
			return err
		}
		body = append([]byte(nil), b...)
	}
	var client *http.Client
	if service, _ := c.Str(7); service != "" {
		sh, ok := h.(ServiceHost)
		if !ok {
			return op.TypeErrorf("fetch: service bindings are not available here")
		}
		t, err := sh.ServiceTransport(service)
		if err != nil {
			return op.TypeErrorf("%v", err)
		}
		client = &http.Client{Transport: t, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	depth, err := h.BeginSubrequest()
	if err != nil {
		return err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	var upload *io.PipeWriter
	if c.Arg(6).Truthy() {
		var pr *io.PipeReader
		pr, upload = io.Pipe()
		rd = pr
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		cancel()
		return op.TypeErrorf("fetch: %v", err)
	}
	if upload != nil {
		// Go's client would follow a 307 or 308 by sending the body again: it cannot be.
		req.GetBody = func() (io.ReadCloser, error) { return nil, errStreamRedirect }
	}
	if headerBlob != "" {
		kv := strings.Split(headerBlob, "\x00")
		for i := 0; i+1 < len(kv); i += 2 {
			if strings.EqualFold(kv[i], "host") {
				req.Host = kv[i+1]
				continue
			}
			req.Header.Add(kv[i], kv[i+1])
		}
	}
	if req.Header.Get("user-agent") == "" {
		req.Header.Set("user-agent", UserAgent)
	}
	req.Header.Set(LoopHeader, strconv.Itoa(depth))
	if !res.addCancel(token, cancel) || (upload != nil && !res.addUpload(token, upload)) {
		cancel()
		return op.TypeErrorf("fetch: the worker is shutting down")
	}
	conns := connsOf(h)
	if client == nil {
		client = clientFor(redirect, policyOf(h))
	}
	go func() {
		defer res.dropCancel(token)
		if upload != nil {
			// Once the exchange is over nothing reads the body any more: later writes fail.
			defer res.endUpload(token, errors.New("fetch: the request is over"))
		}
		// At most MaxConnsPerRequest connections open at once: wait for one to close.
		slot, err := conns.acquire(ctx, cancel)
		var resp *http.Response
		if err == nil {
			resp, err = client.Do(req)
		}
		if err != nil {
			slot.release()
			aborted := ctx.Err() != nil
			cancel()
			if aborted {
				done(op.Undefined, op.DOMException("AbortError", "The operation was aborted."))
				return
			}
			done(op.Undefined, op.TypeErrorf("fetch failed: %v", unwrapURLError(err)))
			return
		}
		slot.idle()
		out := fetchResult{Status: resp.StatusCode, StatusText: strings.TrimSpace(strings.TrimPrefix(resp.Status, fmt.Sprint(resp.StatusCode))),
			URL: resp.Request.URL.String(), Redirected: resp.Request.URL.String() != url, Body: -1}
		for k, vs := range resp.Header {
			for _, v := range vs {
				out.Headers = append(out.Headers, strings.ToLower(k), v)
			}
		}
		if method == http.MethodHead || nullBodyStatus(resp.StatusCode) {
			resp.Body.Close()
			cancel()
			slot.release()
		} else {
			out.Body = res.addBody(cancelOnClose{slot.body(resp.Body), cancel})
		}
		b, _ := json.Marshal(out)
		done(op.String(string(b)), nil)
	}()
	return nil
}

// cancelOnClose releases a response's context with its body.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

func unwrapURLError(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// opRead is fetch_read(id): the next chunk of a response body, or null at its end.
func opRead(c *op.Call, done op.Completer) error {
	_, res, err := resources(c)
	if err != nil {
		return err
	}
	id, err := c.Int(0)
	if err != nil {
		return err
	}
	body := res.body(id)
	if body == nil {
		return op.TypeErrorf("fetch: the response body is closed")
	}
	go func() {
		buf := make([]byte, 64<<10)
		n, err := body.Read(buf)
		switch {
		case n > 0:
			done(op.Bytes(buf[:n]), nil)
		case err == io.EOF:
			res.closeBody(id)
			done(op.Null, nil)
		case err != nil:
			res.closeBody(id)
			done(op.Undefined, op.TypeErrorf("fetch: reading the response body failed: %v", err))
		default:
			done(op.Bytes(nil), nil)
		}
	}()
	return nil
}

// opCancel is fetch_cancel(id): the response body will not be read further.
func opCancel(c *op.Call) (op.Value, error) {
	_, res, err := resources(c)
	if err != nil {
		return op.Undefined, err
	}
	id, err := c.Int(0)
	if err != nil {
		return op.Undefined, err
	}
	res.closeBody(id)
	return op.Undefined, nil
}

// opAbort is fetch_abort(token): the request's AbortSignal fired.
func opAbort(c *op.Call) (op.Value, error) {
	_, res, err := resources(c)
	if err != nil {
		return op.Undefined, err
	}
	token, err := c.Int(0)
	if err != nil {
		return op.Undefined, err
	}
	res.abort(token)
	return op.Undefined, nil
}

// opUploadWrite is fetch_upload_write(token, chunk): it writes a chunk of a streamed request
// body and resolves once the HTTP client has taken it (the stream's backpressure), or rejects
// when the request is over (answered, failed or aborted).
func opUploadWrite(c *op.Call, done op.Completer) error {
	_, res, err := resources(c)
	if err != nil {
		return err
	}
	token, err := c.Int(0)
	if err != nil {
		return err
	}
	b, err := c.Buf(1)
	if err != nil {
		return err
	}
	w := res.upload(token)
	if w == nil {
		return op.TypeErrorf("fetch: the request body can no longer be sent")
	}
	chunk := append([]byte(nil), b...)
	go func() {
		if _, err := w.Write(chunk); err != nil {
			done(op.Undefined, op.TypeErrorf("fetch: sending the request body failed: %v", err))
			return
		}
		done(op.Undefined, nil)
	}()
	return nil
}

// opUploadEnd is fetch_upload_end(token, error|undefined): the streamed request body ended,
// or failed with the given message (the request then fails).
func opUploadEnd(c *op.Call) (op.Value, error) {
	_, res, err := resources(c)
	if err != nil {
		return op.Undefined, err
	}
	token, err := c.Int(0)
	if err != nil {
		return op.Undefined, err
	}
	var end error
	if v := c.Arg(1); !v.IsNullish() {
		msg, _ := c.Str(1)
		end = errors.New(msg)
	}
	res.endUpload(token, end)
	return op.Undefined, nil
}
