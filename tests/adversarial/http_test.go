package adversarial

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// raw sends a raw request on a fresh connection and returns the response (nil when the server
// closed the connection without one).
func raw(t *testing.T, s *suite, request string) *http.Response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatalf("write: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func hugeHeaders(t *testing.T, s *suite) {
	req := "GET / HTTP/1.1\r\nHost: http-huge-headers.localhost\r\nX-Big: " + strings.Repeat("h", 200<<10) + "\r\n\r\n"
	if resp := raw(t, s, req); resp == nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("200 KiB of headers: %v, want 431", resp)
	}
	// Many small headers add up the same way.
	var b strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "X-H%d: %s\r\n", i, strings.Repeat("v", 30))
	}
	if resp := raw(t, s, "GET / HTTP/1.1\r\nHost: http-huge-headers.localhost\r\n"+b.String()+"\r\n"); resp == nil || resp.StatusCode != 431 {
		t.Errorf("5000 headers: %v, want 431", resp)
	}
}

func hugeURL(t *testing.T, s *suite) {
	if code, body := s.do(t, "GET", "http-huge-url", "/?q="+strings.Repeat("u", 20<<10), nil, nil); code != 414 || !strings.Contains(body, "longer than 16384 bytes") {
		t.Errorf("20 KiB URL: %d %q", code, body)
	}
}

func hugeBody(t *testing.T, s *suite) {
	// Announced, never sent: refused before the worker runs, without reading it.
	resp := raw(t, s, "POST / HTTP/1.1\r\nHost: http-huge-body.localhost\r\nContent-Length: 104857600\r\n\r\n")
	if resp == nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("100 MB announced: %v, want 413", resp)
	}
	if code, body := s.do(t, "POST", "http-huge-body", "/", strings.NewReader(strings.Repeat("b", 1000)), nil); code != 200 || body != "read 1000 bytes" {
		t.Errorf("a small body: %d %q", code, body)
	}
}

// endless is a body of unknown length: n bytes, sent in chunks.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.EOF
	}
	k := min(len(p), e.n, 32<<10)
	for i := range p[:k] {
		p[i] = 'c'
	}
	e.n -= k
	return k, nil
}

func chunkedBody(t *testing.T, s *suite) {
	code, body := s.do(t, "POST", "http-chunked-body", "/", &endless{n: 2 << 20}, nil)
	if code != 200 || body != "TypeError: the request body is larger than the worker's limit of 1048576 bytes" {
		t.Errorf("2 MiB chunked: %d %q", code, body)
	}
}

// slowloris opens connections that send their headers a byte at a time and checks that the
// node cuts every one of them after its header timeout.
func slowloris(t *testing.T, s *suite) {
	trickle(t, s, "GET / HTTP/1.1\r\nHost: http-slowloris.localhost\r\nX-Slow: ", readHeaderTimeout+5*time.Second)
}

// slowBody opens connections whose bodies arrive a byte every 100 ms (about 10 B/s, far under
// the minimum rate) and checks that the node cuts every one after the body grace period.
func slowBody(t *testing.T, s *suite) {
	trickle(t, s, "POST / HTTP/1.1\r\nHost: http-slow-body.localhost\r\nContent-Length: 100000\r\n\r\n", bodyGrace+5*time.Second)
	if code, body := s.do(t, "POST", "http-slow-body", "/", strings.NewReader("abc"), nil); code != 200 || body != "read 3 bytes" {
		t.Errorf("a body sent at once after the slow ones: %d %q", code, body)
	}
}

// trickle opens 30 connections that send prefix, then a byte every 100 ms, and checks that
// the node closes each within bound (a response before the close is fine).
func trickle(t *testing.T, s *suite, prefix string, bound time.Duration) {
	const conns = 30
	var wg sync.WaitGroup
	cut := make(chan error, conns)
	for i := 0; i < conns; i++ {
		conn, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			io.WriteString(conn, prefix)
			deadline := time.Now().Add(bound)
			for time.Now().Before(deadline) {
				if _, err := conn.Write([]byte("a")); err != nil {
					cut <- nil
					return
				}
				conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
				var b [512]byte
				if _, err := conn.Read(b[:]); err != nil {
					var ne net.Error
					if !errors.As(err, &ne) || !ne.Timeout() {
						cut <- nil // closed by the server
						return
					}
				}
			}
			cut <- fmt.Errorf("a slow connection was still open after %v", bound)
		}()
	}
	wg.Wait()
	close(cut)
	for err := range cut {
		if err != nil {
			t.Error(err)
		}
	}
}

func malformed(t *testing.T, s *suite) {
	for _, req := range []string{
		"GET / HTTP/9.9\r\nHost: http-malformed.localhost\r\n\r\n",
		"\x00\x01\x02\xff garbage\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: http-malformed.localhost\r\nNo colon here\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: http-malformed.localhost\r\nContent-Length: -1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: http-malformed.localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: http-malformed.localhost\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"GET /\x7f HTTP/1.1\r\nHost: http-malformed.localhost\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: http-malformed.localhost\r\nX-Bad: a\x00b\r\n\r\n",
	} {
		resp := raw(t, s, req)
		if resp != nil && resp.StatusCode < 400 {
			t.Errorf("%q: %d, want a 4xx or 5xx answer (or a closed connection)", req, resp.StatusCode)
		}
	}
	// A worker still answers a well-formed request.
	if code, body := s.do(t, "GET", "http-malformed", "/", nil, nil); code != 200 || body != "read 0 bytes" {
		t.Errorf("after the malformed requests: %d %q", code, body)
	}
}

// smuggling sends requests whose framing two parsers could read differently, each hiding a
// second request in its body: the edge refuses them, and the worker never sees the hidden one.
func smuggling(t *testing.T, s *suite) {
	const host = "Host: http-smuggling.localhost\r\n"
	hidden := "GET /smuggled HTTP/1.1\r\n" + host + "\r\n"
	chunked := "0\r\n\r\n" + hidden
	for _, req := range []string{
		// CL.TE: a front end that reads Content-Length forwards the hidden request as body.
		"POST / HTTP/1.1\r\n" + host + fmt.Sprintf("Content-Length: %d\r\n", len(chunked)) + "Transfer-Encoding: chunked\r\n\r\n" + chunked,
		// A tab before "chunked": one parser sees chunked, another an unknown coding.
		"POST / HTTP/1.1\r\n" + host + fmt.Sprintf("Content-Length: %d\r\n", len(chunked)) + "Transfer-Encoding:\tchunked\r\n\r\n" + chunked,
		"POST / HTTP/1.1\r\n" + host + "Transfer-Encoding:\tchunked\r\n\r\n" + chunked,
		// Two lengths.
		"POST / HTTP/1.1\r\n" + host + "Content-Length: 0\r\nContent-Length: 0\r\n\r\n" + hidden,
	} {
		resp := raw(t, s, req)
		if resp == nil || resp.StatusCode != http.StatusBadRequest || resp.Header.Get("x-islet-error") != "request-framing" {
			got := "no response"
			if resp != nil {
				got = fmt.Sprintf("%d %q", resp.StatusCode, resp.Header.Get("x-islet-error"))
			}
			t.Errorf("%q: %s, want 400 with x-islet-error: request-framing", req, got)
		}
	}
	if code, body := s.do(t, "GET", "http-smuggling", "/count", nil, nil); code != 200 || body != "smuggled 0" {
		t.Errorf("the worker's count of hidden requests: %d %q, want smuggled 0", code, body)
	}
}

func manyConnections(t *testing.T, s *suite) {
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 300; i++ {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
	}
	if code, body := s.do(t, "GET", "http-many-connections", "/", nil, nil); code != 200 || body != "read 0 bytes" {
		t.Errorf("with 300 idle connections open: %d %q", code, body)
	}
}

// closureLeak requests mem-closures until its isolate runs out of memory, then checks that
// the next request is served by a fresh one.
func closureLeak(t *testing.T, s *suite) {
	for i := 0; i < 200; i++ {
		code, body := s.do(t, "GET", "mem-closures", "/", nil, nil)
		if code == 503 {
			if !strings.Contains(body, memoryLimit) {
				t.Fatalf("request %d: 503 %q", i, body)
			}
			if code, body := s.do(t, "GET", "mem-closures", "/", nil, nil); code != 200 || body != "leaked 1" {
				t.Fatalf("after the memory limit: %d %q, want a fresh isolate", code, body)
			}
			return
		}
		if code != 200 || body != fmt.Sprintf("leaked %d", i+1) {
			t.Fatalf("request %d: %d %q", i, code, body)
		}
	}
	t.Fatal("200 requests leaked 1 MiB each and the isolate never reached its 32 MiB limit")
}
