package e2e

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"islet/internal/adminclient"
	"islet/internal/deploy"
	"islet/internal/nodecache"
	"islet/internal/supervisor"
)

// offlineFleet is one `islet nats` server and one node joining it (--nats) that can each be
// stopped and started again on the same ports and data.
type offlineFleet struct {
	natsDir, natsURL, natsAddr string
	secret, key                string
	data, admin                string
	nats, node                 *proc
	extra                      []string // more node flags (--processes)
}

func newOfflineFleet(t *testing.T, extra ...string) *offlineFleet {
	t.Helper()
	base := t.TempDir()
	f := &offlineFleet{natsDir: filepath.Join(base, "nats"), secret: filepath.Join(base, "nats-secret"),
		key: filepath.Join(base, "secret-key"), data: filepath.Join(base, "node"),
		admin: fmt.Sprintf("127.0.0.1:%d", freePort(t)), extra: extra}
	f.natsAddr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	f.natsURL = "nats://" + f.natsAddr
	write(t, f.secret, strings.Repeat("cd", 32)+"\n")
	write(t, f.key, strings.Repeat("ab", 32)+"\n")
	t.Cleanup(func() {
		if t.Failed() && f.node != nil {
			t.Logf("node output:\n%s", f.node.output())
		}
	})
	return f
}

func (f *offlineFleet) startNATS(t *testing.T) {
	t.Helper()
	f.nats = startWaiting(t, "clients on", binary, "nats", "--data", f.natsDir, "--listen", f.natsAddr,
		"--nats-secret-file", f.secret, "--log-level", "warn")
}

func (f *offlineFleet) startNode(t *testing.T) {
	t.Helper()
	f.node = start(t, append([]string{"serve", "--data", f.data, "--nats", f.natsURL, "--listen", "127.0.0.1:0",
		"--admin", f.admin, "--secret-key-file", f.key, "--nats-secret-file", f.secret, "--log-level", "info"}, f.extra...)...)
}

// api is the node's admin API, with the bootstrap token the first start wrote.
func (f *offlineFleet) api(t *testing.T) *adminclient.Client {
	t.Helper()
	tok, err := os.ReadFile(filepath.Join(f.data, "admin-token"))
	if err != nil {
		t.Fatalf("no admin token: %v\n%s", err, f.node.output())
	}
	return adminclient.New("http://"+f.admin, strings.TrimSpace(string(tok)))
}

// deploySecretWorker deploys name answering "<tag> <its secret TOKEN>", setting the secret
// first when it is not empty. It retries (bounded) while the admin API does not answer yet.
func deploySecretWorker(t *testing.T, api *adminclient.Client, name, tag, token string) {
	t.Helper()
	up := &deploy.Upload{Metadata: deploy.Metadata{MainModule: "index.js"}, Modules: map[string][]byte{
		"index.js": []byte(`export default { fetch(r, env) { return new Response("` + tag + ` " + env.TOKEN) } };`)}}
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, err := api.Deploy(ctx, name, up)
		if err == nil && token != "" {
			err = api.Do(ctx, "PUT", "/v1/workers/"+name+"/secrets/TOKEN", map[string]any{"value": token}, "", nil)
		}
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("deploy %s %s: %v", name, tag, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pollHost polls until host answers want on addr (bounded) and returns how long that took.
func pollHost(t *testing.T, addr, host, want string, p *proc) time.Duration {
	t.Helper()
	start := time.Now()
	for got := bodyOf(addr, host); got != want; got = bodyOf(addr, host) {
		if time.Since(start) > 60*time.Second {
			t.Fatalf("%s answers %q, want %q:\n%s", host, got, want, p.output())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// waitCached polls until the node's cache holds every worker of want at a version with
// secret TOKEN set (bounded).
func waitCached(t *testing.T, dir string, want ...string) {
	t.Helper()
	c, err := nodecache.Open(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := c.Load()
		ok := err == nil
		for _, name := range want {
			ok = ok && st.Workers[name] != nil && st.Workers[name].Secrets["TOKEN"] != ""
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cache at %s never held %v: %v", dir, want, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkCacheFiles asserts the cache's modes (0700 directories, 0600 files) and that no file
// holds a secret's plaintext.
func checkCacheFiles(t *testing.T, dir string, plaintexts ...string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		info, _ := d.Info()
		if want := map[bool]fs.FileMode{true: 0o700, false: 0o600}[d.IsDir()]; info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", path, info.Mode().Perm(), want)
		}
		if !d.IsDir() {
			b, _ := os.ReadFile(path)
			for _, p := range plaintexts {
				if strings.Contains(string(b), p) {
					t.Errorf("%s holds the secret %q in plaintext", path, p)
				}
			}
		}
		return nil
	})
}

// TestNodeServesItsCacheWhileNATSIsDown is the case: a node restarted while NATS is
// unreachable serves the workers (and their secrets) it last knew from its cache, and once NATS
// is back a new deploy reaches it.
func TestNodeServesItsCacheWhileNATSIsDown(t *testing.T) {
	f := newOfflineFleet(t)
	f.startNATS(t)
	f.startNode(t)
	deploySecretWorker(t, f.api(t), "app", "v1", "s3cr3t-v4lue")
	pollHost(t, f.node.addr, "app.localhost", "v1 s3cr3t-v4lue", f.node)
	cacheDir := filepath.Join(f.data, "cache")
	waitCached(t, cacheDir, "app")
	checkCacheFiles(t, cacheDir, "s3cr3t-v4lue")

	f.node.stop(t)
	f.nats.stop(t)
	t0 := time.Now()
	f.startNode(t)
	took := pollHost(t, f.node.addr, "app.localhost", "v1 s3cr3t-v4lue", f.node)
	t.Logf("with NATS down, the restarted node served its cached worker %v after it was started (%v after it printed its address)",
		time.Since(t0).Round(time.Millisecond), took.Round(time.Millisecond))
	if out := f.node.output(); !strings.Contains(out, "serving the cached state from") || !strings.Contains(out, "NATS is unreachable") {
		t.Errorf("the node did not log that it serves its cache:\n%s", out)
	}

	f.startNATS(t)
	deploySecretWorker(t, f.api(t), "app", "v2", "")
	pollHost(t, f.node.addr, "app.localhost", "v2 s3cr3t-v4lue", f.node)
	f.node.waitFor(t, "NATS answered")
}

// TestProcessesServeTheCacheWhileNATSIsDown is the same with --processes 2: the supervisor
// routes by the cache and each runtime process serves it (process 0 writes it) without NATS.
func TestProcessesServeTheCacheWhileNATSIsDown(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a supervisor and two runtime processes twice")
	}
	const processes = 2
	byProc := make([]string, processes) // one worker on each runtime process
	for i := 0; byProc[0] == "" || byProc[1] == ""; i++ {
		name := "app" + strconv.Itoa(i)
		if k := supervisor.Pick(name, processes); byProc[k] == "" {
			byProc[k] = name
		}
	}
	f := newOfflineFleet(t, "--processes", strconv.Itoa(processes))
	f.startNATS(t)
	f.startNode(t)
	for _, name := range byProc {
		deploySecretWorker(t, f.api(t), name, "v1", "tok-"+name)
	}
	for _, name := range byProc {
		pollHost(t, f.node.addr, name+".localhost", "v1 tok-"+name, f.node)
	}
	cacheDir := filepath.Join(f.data, "cache")
	waitCached(t, cacheDir, byProc...)
	checkCacheFiles(t, cacheDir, "tok-"+byProc[0], "tok-"+byProc[1])

	f.node.stop(t)
	f.nats.stop(t)
	t0 := time.Now()
	f.startNode(t)
	for _, name := range byProc {
		pollHost(t, f.node.addr, name+".localhost", "v1 tok-"+name, f.node)
	}
	t.Logf("with NATS down, the restarted supervisor and its runtime processes served both cached workers %v after start",
		time.Since(t0).Round(time.Millisecond))

	f.startNATS(t)
	deploySecretWorker(t, f.api(t), byProc[1], "v2", "")
	pollHost(t, f.node.addr, byProc[1]+".localhost", "v2 tok-"+byProc[1], f.node)
}
