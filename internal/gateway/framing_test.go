package gateway

import (
	"fmt"
	"strings"
	"testing"
)

// framed is what a framer made of a connection's bytes.
type framed struct {
	accepted int     // bytes accepted before the refusal (all of them without one)
	start    int     // after a refusal of a head: where the refused head started
	refusal  refusal // refusalNone if every byte was accepted
	done     int     // requests that ended
	pass     bool    // the framer let the rest through (HTTP/2)
}

// frameChunks runs a new framer over the chunks of one connection's bytes.
func frameChunks(chunks ...[]byte) framed {
	var f framer
	var out framed
	pos := 0
	for _, c := range chunks {
		n, r := f.scan(c)
		if r != refusalNone {
			out.accepted, out.refusal = pos+n, r
			out.start = pos + n - f.head
			break
		}
		pos += n
		out.accepted = pos
	}
	out.done = f.done
	out.pass = f.state == stPassthrough
	return out
}

const (
	plainGet = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
	post0    = "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
	hidden   = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
)

// framingCases are connections' bytes and what the framer must make of them: the requests that
// end (done) and, for a refusal, the refusal and where the refused head starts (start; for a
// refusal in a body, where the body is cut).
var framingCases = []struct {
	name  string
	in    string
	done  int
	r     refusal
	start int
}{
	// Accepted.
	{name: "get", in: plainGet, done: 1},
	{name: "pipelined", in: plainGet + plainGet + plainGet, done: 3},
	{name: "content-length", in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" + plainGet, done: 2},
	{name: "content-length without space", in: "POST / HTTP/1.1\r\nContent-length:5\r\n\r\nhello" + plainGet, done: 2},
	{name: "content-length leading zeros and spaces", in: "POST / HTTP/1.1\r\ncontent-LENGTH:   005\r\n\r\nhello" + plainGet, done: 2},
	{name: "content-length zero", in: "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n" + plainGet, done: 2},
	{name: "largest content-length", in: "POST / HTTP/1.1\r\nContent-Length: 9223372036854775807\r\n\r\nabc"},
	{name: "chunked", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" + plainGet, done: 2},
	{name: "chunked any case, extensions, trailer", in: "POST / HTTP/1.1\r\ntransfer-encoding:  ChUnKeD\r\n\r\n" +
		"A;name=\"v a\"\r\n0123456789\r\n0000000000000003;x\r\nabc\r\n000\r\nX-Sum: 1\r\nY: 2\r\n\r\n" + plainGet, done: 2},
	{name: "http/1.0 with content-length", in: "POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi" + plainGet, done: 2},
	{name: "crlf after a post", in: "POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx\r\n" + plainGet, done: 2},
	{name: "two crlf after a post", in: "POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx\r\n\r\n" + plainGet, done: 2},
	{name: "names that only look like framing", in: "GET / HTTP/1.1\r\nContent-Lengths: x\r\nX-Content-Length: 1, 2\r\n" +
		"Transfer-Encoding-X: gzip\r\nTransfer-Encodin: x\r\n\r\n" + plainGet, done: 2},
	{name: "value with tabs, colons, high bytes", in: "GET / HTTP/1.1\r\nX-V: a\tb: c \xff\r\n\r\n", done: 1},
	{name: "http2 preface", in: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04\x00\x00\x00\x00\x00\n\r\n\r \t", done: 0},
	{name: "partial head", in: "GET / HTTP/1.1\r\nHost: a\r\n"},

	// Content-Length and Transfer-Encoding together.
	{name: "cl.te", in: "POST / HTTP/1.1\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + hidden, r: refusedBothLengths},
	{name: "te.cl", in: plainGet + "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", done: 1, r: refusedBothLengths, start: len(plainGet)},

	// Transfer-Encoding other than exactly chunked.
	{name: "te tab", in: "POST / HTTP/1.1\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n" + hidden, r: refusedCoding},
	{name: "te trailing space", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked \r\n\r\n", r: refusedCoding},
	{name: "te trailing tab", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\t\r\n\r\n", r: refusedCoding},
	{name: "te list", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n", r: refusedCoding},
	{name: "te gzip first", in: "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", r: refusedCoding},
	{name: "te identity", in: "POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n", r: refusedCoding},
	{name: "te prefix", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunk\r\n\r\n", r: refusedCoding},
	{name: "te longer", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunkedx\r\n\r\n", r: refusedCoding},
	{name: "te empty", in: "POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n", r: refusedCoding},
	{name: "te quoted", in: "POST / HTTP/1.1\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", r: refusedCoding},
	{name: "te twice", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", r: refusedTwoCodings},
	{name: "te in http/1.0", in: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + hidden, r: refusedOldCoding},

	// Content-Length other than one decimal number.
	{name: "cl twice, same value", in: "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc" + hidden, r: refusedTwoLengths},
	{name: "cl twice, other value", in: "POST / HTTP/1.1\r\nContent-Length: 3\r\ncontent-length: 40\r\n\r\n", r: refusedTwoLengths},
	{name: "cl list", in: "POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\n", r: refusedLength},
	{name: "cl plus", in: "POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\n", r: refusedLength},
	{name: "cl minus", in: "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", r: refusedLength},
	{name: "cl hex", in: "POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", r: refusedLength},
	{name: "cl trailing space", in: "POST / HTTP/1.1\r\nContent-Length: 3 \r\n\r\n", r: refusedLength},
	{name: "cl tab", in: "POST / HTTP/1.1\r\nContent-Length:\t3\r\n\r\n", r: refusedLength},
	{name: "cl empty", in: "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", r: refusedLength},
	{name: "cl 2^63", in: "POST / HTTP/1.1\r\nContent-Length: 9223372036854775808\r\n\r\n", r: refusedLength},
	{name: "cl huge", in: "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", r: refusedLength},

	// Line ends.
	{name: "bare lf everywhere", in: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n0\r\n\r\n" + hidden, r: refusedLineEnd},
	{name: "bare lf in a header", in: "GET / HTTP/1.1\r\nX: a\nTransfer-Encoding: chunked\r\n\r\n", r: refusedLineEnd},
	{name: "bare lf ends the head", in: "GET / HTTP/1.1\r\nHost: a\r\n\n", r: refusedLineEnd},
	{name: "bare cr in a value", in: "GET / HTTP/1.1\r\nX: a\rTransfer-Encoding: chunked\r\n\r\n", r: refusedLineEnd},
	{name: "bare cr in the request line", in: "GET / HTTP/1.1\rX\r\n\r\n", r: refusedLineEnd},
	{name: "bare cr ends the head", in: "GET / HTTP/1.1\r\n\rX", r: refusedLineEnd},
	{name: "bare cr after a post", in: post0 + "\rGET", done: 1, r: refusedLineEnd, start: len(post0) + 1},
	{name: "bare lf after a post", in: post0 + "\n" + plainGet, done: 1, r: refusedLineEnd, start: len(post0)},

	// Folding and header names.
	{name: "obs-fold te", in: "POST / HTTP/1.1\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n" + hidden, r: refusedCoding},
	{name: "obs-fold after te", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n identity\r\n\r\n", r: refusedFold},
	{name: "obs-fold hides te", in: "POST / HTTP/1.1\r\nX: a\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + hidden, r: refusedFold},
	{name: "obs-fold tab", in: "GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", r: refusedFold},
	{name: "first header line indented", in: "GET / HTTP/1.1\r\n Host: a\r\n\r\n", r: refusedFold},
	{name: "space before colon", in: "POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n", r: refusedName},
	{name: "tab in name", in: "POST / HTTP/1.1\r\nTransfer-Encoding\t: chunked\r\n\r\n", r: refusedName},
	{name: "no colon", in: "GET / HTTP/1.1\r\nNo colon here\r\n\r\n", r: refusedName},
	{name: "name then crlf", in: "GET / HTTP/1.1\r\nX\r\n\r\n", r: refusedName},

	// Request lines and versions.
	{name: "one space", in: "GET /\r\n\r\n", r: refusedRequestLine},
	{name: "three spaces", in: "GET / HTTP/1.1 \r\n\r\n", r: refusedRequestLine},
	{name: "two spaces together", in: "GET  / HTTP/1.1\r\n\r\n", r: refusedRequestLine},
	{name: "empty request line", in: "\r\n" + plainGet, r: refusedRequestLine},
	{name: "crlf after a get", in: plainGet + "\r\n" + plainGet, done: 1, r: refusedRequestLine, start: len(plainGet)},
	{name: "three crlf after a post", in: post0 + "\r\n\r\n\r\n" + plainGet, done: 1, r: refusedRequestLine, start: len(post0) + 4},
	{name: "http/9.9", in: "GET / HTTP/9.9\r\n\r\n", r: refusedVersion},
	{name: "http/1.2", in: "GET / HTTP/1.2\r\n\r\n", r: refusedVersion},
	{name: "lower-case version", in: "GET / http/1.1\r\n\r\n", r: refusedVersion},
	{name: "long version", in: "GET / HTTP/1.10\r\n\r\n", r: refusedVersion},
	{name: "preface after a request", in: plainGet + "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", done: 1, r: refusedVersion, start: len(plainGet)},
	{name: "preface with headers", in: "PRI * HTTP/2.0\r\nX: y\r\n\r\n", r: refusedVersion},
	{name: "http/2 not the preface", in: "GET / HTTP/2.0\r\n\r\n", r: refusedVersion},
	{name: "garbage", in: "\x00\x01\x02\xff garbage\r\n\r\n", r: refusedRequestLine},

	// Size.
	{name: "huge head", in: "GET / HTTP/1.1\r\nX: " + strings.Repeat("h", maxHeadBytes) + "\r\n\r\n", r: refusedHeadSize},
	{name: "many headers", in: "GET / HTTP/1.1\r\n" + strings.Repeat("X-H: vvvvvvvvvvvvvvvvvvvvvvvvv\r\n", maxHeadBytes/30) + "\r\n", r: refusedHeadSize},
}

// chunkedCases are chunked bodies the framer must cut, and where.
var chunkedCases = []struct {
	name, body string
	cut        int // bytes of body accepted
}{
	{"bare lf after the size", "5\nhello\r\n0\r\n\r\n", 1},
	{"no crlf after the data", "1\r\nAXX" + hidden, 4},
	{"lf only after the data", "1\r\nA\n0\r\n\r\n", 4},
	{"not hex", "zz\r\n" + hidden, 0},
	{"space after the size", "5 \r\nhello\r\n0\r\n\r\n", 1},
	{"no size", "\r\n", 0},
	{"no size before the extension", ";x\r\n", 0},
	{"17 digits", "00000000000000005\r\nhello\r\n", 16},
	{"control byte in an extension", "5;a\x01b\r\nhello\r\n", 3},
	{"bare lf in an extension", "5;a\nhello\r\n", 3},
	{"bare cr in an extension", "5;a\rb\r\n", 4},
	{"long extension", "5;" + strings.Repeat("x", maxChunkLine) + "\r\n", maxChunkLine},
	{"folded trailer", "0\r\nX: a\r\n b\r\n\r\n" + hidden, 9},
	{"bare lf in a trailer", "0\r\nX: a\n" + hidden, 7},
	{"bare lf ends the trailer", "0\r\n\n" + hidden, 3},
	{"bare cr ends the trailer", "0\r\n\rG", 4},
	{"huge trailer", "0\r\nX: " + strings.Repeat("t", maxTrailerBytes) + "\r\n\r\n", 3 + maxTrailerBytes},
}

const chunkedHead = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"

func TestFramerCases(t *testing.T) {
	for _, c := range framingCases {
		t.Run(c.name, func(t *testing.T) {
			want := framed{accepted: len(c.in), done: c.done, refusal: c.r}
			if c.r != refusalNone {
				want.accepted = -1 // checked through start below
				want.start = c.start
			}
			checkSplits(t, []byte(c.in), want)
		})
	}
	for _, c := range chunkedCases {
		t.Run("chunked "+c.name, func(t *testing.T) {
			in := chunkedHead + c.body
			checkSplits(t, []byte(in), framed{accepted: len(chunkedHead) + c.cut, refusal: refusedChunked})
		})
	}
}

// checkSplits frames in whole, split in two at every point, and a byte at a time, and checks
// that each gives want (accepted -1: any; for an answered refusal, start is checked instead).
func checkSplits(t *testing.T, in []byte, want framed) {
	t.Helper()
	splits := [][][]byte{{in}}
	if len(in) < 4096 {
		for i := 1; i < len(in); i++ {
			splits = append(splits, [][]byte{in[:i], in[i:]})
		}
		bytewise := make([][]byte, len(in))
		for i := range in {
			bytewise[i] = in[i : i+1]
		}
		splits = append(splits, bytewise)
	}
	for _, chunks := range splits {
		got := frameChunks(chunks...)
		if !want.refusal.answered() {
			got.start = 0
		}
		if want.accepted < 0 {
			got.accepted = -1
		}
		got.pass = false
		if got != want {
			t.Fatalf("in %d chunks (first %d bytes): got %+v (%v), want %+v (%v)",
				len(chunks), len(chunks[0]), got, got.refusal, want, want.refusal)
		}
	}
}

func TestFramerPassthrough(t *testing.T) {
	in := "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + "\nanything at all\r\n \r\n"
	if got := frameChunks([]byte(in[:10]), []byte(in[10:])); !got.pass || got.refusal != refusalNone {
		t.Fatalf("preface: %+v", got)
	}
	// A hijacked connection is let through from any state.
	var f framer
	f.scan([]byte("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"))
	f.passthrough()
	if n, r := f.scan([]byte("\x81\x05hello\n\r")); n != 9 || r != refusalNone {
		t.Fatalf("after passthrough: %d %v", n, r)
	}
}

func TestFramerStaysRefused(t *testing.T) {
	var f framer
	if _, r := f.scan([]byte("GET / HTTP/1.1\n")); r != refusedLineEnd {
		t.Fatalf("first refusal %v", r)
	}
	if n, r := f.scan([]byte(plainGet)); n != 0 || r != refusedAgain {
		t.Fatalf("after a refusal: %d %v", n, r)
	}
}

// Every refusal has a status and a message, and only head refusals are answered.
func TestRefusalTable(t *testing.T) {
	for r := refusal(1); r <= refusedAgain; r++ {
		e := refusals[r]
		if e.status < 400 || e.message == "" || r.String() != e.message {
			t.Errorf("refusal %d: %+v", r, e)
		}
		if r.answered() != (r < refusedChunked) {
			t.Errorf("refusal %d (%v): answered %v", r, r, r.answered())
		}
	}
	if got := refusedHeadSize.String(); got != fmt.Sprintf("the request head is larger than %d bytes", MaxHeaderBytes+4096) {
		t.Errorf("head size message %q", got)
	}
}
