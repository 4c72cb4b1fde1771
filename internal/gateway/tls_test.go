package gateway

import (
	"bufio"
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"islet/internal/tlsconfig"
	"islet/internal/tlsconfig/tlstest"
)

// TestListenTLS: a server from NewServer on ListenTLS speaks HTTP/1.1 and, through ALPN,
// HTTP/2 over TLS, and the smuggling guard still reads the decrypted requests.
func TestListenTLS(t *testing.T) {
	certs := tlstest.New(t, t.TempDir())
	cfg, err := (tlsconfig.Files{Cert: certs.Cert, Key: certs.Key}).HTTPS()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := ListenTLS("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(ln.Addr().String(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello "+r.Proto)
	}))
	go srv.Serve(ln)
	defer srv.Close()
	url := "https://" + ln.Addr().String() + "/"
	for _, h2 := range []bool{false, true} {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: certs.Pool}, ForceAttemptHTTP2: h2}
		if !h2 {
			tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		}
		resp, err := (&http.Client{Transport: tr, Timeout: 20 * time.Second}).Get(url)
		if err != nil {
			t.Fatalf("h2 %v: %v", h2, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tr.CloseIdleConnections()
		want := "hello HTTP/1.1"
		if h2 {
			want = "hello HTTP/2.0"
		}
		if string(b) != want {
			t.Errorf("h2 %v: %q, want %q", h2, b, want)
		}
	}
	// An ambiguous request inside TLS is refused by the guard.
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: certs.Pool, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "both Content-Length and Transfer-Encoding") {
		t.Errorf("a smuggling request over TLS: %s %q", resp.Status, b)
	}
}
