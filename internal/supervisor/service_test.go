package supervisor

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"

	"islet/internal/control"
	"islet/internal/feed"
	"islet/internal/gateway"
)

// TestServiceConnection: the supervisor opens a service connection only for a worker the
// process serves, to a worker of the same account, and serves HTTP on it that reaches the
// target through its dispatcher with the service header set.
func TestServiceConnection(t *testing.T) {
	hub := feed.NewHub()
	worker := func(name, account string) *feed.Worker {
		return &feed.Worker{Name: name, Current: &feed.Version{Version: &control.Version{ID: "v", Account: account}}}
	}
	hub.Set(&feed.State{Workers: map[string]*feed.Worker{
		"app": worker("app", "acme"), "auth": worker("auth", "acme"), "theirs": worker("theirs", "other"),
	}})
	var got *http.Request
	c := &child{feed: hub, serves: func(w string) bool { return w == "app" }, chains: gateway.NewChains(),
		dispatch: func(w http.ResponseWriter, r *http.Request, target string) {
			got = r
			io.WriteString(w, "reached "+target)
		}}
	for _, bad := range []struct{ caller, target, want string }{
		{"auth", "app", `does not serve "auth"`},
		{"app", "theirs", `the service "theirs" is not a worker of this account`},
		{"app", "nobody", `the service "nobody" is not a worker of this account`},
	} {
		if _, err := c.service(bad.caller, bad.target); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s → %s: %v, want %q", bad.caller, bad.target, err, bad.want)
		}
	}
	conn, err := c.service("app@v2", "auth")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /check HTTP/1.1\r\nHost: auth.internal\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "reached auth" || got.Host != "auth.internal" || got.Header.Get(gateway.ServiceHeader) != "auth" {
		t.Fatalf("body %q, host %q, service header %q", body, got.Host, got.Header.Get(gateway.ServiceHeader))
	}
	// The calls of one chain between processes are counted here: past MaxServiceInvocations
	// the supervisor refuses them.
	br := bufio.NewReader(conn)
	for i := 0; i <= gateway.MaxServiceInvocations; i++ {
		io.WriteString(conn, "GET /check HTTP/1.1\r\nHost: auth.internal\r\nX-Islet-Chain: c1\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		refused := resp.Header.Get(gateway.HeaderError) == gateway.ErrorChain
		if refused != (i == gateway.MaxServiceInvocations) {
			t.Fatalf("call %d of the chain: status %d, refused %v", i+1, resp.StatusCode, refused)
		}
	}
}
