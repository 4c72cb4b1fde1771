package gateway

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serveGuarded runs a server with limits on 127.0.0.1 whose handler echoes the body length
// (or the read error); it is closed when the test ends.
func serveGuarded(t *testing.T, limits ServerLimits) string {
	t.Helper()
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServerWith(ln.Addr().String(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			io.WriteString(w, "error: "+err.Error())
			return
		}
		fmt.Fprintf(w, "read %d bytes", len(b))
	}), limits)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func TestConnectionsPerClientAreCapped(t *testing.T) {
	addr := serveGuarded(t, ServerLimits{MaxConnsPerClient: 3})
	var open []net.Conn
	defer func() {
		for _, c := range open {
			c.Close()
		}
	}()
	request := func(c net.Conn) error {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"); err != nil {
			return err
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, c)
		if err := request(c); err != nil {
			t.Fatalf("connection %d within the cap: %v", i, err)
		}
	}
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	if err := request(extra); err == nil {
		t.Fatal("a fourth connection from the same address was served")
	}
	open[0].Close()
	open = open[1:]
	// The server sees the close asynchronously: poll (bounded) for a served new connection.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		err = request(c)
		if err == nil {
			open = append(open, c)
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("after one connection closed, a new one is still refused: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSlowBodyIsCut(t *testing.T) {
	addr := serveGuarded(t, ServerLimits{BodyIdleTimeout: 200 * time.Millisecond, BodyGrace: 200 * time.Millisecond, BodyMinRate: 1000})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n")
	stop := make(chan struct{})
	defer close(stop)
	go func() { // 1 byte every 20 ms: 50 B/s, under the 1000 B/s minimum
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				if _, err := c.Write([]byte("a")); err != nil {
					return
				}
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a slow body: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), errBodyTooSlow.Error()) {
		t.Fatalf("a slow body read as %q", b)
	}
}
