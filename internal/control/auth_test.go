package control

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// TestServerAuthentication: a server that listens accepts only clients with the secret, and
// refuses to listen without one.
func TestServerAuthentication(t *testing.T) {
	if _, err := StartServer(ServerOptions{Dir: t.TempDir(), Listen: "127.0.0.1:-1"}); err == nil ||
		!strings.Contains(err.Error(), "needs a secret") {
		t.Fatalf("a listening server without a secret: %v", err)
	}
	path := filepath.Join(t.TempDir(), "nats-secret")
	secret, created, err := LoadOrCreateSecret(path, true)
	if err != nil || !created || len(secret) != 64 {
		t.Fatalf("LoadOrCreateSecret = %q, %v, %v", secret, created, err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("secret file mode %v, want 0600", info.Mode().Perm())
	}
	if again, created, err := LoadOrCreateSecret(path, true); err != nil || created || again != secret {
		t.Fatalf("reading it back = %q, %v, %v", again, created, err)
	}
	ns, err := StartServer(ServerOptions{Dir: t.TempDir(), Listen: "127.0.0.1:-1", Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	url := ns.ClientURL()

	// An attacker on the machine, with no credentials or guessed ones; the secret itself, and
	// the route's password, are no client's password.
	for _, opt := range []nats.Option{nats.Name("anonymous"), nats.UserInfo(RoleAdmin.User(), "guess"),
		nats.UserInfo(RoleAdmin.User(), secret), nats.UserInfo(RoleRoute.User(), RolePassword(secret, RoleRoute)),
		nats.UserInfo(RoleAdmin.User(), RolePassword(secret, RoleNode))} {
		if nc, err := nats.Connect(url, opt, nats.RetryOnFailedConnect(false)); err == nil {
			nc.Close()
			t.Fatalf("a client connected to %s without islet's credentials", url)
		}
	}
	if _, err := Connect(nil, url, "test", "", discard()); err == nil || !strings.Contains(err.Error(), "refused no credentials") {
		t.Fatalf("Connect without a secret: %v", err)
	}
	if _, err := Connect(nil, url, "test", strings.Repeat("0", 64), discard()); err == nil || !strings.Contains(err.Error(), "refused the credentials of user islet-admin") ||
		!strings.Contains(err.Error(), "--nats-secret-file") {
		t.Fatalf("Connect with the wrong secret: %v", err)
	}
	nc, err := Connect(nil, url, "test", secret, discard())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := Open(ctx, nc, Options{Logger: discard()}); err != nil {
		t.Fatalf("the store over an authenticated connection: %v", err)
	}
}

// TestClusterRoutesAuthenticate: a server with another secret cannot route to islet's; one
// with the same secret can.
func TestClusterRoutesAuthenticate(t *testing.T) {
	secret, bad := strings.Repeat("ab", 32), strings.Repeat("cd", 32)
	port := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	addrA, addrC, addrRogue := port(), port(), port()
	var logMu sync.Mutex
	var rogueLog strings.Builder
	start := func(name, secret, listen string, routes ...string) *server.Server {
		o := ServerOptions{Dir: t.TempDir(), Name: name, ClusterListen: listen, Routes: routes, Secret: secret}
		if name == "rogue" {
			o.Logger = slog.New(slog.NewTextHandler(lockedWriter{&logMu, &rogueLog}, nil))
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
	go func() { defer close(done); c = start("c", secret, addrC, addrA) }() // each waits for a peer
	a = start("a", secret, addrA, addrC)                                    // only the rogue solicits: its attempt is an inbound route a must refuse
	<-done
	// The rogue's own count is not checked: it lists its outgoing route for the moment before a
	// rejects the route's CONNECT. What matters is that a never takes it.
	start("rogue", bad, addrRogue, addrA)
	// Wait (bounded) until the rogue has been told its route is not authorized, then look at
	// whom a routes to.
	deadline := time.Now().Add(20 * time.Second)
	for {
		logMu.Lock()
		refused := strings.Contains(strings.ToLower(rogueLog.String()), "authorization")
		logMu.Unlock()
		if refused && a.NumRoutes() > 0 && c.NumRoutes() > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("within 20s: a refused the rogue route: %v; a and c routed: %v", refused, a.NumRoutes() > 0 && c.NumRoutes() > 0)
		}
		time.Sleep(10 * time.Millisecond)
	}
	rz, err := a.Routez(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rz.Routes {
		if r.RemoteName != "c" {
			t.Errorf("a routes to %q (%s), want only c", r.RemoteName, r.RemoteID)
		}
	}
}

// lockedWriter serialises writes to a builder shared with the test.
type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
