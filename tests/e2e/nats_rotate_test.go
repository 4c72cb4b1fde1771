package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"islet/internal/control"
)

// TestNATSSecretRotation rotates a fleet's NATS secret with `islet nats rotate` and restarts
// the server and the node one at a time, as an operator would: the node keeps deploying and
// serving at every step (with the old file against the rotated server, with the rotated file
// everywhere), and once the rotation is finished the old secret no longer logs in.
func TestNATSSecretRotation(t *testing.T) {
	f := newOfflineFleet(t)
	old, err := os.ReadFile(f.secret)
	if err != nil {
		t.Fatal(err)
	}
	oldSecret := strings.TrimSpace(string(old))
	f.startNATS(t)
	f.startNode(t)
	deploySecretWorker(t, f.api(t), "app", "v1", "")
	pollHost(t, f.node.addr, "app.localhost", "v1 undefined", f.node)

	rotate := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(binary, append([]string{"nats", "rotate", "--nats-secret-file", f.secret}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("islet nats rotate %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := rotate(); !strings.Contains(out, "holds a new secret and the previous one") {
		t.Fatalf("rotate said %q", out)
	}
	rotated, _ := os.ReadFile(f.secret)
	lines := strings.Fields(string(rotated))
	if len(lines) != 2 || lines[1] != oldSecret || lines[0] == oldSecret {
		t.Fatalf("the rotated file holds %q", rotated)
	}

	// 1. The server restarts with the rotated file; the node still has the old one, by its
	// connection's reconnect (the node keeps its file until its own restart).
	f.nats.stop(t)
	f.startNATS(t)
	deploySecretWorker(t, f.api(t), "app", "v2", "")
	pollHost(t, f.node.addr, "app.localhost", "v2 undefined", f.node)
	// 2. The node restarts with the rotated file: it logs in with the new secret.
	f.node.stop(t)
	f.startNode(t)
	deploySecretWorker(t, f.api(t), "app", "v3", "")
	pollHost(t, f.node.addr, "app.localhost", "v3 undefined", f.node)
	if strings.Contains(f.node.output(), "took a previous one") {
		t.Errorf("the node fell back to the old secret although the server knows the new one:\n%s", f.node.output())
	}

	// 3. Finish: the server restarts with only the new secret; the old one is refused.
	if out := rotate("--finish"); !strings.Contains(out, "holds only the new secret") {
		t.Fatalf("rotate --finish said %q", out)
	}
	f.nats.stop(t)
	f.startNATS(t)
	deploySecretWorker(t, f.api(t), "app", "v4", "")
	pollHost(t, f.node.addr, "app.localhost", "v4 undefined", f.node)
	for _, c := range []struct {
		secret string
		want   bool
	}{{oldSecret, false}, {lines[0], true}} {
		nc, err := nats.Connect("nats://"+f.natsAddr, nats.UserInfo(control.RoleNode.User(), control.RolePassword(c.secret, control.RoleNode)),
			nats.CustomInboxPrefix(control.RoleNode.InboxPrefix()), nats.RetryOnFailedConnect(false))
		if err == nil {
			nc.Close()
		}
		if (err == nil) != c.want {
			t.Errorf("after the rotation, the %s secret: connect error %v", map[bool]string{false: "old", true: "new"}[c.want], err)
		}
	}
}
