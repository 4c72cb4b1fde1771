package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// ErrorFraming is the x-islet-error value of a request refused at the edge because its framing
// is ambiguous (see framer): such a request never reaches a worker.
const ErrorFraming = "request-framing"

// refusal is why the framer refused a connection's next bytes.
type refusal uint8

const (
	refusalNone refusal = iota
	// Refusals of a request head, answered with a platform page.
	refusedBothLengths
	refusedCoding
	refusedTwoCodings
	refusedOldCoding
	refusedTwoLengths
	refusedLength
	refusedLineEnd
	refusedFold
	refusedName
	refusedRequestLine
	refusedVersion
	refusedHeadSize
	// Refusals inside a body, after its head was answered: the connection is cut.
	refusedChunked
	refusedAgain
)

// refusals are the status and message of each refusal's page.
var refusals = [...]struct {
	status  int
	message string
}{
	refusedBothLengths: {400, "the request has both Content-Length and Transfer-Encoding"},
	refusedCoding:      {400, `the request's Transfer-Encoding is not exactly "chunked"`},
	refusedTwoCodings:  {400, "the request has more than one Transfer-Encoding header"},
	refusedOldCoding:   {400, "the HTTP/1.0 request has a Transfer-Encoding header"},
	refusedTwoLengths:  {400, "the request has more than one Content-Length header"},
	refusedLength:      {400, "the request's Content-Length is not a decimal number below 2^63"},
	refusedLineEnd:     {400, "a line of the request head does not end in CRLF (a bare LF or CR)"},
	refusedFold:        {400, "a header line of the request starts with whitespace (obs-fold)"},
	refusedName:        {400, "a header name of the request has whitespace in it or no colon after it"},
	refusedRequestLine: {400, `the request line is not "METHOD TARGET HTTP/1.1"`},
	refusedVersion:     {505, "the request's HTTP version is not HTTP/1.0 or HTTP/1.1"},
	refusedHeadSize:    {431, fmt.Sprintf("the request head is larger than %d bytes", maxHeadBytes)},
	refusedChunked:     {400, "the request's chunked body is malformed"},
	refusedAgain:       {400, "an earlier request on the connection was refused"},
}

// answered reports whether r refuses a request head, which is answered with an error page (a
// refusal inside a body comes after the request's head was handed on, so it cuts the
// connection instead).
func (r refusal) answered() bool { return r > refusalNone && r < refusedChunked }

// String is r's message.
func (r refusal) String() string {
	if int(r) >= len(refusals) || r == refusalNone {
		return "no refusal"
	}
	return refusals[r].message
}

// refusalMethod is the method of the stand-in request a guarded connection hands net/http in
// place of a refused head (see guardConn): random per process, so that no client can send it,
// and a valid method token, so that net/http parses the stand-in and the handler answers it.
var refusalMethod = func() string {
	var b [8]byte
	rand.Read(b[:]) // never fails; a broken system source crashes the program.
	return "ISLET-REFUSED-" + hex.EncodeToString(b[:])
}()

// appendStandIn appends the stand-in request for refusal r: the refusal method, the refusal's
// number as the path, and "Connection: close".
func appendStandIn(b []byte, r refusal) []byte {
	b = append(b, refusalMethod...)
	b = append(b, " /"...)
	b = strconv.AppendUint(b, uint64(r), 10)
	return append(b, " HTTP/1.1\r\nHost: islet.invalid\r\nConnection: close\r\n\r\n"...)
}

// answerRefusals wraps h so that the stand-in requests of refused heads are answered with the
// platform's error page (status and message of the refusal, header x-islet-error:
// request-framing, no error id: the client's own request is at fault) and the connection
// closes; every other request goes to h.
func answerRefusals(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != refusalMethod {
			h.ServeHTTP(w, r)
			return
		}
		n, err := strconv.ParseUint(strings.TrimPrefix(r.URL.Path, "/"), 10, 8)
		rf := refusal(n)
		if err != nil || !rf.answered() {
			rf = refusedAgain
		}
		w.Header().Set("Connection", "close")
		w.Header().Set(HeaderError, ErrorFraming)
		WriteError(w, refusals[rf].status, "", "refused: "+rf.String())
	})
}
