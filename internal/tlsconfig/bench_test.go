package tlsconfig

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"islet/internal/control"
	"islet/internal/gateway"
	"islet/internal/tlsconfig/tlstest"
)

// What TLS costs islet: loading the files at start-up, a NATS connection's set-up, and a
// gateway request (gateway.NewServer, as a node serves) over plain HTTP and HTTPS, with
// keep-alive and with a new connection (a full handshake) per request.
//
//	go test ./internal/tlsconfig -run '^$' -bench . -benchtime 2s

func BenchmarkLoad(b *testing.B) {
	c := tlstest.New(b, b.TempDir())
	f := Files{Cert: c.Cert, Key: c.Key, CA: c.CA}
	for b.Loop() {
		if _, err := f.Mutual(); err != nil {
			b.Fatal(err)
		}
		if _, err := Client(f.CA); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNATSConnect(b *testing.B) {
	c := tlstest.New(b, b.TempDir())
	serverTLS, _ := (Files{Cert: c.Cert, Key: c.Key}).Server()
	clientTLS, _ := Client(c.CA)
	secret := strings.Repeat("1f", 32)
	cred := control.Credential{Role: control.RoleNode, Password: control.RolePassword(secret, control.RoleNode)}
	for _, tc := range []struct {
		name   string
		server *tls.Config
		client *tls.Config
	}{{"plain", nil, nil}, {"tls", serverTLS, clientTLS}} {
		b.Run(tc.name, func(b *testing.B) {
			ns, err := control.StartServer(control.ServerOptions{Dir: b.TempDir(), Listen: "127.0.0.1:-1", Secret: secret, TLS: tc.server})
			if err != nil {
				b.Fatal(err)
			}
			defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
			for b.Loop() {
				nc, err := control.Dial(nil, control.ClientOptions{URLs: ns.ClientURL(), Credential: cred, TLS: tc.client,
					Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					b.Fatal(err)
				}
				nc.Close()
			}
		})
	}
}

func BenchmarkGateway(b *testing.B) {
	c := tlstest.New(b, b.TempDir())
	httpsCfg, err := (Files{Cert: c.Cert, Key: c.Key}).HTTPS()
	if err != nil {
		b.Fatal(err)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hello") })
	for _, tc := range []struct {
		name      string
		tls       bool
		h2        bool
		keepAlive bool
	}{
		{"http1-keepalive", false, false, true},
		{"https1-keepalive", true, false, true},
		{"https2-keepalive", true, true, true},
		{"http1-new-conn", false, false, false},
		{"https1-new-conn", true, false, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := gateway.NewServer(ln.Addr().String(), handler)
			served, scheme := ln, "http"
			if tc.tls {
				served, scheme = tls.NewListener(ln, httpsCfg), "https"
			}
			go srv.Serve(served)
			defer srv.Close()
			tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: c.Pool}, ForceAttemptHTTP2: tc.h2,
				DisableKeepAlives: !tc.keepAlive, MaxIdleConnsPerHost: 64}
			if !tc.h2 {
				tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
			}
			defer tr.CloseIdleConnections()
			hc := &http.Client{Transport: tr}
			url := scheme + "://" + ln.Addr().String() + "/"
			for b.Loop() {
				resp, err := hc.Get(url)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if tc.h2 != (resp.ProtoMajor == 2) {
					b.Fatalf("answered %s", resp.Proto)
				}
			}
		})
	}
}
