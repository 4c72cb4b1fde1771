package control

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"islet/internal/control/tmpfstest"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// TestStoreRecoversWhenSpaceReturns is the full-disk issue: the data directory's filesystem
// fills, deploys fail (and what was stored stays readable), space comes back, and deploys
// succeed again without a restart; a watch that ran throughout sees the next deploy.
func TestStoreRecoversWhenSpaceReturns(t *testing.T) {
	disk := tmpfstest.Mount(t, "32m")
	rec := &logRecorder{}
	ns, err := StartServer(ServerOptions{Dir: filepath.Join(disk, "nats"), Logger: slog.New(rec)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	nc, err := Connect(ns, "", "test", "", discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := Open(ctx, nc, Options{Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}

	// Bundles of 64 KiB of random bytes need fresh pages of the filesystem (a small record can
	// still land in the last page of a block file on a full disk).
	payload := func() []byte { return randomBytes(64 << 10) }
	v1 := deployBundle(ctx, t, s, "hello", string(payload()))
	b1, err := s.Bundle(ctx, v1.Bundle)
	if err != nil {
		t.Fatal(err)
	}

	wctx, stopWatch := context.WithCancel(ctx)
	current := &latest{}
	watchDone := make(chan error, 1)
	go func() {
		watchDone <- s.Watch(wctx, func(m map[string]*Worker) {
			if w := m["hello"]; w != nil {
				current.set(w.Current)
			}
		}, func(err error) { t.Error(err) })
	}()
	defer func() {
		stopWatch()
		if err := <-watchDone; err != nil {
			t.Errorf("watch: %v", err)
		}
	}()
	awaitCurrent(t, current, v1.ID, 30*time.Second)

	filler := filepath.Join(disk, "filler")
	tmpfstest.Fill(t, filler)
	dctx, dcancel := context.WithTimeout(ctx, 8*time.Second)
	_, err = deployTry(dctx, s, "hello", payload())
	dcancel()
	if err == nil {
		t.Fatal("a deploy on a full disk succeeded")
	}
	t.Logf("deploy on the full disk: %v", err)
	if m := rec.await(t, "store unavailable: ", 15*time.Second); !strings.Contains(m, "no space left on device") {
		t.Errorf("outage logged as %q, want its cause", m)
	}
	// Reads go on during the outage, and nothing stored is lost.
	if w, _, err := s.Worker(ctx, "hello"); err != nil || w.Current != v1.ID {
		t.Fatalf("worker during the outage: %+v (%v)", w, err)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	var v3 *Version
	for {
		actx, acancel := context.WithTimeout(ctx, 5*time.Second)
		v3, err = deployTry(actx, s, "hello", payload())
		acancel()
		if err == nil {
			break
		}
		if time.Since(freed) > time.Minute {
			t.Fatalf("deploys still fail %v after space returned: %v", time.Since(freed).Round(time.Millisecond), err)
		}
	}
	took := time.Since(freed)
	rec.await(t, "store recovered", 5*time.Second)
	rec.refuse(t, "NATS refused to reload")
	_, at, _ := rec.find("store recovered")
	t.Logf("space returned; the store recovered after %v, a deploy begun then succeeded after %v",
		at.Sub(freed).Round(time.Millisecond), took.Round(time.Millisecond))

	if v, err := s.Version(ctx, "hello", v1.ID); err != nil || v.Bundle != v1.Bundle {
		t.Fatalf("version stored before the outage: %+v (%v)", v, err)
	}
	if b, err := s.Bundle(ctx, v1.Bundle); err != nil || !bytes.Equal(b.Modules["index.js"], b1.Modules["index.js"]) {
		t.Fatalf("bundle stored before the outage: %v", err)
	}
	awaitCurrent(t, current, v3.ID, 30*time.Second)
}

// latest is the last value a watch reported.
type latest struct {
	mu sync.Mutex
	v  string
}

func (l *latest) set(v string) { l.mu.Lock(); l.v = v; l.mu.Unlock() }
func (l *latest) get() string  { l.mu.Lock(); defer l.mu.Unlock(); return l.v }

// awaitCurrent polls (bounded) until the watch has reported want as the current version.
func awaitCurrent(t *testing.T, current *latest, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for current.get() != want {
		if time.Now().After(deadline) {
			t.Fatalf("the watch reported version %q, not %s, within %v", current.get(), want, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestClusterServerRecoversWhenSpaceReturns: in a cluster of three, the server whose disk
// fills disables JetStream (nats-server's own reaction there) while the other two keep the
// replicated buckets writable; once its directory takes writes again it re-enables JetStream
// and catches up, without a restart.
func TestClusterServerRecoversWhenSpaceReturns(t *testing.T) {
	disk := tmpfstest.Mount(t, "32m")
	secret := strings.Repeat("ab", 32)
	addrs := make([]string, 3)
	for i := range addrs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addrs[i] = ln.Addr().String()
		ln.Close()
	}
	rec := &logRecorder{}
	rec.dumpOnFailure(t)
	servers := make([]*server.Server, 3)
	errs := make(chan error, 3)
	for i := range servers {
		o := ServerOptions{Dir: t.TempDir(), Name: fmt.Sprintf("s%d", i), ClusterListen: addrs[i], Secret: secret}
		if i == 0 {
			o.Dir, o.Logger = filepath.Join(disk, "nats"), slog.New(rec)
		}
		for j, a := range addrs {
			if j != i {
				o.Routes = append(o.Routes, a)
			}
		}
		go func() { // each waits for its peers
			ns, err := StartServer(o)
			servers[i] = ns
			errs <- err
		}()
	}
	for range servers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	for _, ns := range servers {
		if ns != nil {
			t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	full := servers[0]
	nc, err := Connect(servers[1], "", "test", secret, discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := Open(ctx, nc, Options{Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	deployBundle(ctx, t, s, "hello", string(randomBytes(64<<10)))

	filler := filepath.Join(disk, "filler")
	tmpfstest.Fill(t, filler)
	// The full server's replicas fail to write what the others accept.
	for range 3 {
		deployBundle(ctx, t, s, "hello", string(randomBytes(64<<10)))
	}
	if m := rec.await(t, "store unavailable: ", 30*time.Second); !strings.Contains(m, "no space left on device") {
		t.Errorf("outage logged as %q, want its cause", m)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	rec.await(t, "store recovered", time.Minute)
	rec.refuse(t, "NATS refused to reload")
	v := deployBundle(ctx, t, s, "hello", "after")
	// The server catches up: healthy, with the workers bucket as far as a peer has it.
	deadline := time.Now().Add(time.Minute)
	for {
		h := full.Healthz(&server.HealthzOptions{})
		have, want := lastSeq(full, "KV_"+WorkersBucket), lastSeq(servers[1], "KV_"+WorkersBucket)
		if full.JetStreamEnabled() && h.Status == "ok" && have == want && want > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server whose disk filled: JetStream %v, health %+v, workers at %d of %d",
				full.JetStreamEnabled(), h, have, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Reads may be served by any replica, so the last write shows up everywhere eventually.
	for {
		w, _, err := s.Worker(ctx, "hello")
		if err == nil && w.Current == v.ID && len(w.Versions) == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker after recovery: %+v (%v)", w, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lastSeq is the last sequence of stream (in islet's account) on ns, 0 when it has none.
func lastSeq(ns *server.Server, stream string) uint64 {
	acc, err := ns.JszAccount(&server.JSzOptions{Account: server.DEFAULT_GLOBAL_ACCOUNT, Streams: true})
	if err != nil {
		return 0
	}
	for _, st := range acc.Streams {
		if st.Name == stream {
			return st.State.LastSeq
		}
	}
	return 0
}
