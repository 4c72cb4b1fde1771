package e2e

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// smugglingAttacks are requests whose framing two parsers could read differently, each
// followed by the request hidden in it. Before the edge refused them, the hidden request
// reached the worker as a request of its own.
var smugglingAttacks = []struct{ name, raw string }{
	{"cl.te", "POST /a HTTP/1.1\r\nHost: w.localhost\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{"te tab", "POST /a HTTP/1.1\r\nHost: w.localhost\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n"},
	{"te obs-fold", "POST /a HTTP/1.1\r\nHost: w.localhost\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n"},
	{"te list", "POST /a HTTP/1.1\r\nHost: w.localhost\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"},
	{"te twice", "POST /a HTTP/1.1\r\nHost: w.localhost\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{"te in http/1.0", "POST /a HTTP/1.0\r\nHost: w.localhost\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{"bare lf", "POST /a HTTP/1.1\nHost: w.localhost\nTransfer-Encoding: chunked\n\n0\r\n\r\n"},
	{"cl twice", "POST /a HTTP/1.1\r\nHost: w.localhost\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"},
	{"cl not decimal", "POST /a HTTP/1.1\r\nHost: w.localhost\r\nContent-Length: +3\r\n\r\nabc"},
}

// TestSmugglingRefusedAtTheEdge sends each attack's raw bytes to `islet serve` (one process)
// and to `islet serve --processes 2` (the supervisor's public listener, in front of the hop to
// the runtime processes) and checks that it gets one 400 platform page, the connection closes,
// and the worker sees neither the attack nor the request hidden in it, while well-framed
// pipelined requests on one connection all reach it.
func TestSmugglingRefusedAtTheEdge(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "w/index.js"), `export default {
	async fetch(req) {
		const path = new URL(req.url).pathname;
		const body = await req.text();
		console.log("worker saw " + req.method + " " + path);
		return new Response("saw " + path + " " + body);
	},
};`)
	write(t, filepath.Join(dir, "islet.toml"), "listen = \"127.0.0.1:0\"\n[[worker]]\nname = \"w\"\nmain = \"w/index.js\"\n")
	for _, mode := range []struct {
		name string
		args []string
	}{
		{"one process", nil},
		{"supervisor", []string{"--processes", "2"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			args := append([]string{"serve", "--config", filepath.Join(dir, "islet.toml")}, mode.args...)
			p := start(t, args...)
			for _, a := range smugglingAttacks {
				resps := rawExchange(t, p.addr, a.raw+"GET /smuggled-"+strings.ReplaceAll(a.name, " ", "-")+" HTTP/1.1\r\nHost: w.localhost\r\n\r\n")
				if len(resps) != 1 {
					t.Fatalf("%s: %d responses %v, want 1", a.name, len(resps), resps)
				}
				r := resps[0]
				if r.status != 400 || r.header.Get("x-islet-error") != "request-framing" || !strings.HasPrefix(r.body, "islet: refused: ") || !r.close {
					t.Errorf("%s: %d %q (x-islet-error %q, close %v); want a 400 platform page and the connection closed",
						a.name, r.status, r.body, r.header.Get("x-islet-error"), r.close)
				}
			}
			// Well-framed requests still pass, pipelined on one connection.
			resps := rawExchange(t, p.addr,
				"POST /cl HTTP/1.1\r\nHost: w.localhost\r\nContent-Length: 5\r\n\r\nhello"+
					"POST /chunked HTTP/1.1\r\nHost: w.localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"+
					"GET /after HTTP/1.1\r\nHost: w.localhost\r\nConnection: close\r\n\r\n")
			want := []string{"saw /cl hello", "saw /chunked abc", "saw /after "}
			if len(resps) != len(want) {
				t.Fatalf("pipelined: %d responses %v, want %d", len(resps), resps, len(want))
			}
			for i, r := range resps {
				if r.status != 200 || r.body != want[i] {
					t.Errorf("pipelined %d: %d %q, want 200 %q", i, r.status, r.body, want[i])
				}
			}
			// The worker logs each request before it answers, so once /after is answered every
			// request the worker saw is in the log.
			p.waitFor(t, "worker saw GET /after")
			out := p.output()
			for _, bad := range []string{"smuggled", "worker saw POST /a "} {
				if strings.Contains(out, bad) {
					t.Errorf("the worker saw %q:\n%s", bad, out)
				}
			}
		})
	}
}

// rawResponse is one response read off a raw connection.
type rawResponse struct {
	status int
	header http.Header
	body   string
	close  bool
}

// rawExchange writes raw on a new connection and reads responses until the server closes it
// or 10 s pass (then it returns what it read: a server that smuggled keeps the connection
// open); anything else that is not a whole response fails the test.
func rawExchange(t *testing.T, addr, raw string) []rawResponse {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	var out []rawResponse
	for {
		resp, err := http.ReadResponse(br, nil)
		if ne, ok := err.(net.Error); ok && ne.Timeout() && br.Buffered() == 0 {
			return out
		}
		if err != nil {
			if rest, _ := io.ReadAll(br); len(rest) > 0 || !errors.Is(err, io.EOF) {
				t.Fatalf("after %d responses: %v (then %q)", len(out), err, rest)
			}
			return out
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("response %d: %v", len(out), err)
		}
		out = append(out, rawResponse{resp.StatusCode, resp.Header, string(b), resp.Close})
		if resp.Close {
			if rest, _ := io.ReadAll(br); len(rest) > 0 {
				t.Fatalf("bytes after a closing response: %q", rest)
			}
			return out
		}
	}
}
