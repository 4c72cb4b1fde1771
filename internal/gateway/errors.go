package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
)

// Response headers that mark a response as written by the platform, not by a worker.
const (
	// HeaderError names the kind of platform error, such as ErrorNoRoute.
	HeaderError = "x-islet-error"
	// HeaderErrorID carries the id of an error, which is also in the logs.
	HeaderErrorID = "x-islet-error-id"
)

// ErrorNoRoute is the HeaderError value of the 404 page for a request no route matches.
const ErrorNoRoute = "no-route"

// WriteError writes a platform error page: status, a plain-text body
// "islet: <message> (error id <errorID>)" and the header HeaderErrorID. An empty errorID leaves
// out both the id in the body and the header. It must be called before anything else is written
// to w; headers already set on w are kept, except the ones the page replaces.
func WriteError(w http.ResponseWriter, status int, errorID, message string) {
	h := w.Header()
	setPlatformHeaders(h)
	if errorID != "" {
		h.Set(HeaderErrorID, errorID)
	}
	w.WriteHeader(status)
	if errorID == "" {
		fmt.Fprintf(w, "islet: %s\n", message)
		return
	}
	fmt.Fprintf(w, "islet: %s (error id %s)\n", message, errorID)
}

// setPlatformHeaders sets the headers every platform page carries: it is plain text, not to be
// sniffed or cached.
func setPlatformHeaders(h http.Header) {
	h.Del("Content-Length")
	h.Del("Content-Encoding")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
}

// NewErrorID returns a fresh random error id: 16 lower-case hex digits from crypto/rand.
func NewErrorID() string {
	var b [8]byte
	rand.Read(b[:]) // never fails; a broken system source crashes the program.
	return hex.EncodeToString(b[:])
}
