package control

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"islet/internal/tlsconfig"
	"islet/internal/tlsconfig/tlstest"
)

// TestNATSClientTLS: a server given a certificate takes only TLS clients; a client with the CA
// works, and one without TLS, with another CA, or asking TLS of a plaintext server is told
// what is missing.
func TestNATSClientTLS(t *testing.T) {
	certs := tlstest.New(t, t.TempDir())
	files := tlsconfig.Files{Cert: certs.Cert, Key: certs.Key, CA: certs.CA}
	serverTLS, err := files.Server()
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.Repeat("7a", 32)
	ns, err := StartServer(ServerOptions{Dir: t.TempDir(), Listen: "127.0.0.1:-1", Secret: secret, TLS: serverTLS})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	admin := Credential{Role: RoleAdmin, Password: RolePassword(secret, RoleAdmin)}
	clientTLS, err := tlsconfig.Client(certs.CA)
	if err != nil {
		t.Fatal(err)
	}
	url := ns.ClientURL()

	nc, err := Dial(nil, ClientOptions{URLs: url, Credential: admin, TLS: clientTLS, Logger: discard()})
	if err != nil {
		t.Fatalf("with the CA: %v", err)
	}
	defer nc.Close()
	if !nc.TLSRequired() {
		t.Error("the connection is not TLS")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := Open(ctx, nc, Options{Logger: discard()}); err != nil {
		t.Fatalf("the store over TLS: %v", err)
	}
	// In process, as an embedded server's own node connects, no TLS is needed.
	inproc, err := Dial(ns, ClientOptions{Credential: admin, Logger: discard()})
	if err != nil {
		t.Fatalf("in process: %v", err)
	}
	inproc.Close()

	if _, err := Dial(nil, ClientOptions{URLs: url, Credential: admin, Logger: discard()}); err == nil ||
		!strings.Contains(err.Error(), "requires TLS") || !strings.Contains(err.Error(), "--nats-ca") {
		t.Errorf("without TLS: %v", err)
	}
	otherTLS, _ := tlsconfig.Client(tlstest.New(t, t.TempDir()).CA)
	if _, err := Dial(nil, ClientOptions{URLs: url, Credential: admin, TLS: otherTLS, Logger: discard()}); err == nil ||
		!strings.Contains(err.Error(), "TLS verification failed") {
		t.Errorf("with another CA: %v", err)
	}
	plain, err := StartServer(ServerOptions{Dir: t.TempDir(), Listen: "127.0.0.1:-1", Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { plain.Shutdown(); plain.WaitForShutdown() })
	if _, err := Dial(nil, ClientOptions{URLs: plain.ClientURL(), Credential: admin, TLS: clientTLS, Logger: discard()}); err == nil ||
		!strings.Contains(err.Error(), "offers no TLS") {
		t.Errorf("TLS asked of a plaintext server: %v", err)
	}
}

// TestNATSClusterTLS: servers given a certificate and a CA route to each other over mutual
// TLS; a server holding the fleet's secret but a certificate another CA signed, or no TLS at
// all, cannot route to them.
func TestNATSClusterTLS(t *testing.T) {
	mutual := func(c *tlstest.Files) *tls.Config {
		if c == nil {
			return nil
		}
		cfg, err := (tlsconfig.Files{Cert: c.Cert, Key: c.Key, CA: c.CA}).Mutual()
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	good, other := tlstest.New(t, t.TempDir()), tlstest.New(t, t.TempDir())
	secret := strings.Repeat("3c", 32)
	port := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	addrA, addrC := port(), port()
	var logMu sync.Mutex
	logs := map[string]*strings.Builder{}
	start := func(name string, certs *tlstest.Files, routes ...string) *server.Server {
		o := ServerOptions{Dir: t.TempDir(), Name: name, ClusterListen: port(), Routes: routes, Secret: secret, ClusterTLS: mutual(certs)}
		switch name {
		case "a":
			o.ClusterListen = addrA
		case "c":
			o.ClusterListen = addrC
		}
		if name != "c" {
			logs[name] = &strings.Builder{}
			o.Logger = slog.New(slog.NewTextHandler(lockedWriter{&logMu, logs[name]}, nil))
		}
		ns, err := StartServer(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
		return ns
	}
	var a, c *server.Server
	done := make(chan struct{})
	go func() { defer close(done); c = start("c", &good, addrA) }()
	a = start("a", &good, addrC)
	<-done
	start("other-ca", &other, addrA)
	start("plaintext", nil, addrA)
	// Wait (bounded) until each rogue's route has failed: the one with another CA refuses a's
	// certificate itself; the plaintext one's CONNECT is refused by a, which solicits no route
	// to it, so a's log names it. Then look at whom a routes to.
	deadline := time.Now().Add(20 * time.Second)
	for {
		logMu.Lock()
		otherFailed := strings.Contains(logs["other-ca"].String(), "certificate signed by unknown authority")
		plainFailed := strings.Contains(logs["a"].String(), "does not look like a TLS handshake")
		logMu.Unlock()
		if otherFailed && plainFailed && a.NumRoutes() > 0 && c.NumRoutes() > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("within 20s: the other CA's route failed: %v, the plaintext route failed: %v; a and c routed: %v",
				otherFailed, plainFailed, a.NumRoutes() > 0 && c.NumRoutes() > 0)
		}
		time.Sleep(10 * time.Millisecond)
	}
	rz, err := a.Routez(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rz.Routes {
		if r.RemoteName != "c" {
			t.Errorf("a routes to %q, want only c", r.RemoteName)
		}
	}
}
