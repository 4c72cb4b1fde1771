package control

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// TestRotateSecretFile: rotate writes a new secret before the old one (0600), loads back as
// Secret and Previous, refuses a second finish and files that are not secrets.
func TestRotateSecretFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nats-secret")
	old, _, err := LoadOrCreateSecret(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := RotateSecret(path, true); err == nil || !strings.Contains(err.Error(), "no rotation is under way") {
		t.Fatalf("finish without a rotation: %v", err)
	}
	got, err := RotateSecret(path, false)
	if err != nil || len(got) != 2 || got[1] != old || got[0] == old || len(got[0]) != 64 {
		t.Fatalf("rotate = %q, %v; want a new secret, then %s", got, err, old)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v after rotate, want 0600", info.Mode().Perm())
	}
	a, _, err := LoadAuth(path, false)
	if err != nil || a.Secret != got[0] || len(a.Previous) != 1 || a.Previous[0] != old {
		t.Fatalf("LoadAuth = %+v, %v", a, err)
	}
	if fb := a.Fallbacks(RoleNode); len(fb) != 1 || fb[0].Password != RolePassword(old, RoleNode) {
		t.Errorf("Fallbacks(node) = %v", fb)
	}
	// A second start keeps only the newest two.
	again, err := RotateSecret(path, false)
	if err != nil || len(again) != 2 || again[1] != got[0] {
		t.Fatalf("rotate again = %q, %v", again, err)
	}
	done, err := RotateSecret(path, true)
	if err != nil || len(done) != 1 || done[0] != again[0] {
		t.Fatalf("finish = %q, %v", done, err)
	}
	if a, _, err := LoadAuth(path, false); err != nil || a.Secret != again[0] || len(a.Previous) != 0 {
		t.Fatalf("LoadAuth after finish = %+v, %v", a, err)
	}
	bad := filepath.Join(t.TempDir(), "bad")
	if err := os.WriteFile(bad, []byte(strings.Repeat("ab", 32)+"\nnot hex\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadAuth(bad, false); err == nil || !strings.Contains(err.Error(), "64 hex digits") {
		t.Errorf("LoadAuth of a bad file: %v", err)
	}
	if _, err := RotateSecret(bad, false); err == nil {
		t.Error("rotate of a bad file: no error")
	}
}

// TestCredentialFallbacks: a credential file's further lines for a role are its fallbacks.
func TestCredentialFallbacks(t *testing.T) {
	n1 := Credential{Role: RoleNode, Password: "p1"}
	n2 := Credential{Role: RoleNode, Password: "p2"}
	a := Auth{Creds: []Credential{n1, {Role: RoleAdmin, Password: "a1"}, n2}}
	if c, err := a.For(RoleNode); err != nil || c != n1 {
		t.Fatalf("For(node) = %v, %v", c, err)
	}
	if fb := a.Fallbacks(RoleNode); len(fb) != 1 || fb[0] != n2 {
		t.Errorf("Fallbacks(node) = %v", fb)
	}
	if fb := a.Fallbacks(RoleAdmin); len(fb) != 0 {
		t.Errorf("Fallbacks(admin) = %v", fb)
	}
}

// TestRotationAcceptsBothSecrets: during a rotation a server accepts the old and the new
// secret's passwords and a route from a server that knows only the old one; a client whose
// new credential a not-yet-rotated server refuses falls back to the old one; after the
// rotation the old secret is refused.
func TestRotationAcceptsBothSecrets(t *testing.T) {
	old, next := strings.Repeat("0a", 32), strings.Repeat("0b", 32)
	start := func(o ServerOptions) *server.Server {
		t.Helper()
		o.Dir = t.TempDir()
		ns, err := StartServer(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
		return ns
	}
	connects := func(url, secret string, r Role) bool {
		nc, err := nats.Connect(url, nats.UserInfo(r.User(), RolePassword(secret, r)), nats.RetryOnFailedConnect(false))
		if err == nil {
			nc.Close()
		}
		return err == nil
	}
	rotating := start(ServerOptions{Listen: "127.0.0.1:-1", Secret: next, PreviousSecrets: []string{old}})
	for _, s := range []string{old, next} {
		for _, r := range []Role{RoleAdmin, RoleNode} {
			if !connects(rotating.ClientURL(), s, r) {
				t.Errorf("rotating server refused %s under the %s secret", r, map[string]string{old: "old", next: "new"}[s])
			}
		}
	}
	if connects(rotating.ClientURL(), strings.Repeat("0c", 32), RoleAdmin) {
		t.Error("rotating server took a third secret")
	}
	if connects(rotating.ClientURL(), next, RoleRoute) {
		t.Error("the route role logged in as a client")
	}

	// A server not rotated yet: the new credential is refused, the fallback is taken.
	notYet := start(ServerOptions{Listen: "127.0.0.1:-1", Secret: old})
	nc, err := Dial(nil, ClientOptions{URLs: notYet.ClientURL(), Name: "test",
		Credential: Credential{Role: RoleNode, Password: RolePassword(next, RoleNode)},
		Fallback:   []Credential{{Role: RoleNode, Password: RolePassword(old, RoleNode)}}, Logger: discard()})
	if err != nil {
		t.Fatalf("Dial with a fallback: %v", err)
	}
	nc.Close()
	if _, err := Dial(nil, ClientOptions{URLs: notYet.ClientURL(), Name: "test",
		Credential: Credential{Role: RoleNode, Password: RolePassword(next, RoleNode)}, Logger: discard()}); err == nil ||
		!strings.Contains(err.Error(), "refused the credentials of user islet-node") {
		t.Fatalf("Dial without the fallback: %v", err)
	}

	// Routes: a rotating server and one that knows only the old secret form a cluster.
	a, b := freeAddr(t), freeAddr(t)
	var ra, rb *server.Server
	done := make(chan struct{})
	go func() {
		defer close(done)
		rb = start(ServerOptions{Name: "b", ClusterListen: b, Routes: []string{a}, Secret: old})
	}()
	ra = start(ServerOptions{Name: "a", ClusterListen: a, Routes: []string{b}, Secret: next, PreviousSecrets: []string{old}})
	<-done
	deadline := time.Now().Add(20 * time.Second)
	for ra.NumRoutes() == 0 || rb.NumRoutes() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no route between a rotating server and an old one within 20s (a %d, b %d)", ra.NumRoutes(), rb.NumRoutes())
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Finished: the old secret is refused.
	finished := start(ServerOptions{Listen: "127.0.0.1:-1", Secret: next})
	if connects(finished.ClientURL(), old, RoleNode) || !connects(finished.ClientURL(), next, RoleNode) {
		t.Error("after the rotation: want the new secret only")
	}
}

// freeAddr is a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
