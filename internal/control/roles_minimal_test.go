package control

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"golang.org/x/crypto/bcrypt"
)

// TestRoleTableIsMinimal (ISLET_ROLE_MINIMALITY=1; minutes) drops each subject of the admin's
// and the node's permissions in turn and checks that the roles' jobs (roleJobs) then fail,
// except for the subjects listed in needed elsewhere, which those jobs do not reach.
func TestRoleTableIsMinimal(t *testing.T) {
	if os.Getenv("ISLET_ROLE_MINIMALITY") == "" {
		t.Skip("set ISLET_ROLE_MINIMALITY=1 (each dropped subject costs a timeout)")
	}
	// Needed on paths the jobs do not reach: flow control of a KV watch or listing only once
	// a replay is large, and an object store purges the chunks of a put that failed or of an
	// object it overwrites.
	neededElsewhere := func(subject string) bool {
		return strings.HasPrefix(subject, "$JS.FC.KV_") || subject == "$JS.API.STREAM.PURGE.OBJ_"+BundlesBucket
	}
	secret := strings.Repeat("5e", 32)
	for _, role := range []Role{RoleNode, RoleAdmin} {
		full, err := Permissions(role)
		if err != nil {
			t.Fatal(err)
		}
		for k := -1; k < len(full.Publish.Allow); k++ {
			dropped := ""
			users, err := serverUsers(secret)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range users {
				if u.Username == role.User() && k >= 0 {
					dropped = u.Permissions.Publish.Allow[k]
					u.Permissions.Publish.Allow = slices.Delete(slices.Clone(u.Permissions.Publish.Allow), k, k+1)
				}
			}
			err = withServer(t, users, func(url string) error { return roleJobs(url, secret) })
			switch {
			case k < 0 && err != nil:
				t.Fatalf("with every subject: %v", err)
			case k >= 0 && err == nil && !neededElsewhere(dropped):
				t.Errorf("%s works without %s", role, dropped)
			case k >= 0 && err != nil && neededElsewhere(dropped):
				t.Errorf("%s needs %s for its jobs: %v", role, dropped, err)
			}
			t.Logf("%s without %q: %v", role, dropped, err)
		}
	}
}

// withServer runs fn against a fresh server with users, on a loopback port.
func withServer(t *testing.T, users []*server.User, fn func(url string) error) error {
	ns, err := server.NewServer(&server.Options{JetStream: true, StoreDir: t.TempDir(), Host: "127.0.0.1", Port: -1,
		NoSigs: true, NoLog: true, Users: users})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	if !ns.ReadyForConnections(30 * time.Second) {
		t.Fatal("the server did not start")
	}
	return fn(ns.ClientURL())
}

// roleJobs does, as admin and as node, what their components do (see TestRolesDoTheirJob),
// and fails on the first error or refusal.
func roleJobs(url, secret string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	ref := &refusals{ch: make(chan string, 64)}
	dial := func(r Role) (*Store, func(), error) {
		nc, err := Dial(nil, ClientOptions{URLs: url, Credential: Credential{r, RolePassword(secret, r)}, Logger: slog.New(ref)})
		if err != nil {
			return nil, nil, err
		}
		s, err := Open(ctx, nc, Options{Logger: discard(), ReadOnly: r != RoleAdmin})
		return s, nc.Close, err
	}
	admin, closeAdmin, err := dial(RoleAdmin)
	if err != nil {
		return err
	}
	defer closeAdmin()
	tok, err := admin.CreateToken(ctx, Token{Account: "a"})
	if err == nil {
		_, err = admin.Authenticate(ctx, tok)
	}
	if err == nil {
		err = admin.PutAccount(ctx, &Account{Name: "acme"}, 0)
	}
	if err == nil {
		_, err = admin.Accounts(ctx)
	}
	var tokens []TokenInfo
	if err == nil {
		tokens, err = admin.Tokens(ctx)
	}
	var v *Version
	if err == nil {
		v, err = admin.PutVersion(ctx, Version{Worker: "hello", Main: "index.js"}, bigBundle())
	}
	if err == nil {
		_, err = admin.Update(ctx, "hello", func(*Worker) (*Worker, error) {
			return &Worker{Name: "hello", Current: v.ID, Versions: []VersionRef{{ID: v.ID}}}, nil
		})
	}
	if err == nil {
		_, err = admin.Workers(ctx)
	}
	if err == nil { // a node serving the admin API also serves the workers
		_, err = admin.Bundle(ctx, v.Bundle)
	}
	if err == nil && len(tokens) > 0 {
		_, err = admin.RevokeToken(ctx, tokens[0].ID)
	}
	if err != nil {
		return err
	}
	node, closeNode, err := dial(RoleNode)
	if err != nil {
		return err
	}
	defer closeNode()
	seen := make(chan struct{}, 4)
	wctx, stop := context.WithCancel(ctx)
	go node.Watch(wctx, func(map[string]*Worker) { seen <- struct{}{} }, func(error) {})
	select {
	case <-seen:
	case <-ctx.Done():
		stop()
		return fmt.Errorf("the node's watch: %w", ctx.Err())
	}
	_, err = node.Bundle(ctx, v.Bundle)
	stop()
	if err == nil {
		err = admin.Delete(ctx, "hello")
	}
	if err != nil {
		return err
	}
	return settle(ref, admin, node)
}

// settle proves that NATS refused nothing the stores did: a sentinel publish no role may do,
// on each store's connection, must be the next refusal of that connection.
func settle(ref *refusals, stores ...*Store) error {
	for i, s := range stores {
		if err := s.js.Conn().Publish(fmt.Sprintf("islet.test.sentinel.%d", i), nil); err != nil {
			return err
		}
	}
	timeout := time.After(10 * time.Second)
	for seen := 0; seen < len(stores); seen++ {
		select {
		case e := <-ref.ch:
			if !strings.Contains(e, "islet.test.sentinel.") {
				return fmt.Errorf("refused: %s", e)
			}
		case <-timeout:
			return fmt.Errorf("NATS did not refuse the sentinels within 10s")
		}
	}
	return nil
}

// serverUsers are the NATS users of every client role of the fleet whose secret is secret,
// each with its permissions: what roleAuth lets in, as a server's static user list that a test
// can take subjects out of.
func serverUsers(secret string) ([]*server.User, error) {
	var users []*server.User
	for _, r := range clientRoles() {
		perms, err := Permissions(r)
		if err != nil {
			return nil, err
		}
		h, err := hashPassword(RolePassword(secret, r))
		if err != nil {
			return nil, err
		}
		users = append(users, &server.User{Username: r.User(), Password: h, Permissions: perms})
	}
	return users, nil
}

// hashPassword is what a server keeps of a password: a bcrypt hash, as NATS recommends over
// plaintext. The passwords are 256-bit HMACs, so bcrypt's minimum cost loses nothing and costs
// about a millisecond per connection.
func hashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		return "", fmt.Errorf("hash a NATS password: %w", err)
	}
	return string(h), nil
}
