package cli

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"islet/internal/control"
)

// TestNATSRole: a node that serves the admin API is admin, any other node node.
func TestNATSRole(t *testing.T) {
	for _, c := range []struct {
		pf   platformFlags
		want control.Role
	}{
		{platformFlags{admin: "127.0.0.1:8788"}, control.RoleAdmin},
		{platformFlags{admin: ""}, control.RoleNode},
	} {
		if got := c.pf.natsRole(); got != c.want {
			t.Errorf("%+v: role %s, want %s", c.pf, got, c.want)
		}
	}
}

// TestNATSAuth: a credential file gives only its roles; without a file, a joining node has
// nothing.
func TestNATSAuth(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	secret := strings.Repeat("ab", 32)
	file := filepath.Join(t.TempDir(), "gateway.cred")
	node := control.Credential{Role: control.RoleNode, Password: control.RolePassword(secret, control.RoleNode)}
	if err := os.WriteFile(file, []byte(node.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := natsAuth(file, t.TempDir(), false, log)
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
