package node

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"islet/internal/control"
	"islet/internal/deploy"
)

// controlNode runs a node on an embedded control plane and returns its store, sealer and
// HTTP address.
func controlNode(t *testing.T) (*Node, *control.Store, *control.Sealer, string) {
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
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	store, err := control.Open(ctx, nc, control.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	sealer, _ := control.NewSealer(make([]byte, 32))
	n, err := New(Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	ready := make(chan struct{})
	watched := make(chan error, 1)
	go func() { watched <- n.ServeControl(ctx, store, sealer, func() { close(ready) }) }()
	t.Cleanup(func() { cancel(); <-watched })
	<-ready
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { n.Serve(ctx, ln); close(served) }()
	t.Cleanup(func() { cancel(); <-served })
	return n, store, sealer, ln.Addr().String()
}

func put(t *testing.T, store *control.Store, src string) string {
	t.Helper()
	ctx := context.Background()
	v, err := store.PutVersion(ctx, control.Version{Worker: "app", Account: "a", Main: "index.js", Format: "module"},
		&control.Bundle{Modules: map[string][]byte{"index.js": []byte(src)}})
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

func fetchBody(addr string) string {
	req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	req.Host = "app.localhost"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestServeControlRolloutAndSecrets(t *testing.T) {
	_, store, sealer, addr := controlNode(t)
	ctx := context.Background()
	v1 := put(t, store, `export default { fetch(r, env) { return new Response("one " + env.TOKEN) } }`)
	v2 := put(t, store, `export default { fetch(r, env) { return new Response("two " + env.TOKEN) } }`)
	sealed, _ := sealer.Seal("app", "TOKEN", "t0p")
	if _, err := store.Update(ctx, "app", func(*control.Worker) (*control.Worker, error) {
		return &control.Worker{Name: "app", Account: "a", Current: v1, Rollout: &control.Rollout{Version: v2, Percent: 50},
			Secrets: map[string]string{"TOKEN": sealed}, Versions: []control.VersionRef{{ID: v1}, {ID: v2}}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	deadline := time.Now().Add(20 * time.Second)
	for len(seen) < 2 || seen["one t0p"]+seen["two t0p"] < 200 {
		if time.Now().After(deadline) {
			t.Fatalf("answers after 20s: %v", seen)
		}
		seen[fetchBody(addr)]++
	}
	if seen["one t0p"] < 40 || seen["two t0p"] < 40 {
		t.Fatalf("a 50%% rollout split %v", seen)
	}
}

func TestValidateRefusesWorkersThatCannotStart(t *testing.T) {
	n, _, _, _ := controlNode(t)
	cases := map[string]string{
		"export default { fetch() { return new Response( } }":      "script_error",
		"throw new TypeError('no config'); export default {}":      "script_error",
		"export default { fetch: 1 }":                              "script_error",
		"while (true) {} export default {}":                        "startup_limit",
		"export default { fetch() { return new Response('ok') } }": "",
	}
	for src, want := range cases {
		up := &deploy.Upload{Metadata: deploy.Metadata{MainModule: "index.js"}, Modules: map[string][]byte{"index.js": []byte(src)}}
		err := n.Validate(context.Background(), "v", up)
		var de *deploy.Error
		switch {
		case want == "" && err != nil:
			t.Errorf("%q refused: %v", src, err)
		case want != "" && (!errors.As(err, &de) || de.Code != want):
			t.Errorf("%q: err = %v, want %s", src, err, want)
		case want != "" && !strings.Contains(de.Message, "index.js") && want == "script_error":
			t.Errorf("%q: message %q does not name the file", src, de.Message)
		}
	}
}
