package node

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"islet/internal/control"
	"islet/internal/feed"
	"islet/internal/nodecache"
)

// natsStore starts an embedded NATS server on dir and opens the store on it; stop shuts both.
func natsStore(t *testing.T, dir string) (store *control.Store, stop func()) {
	t.Helper()
	ns, err := control.StartServer(control.ServerOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	nc, err := control.Connect(ns, "", "test", "", log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, err = control.Open(ctx, nc, control.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	var stopped bool
	stop = func() {
		if !stopped {
			stopped = true
			nc.Close()
			shutdown(ns)
		}
	}
	t.Cleanup(stop)
	return store, stop
}

func shutdown(ns *server.Server) { ns.Shutdown(); ns.WaitForShutdown() }

// servingNode starts a node serving HTTP on 127.0.0.1 until the test ends or stop is called.
func servingNode(t *testing.T) (n *Node, addr string, stop func()) {
	t.Helper()
	n, err := New(Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { n.Serve(ctx, ln); close(served) }()
	var stopped bool
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-served
			n.Close()
		}
	}
	t.Cleanup(stop)
	return n, ln.Addr().String(), stop
}

// follow runs f.ServeControl on store until the test ends or the returned stop is called.
func follow(t *testing.T, f *feed.Follower, store *control.Store) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.ServeControl(ctx, store, nil); close(done) }()
	var stopped bool
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}

func waitBody(t *testing.T, addr, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for got := fetchBody(addr); got != want; got = fetchBody(addr) {
		if time.Now().After(deadline) {
			t.Fatalf("the node serves %q, want %q", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// deployApp makes src app's current version, with secret TOKEN sealed.
func deployApp(t *testing.T, store *control.Store, sealer *control.Sealer, src, token string) string {
	t.Helper()
	id := put(t, store, src)
	sealed, err := sealer.Seal("app", "TOKEN", token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Update(context.Background(), "app", func(*control.Worker) (*control.Worker, error) {
		return &control.Worker{Name: "app", Account: "a", Current: id, Secrets: map[string]string{"TOKEN": sealed},
			Versions: []control.VersionRef{{ID: id}}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestNodeServesItsCacheWithoutNATS saves what a node serves, then serves it in a new node with
// no NATS at all (secrets opened with the key, never written in plaintext), and hands over to
// live records when NATS is back.
func TestNodeServesItsCacheWithoutNATS(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "cache")
	sealer, _ := control.NewSealer(bytes.Repeat([]byte{7}, 32))
	store, stopNATS := natsStore(t, filepath.Join(base, "nats"))
	cache, err := nodecache.Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	n1, addr1, stopNode := servingNode(t)
	stopFollow := follow(t, n1.NewFollower(sealer, cache), store)
	v1 := deployApp(t, store, sealer, `export default { fetch(r, env) { return new Response("one " + env.TOKEN) } }`, "pl41nt3xt")
	waitBody(t, addr1, "one pl41nt3xt")
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := cache.Load()
		if err == nil && st.Workers["app"] != nil && st.Workers["app"].Current == v1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cache never held version %s: %v", v1, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	stopFollow()
	stopNode()
	stopNATS()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if b, _ := os.ReadFile(path); bytes.Contains(b, []byte("pl41nt3xt")) {
			t.Errorf("%s holds the secret in plaintext", path)
		}
		return nil
	})

	// A restarted node, NATS gone: it serves the cached state.
	n2, addr2, _ := servingNode(t)
	f2 := n2.NewFollower(sealer, cache)
	saved, workers, err := f2.ServeCache(context.Background())
	if err != nil || workers != 1 || time.Since(saved) > time.Minute {
		t.Fatalf("ServeCache = %v, %d, %v", saved, workers, err)
	}
	waitBody(t, addr2, "one pl41nt3xt")

	// NATS is back: the live records take over.
	store2, _ := natsStore(t, filepath.Join(base, "nats"))
	follow(t, f2, store2)
	deployApp(t, store2, sealer, `export default { fetch(r, env) { return new Response("two " + env.TOKEN) } }`, "s3c")
	waitBody(t, addr2, "two s3c")
}

func TestCorruptCacheInstallsNothing(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "state"), []byte("islet-node-cache 1 00 2\n{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	cache, err := nodecache.Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	n, _, _ := servingNode(t)
	sealer, _ := control.NewSealer(make([]byte, 32))
	f := n.NewFollower(sealer, cache)
	if _, _, err := f.ServeCache(context.Background()); err == nil || errors.Is(err, nodecache.ErrNoState) {
		t.Fatalf("ServeCache of a corrupt cache: %v", err)
	}
	if n.built != nil {
		t.Fatalf("a corrupt cache installed %d workers", len(n.built))
	}
}
