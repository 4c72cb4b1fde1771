package admin

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"islet/internal/adminclient"
	"islet/internal/control"
	"islet/internal/deploy"
)

// fakeValidator refuses modules containing "SYNTAX" the way the node's scratch isolate would.
type fakeValidator struct{ calls int }

func (f *fakeValidator) Validate(_ context.Context, _ string, up *deploy.Upload) error {
	f.calls++
	for p, b := range up.Modules {
		if strings.Contains(string(b), "SYNTAX") {
			return deploy.Errorf(deploy.CodeScriptError, "%s:1:1: SyntaxError: Unexpected identifier", p)
		}
	}
	return nil
}

type env struct {
	store *control.Store
	srv   *httptest.Server
	admin *adminclient.Client
	acme  *adminclient.Client
	other *adminclient.Client
	val   *fakeValidator
	api   *Server
}

// throttleNow moves the failed-authentication throttle's clock forward by d.
func (e *env) throttleNow(d time.Duration) {
	e.api.throttle.mu.Lock()
	defer e.api.throttle.mu.Unlock()
	now := e.api.throttle.now
	e.api.throttle.now = func() time.Time { return now().Add(d) }
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ns, err := control.StartServer(control.ServerOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	log := slog.New(slog.DiscardHandler)
	nc, err := control.Connect(ns, "", "test", "", log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := control.Open(ctx, nc, control.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	sealer, _ := control.NewSealer(make([]byte, 32))
	e := &env{store: st, val: &fakeValidator{}}
	e.api = New(Options{Store: st, Sealer: sealer, Validator: e.val, Logger: log,
		URLs: func(name string, _ []string) []string { return []string{"http://" + name + ".localhost/"} }})
	e.srv = httptest.NewServer(e.api)
	t.Cleanup(e.srv.Close)
	mk := func(tok control.Token) *adminclient.Client {
		s, err := st.CreateToken(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		return adminclient.New(e.srv.URL, s)
	}
	for name, zone := range map[string]string{"acme": "example.com", "other": "other.example"} {
		if err := st.PutAccount(ctx, &control.Account{Name: name, Zones: []string{zone}}, 0); err != nil {
			t.Fatal(err)
		}
	}
	e.admin = mk(control.Token{Account: "ops", Admin: true})
	e.acme = mk(control.Token{Account: "acme"})
	e.other = mk(control.Token{Account: "other"})
	return e
}

func module(src string, routes ...string) *deploy.Upload {
	return &deploy.Upload{Metadata: deploy.Metadata{MainModule: "index.js", Routes: routes},
		Modules: map[string][]byte{"index.js": []byte(src)}}
}

func code(err error) string {
	var e *adminclient.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestDeployLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r1, err := e.acme.Deploy(ctx, "hello", module("export default {fetch(){return new Response('1')}}", "example.com/*"))
	if err != nil {
		t.Fatal(err)
	}
	if r1.Version == "" || len(r1.URLs) != 1 {
		t.Fatalf("deploy answer = %+v", r1)
	}
	again, err := e.acme.Deploy(ctx, "hello", module("export default {fetch(){return new Response('1')}}", "example.com/*"))
	if err != nil || again.Version != r1.Version || !again.Unchanged {
		t.Fatalf("redeploy = %+v, %v", again, err)
	}
	r2, err := e.acme.Deploy(ctx, "hello", module("export default {fetch(){return new Response('2')}}", "example.com/*"))
	if err != nil || r2.Version == r1.Version {
		t.Fatalf("second deploy = %+v, %v", r2, err)
	}
	var info WorkerInfo
	if err := e.acme.Do(ctx, "POST", "/v1/workers/hello/rollback", nil, "", &info); err != nil || info.Current != r1.Version {
		t.Fatalf("rollback = %+v, %v", info, err)
	}
	if err := e.acme.Do(ctx, "POST", "/v1/workers/hello/rollout", map[string]any{"version": r2.Version, "percent": 25}, "", &info); err != nil ||
		info.Rollout == nil || info.Rollout.Percent != 25 {
		t.Fatalf("rollout = %+v, %v", info, err)
	}
	if err := e.acme.Do(ctx, "PUT", "/v1/workers/hello/secrets/API_KEY", map[string]any{"value": "s3cret"}, "", nil); err != nil {
		t.Fatal(err)
	}
	w, _, err := e.store.Worker(ctx, "hello")
	if err != nil || w.Secrets["API_KEY"] == "" || strings.Contains(w.Secrets["API_KEY"], "s3cret") {
		t.Fatalf("stored secret = %q, %v", w.Secrets["API_KEY"], err)
	}
	var secrets struct{ Secrets []string }
	if err := e.acme.Do(ctx, "GET", "/v1/workers/hello/secrets", nil, "", &secrets); err != nil || len(secrets.Secrets) != 1 {
		t.Fatalf("secrets = %+v, %v", secrets, err)
	}
	var versions struct{ Versions []map[string]any }
	if err := e.acme.Do(ctx, "GET", "/v1/workers/hello/versions", nil, "", &versions); err != nil || len(versions.Versions) != 2 {
		t.Fatalf("versions = %+v, %v", versions, err)
	}
	if err := e.acme.Do(ctx, "DELETE", "/v1/workers/hello", nil, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.store.Worker(ctx, "hello"); !errors.Is(err, control.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r, err := e.acme.Deploy(ctx, "hello", module("export default {}", "example.com/*"))
	if err != nil {
		t.Fatal(err)
	}
	bigModule := module(strings.Repeat("x", deploy.MaxBundleBytes+10))
	hugeModule := module(strings.Repeat("x", deploy.MaxUploadBytes+100<<10))
	cases := []struct {
		name   string
		call   func() error
		status int
		code   string
	}{
		{"wrong token", func() error {
			_, err := adminclient.New(e.srv.URL, "islet_nope").Deploy(ctx, "hello", module("export default {}"))
			return err
		}, 401, "unauthorized"},
		{"no token", func() error { return adminclient.New(e.srv.URL, "").Do(ctx, "GET", "/v1/workers", nil, "", nil) }, 401, "unauthorized"},
		{"syntax error", func() error { _, err := e.acme.Deploy(ctx, "hello", module("SYNTAX")); return err }, 400, "script_error"},
		{"another account's worker", func() error { _, err := e.other.Deploy(ctx, "hello", module("export default {}")); return err }, 409, "name_taken"},
		{"a route in another account's zone", func() error {
			_, err := e.other.Deploy(ctx, "mine", module("export default {}", "example.com/*"))
			return err
		}, 403, "route_not_in_zone"},
		{"a route outside the account's zones", func() error {
			_, err := e.other.Deploy(ctx, "mine", module("export default {}", "*/*"))
			return err
		}, 403, "route_not_in_zone"},
		{"a route another worker has", func() error {
			_, err := e.acme.Deploy(ctx, "mine", module("export default {}", "example.com/*"))
			return err
		}, 409, "route_taken"},
		{"limits over the plan", func() error {
			up := module("export default {}")
			up.Metadata.Limits.CPUMillis = 30000
			_, err := e.acme.Deploy(ctx, "hello", up)
			return err
		}, 403, "over_plan"},
		{"egress not granted", func() error {
			up := module("export default {}")
			up.Metadata.EgressAllow = []string{"10.0.0.0/8"}
			_, err := e.acme.Deploy(ctx, "hello", up)
			return err
		}, 403, "egress_not_granted"},
		{"a tenant sets its own plan", func() error {
			return e.acme.Do(ctx, "PUT", "/v1/accounts/acme", map[string]any{"plan": map[string]int{"cpu_ms_max": 30000}}, "", nil)
		}, 403, "forbidden"},
		{"a zone overlapping another account's", func() error {
			return e.admin.Do(ctx, "PUT", "/v1/accounts/other", map[string]any{"zones": []string{"shop.example.com"}}, "", nil)
		}, 409, "zone_taken"},
		{"read another account's worker", func() error { return e.other.Do(ctx, "GET", "/v1/workers/hello", nil, "", nil) }, 404, "worker_not_found"},
		{"delete another account's worker", func() error { return e.other.Do(ctx, "DELETE", "/v1/workers/hello", nil, "", nil) }, 404, "worker_not_found"},
		{"malformed multipart", func() error {
			return e.acme.Do(ctx, "PUT", "/v1/workers/hello", strings.NewReader("--X\r\nbroken"), "multipart/form-data; boundary=X", nil)
		}, 400, "malformed_upload"},
		{"json instead of multipart", func() error {
			return e.acme.Do(ctx, "PUT", "/v1/workers/hello", map[string]any{"main_module": "index.js"}, "", nil)
		}, 415, "unsupported_content_type"},
		{"unknown metadata field", func() error {
			body := "--X\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{\"main_module\":\"index.js\",\"bogus\":[]}\r\n--X\r\nContent-Disposition: form-data; name=\"index.js\"\r\n\r\nexport default {}\r\n--X--\r\n"
			return e.acme.Do(ctx, "PUT", "/v1/workers/hello", strings.NewReader(body), "multipart/form-data; boundary=X", nil)
		}, 400, "invalid_metadata"},
		{"bundle over the limit", func() error { _, err := e.acme.Deploy(ctx, "hello", bigModule); return err }, 413, "bundle_too_large"},
		{"oversized upload", func() error { _, err := e.acme.Deploy(ctx, "hello", hugeModule); return err }, 413, "upload_too_large"},
		{"invalid UTF-8 name", func() error { _, err := e.acme.Deploy(ctx, "h%FFllo", module("export default {}")); return err }, 400, "invalid_name"},
		{"upper-case name", func() error { _, err := e.acme.Deploy(ctx, "Hello", module("export default {}")); return err }, 400, "invalid_name"},
		{"unknown rollback version", func() error {
			return e.acme.Do(ctx, "POST", "/v1/workers/hello/rollback", map[string]any{"version": "nope"}, "", nil)
		}, 404, "version_not_found"},
		{"unknown body field", func() error {
			return e.acme.Do(ctx, "POST", "/v1/workers/hello/rollout", map[string]any{"version": r.Version, "pct": 5}, "", nil)
		}, 400, "invalid_body"},
		{"bad secret name", func() error {
			return e.acme.Do(ctx, "PUT", "/v1/workers/hello/secrets/1X", map[string]any{"value": "v"}, "", nil)
		}, 400, "invalid_secret_name"},
		{"token by non-admin", func() error { return e.acme.Do(ctx, "POST", "/v1/tokens", map[string]any{"account": "x"}, "", nil) }, 403, "forbidden"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var ae *adminclient.Error
			if !errors.As(err, &ae) || ae.Status != tc.status || ae.Code != tc.code {
				t.Fatalf("err = %v (%+v), want %d %s", err, ae, tc.status, tc.code)
			}
			if ae.Message == "" {
				t.Fatal("no message")
			}
		})
	}
	w, _, err := e.store.Worker(ctx, "hello")
	if err != nil || w.Current != r.Version || len(w.Versions) != 1 || w.Account != "acme" {
		t.Fatalf("after bad input the worker is %+v, %v", w, err)
	}
	all, _ := e.store.Workers(ctx)
	if len(all) != 1 {
		t.Fatalf("%d workers after bad input, want 1", len(all))
	}
}

func TestAdminCreatesTokens(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var out struct{ Token string }
	if err := e.admin.Do(ctx, "POST", "/v1/tokens", map[string]any{"account": "newco"}, "", &out); err != nil {
		t.Fatal(err)
	}
	var who struct{ Account string }
	if err := adminclient.New(e.srv.URL, out.Token).Do(ctx, "GET", "/v1/whoami", nil, "", &who); err != nil || who.Account != "newco" {
		t.Fatalf("whoami = %+v, %v", who, err)
	}
	if c := code(e.admin.Do(ctx, "POST", "/v1/tokens", map[string]any{"account": "Bad Name"}, "", nil)); c != "invalid_account" {
		t.Fatalf("bad account: code %q", c)
	}
}

func TestListAndRevokeTokens(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var created struct{ Token string }
	if err := e.admin.Do(ctx, "POST", "/v1/tokens", map[string]any{"account": "acme", "name": "ci"}, "", &created); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Tokens []struct {
			ID      string
			Account string
			Name    string
		}
	}
	if err := e.acme.Do(ctx, "GET", "/v1/tokens", nil, "", &list); err != nil {
		t.Fatal(err)
	}
	ciID := ""
	for _, tk := range list.Tokens {
		if tk.Account != "acme" {
			t.Fatalf("acme sees another account's token: %+v", tk)
		}
		if strings.Contains(created.Token, tk.ID) {
			t.Fatal("a token ID is part of the token")
		}
		if tk.Name == "ci" {
			ciID = tk.ID
		}
	}
	if len(list.Tokens) != 2 || ciID == "" {
		t.Fatalf("acme's tokens = %+v", list.Tokens)
	}
	if c := code(e.other.Do(ctx, "DELETE", "/v1/tokens/"+ciID, nil, "", nil)); c != "token_not_found" {
		t.Fatalf("another account revoking: code %q", c)
	}
	if err := e.acme.Do(ctx, "DELETE", "/v1/tokens/"+ciID, nil, "", nil); err != nil {
		t.Fatal(err)
	}
	if c := code(adminclient.New(e.srv.URL, created.Token).Do(ctx, "GET", "/v1/whoami", nil, "", nil)); c != "unauthorized" {
		t.Fatalf("a revoked token: code %q", c)
	}
	if c := code(e.acme.Do(ctx, "DELETE", "/v1/tokens/"+ciID, nil, "", nil)); c != "token_not_found" {
		t.Fatalf("revoking twice: code %q", c)
	}
}

func TestAccounts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var info AccountInfo
	body := map[string]any{"name": "carol", "plan": map[string]int{"cpu_ms_max": 500, "workers_max": 1}, "zones": []string{"Carol.Test."}, "egress_allow": []string{"10.1.0.0/16"}}
	if err := e.admin.Do(ctx, "POST", "/v1/accounts", body, "", &info); err != nil {
		t.Fatal(err)
	}
	if info.Name != "carol" || len(info.Zones) != 1 || info.Zones[0] != "carol.test" || info.Effective.CPUMsMax != 500 || info.Effective.MemoryMBMax != 128 {
		t.Fatalf("created account = %+v", info)
	}
	if err := e.admin.Do(ctx, "POST", "/v1/accounts", body, "", nil); code(err) != "account_exists" {
		t.Fatalf("second create: %v", err)
	}
	// acme sees only its own account; an account without a record shows the default plan.
	var list struct{ Accounts []AccountInfo }
	if err := e.acme.Do(ctx, "GET", "/v1/accounts", nil, "", &list); err != nil || len(list.Accounts) != 1 || list.Accounts[0].Name != "acme" {
		t.Fatalf("acme's list = %+v, %v", list, err)
	}
	if err := e.acme.Do(ctx, "GET", "/v1/accounts/carol", nil, "", nil); code(err) != "account_not_found" {
		t.Fatalf("acme reading carol: %v", err)
	}
	if err := e.admin.Do(ctx, "GET", "/v1/accounts", nil, "", &list); err != nil || len(list.Accounts) != 3 {
		t.Fatalf("the admin's list = %+v, %v", list, err)
	}
	// The operator's own workers may route outside every zone, never inside another's.
	if _, err := e.admin.Deploy(ctx, "fallback", module("export default {}", "*/*")); err != nil {
		t.Fatalf("an admin's catch-all: %v", err)
	}
	if _, err := e.admin.Deploy(ctx, "intruder", module("export default {}", "shop.example.com/*")); code(err) != "route_not_in_zone" {
		t.Fatalf("an admin's route in acme's zone: %v", err)
	}
	// A PUT replaces the plan: carol's raised cpu_ms_max goes back to the default.
	var put AccountInfo
	if err := e.admin.Do(ctx, "PUT", "/v1/accounts/carol", map[string]any{"zones": []string{"carol.test"}}, "", &put); err != nil ||
		put.Plan.CPUMsMax != 0 || put.Effective.CPUMsMax != 50 || len(put.EgressAllow) != 0 || put.Created != info.Created {
		t.Fatalf("PUT carol = %+v, %v", put, err)
	}
}

// TestFailedAuthenticationIsThrottled: a client that guesses tokens is turned away with 429
// after authFailureBurst failures, while a client with a valid token is served.
func TestFailedAuthenticationIsThrottled(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	guesser := adminclient.New(e.srv.URL, "islet_guess")
	var codes []string
	for i := 0; i < authFailureBurst+5; i++ {
		codes = append(codes, code(guesser.Do(ctx, "GET", "/v1/whoami", nil, "", nil)))
	}
	for i, c := range codes {
		want := "unauthorized"
		if i >= authFailureBurst {
			want = "too_many_failures"
		}
		if c != want {
			t.Fatalf("guess %d answered %q, want %q (all: %v)", i, c, want, codes)
		}
	}
	// The throttle is per address; here every client is 127.0.0.1, so a valid token is refused
	// too until the bucket refills. Advance the throttle's clock instead of sleeping.
	e.throttleNow(authFailureEvery)
	if err := e.acme.Do(ctx, "GET", "/v1/whoami", nil, "", nil); err != nil {
		t.Fatalf("a valid token after the refill: %v", err)
	}
	if c := code(guesser.Do(ctx, "GET", "/v1/whoami", nil, "", nil)); c != "unauthorized" {
		t.Fatalf("one refilled failure: %q", c)
	}
	if c := code(guesser.Do(ctx, "GET", "/v1/whoami", nil, "", nil)); c != "too_many_failures" {
		t.Fatalf("past the refill: %q", c)
	}
}

// TestTokenExpiryAndLastUse: an expired token is refused with its own code, a used one shows
// when it was last used.
func TestTokenExpiryAndLastUse(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var made struct {
		Token   string    `json:"token"`
		Expires time.Time `json:"expires"`
	}
	if err := e.admin.Do(ctx, "POST", "/v1/tokens", map[string]any{"account": "acme", "expires_in": "1h"}, "", &made); err != nil {
		t.Fatal(err)
	}
	if d := time.Until(made.Expires); d < 59*time.Minute || d > time.Hour {
		t.Fatalf("expires = %v (in %v)", made.Expires, d)
	}
	short := adminclient.New(e.srv.URL, made.Token)
	if err := short.Do(ctx, "GET", "/v1/whoami", nil, "", nil); err != nil {
		t.Fatal(err)
	}
	var list struct{ Tokens []control.TokenInfo }
	if err := e.admin.Do(ctx, "GET", "/v1/tokens", nil, "", &list); err != nil {
		t.Fatal(err)
	}
	used := 0
	for _, tk := range list.Tokens {
		if tk.Expires != nil && tk.LastUsed != nil {
			used++
		}
	}
	if used != 1 {
		t.Fatalf("tokens with an expiry and a last use: %d in %+v", used, list.Tokens)
	}
	if err := e.admin.Do(ctx, "POST", "/v1/tokens", map[string]any{"account": "acme", "expires_in": "-1h"}, "", nil); code(err) != "invalid_expiry" {
		t.Fatalf("a negative expiry: %v", err)
	}
	// A token made to expire in a second stops working once the second has passed (polled,
	// bounded).
	if err := e.admin.Do(ctx, "POST", "/v1/tokens", map[string]any{"account": "acme", "expires_in": "1s"}, "", &made); err != nil {
		t.Fatal(err)
	}
	brief := adminclient.New(e.srv.URL, made.Token)
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := brief.Do(ctx, "GET", "/v1/whoami", nil, "", nil)
		if code(err) == "token_expired" {
			break
		}
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("a token past its expiry (%v): %v", made.Expires, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
