package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"islet/internal/control"
)

// TestNATSNeedsCredentials is the attack on the trust root: a local user who reaches
// the NATS port of `islet serve --nats-listen` (as a supervisor's runtime processes do) gets
// nothing without the secret, so it can neither read bundles and sealed secrets nor mint an
// admin token; islet's own nodes, holding DATA/nats-secret (mode 0600), still work.
func TestNATSNeedsCredentials(t *testing.T) {
	natsAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	pl := startPlatform(t, "--nats-listen", natsAddr)
	url := "nats://" + natsAddr
	for _, opt := range []nats.Option{nats.Name("attacker"), nats.UserInfo("islet-admin", "guess")} {
		nc, err := nats.Connect(url, opt, nats.RetryOnFailedConnect(false))
		if err == nil {
			nc.Close()
			t.Fatalf("a client without the secret connected to %s", url)
		}
		if !strings.Contains(strings.ToLower(err.Error()), "authorization") {
			t.Errorf("refusal = %v, want an authorization violation", err)
		}
	}
	secretFile := filepath.Join(pl.data, "nats-secret")
	info, err := os.Stat(secretFile)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("DATA/nats-secret: %v, %v", info, err)
	}
	secret, _ := os.ReadFile(secretFile)
	admin := control.RoleAdmin
	nc, err := nats.Connect(url, nats.UserInfo(admin.User(), control.RolePassword(strings.TrimSpace(string(secret)), admin)),
		nats.CustomInboxPrefix(admin.InboxPrefix()))
	if err != nil {
		t.Fatalf("with the secret: %v", err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.KeyValue(ctx, "islet-tokens"); err != nil {
		t.Fatalf("islet's own credentials reach its buckets: %v", err)
	}
	// A second node joining this one's NATS without the secret file is told what is missing.
	out, err := runBounded(t, 30*time.Second, "serve", "--data", filepath.Join(t.TempDir(), "d"), "--nats", url, "--listen", "127.0.0.1:0",
		"--admin", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "--secret-key-file", filepath.Join(pl.data, "secret-key"))
	if err == nil || !strings.Contains(out, "refused no credentials") || !strings.Contains(out, "--nats-secret-file") {
		t.Errorf("a node without the secret: %v\n%s", err, out)
	}
}

// runBounded runs islet with args until it exits or limit passes (then it is killed) and
// returns its combined output.
func runBounded(t *testing.T, limit time.Duration, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, args...).CombinedOutput()
	return string(out), err
}
