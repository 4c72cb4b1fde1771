package gateway

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"testing"
)

// FuzzFramer checks the framer on any bytes: it never panics; it gives the same answer whole,
// split in two, and a byte at a time; and wherever it lets requests through, net/http reads
// them with the same boundaries, so no request can hide in another's body.
func FuzzFramer(f *testing.F) {
	for _, c := range framingCases {
		if len(c.in) < 4096 {
			f.Add([]byte(c.in), uint16(len(c.in)/2))
		}
	}
	for _, c := range chunkedCases {
		if len(c.body) < 2048 {
			f.Add([]byte(chunkedHead+c.body), uint16(len(chunkedHead)+3))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, split uint16) {
		whole := frameChunks(in)
		s := int(split) % (len(in) + 1)
		if got := frameChunks(in[:s], in[s:]); got != whole {
			t.Fatalf("split at %d: %+v, whole: %+v", s, got, whole)
		}
		ends, bytewise := byteEnds(in)
		if bytewise != whole {
			t.Fatalf("a byte at a time: %+v, whole: %+v", bytewise, whole)
		}
		if whole.pass {
			return // HTTP/2: not net/http's HTTP/1 reader's business
		}
		// net/http reads what the framer let through (the bytes up to the refusal, or up to the
		// open head) as requests that end where the framer's end.
		let := in[:whole.accepted]
		if whole.refusal.answered() {
			let = in[:whole.start]
		}
		goEnds := netHTTPEnds(let)
		for i, end := range goEnds {
			if i >= len(ends) || ends[i] != end {
				t.Fatalf("net/http reads a request ending at %d (request %d), the framer's end at %v; input %q", end, i, ends, in)
			}
		}
	})
}

// byteEnds frames in a byte at a time and returns the offsets where requests ended, and the
// result.
func byteEnds(in []byte) ([]int, framed) {
	var f framer
	var ends []int
	out := framed{}
	for i := range in {
		n, r := f.scan(in[i : i+1])
		if r != refusalNone {
			out.accepted, out.refusal, out.start = i+n, r, i+n-f.head
			break
		}
		out.accepted = i + 1
		if f.done > len(ends) {
			ends = append(ends, i+1)
		}
	}
	out.done, out.pass = f.done, f.state == stPassthrough
	return ends, out
}

// netHTTPEnds reads in as net/http's server reads a connection (http.ReadRequest, the body
// drained, up to four CR or LF skipped after a POST) and returns the offsets where the requests
// it read whole ended. It stops at the first error: the server would close the connection.
func netHTTPEnds(in []byte) []int {
	src := bytes.NewReader(in)
	br := bufio.NewReader(src)
	pos := func() int { return len(in) - src.Len() - br.Buffered() }
	var ends []int
	lastPost := false
	for {
		if lastPost {
			peek, _ := br.Peek(4)
			n := 0
			for n < len(peek) && (peek[n] == '\r' || peek[n] == '\n') {
				n++
			}
			br.Discard(n)
		}
		req, err := http.ReadRequest(br)
		if err != nil {
			return ends
		}
		_, err = io.Copy(io.Discard, req.Body)
		req.Body.Close()
		if err != nil {
			return ends
		}
		ends = append(ends, pos())
		lastPost = req.Method == "POST"
	}
}
