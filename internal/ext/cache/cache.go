// Package cache holds the Cache API as Workers define it (caches.default, caches.open(name),
// Cache.match / put / delete; https://developers.cloudflare.com/workers/runtime-apis/cache/):
// the JavaScript classes, and ops over the process's Store, which keeps each tenant's
// responses apart and decides, from the response's headers, what is stored and for how long.
package cache

import (
	"embed"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"strings"

	"islet/internal/ext"
	"islet/internal/op"
)

//go:embed js/*.js
var files embed.FS

// Host is an isolate's side of the cache: the partition its worker's entries live in (its
// tenant's: no tenant reads another's entries).
type Host interface {
	CachePartition() string
}

// Ext is the cache extension. It needs fetch (Request, Response) loaded before it.
//
// It is lazy (see ext.Lazy): loaded in an isolate when a worker first touches caches.
var Ext = ext.Ext{
	Name: "cache",
	JS:   ext.JSDir(files),
	Ops: []op.Def{
		{Name: "cache_put", Sync: opPut},
		{Name: "cache_match", Sync: opMatch},
		{Name: "cache_delete", Sync: opDelete},
	},
	Lazy: &ext.Lazy{Globals: []string{"caches"}},
}

func partition(c *op.Call) (string, error) {
	h, ok := c.Host.(Host)
	if !ok {
		return "", op.TypeErrorf("the Cache API is not available here")
	}
	return h.CachePartition(), nil
}

func split(blob string) []string {
	if blob == "" {
		return nil
	}
	return strings.Split(blob, "\x00")
}

// opPut is cache_put(cacheName, url, request headers, status, statusText, response headers,
// body | null) → whether the response was stored. Headers are name, value, … joined by NUL.
func opPut(c *op.Call) (op.Value, error) {
	p, err := partition(c)
	if err != nil {
		return op.Undefined, err
	}
	name, _ := c.Str(0)
	url, _ := c.Str(1)
	reqHeaders, _ := c.Str(2)
	status, err := c.Int(3)
	if err != nil {
		return op.Undefined, err
	}
	statusText, _ := c.Str(4)
	respHeaders, _ := c.Str(5)
	var body []byte
	if v := c.Arg(6); !v.IsNullish() {
		b, err := c.Buf(6)
		if err != nil {
			return op.Undefined, err
		}
		body = append([]byte(nil), b...)
	}
	return op.Bool(Default.Put(p, name, url, split(reqHeaders), status, statusText, split(respHeaders), body)), nil
}

// matchHead is the head of a matched response as cache_match returns it.
type matchHead struct {
	Status     int      `json:"status"`
	StatusText string   `json:"statusText"`
	Headers    []string `json:"headers"`
}

// opMatch is cache_match(cacheName, url, request headers) → undefined, or the response as
// bytes: a 4-byte big-endian length, the head as JSON, the body. A request whose
// If-None-Match or If-Modified-Since the stored response satisfies gets its 304 (no body).
// Every matched response has cf-cache-status: HIT.
func opMatch(c *op.Call) (op.Value, error) {
	p, err := partition(c)
	if err != nil {
		return op.Undefined, err
	}
	name, _ := c.Str(0)
	url, _ := c.Str(1)
	reqBlob, _ := c.Str(2)
	req := split(reqBlob)
	e := Default.Match(p, name, url, req)
	if e == nil {
		return op.Undefined, nil
	}
	head := matchHead{Status: e.Status, StatusText: e.StatusText, Headers: append(without(e.Headers, "cf-cache-status"), "cf-cache-status", "HIT")}
	body := e.Body
	if notModified(listHeader(e.Headers), listHeader(req)) {
		head.Status, head.StatusText, body = http.StatusNotModified, "Not Modified", nil
		head.Headers = without(head.Headers, "content-length")
	}
	hb, _ := json.Marshal(head)
	out := make([]byte, 4, 4+len(hb)+len(body))
	binary.BigEndian.PutUint32(out, uint32(len(hb)))
	out = append(append(out, hb...), body...)
	return op.Bytes(out), nil
}

// opDelete is cache_delete(cacheName, url) → whether a response was stored for url.
func opDelete(c *op.Call) (op.Value, error) {
	p, err := partition(c)
	if err != nil {
		return op.Undefined, err
	}
	name, _ := c.Str(0)
	url, _ := c.Str(1)
	return op.Bool(Default.Delete(p, name, url)), nil
}

// notModified says whether a request's conditional headers are met by the stored response:
// If-None-Match against its ETag (weak comparison, "*" for any), else If-Modified-Since against
// its Last-Modified.
func notModified(stored, req http.Header) bool {
	if inm := req.Values("if-none-match"); len(inm) > 0 {
		etag := strings.TrimPrefix(stored.Get("etag"), "W/")
		if etag == "" {
			return false
		}
		for _, v := range inm {
			for _, t := range strings.Split(v, ",") {
				if t = strings.TrimPrefix(strings.TrimSpace(t), "W/"); t == "*" || t == etag {
					return true
				}
			}
		}
		return false
	}
	ims, err := http.ParseTime(req.Get("if-modified-since"))
	if err != nil {
		return false
	}
	lm, err := http.ParseTime(stored.Get("last-modified"))
	return err == nil && !lm.After(ims)
}
