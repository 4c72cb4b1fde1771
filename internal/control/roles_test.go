package control

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// refusals collects the operations NATS refused a connection (Dial logs them).
type refusals struct{ ch chan string }

func (r *refusals) Enabled(context.Context, slog.Level) bool { return true }
func (r *refusals) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *refusals) WithGroup(string) slog.Handler            { return r }
func (r *refusals) Handle(_ context.Context, rec slog.Record) error {
	if rec.Message != "NATS refused an operation" {
		return nil
	}
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "err" {
			select {
			case r.ch <- a.Value.String():
			default:
			}
		}
		return true
	})
	return nil
}

// await waits (bounded) for the refusal of subject, failing on any other refusal first:
// NATS answers a connection's operations in order, and Dial's handler sees them in order.
func (r *refusals) await(t *testing.T, what, subject string) {
	t.Helper()
	select {
	case got := <-r.ch:
		if !strings.Contains(strings.ToLower(got), "permissions violation") || !strings.Contains(got, `"`+subject+`"`) {
			t.Fatalf("%s: NATS refused %q; want the refusal of %q", what, got, subject)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: NATS did not refuse %s within 20s", what, subject)
	}
}

// none proves that nothing was refused so far: a sentinel operation no role may do must be the
// next refusal.
func (r *refusals) none(t *testing.T, nc *nats.Conn) {
	t.Helper()
	const sentinel = "islet.test.sentinel"
	if err := nc.Publish(sentinel, nil); err != nil {
		t.Fatal(err)
	}
	r.await(t, "before the sentinel", sentinel)
}

// securedServer starts a server with a fleet secret on a loopback port.
func securedServer(t *testing.T) (ns *server.Server, secret string) {
	t.Helper()
	secret = strings.Repeat("5e", 32)
	ns, err := StartServer(ServerOptions{Dir: t.TempDir(), Listen: "127.0.0.1:-1", Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	return ns, secret
}

// dialAs connects to ns's client port as role, with a refusal collector.
func dialAs(t *testing.T, ns *server.Server, secret string, role Role) (*nats.Conn, *refusals) {
	t.Helper()
	r := &refusals{ch: make(chan string, 64)}
	nc, err := Dial(nil, ClientOptions{URLs: ns.ClientURL(), Name: "test-" + string(role),
		Credential: Credential{Role: role, Password: RolePassword(secret, role)}, Logger: slog.New(r)})
	if err != nil {
		t.Fatalf("%s: %v", role, err)
	}
	t.Cleanup(nc.Close)
	return nc, r
}

// bigBundle is large enough that reading it needs JetStream flow control.
func bigBundle() *Bundle {
	b := make([]byte, 4<<20)
	for i := range b {
		b[i] = byte(i * 7919 >> 5)
	}
	return &Bundle{Modules: map[string][]byte{"index.js": []byte("export default {}"), "data.bin": b}}
}

// TestRolesDoTheirJob: each role does all its component does, against a real server, and
// NATS refuses none of it.
func TestRolesDoTheirJob(t *testing.T) {
	ns, secret := securedServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	anc, aref := dialAs(t, ns, secret, RoleAdmin)
	admin, err := Open(ctx, anc, Options{Logger: discard()})
	if err != nil {
		t.Fatalf("admin: open (creating the buckets): %v", err)
	}
	if has, err := admin.HasTokens(ctx); err != nil || has {
		t.Fatalf("admin: HasTokens = %v, %v", has, err)
	}
	tok, err := admin.CreateToken(ctx, Token{Account: "default", Admin: true, Name: "bootstrap"})
	if err != nil {
		t.Fatalf("admin: create token: %v", err)
	}
	if _, err := admin.Authenticate(ctx, tok); err != nil {
		t.Fatalf("admin: authenticate: %v", err)
	}
	if err := admin.PutAccount(ctx, &Account{Name: "acme", Zones: []string{"acme.test"}}, 0); err != nil {
		t.Fatalf("admin: put account: %v", err)
	}
	if z, err := admin.Zones(ctx); err != nil || len(z) != 1 {
		t.Fatalf("admin: zones = %v, %v", z, err)
	}
	deploy := func(src string) *Version {
		t.Helper()
		b := bigBundle()
		b.Modules["index.js"] = []byte(src)
		v, err := admin.PutVersion(ctx, Version{Worker: "hello", Account: "acme", Main: "index.js", Format: "module"}, b)
		if err != nil {
			t.Fatalf("admin: put version: %v", err)
		}
		if _, err := admin.Update(ctx, "hello", func(w *Worker) (*Worker, error) {
			if w == nil {
				w = &Worker{Name: "hello", Account: "acme"}
			}
			w.Current = v.ID
			w.Versions = append(w.Versions, VersionRef{ID: v.ID, Created: v.Created})
			return w, nil
		}); err != nil {
			t.Fatalf("admin: update worker: %v", err)
		}
		return v
	}
	latest := deploy("export default { v: 1 }")
	if ws, err := admin.Workers(ctx); err != nil || len(ws) != 1 {
		t.Fatalf("admin: workers = %v, %v", ws, err)
	}
	tokens, err := admin.Tokens(ctx)
	if err != nil || len(tokens) != 1 {
		t.Fatalf("admin: tokens = %v, %v", tokens, err)
	}

	role := RoleNode
	nc, ref := dialAs(t, ns, secret, role)
	s, err := Open(ctx, nc, Options{Logger: discard(), ReadOnly: true})
	if err != nil {
		t.Fatalf("%s: open read-only: %v", role, err)
	}
	seen := make(chan map[string]*Worker, 16)
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- s.Watch(wctx, func(m map[string]*Worker) { seen <- m }, func(err error) { t.Error(err) })
	}()
	current := func() string {
		t.Helper()
		select {
		case m := <-seen:
			if m["hello"] == nil {
				t.Fatalf("%s: the watch sees %v", role, m)
			}
			return m["hello"].Current
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: the watch delivered nothing in 30s", role)
		}
		return ""
	}
	if got := current(); got != latest.ID {
		t.Fatalf("%s: watch: current %s, want %s", role, got, latest.ID)
	}
	v, err := s.Version(ctx, "hello", latest.ID)
	if err != nil {
		t.Fatalf("%s: version: %v", role, err)
	}
	b, err := s.Bundle(ctx, v.Bundle)
	if err != nil || len(b.Modules["data.bin"]) != 4<<20 {
		t.Fatalf("%s: bundle: %v", role, err)
	}
	latest = deploy("export default { v: 'for " + string(role) + "' }")
	if got := current(); got != latest.ID {
		t.Fatalf("%s: watch after a deploy: current %s, want %s", role, got, latest.ID)
	}
	if _, err := s.HasTokens(ctx); !errors.Is(err, ErrReadOnly) {
		t.Errorf("%s: HasTokens on a read-only store: %v", role, err)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("%s: watch: %v", role, err)
	}
	ref.none(t, nc)
	if _, err := admin.RevokeToken(ctx, tokens[0].ID); err != nil {
		t.Fatalf("admin: revoke: %v", err)
	}
	if err := admin.Delete(ctx, "hello"); err != nil {
		t.Fatalf("admin: delete: %v", err)
	}
	aref.none(t, anc)
}

// TestRolesAreRefused: what a role must not do, NATS refuses: a node reads no token or
// account and writes nothing, the admin deletes no bucket, and no role listens to another's
// replies.
func TestRolesAreRefused(t *testing.T) {
	ns, secret := securedServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	anc, _ := dialAs(t, ns, secret, RoleAdmin)
	admin, err := Open(ctx, anc, Options{Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[Role][]struct {
		what, subject string
		sub           bool // subscribe instead of publish
	}{
		RoleNode: {
			{what: "mint a token", subject: "$KV.islet-tokens.t.forged"},
			{what: "read a token", subject: "$JS.API.DIRECT.GET.KV_islet-tokens.$KV.islet-tokens.t.forged"},
			{what: "bind the tokens bucket", subject: "$JS.API.STREAM.INFO.KV_islet-tokens"},
			{what: "watch the tokens", subject: "$JS.API.CONSUMER.CREATE.KV_islet-tokens.x.$KV.islet-tokens.>"},
			{what: "read an account", subject: "$JS.API.DIRECT.GET.KV_islet-accounts.$KV.islet-accounts.a.acme"},
			{what: "write an account", subject: "$KV.islet-accounts.a.acme"},
			{what: "write a worker record", subject: "$KV.islet-workers.w.evil"},
			{what: "write a bundle chunk", subject: "$O.islet-bundles.C.evil"},
			{what: "create a bucket", subject: "$JS.API.STREAM.CREATE.KV_islet-evil"},
			{what: "delete the workers bucket", subject: "$JS.API.STREAM.DELETE.KV_islet-workers"},
			{what: "purge the workers bucket", subject: "$JS.API.STREAM.PURGE.KV_islet-workers"},
			{what: "purge the bundles", subject: "$JS.API.STREAM.PURGE.OBJ_islet-bundles"},
			{what: "list the streams", subject: "$JS.API.STREAM.LIST"},
			{what: "tap the tokens bucket", subject: "$KV.islet-tokens.>", sub: true},
			{what: "tap every reply", subject: "_INBOX.>", sub: true},
			{what: "tap the admin's replies", subject: "_INBOX.admin.>", sub: true},
			{what: "tap everything", subject: ">", sub: true},
		},
		RoleAdmin: {
			{what: "delete the tokens bucket", subject: "$JS.API.STREAM.DELETE.KV_islet-tokens"},
			{what: "tap the node's replies", subject: "_INBOX.node.>", sub: true},
		},
	}
	for _, role := range []Role{RoleNode, RoleAdmin} {
		nc, ref := dialAs(t, ns, secret, role)
		for _, c := range cases[role] {
			if c.sub {
				if _, err := nc.Subscribe(c.subject, func(*nats.Msg) {}); err != nil {
					t.Fatal(err)
				}
			} else if err := nc.PublishMsg(&nats.Msg{Subject: c.subject, Reply: role.InboxPrefix() + ".x", Data: []byte(`{}`)}); err != nil {
				t.Fatal(err)
			}
			ref.await(t, string(role)+": "+c.what, c.subject)
		}
		if role == RoleAdmin {
			continue
		}
		// Through the JetStream API too: the tokens bucket does not open for it (the request
		// is dropped, so it ends at its deadline).
		js, _ := jetstream.New(nc)
		kctx, kcancel := context.WithTimeout(ctx, time.Second)
		if _, err := js.KeyValue(kctx, TokensBucket); err == nil {
			t.Errorf("%s: bound the tokens bucket", role)
		}
		kcancel()
		ref.await(t, string(role)+": bind the tokens bucket through JetStream", "$JS.API.STREAM.INFO.KV_islet-tokens")
	}
	// Nothing the refused writes sent arrived.
	if _, _, err := admin.Worker(ctx, "evil"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the refused worker record: %v", err)
	}
	if _, err := admin.tokens.Get(ctx, "t.forged"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Errorf("the refused token: %v", err)
	}
	if _, _, err := admin.Account(ctx, "acme"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the refused account: %v", err)
	}
}

// TestRoleCredentials: each role's password is its own, a credential round-trips through its
// text form, a process holding one role's credential cannot act as another, and runtime is no
// role (a supervisor's runtime processes do not connect to NATS).
func TestRoleCredentials(t *testing.T) {
	ns, secret := securedServer(t)
	seen := map[string]Role{}
	for _, r := range []Role{RoleAdmin, RoleNode, RoleRoute} {
		pw := RolePassword(secret, r)
		if other, dup := seen[pw]; dup || len(pw) != 64 {
			t.Fatalf("%s's password %q (same as %s's: %v)", r, pw, other, dup)
		}
		seen[pw] = r
	}
	node := Credential{Role: RoleNode, Password: RolePassword(secret, RoleNode)}
	if back, err := ParseCredential(node.String() + "\n"); err != nil || back != node {
		t.Fatalf("ParseCredential(String()) = %v, %v", back, err)
	}
	for _, bad := range []string{"", "node", "node:", "root:abc", "route:abc"} {
		if _, err := ParseCredential(bad); err == nil {
			t.Errorf("ParseCredential(%q) accepted", bad)
		}
	}
	// runtime is no role: its name, a credential of it and its user are refused.
	if _, err := ParseRole("runtime"); err == nil || !strings.Contains(err.Error(), `unknown NATS role "runtime" (admin, node or route)`) ||
		!strings.Contains(err.Error(), "no longer connect to NATS") {
		t.Errorf("ParseRole(runtime): %v", err)
	}
	if _, err := ParseCredential("runtime:" + RolePassword(secret, "runtime")); err == nil ||
		!strings.Contains(err.Error(), `NATS credential: unknown NATS role "runtime"`) {
		t.Errorf("ParseCredential(runtime:…): %v", err)
	}
	if nc, err := nats.Connect(ns.ClientURL(), nats.UserInfo("islet-runtime", RolePassword(secret, "runtime")), nats.RetryOnFailedConnect(false)); err == nil {
		nc.Close()
		t.Fatal("the server has a runtime user")
	}
	held := Auth{Creds: []Credential{node}, From: "--nats-secret-file G"}
	if c, err := held.For(RoleNode); err != nil || c != node {
		t.Fatalf("For(node) = %v, %v", c, err)
	}
	if _, err := held.For(RoleAdmin); err == nil || !strings.Contains(err.Error(), "needs the NATS role admin") ||
		!strings.Contains(err.Error(), "holds only the credential of node") {
		t.Fatalf("For(admin) with a node credential: %v", err)
	}
	// The node's password does not open another role's user.
	if nc, err := nats.Connect(ns.ClientURL(), nats.UserInfo(RoleAdmin.User(), node.Password)); err == nil {
		nc.Close()
		t.Fatal("the node's password opened the admin user")
	}
	_, err := Dial(nil, ClientOptions{URLs: ns.ClientURL(), Credential: Credential{Role: RoleAdmin, Password: node.Password}, Logger: discard()})
	if err == nil || !strings.Contains(err.Error(), "refused the credentials of user islet-admin") || !strings.Contains(err.Error(), "--nats-secret-file") {
		t.Fatalf("a wrong password: %v", err)
	}
}
