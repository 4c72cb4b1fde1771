package control

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNextProbeWait(t *testing.T) {
	d, seen := time.Duration(0), []time.Duration{}
	for range 6 {
		d = nextProbeWait(d)
		seen = append(seen, d)
	}
	want := []time.Duration{probeFirst, 2 * probeFirst, 4 * probeFirst, probeMax, probeMax, probeMax}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("waits %v, want %v", seen, want)
	}
}

func TestFirstProbeWait(t *testing.T) {
	now := time.Now()
	cases := []struct {
		prev      time.Duration
		recovered time.Time
		want      time.Duration
	}{
		{0, time.Time{}, probeFirst},                       // the first outage
		{probeMax, now.Add(-flapWindow), probeFirst},       // long after the last recovery
		{probeFirst, now.Add(-time.Second), probeMax},      // flapping: at least probeMax
		{probeMax, now.Add(-time.Second), 2 * probeMax},    // and doubling
		{flapMax, now.Add(-time.Second), flapMax},          // up to flapMax
		{40 * time.Second, now.Add(-time.Second), flapMax}, // never beyond
		{probeMax, now.Add(-flapWindow + time.Second), 2 * probeMax},
	}
	for _, c := range cases {
		if got := firstProbeWait(c.prev, c.recovered, now); got != c.want {
			t.Errorf("firstProbeWait(%v, %v ago) = %v, want %v", c.prev, now.Sub(c.recovered), got, c.want)
		}
	}
}

func TestIsCriticalWriteError(t *testing.T) {
	for line, want := range map[string]bool{
		"Filestore [OBJ_islet-bundles] Critical write error: write …/1.blk: no space left on device": true,
		"JetStream stream '$G > KV_islet-workers' critical write error: no space left on device":     true,
		"JetStream consumer '$G > S > C' critical write error: input/output error":                   true,
		"JetStream failed to store a msg on stream '$G > S': no space left on device":                false,
		"Error trying to connect to route":                                                           false,
	} {
		if got := isCriticalWriteError(line); got != want {
			t.Errorf("isCriticalWriteError(%q) = %v, want %v", line, got, want)
		}
	}
}

func TestProbeWritable(t *testing.T) {
	dir := t.TempDir()
	if err := probeWritable(dir); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("the probe left %v", left)
	}
	if err := probeWritable(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "write probe") {
		t.Fatalf("probe of a missing directory: %v", err)
	}
}

// logRecorder is a slog handler that keeps every message, for tests that wait for a log line.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
	at   []time.Time
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.msgs = append(l.msgs, r.Message)
	l.at = append(l.at, r.Time)
	l.mu.Unlock()
	return nil
}

// find returns the first message that starts with prefix and when it was logged.
func (l *logRecorder) find(prefix string) (string, time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, m := range l.msgs {
		if strings.HasPrefix(m, prefix) {
			return m, l.at[i], true
		}
	}
	return "", time.Time{}, false
}

// dumpOnFailure logs every recorded message at the end of a test that failed.
func (l *logRecorder) dumpOnFailure(t *testing.T) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		for i, m := range l.msgs {
			t.Logf("log %s %s", l.at[i].Format("15:04:05.000"), m)
		}
	})
}

// refuse fails the test if a message starts with prefix.
func (l *logRecorder) refuse(t *testing.T, prefix string) {
	t.Helper()
	if m, _, ok := l.find(prefix); ok {
		t.Errorf("logged %q", m)
	}
}

// await polls (bounded) for a message that starts with prefix.
func (l *logRecorder) await(t *testing.T, prefix string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if m, _, ok := l.find(prefix); ok {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line %q within %v", prefix, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestJetStreamDisabledIsReEnabled: a server that disabled JetStream at run time (what
// nats-server does in a cluster on a full disk or a permission error) gets it back once its
// directory takes writes, with the data it had, and says so in the log.
// The server listens with a secret, as `islet serve` and `islet nats` do, so the restart
// reloads options with users.
func TestJetStreamDisabledIsReEnabled(t *testing.T) {
	rec := &logRecorder{}
	secret := strings.Repeat("ab", 32)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := ln.Addr().String()
	ln.Close()
	ns, err := StartServer(ServerOptions{Dir: t.TempDir(), Listen: listen, Secret: secret, Logger: slog.New(rec)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	nc, err := Connect(nil, "nats://"+listen, "test", secret, discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := Open(ctx, nc, Options{Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	v1 := deployBundle(ctx, t, s, "hello", "before")

	if err := ns.ShutdownJetStream(); err != nil {
		t.Fatal(err)
	}
	if m := rec.await(t, "store unavailable: ", 15*time.Second); !strings.Contains(m, "disabled") {
		t.Errorf("outage logged as %q", m)
	}
	rec.await(t, "store recovered", 30*time.Second)
	if !ns.JetStreamEnabled() {
		t.Fatal("JetStream is still disabled")
	}
	rec.refuse(t, "NATS refused to reload")
	v2 := deployBundle(ctx, t, s, "hello", "after")
	w, _, err := s.Worker(ctx, "hello")
	if err != nil || w.Current != v2.ID || len(w.Versions) != 2 || w.Versions[0].ID != v1.ID {
		t.Fatalf("worker after recovery: %+v (%v)", w, err)
	}
}

// deployBundle stores a version of worker whose bundle holds tag and makes it current; it
// fails the test on an error.
func deployBundle(ctx context.Context, t *testing.T, s *Store, worker, tag string) *Version {
	t.Helper()
	v, err := deployTry(ctx, s, worker, []byte(tag))
	if err != nil {
		t.Fatalf("deploy %s: %v", tag, err)
	}
	return v
}

// deployTry stores a version of worker whose bundle holds payload, then makes it current.
func deployTry(ctx context.Context, s *Store, worker string, payload []byte) (*Version, error) {
	src := fmt.Sprintf("export default {fetch(){return new Response(%q)}}\n// %x\n", worker, payload)
	v, err := s.PutVersion(ctx, Version{Worker: worker, Account: "acme", Main: "index.js", Format: "module"},
		&Bundle{Modules: map[string][]byte{"index.js": []byte(src)}})
	if err != nil {
		return nil, err
	}
	_, err = s.Update(ctx, worker, func(w *Worker) (*Worker, error) {
		if w == nil {
			w = &Worker{Name: worker, Account: "acme"}
		}
		w.Current = v.ID
		w.Versions = append(w.Versions, VersionRef{ID: v.ID, Created: v.Created})
		return w, nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}
