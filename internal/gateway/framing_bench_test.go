package gateway

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// helloHead is what `curl http://hello.localhost:8787/` sends; browserHead is a browser's
// typical request head.
const (
	helloHead   = "GET / HTTP/1.1\r\nHost: hello.localhost:8787\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"
	browserHead = "GET /articles/2024/some-page?ref=home HTTP/1.1\r\nHost: www.example.com\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0\r\n" +
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
		"Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n" +
		"Referer: https://www.example.com/\r\nConnection: keep-alive\r\n" +
		"Cookie: session=0123456789abcdef0123456789abcdef; theme=dark; consent=yes\r\n" +
		"Upgrade-Insecure-Requests: 1\r\nSec-Fetch-Dest: document\r\nSec-Fetch-Mode: navigate\r\n" +
		"Sec-Fetch-Site: same-origin\r\nPriority: u=0, i\r\n\r\n"
)

// The framer's cost for one request head.
func BenchmarkFramerHead(b *testing.B) {
	for _, c := range []struct{ name, head string }{{"hello", helloHead}, {"browser", browserHead}} {
		b.Run(c.name, func(b *testing.B) {
			p := []byte(c.head)
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			var f framer
			for b.Loop() {
				if _, r := f.scan(p); r != refusalNone {
					b.Fatal(r)
				}
			}
		})
	}
}

// repeatConn returns one copy of its request per read, forever.
type repeatConn struct {
	net.Conn
	req []byte
}

func (c *repeatConn) Read(p []byte) (int, error) { return copy(p, c.req), nil }

// The guarded connection's cost per request read (one request per read, as a keep-alive
// client sends them), against the bare connection's.
func BenchmarkGuardConnRead(b *testing.B) {
	for _, guarded := range []bool{false, true} {
		name := "bare"
		if guarded {
			name = "guarded"
		}
		b.Run(name, func(b *testing.B) {
			var c net.Conn = &repeatConn{req: []byte(helloHead)}
			if guarded {
				c = &guardConn{Conn: c}
			}
			p := make([]byte, 4096)
			b.ReportAllocs()
			for b.Loop() {
				if n, err := c.Read(p); n != len(helloHead) || err != nil {
					b.Fatal(n, err)
				}
			}
		})
	}
}

// Whole keep-alive requests through NewServer over loopback, on a bare and on a guarded
// listener: the guard's share of a request's cost (noisy: client and server share the CPU).
func BenchmarkServerRequest(b *testing.B) {
	for _, guarded := range []bool{false, true} {
		name := "bare"
		if guarded {
			name = "guarded"
		}
		b.Run(name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			if guarded {
				ln = GuardListener(ln)
			}
			srv := NewServer(ln.Addr().String(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "Hello World!")
			}))
			go srv.Serve(ln)
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				srv.Shutdown(ctx)
			}()
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			br := bufio.NewReader(conn)
			req := []byte(helloHead)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := conn.Write(req); err != nil {
					b.Fatal(err)
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					b.Fatal(err)
				}
				if body, _ := io.ReadAll(resp.Body); !strings.HasPrefix(string(body), "Hello") {
					b.Fatalf("%q", body)
				}
			}
		})
	}
}
