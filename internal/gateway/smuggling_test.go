package gateway

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a handler that records the paths it saw, reads each body and answers
// "saw <path> <body>"; on /hijack it switches protocols and echoes the raw connection.
type recorder struct {
	mu    sync.Mutex
	paths []string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.paths = append(rec.paths, r.URL.Path)
	rec.mu.Unlock()
	if r.URL.Path == "/hijack" {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		io.Copy(conn, brw)
		return
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "body: "+err.Error())
		return
	}
	io.WriteString(w, "saw "+r.URL.Path+" "+string(b))
}

func (rec *recorder) saw() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.paths...)
}

// startRecorder serves a recorder with NewServer on a listener from Listen (127.0.0.1).
func startRecorder(t *testing.T) (addr string, rec *recorder) {
	t.Helper()
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec = &recorder{}
	srv := NewServer(ln.Addr().String(), rec)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String(), rec
}

// exchange writes raw to a new connection (a byte at a time if bytewise) and reads responses
// until the server closes it (bounded).
func exchange(t *testing.T, addr, raw string, bytewise bool) []*http.Response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	go func() {
		if !bytewise {
			io.WriteString(conn, raw)
			return
		}
		for i := range len(raw) {
			if _, err := io.WriteString(conn, raw[i:i+1]); err != nil {
				return
			}
		}
	}()
	br := bufio.NewReader(conn)
	var out []*http.Response
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			if rest, _ := io.ReadAll(br); len(rest) > 0 || !errors.Is(err, io.EOF) {
				t.Fatalf("after %d responses: %v (then %q)", len(out), err, rest)
			}
			return out
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("response %d body: %v", len(out), err)
		}
		resp.Body = io.NopCloser(strings.NewReader(string(b)))
		out = append(out, resp)
		if resp.Close {
			if rest, _ := io.ReadAll(br); len(rest) > 0 {
				t.Fatalf("bytes after a closing response: %q", rest)
			}
			return out
		}
	}
}

func body(r *http.Response) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

const smuggled = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"

// The attacks of the issue and their relatives: each is refused with the platform's page,
// and neither it nor the request hidden in it reaches the handler.
func TestSmugglingRefused(t *testing.T) {
	addr, rec := startRecorder(t)
	attacks := []struct {
		name, head string
		status     int
		message    string
	}{
		{"cl.te", "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, refusedBothLengths.String()},
		{"te.cl", "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n", 400, refusedBothLengths.String()},
		{"te tab", "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n", 400, refusedCoding.String()},
		{"te list", "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 400, refusedCoding.String()},
		{"te twice", "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, refusedTwoCodings.String()},
		{"te unknown", "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 400, refusedCoding.String()},
		{"te obs-fold", "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", 400, refusedCoding.String()},
		{"obs-fold", "POST /a HTTP/1.1\r\nHost: a\r\nX: y\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, refusedFold.String()},
		{"te and cl in http/1.0", "POST /a HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400, refusedBothLengths.String()},
		{"te in http/1.0", "POST /a HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400, refusedOldCoding.String()},
		{"bare lf", "POST /a HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n0\r\n\r\n", 400, refusedLineEnd.String()},
		{"cl twice", "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400, refusedTwoLengths.String()},
		{"cl not decimal", "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc", 400, refusedLength.String()},
		{"space before colon", "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400, refusedName.String()},
		{"huge head", "GET /a HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("h", 200<<10) + "\r\n\r\n", 431, refusedHeadSize.String()},
	}
	for _, a := range attacks {
		for _, bytewise := range []bool{false, true} {
			if bytewise && len(a.head) > 1000 {
				continue
			}
			// Alone, and after a request that is served.
			for _, before := range []string{"", "GET /first HTTP/1.1\r\nHost: a\r\n\r\n"} {
				resps := exchange(t, addr, before+a.head+smuggled, bytewise)
				want := 1
				if before != "" {
					want = 2
				}
				if len(resps) != want {
					t.Fatalf("%s (bytewise %v, after a request %v): %d responses, want %d", a.name, bytewise, before != "", len(resps), want)
				}
				if before != "" {
					if r := resps[0]; r.StatusCode != 200 || body(r) != "saw /first " {
						t.Errorf("%s: the request before it got %d %q", a.name, r.StatusCode, body(r))
					}
				}
				r := resps[len(resps)-1]
				if got, wantBody := body(r), "islet: refused: "+a.message+"\n"; r.StatusCode != a.status || got != wantBody ||
					r.Header.Get(HeaderError) != ErrorFraming || !r.Close {
					t.Errorf("%s (bytewise %v): %d %q (x-islet-error %q, close %v); want %d %q, closed",
						a.name, bytewise, r.StatusCode, got, r.Header.Get(HeaderError), r.Close, a.status, wantBody)
				}
			}
		}
	}
	for _, p := range rec.saw() {
		if p != "/first" {
			t.Errorf("the handler saw %s", p)
		}
	}
}

// A malformed chunked body is cut where it goes wrong: the handler's read fails, the
// connection closes, and the request after it is never read.
func TestSmugglingInChunkedBody(t *testing.T) {
	addr, rec := startRecorder(t)
	for _, b := range []string{
		"1\r\nAXX" + smuggled,                // no CRLF after the data
		"5\nhello\r\n0\r\n\r\n" + smuggled,   // bare LF after the size
		"0\r\nX: a\r\n b\r\n\r\n" + smuggled, // folded trailer
		"0\r\nBad Key: v\r\n" + smuggled,     // a trailer net/http refuses (the framer does not)
	} {
		resps := exchange(t, addr, "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"+b, false)
		if len(resps) > 1 || len(resps) == 1 && (resps[0].StatusCode != 400 || !strings.HasPrefix(body(resps[0]), "body: ")) {
			t.Errorf("%q: %d responses, first %v", b, len(resps), resps)
		}
	}
	for _, p := range rec.saw() {
		if p != "/a" {
			t.Errorf("the handler saw %s", p)
		}
	}
}

// Well-framed requests are served as before: pipelined, split anywhere, with bodies of both
// kinds, with the CRLF old clients send after a POST.
func TestWellFramedRequestsServed(t *testing.T) {
	addr, _ := startRecorder(t)
	raw := "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n" +
		"POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello\r\n" +
		"POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n" +
		"GET /4 HTTP/1.0\r\nHost: a\r\n\r\n"
	want := []string{"saw /1 ", "saw /2 hello", "saw /3 abcde", "saw /4 "}
	for _, bytewise := range []bool{false, true} {
		resps := exchange(t, addr, raw, bytewise)
		if len(resps) != len(want) {
			t.Fatalf("bytewise %v: %d responses, want %d", bytewise, len(resps), len(want))
		}
		for i, r := range resps {
			if got := body(r); r.StatusCode != 200 || got != want[i] {
				t.Errorf("bytewise %v, response %d: %d %q, want %q", bytewise, i, r.StatusCode, got, want[i])
			}
		}
	}
}

// After a hijack the connection is not HTTP any more: its bytes pass unchecked.
func TestHijackedConnectionUnchecked(t *testing.T) {
	addr, _ := startRecorder(t)
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(conn, "GET /hijack HTTP/1.1\r\nHost: a\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	frames := "bare\nLF\n\nand CL.TE: Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
	io.WriteString(conn, frames)
	got := make([]byte, len(frames))
	if _, err := io.ReadFull(br, got); err != nil || string(got) != frames {
		t.Fatalf("echoed %q %v, want %q", got, err, frames)
	}
}

// A client that guesses at the stand-in's method gets an ordinary request.
func TestStandInMethodNotForgeable(t *testing.T) {
	addr, rec := startRecorder(t)
	resps := exchange(t, addr, "ISLET-REFUSED-0000000000000000 /1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false)
	if len(resps) != 1 || resps[0].StatusCode != 200 || len(rec.saw()) != 1 {
		t.Fatalf("%v, handler saw %v", resps, rec.saw())
	}
}

// A head held by the guard is still bound by the server's header timeout: a client that
// trickles one is cut off.
func TestGuardKeepsHeaderTimeout(t *testing.T) {
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServerWith(ln.Addr().String(), &recorder{}, ServerLimits{ReadHeaderTimeout: 300 * time.Millisecond})
	go srv.Serve(ln)
	defer srv.Close()
	conn, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ")
	for time.Since(start) < 10*time.Second {
		if _, err := conn.Write([]byte("a")); err != nil {
			return // cut off
		}
		conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		var b [64]byte
		if _, err := conn.Read(b[:]); err != nil {
			if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
				return // cut off
			}
		}
	}
	t.Fatalf("a head trickled for %v was not cut off (header timeout 300ms)", time.Since(start))
}
