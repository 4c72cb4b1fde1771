package gateway

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"islet/internal/tlsconfig"
	"islet/internal/tlsconfig/tlstest"
)

// Guarded inside TLS, requests keep their Request.TLS (over HTTP/1.1 and over HTTP/2 chosen by
// ALPN), and an ambiguous request inside TLS is refused.
func TestGuardInsideTLS(t *testing.T) {
	certs := tlstest.New(t, t.TempDir())
	cfg, err := (tlsconfig.Files{Cert: certs.Cert, Key: certs.Key}).HTTPS()
	if err != nil {
		t.Fatal(err)
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := GuardListener(tls.NewListener(tcp, cfg))
	srv := NewServer(ln.Addr().String(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || !r.TLS.HandshakeComplete {
			io.WriteString(w, "no TLS state")
			return
		}
		io.WriteString(w, r.Proto+" "+r.TLS.NegotiatedProtocol)
	}))
	go srv.Serve(ln)
	defer srv.Close()
	for _, h2 := range []bool{false, true} {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: certs.Pool}, ForceAttemptHTTP2: h2}
		if !h2 {
			tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		}
		resp, err := (&http.Client{Transport: tr, Timeout: 20 * time.Second}).Get("https://" + ln.Addr().String() + "/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tr.CloseIdleConnections()
		want := "HTTP/1.1 " // the client offered no ALPN
		if h2 {
			want = "HTTP/2.0 h2"
		}
		if string(b) != want {
			t.Errorf("h2 %v: %q, want %q", h2, b, want)
		}
	}
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: certs.Pool, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n"+smuggled)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(b), refusedCoding.String()) || !resp.Close {
		t.Errorf("an ambiguous request inside TLS: %s %q", resp.Status, b)
	}
}
