package cli

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"islet/internal/control"
)

// TestNATSRole: a runtime process is runtime, a node that serves the admin API admin, any other
// node node.
func TestNATSRole(t *testing.T) {
	for _, c := range []struct {
		pf   platformFlags
		want control.Role
	}{
		{platformFlags{admin: "127.0.0.1:8788"}, control.RoleAdmin},
		{platformFlags{admin: ""}, control.RoleNode},
		{platformFlags{admin: "127.0.0.1:8788", noAdmin: true}, control.RoleNode},
		{platformFlags{admin: "127.0.0.1:8788", noAdmin: true, child: true}, control.RoleRuntime},
	} {
		if got := c.pf.natsRole(); got != c.want {
			t.Errorf("%+v: role %s, want %s", c.pf, got, c.want)
		}
	}
}

// TestNATSAuth: a runtime process takes its credential out of its environment; a credential
// file gives only its roles; without a file, a joining node has nothing.
func TestNATSAuth(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	secret := strings.Repeat("ab", 32)
	cred := control.Credential{Role: control.RoleRuntime, Password: control.RolePassword(secret, control.RoleRuntime)}
	t.Setenv(natsCredentialEnv, cred.String())
	a, err := natsAuth("", t.TempDir(), false, log)
	if err != nil || a.Secret != "" || len(a.Creds) != 1 || a.Creds[0] != cred {
		t.Fatalf("from the environment: %+v, %v", a, err)
	}
	if v, ok := os.LookupEnv(natsCredentialEnv); ok {
		t.Errorf("%s is still set: %q", natsCredentialEnv, v)
	}
	file := filepath.Join(t.TempDir(), "gateway.cred")
	node := control.Credential{Role: control.RoleNode, Password: control.RolePassword(secret, control.RoleNode)}
	if err := os.WriteFile(file, []byte(node.String()+"\n"+cred.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err = natsAuth(file, t.TempDir(), false, log)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := a.For(control.RoleNode); err != nil || c != node {
		t.Errorf("node from the file: %v, %v", c, err)
	}
	if _, err := a.For(control.RoleAdmin); err == nil || !strings.Contains(err.Error(), "--nats-secret-file "+file) {
		t.Errorf("admin from a node's file: %v", err)
	}
	if a, err := natsAuth("", t.TempDir(), false, log); err != nil || !a.Empty() {
		t.Errorf("no file: %+v, %v", a, err)
	}
}
