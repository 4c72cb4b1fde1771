package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"islet/internal/adminclient"
	"islet/internal/deploy"
)

// freePort returns a port that was free on 127.0.0.1 a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// natsServer is one `islet nats` process of the test cluster; it can be stopped and started
// again on the same ports and data.
type natsServer struct {
	name        string
	client      int
	route       int
	dir         string
	peers       []string
	p           *proc
	clientURL   string
	secret      string // the fleet's shared --nats-secret-file
	startedOnce bool
}

func (s *natsServer) start(t *testing.T) {
	t.Helper()
	s.p = startWaiting(t, "clients on", binary, "nats", "--data", s.dir, "--name", s.name,
		"--listen", fmt.Sprintf("127.0.0.1:%d", s.client),
		"--cluster-listen", fmt.Sprintf("127.0.0.1:%d", s.route),
		"--routes", strings.Join(s.peers, ","), "--nats-secret-file", s.secret, "--log-level", "warn")
}

// startWaiting runs a process and waits (bounded) until its stderr contains marker; it is
// stopped when the test ends.
func startWaiting(t *testing.T, marker string, name string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(name, args...), done: make(chan struct{})}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = io.Discard
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan struct{})
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		once := sync.Once{}
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if strings.Contains(sc.Text(), marker) {
				once.Do(func() { close(found) })
			}
		}
	}()
	t.Cleanup(func() { p.stop(t) })
	select {
	case <-found:
	case <-p.done:
		t.Fatalf("%s exited early:\n%s", strings.Join(args, " "), p.output())
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not print %q:\n%s", strings.Join(args, " "), marker, p.output())
	}
	return p
}

// cluster is three NATS servers and three islet nodes on 127.0.0.1. Nodes 0 and 1 know every
// NATS server; node 2 knows only NATS server 2, so stopping that server cuts node 2 off.
type cluster struct {
	nats  [3]*natsServer
	nodes [3]*proc
	admin [3]string
	api   *adminclient.Client
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	base := t.TempDir()
	c := &cluster{}
	t.Cleanup(func() {
		if t.Failed() {
			for i, n := range c.nodes {
				if n != nil {
					t.Logf("node %d output:\n%s", i, n.output())
				}
			}
		}
	})
	var routes []string
	natsSecret := filepath.Join(base, "nats-secret")
	write(t, natsSecret, strings.Repeat("cd", 32)+"\n")
	for i := range c.nats {
		c.nats[i] = &natsServer{name: fmt.Sprintf("n%d", i), client: freePort(t), route: freePort(t),
			dir: filepath.Join(base, fmt.Sprintf("nats%d", i)), secret: natsSecret}
		c.nats[i].clientURL = fmt.Sprintf("nats://127.0.0.1:%d", c.nats[i].client)
		routes = append(routes, fmt.Sprintf("127.0.0.1:%d", c.nats[i].route))
	}
	for i, s := range c.nats {
		s.peers = slices.Delete(slices.Clone(routes), i, i+1)
		s.start(t)
	}
	key := filepath.Join(base, "secret-key")
	write(t, key, strings.Repeat("ab", 32)+"\n")
	all := c.nats[0].clientURL + "," + c.nats[1].clientURL + "," + c.nats[2].clientURL
	for i := range c.nodes {
		urls := all
		if i == 2 {
			urls = c.nats[2].clientURL
		}
		c.admin[i] = fmt.Sprintf("127.0.0.1:%d", freePort(t))
		data := filepath.Join(base, fmt.Sprintf("node%d", i))
		c.nodes[i] = start(t, "serve", "--data", data, "--nats", urls, "--listen", "127.0.0.1:0",
			"--admin", c.admin[i], "--secret-key-file", key, "--nats-secret-file", natsSecret, "--log-level", "warn")
		if i == 0 {
			tok, err := os.ReadFile(filepath.Join(data, "admin-token"))
			if err != nil {
				t.Fatalf("the first node wrote no admin token: %v\n%s", err, c.nodes[0].output())
			}
			c.api = adminclient.New("http://"+c.admin[0], strings.TrimSpace(string(tok)))
		}
	}
	return c
}

func (c *cluster) client(i int) *adminclient.Client {
	return adminclient.New("http://"+c.admin[i], c.api.Token)
}

func versionWorker(tag string) *deploy.Upload {
	return &deploy.Upload{Metadata: deploy.Metadata{MainModule: "index.js"}, Modules: map[string][]byte{
		"index.js": []byte(`export default { fetch() { return new Response("` + tag + `") } };`)}}
}

// body fetches app.localhost from a node; errors read as "".
func body(addr string) string {
	req, _ := newRequest(addr, "app.localhost")
	resp, err := client.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return ""
	}
	return string(b)
}

// waitServing polls until every listed node answers want (bounded) and returns how long that
// took.
func (c *cluster) waitServing(t *testing.T, want string, nodes ...int) time.Duration {
	t.Helper()
	start := time.Now()
	for _, i := range nodes {
		for body(c.nodes[i].addr) != want {
			if time.Since(start) > 30*time.Second {
				t.Fatalf("node %d never served %q (it serves %q):\n%s", i, want, body(c.nodes[i].addr), c.nodes[i].output())
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	return time.Since(start)
}

func TestClusterDeployAndFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six processes")
	}
	t0 := time.Now()
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	phase := func(s string) { t.Logf("%6.2fs %s", time.Since(t0).Seconds(), s) }
	phase("cluster up")

	if _, err := c.api.Deploy(ctx, "app", versionWorker("v1")); err != nil {
		t.Fatal(err)
	}
	c.waitServing(t, "v1", 0, 1, 2)

	phase("One NATS server down")
	// One NATS server down: a deploy through another node still reaches every node.
	c.nats[0].p.stop(t)
	if _, err := c.client(1).Deploy(ctx, "app", versionWorker("v2")); err != nil {
		t.Fatal(err)
	}
	phase("v2 deployed")
	c.waitServing(t, "v2", 0, 1, 2)

	phase("It comes back")
	// It comes back and converges: a deploy through node 0 (which may now use it) lands.
	c.nats[0].start(t)
	if _, err := c.client(0).Deploy(ctx, "app", versionWorker("v3")); err != nil {
		t.Fatal(err)
	}
	c.waitServing(t, "v3", 0, 1, 2)

	phase("Node 2 cut off")
	// Node 2 cut off from NATS entirely keeps serving what it has.
	c.nats[2].p.stop(t)
	if _, err := c.client(0).Deploy(ctx, "app", versionWorker("v4")); err != nil {
		t.Fatal(err)
	}
	phase("v4 deployed")
	c.waitServing(t, "v4", 0, 1)
	for i := 0; i < 20; i++ {
		if got := body(c.nodes[2].addr); got != "v3" {
			t.Fatalf("node 2, cut off, served %q; want its last version v3", got)
		}
	}
	phase("When its link returns")
	// When its link returns it catches up.
	c.nats[2].start(t)
	c.waitServing(t, "v4", 2)

	phase("A node started later")
	// A node started later serves everything already deployed.
	late := start(t, "serve", "--data", filepath.Join(t.TempDir(), "late"), "--nats", c.nats[1].clientURL,
		"--listen", "127.0.0.1:0", "--admin", fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		"--secret-key-file", filepath.Join(filepath.Dir(c.nats[0].dir), "secret-key"), "--nats-secret-file", c.nats[0].secret, "--log-level", "warn")
	if got := body(late.addr); got != "v4" {
		t.Fatalf("a node started later serves %q, want v4", got)
	}
}

// TestClusterPropagation measures, over ISLET_PROPAGATION_DEPLOYS deploys (default 10), the
// time from the admin API's answer to every node serving the new version, and the deploy time
// of a 1 MB bundle. It reports; it asserts only that every deploy arrives.
func TestClusterPropagation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six processes")
	}
	n := 10
	if s := os.Getenv("ISLET_PROPAGATION_DEPLOYS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var lat []time.Duration
	for i := 0; i < n; i++ {
		tag := fmt.Sprintf("p%d", i)
		if _, err := c.client(i%3).Deploy(ctx, "app", versionWorker(tag)); err != nil {
			t.Fatal(err)
		}
		lat = append(lat, c.waitServing(t, tag, 0, 1, 2))
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	t.Logf("propagation over %d deploys, API answer → all 3 nodes serving: p50 %v, p99 %v, max %v",
		n, pct(0.50), pct(0.99), lat[len(lat)-1])

	var big strings.Builder
	big.WriteString("const data = [\n")
	for big.Len() < 1<<20 {
		fmt.Fprintf(&big, "  %q,\n", strings.Repeat("x", 100))
	}
	big.WriteString("];\nexport default { fetch() { return new Response('big ' + data.length) } };\n")
	up := &deploy.Upload{Metadata: deploy.Metadata{MainModule: "index.js"}, Modules: map[string][]byte{"index.js": []byte(big.String())}}
	start := time.Now()
	res, err := c.api.Deploy(ctx, "big", up)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	want := "big " + strconv.Itoa(strings.Count(big.String(), "\n")-3)
	for i := range c.nodes {
		deadline := time.Now().Add(30 * time.Second)
		for bodyOf(c.nodes[i].addr, "big.localhost") != want {
			if time.Now().After(deadline) {
				t.Fatalf("node %d never served the 1 MB bundle (%s)", i, bodyOf(c.nodes[i].addr, "big.localhost"))
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	t.Logf("1 MB bundle (%d bytes): deploy answered in %v, served by all nodes %v after the request", res.BundleBytes, took, time.Since(start))
}

func bodyOf(addr, host string) string {
	req, _ := newRequest(addr, host)
	resp, err := client.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func newRequest(addr, host string) (*http.Request, error) {
	req, err := http.NewRequest("GET", "http://"+addr+"/", nil)
	if err != nil {
		return nil, err
	}
	req.Host = host
	return req, nil
}
