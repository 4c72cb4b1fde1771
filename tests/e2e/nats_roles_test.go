package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"islet/internal/adminclient"
	"islet/internal/control"
	"islet/internal/supervisor"
	"islet/internal/tlsconfig/tlstest"
)

// TestFleetRoles: a fleet of two `islet nats` servers routing over mutual TLS, an admin node
// holding the fleet's secret, and a gateway node with two runtime processes holding only the
// node credential (islet nats credential). A deploy through the admin node is served by both
// runtime processes, which hold no credential, no secret and no key: their supervisor feeds
// them. The node credential reads no token and writes no record; a node lacking what the fleet
// demands (credentials, the right role, the CA) stops at start and says what is missing.
func TestFleetRoles(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five processes")
	}
	base := t.TempDir()
	certs := tlstest.New(t, base)
	secretFile := filepath.Join(base, "nats-secret")
	secret := strings.Repeat("e7", 32)
	write(t, secretFile, secret+"\n")
	key := filepath.Join(base, "secret-key")
	write(t, key, strings.Repeat("ab", 32)+"\n")

	// Two NATS servers, TLS on their client and cluster ports; the buckets are replicated on
	// both, over the TLS route.
	var nsrv [2]*natsServer
	for i := range nsrv {
		nsrv[i] = &natsServer{name: fmt.Sprintf("r%d", i), client: freePort(t), route: freePort(t),
			dir: filepath.Join(base, fmt.Sprintf("nats%d", i)), secret: secretFile}
	}
	var urls []string
	for i, s := range nsrv {
		s.peers = []string{fmt.Sprintf("127.0.0.1:%d", nsrv[1-i].route)}
		urls = append(urls, fmt.Sprintf("tls://127.0.0.1:%d", s.client))
	}
	for _, s := range nsrv {
		s.p = startWaiting(t, "clients on", binary, "nats", "--data", s.dir, "--name", s.name,
			"--listen", fmt.Sprintf("127.0.0.1:%d", s.client), "--cluster-listen", fmt.Sprintf("127.0.0.1:%d", s.route),
			"--routes", strings.Join(s.peers, ","), "--nats-secret-file", secretFile,
			"--tls-cert", certs.Cert, "--tls-key", certs.Key, "--nats-ca", certs.CA, "--log-level", "warn")
	}
	fleet := strings.Join(urls, ",")

	adminAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	adminData := filepath.Join(base, "admin")
	start(t, "serve", "--data", adminData, "--nats", fleet, "--nats-ca", certs.CA, "--nats-secret-file", secretFile,
		"--admin", adminAddr, "--listen", "127.0.0.1:0", "--secret-key-file", key, "--replicas", "2", "--log-level", "warn")
	tok, err := os.ReadFile(filepath.Join(adminData, "admin-token"))
	if err != nil {
		t.Fatalf("the admin node wrote no token: %v", err)
	}
	api := adminclient.New("http://"+adminAddr, strings.TrimSpace(string(tok)))

	// The gateway's credential file: the node role only.
	out, err := exec.Command(binary, "nats", "credential", "--role", "node", "--nats-secret-file", secretFile).Output()
	if err != nil {
		t.Fatalf("islet nats credential: %v", err)
	}
	gwCred := filepath.Join(base, "gateway.cred")
	write(t, gwCred, string(out))
	if lines := strings.Fields(string(out)); len(lines) != 1 || !strings.HasPrefix(lines[0], "node:") ||
		strings.Contains(string(out), secret) {
		t.Fatalf("islet nats credential printed %q", out)
	}
	gwArgs := []string{"serve", "--data", filepath.Join(base, "gateway"), "--nats", fleet, "--nats-ca", certs.CA,
		"--nats-secret-file", gwCred, "--admin", "", "--listen", "127.0.0.1:0", "--secret-key-file", key, "--processes", "2"}
	gw := start(t, gwArgs...)

	// One worker on each runtime process.
	var byProc [2]string
	for i := 0; byProc[0] == "" || byProc[1] == ""; i++ {
		name := fmt.Sprintf("app%d", i)
		if k := supervisor.Pick(name, 2); byProc[k] == "" {
			byProc[k] = name
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, name := range byProc {
		if _, err := api.Deploy(ctx, name, versionWorker("hello "+name)); err != nil {
			t.Fatalf("deploy %s: %v", name, err)
		}
	}
	for _, name := range byProc {
		pollBody(t, gw.addr, name+".localhost", "hello "+name)
	}

	// The runtime processes hold no credential, no secret and no key, in their environment or
	// on their command line.
	pids := regexp.MustCompile(`msg="runtime process started" process=\d+ pid=(\d+)`).FindAllStringSubmatch(gw.output(), -1)
	if len(pids) != 3 { // --processes 2 and the quarantine one
		t.Fatalf("runtime processes started: %v\n%s", pids, gw.output())
	}
	nodeCred := strings.Fields(string(out))[0]
	_, nodePassword, _ := strings.Cut(nodeCred, ":")
	for _, m := range pids {
		pid, _ := strconv.Atoi(m[1])
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil {
			t.Fatal(err)
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		all := string(env) + string(cmdline)
		for _, held := range []string{secret, nodePassword, "ISLET_NATS_CREDENTIAL", "--secret-key-file", "--nats-secret-file", strings.Repeat("ab", 32)} {
			if strings.Contains(all, held) {
				t.Errorf("runtime process %d: its environment or command line holds %q", pid, held)
			}
		}
	}

	// What the gateway's node credential may not do, against the fleet's NATS.
	rc, err := control.ParseCredential(nodeCred)
	if err != nil {
		t.Fatal(err)
	}
	refused := make(chan error, 16)
	nc, err := nats.Connect(urls[0], nats.UserInfo(rc.Role.User(), rc.Password), nats.CustomInboxPrefix(rc.Role.InboxPrefix()),
		nats.Secure(&tls.Config{RootCAs: certs.Pool}), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { refused <- err }))
	if err != nil {
		t.Fatalf("the node credential: %v", err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	kctx, kcancel := context.WithTimeout(ctx, 2*time.Second)
	_, err = js.KeyValue(kctx, control.TokensBucket)
	kcancel()
	awaitRefusal(t, refused, err, "$JS.API.STREAM.INFO.KV_islet-tokens")
	if err := nc.Publish("$KV.islet-workers.w."+byProc[0], []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	awaitRefusal(t, refused, fmt.Errorf("published"), "$KV.islet-workers.w."+byProc[0])
	if got := bodyOf(gw.addr, byProc[0]+".localhost"); got != "hello "+byProc[0] {
		t.Errorf("after the refused write, %s serves %q", byProc[0], got)
	}

	// Nodes that lack what the fleet demands stop at start, saying what is missing.
	without := func(drop ...string) []string {
		var args []string
		for i := 0; i < len(gwArgs); i++ {
			if i+1 < len(gwArgs) && strings.HasPrefix(gwArgs[i], "--") && contains(drop, gwArgs[i]) {
				i++
				continue
			}
			args = append(args, gwArgs[i])
		}
		return append(args, "--data", filepath.Join(t.TempDir(), "d"))
	}
	for _, c := range []struct {
		what string
		args []string
		want []string
	}{
		{"no credentials", without("--nats-secret-file"), []string{"refused no credentials", "Authorization Violation", "--nats-secret-file"}},
		{"no CA", without("--nats-ca"), []string{"requires TLS", "--nats-ca"}},
		{"the gateway's credentials, serving the admin API", append(without("--admin"), "--admin", fmt.Sprintf("127.0.0.1:%d", freePort(t))),
			[]string{"needs the NATS role admin", "holds only the credential of node"}},
	} {
		out, err := runBounded(t, 60*time.Second, c.args...)
		if err == nil {
			t.Errorf("%s: the node started:\n%s", c.what, out)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: the node's error does not say %q:\n%s", c.what, w, out)
			}
		}
	}
}

// awaitRefusal waits (bounded) for NATS to refuse subject; err is what the refused call
// returned, which must be an error too.
func awaitRefusal(t *testing.T, refused <-chan error, err error, subject string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: allowed", subject)
	}
	select {
	case e := <-refused:
		if !strings.Contains(strings.ToLower(e.Error()), "permissions violation") || !strings.Contains(e.Error(), `"`+subject+`"`) {
			t.Fatalf("NATS refused %v; want %s", e, subject)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("NATS did not refuse %s within 20s", subject)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestTLSEverywhere: `islet serve --tls-cert --tls-key` serves the gateway (HTTP/2 through
// ALPN) and the admin API over HTTPS, and its NATS client port only over TLS; the CLI deploys
// through HTTPS trusting the CA by SSL_CERT_FILE; a second node joins its NATS with --nats-ca
// and serves the worker; a key that does not match the certificate is refused at start.
func TestTLSEverywhere(t *testing.T) {
	base := t.TempDir()
	certs := tlstest.New(t, base)
	data := filepath.Join(base, "data")
	gwAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	adminAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	natsAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	tlsArgs := []string{"--tls-cert", certs.Cert, "--tls-key", certs.Key}
	node := startWaiting(t, "islet serve: workers on https://"+gwAddr, binary, append([]string{"serve", "--data", data,
		"--listen", gwAddr, "--admin", adminAddr, "--nats-listen", natsAddr}, tlsArgs...)...)
	if !strings.Contains(node.output(), "admin API on https://"+adminAddr) {
		t.Errorf("the banner does not name the HTTPS admin API:\n%s", node.output())
	}
	tok, err := os.ReadFile(filepath.Join(data, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(tok))
	hc := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: certs.Pool}, ForceAttemptHTTP2: true}}

	// The admin API over HTTPS; plain HTTP gets no answer from it.
	req, _ := http.NewRequest("GET", "https://"+adminAddr+"/v1/whoami", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("admin API over HTTPS: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("admin API over HTTPS: %s", resp.Status)
	}
	if resp, err := client.Get("http://" + adminAddr + "/v1/whoami"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP to the admin API: %s", resp.Status)
		}
	}

	// The CLI deploys through HTTPS, trusting the CA as Go programs do (SSL_CERT_FILE).
	dir := t.TempDir()
	write(t, filepath.Join(dir, "index.js"), `export default { fetch() { return new Response("secure hello") } };`)
	write(t, filepath.Join(dir, "wrangler.toml"), "name = \"app\"\nmain = \"index.js\"\n")
	cctx, ccancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer ccancel()
	deploy := exec.CommandContext(cctx, binary, "deploy")
	deploy.Dir = dir
	deploy.Env = append(os.Environ(), "ISLET_API=https://"+adminAddr, "ISLET_TOKEN="+token, "SSL_CERT_FILE="+certs.CA,
		"HOME="+t.TempDir(), "XDG_CONFIG_HOME=")
	if out, err := deploy.CombinedOutput(); err != nil || !strings.Contains(string(out), "https://app.localhost:") {
		t.Fatalf("islet deploy over HTTPS: %v\n%s", err, out)
	}

	// The gateway over HTTPS, HTTP/2 negotiated through ALPN.
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest("GET", "https://"+gwAddr+"/", nil)
		req.Host = "app.localhost"
		resp, err := hc.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) == "secure hello" {
				if resp.Proto != "HTTP/2.0" {
					t.Errorf("the gateway over TLS answered %s, want HTTP/2.0", resp.Proto)
				}
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateway never served the worker over HTTPS: %v\n%s", err, node.output())
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The NATS client port takes TLS only; a node joining with the CA serves the worker.
	natsSecret := filepath.Join(data, "nats-secret")
	joinArgs := []string{"serve", "--data", filepath.Join(base, "joined"), "--nats", "tls://" + natsAddr,
		"--nats-secret-file", natsSecret, "--secret-key-file", filepath.Join(data, "secret-key"), "--admin", "", "--listen", "127.0.0.1:0"}
	joined := start(t, append(joinArgs, "--nats-ca", certs.CA)...)
	pollBody(t, joined.addr, "app.localhost", "secure hello")
	out, err := runBounded(t, 60*time.Second, append(joinArgs[:len(joinArgs):len(joinArgs)], "--data", filepath.Join(base, "no-ca"))...)
	if err == nil || !strings.Contains(out, "requires TLS") || !strings.Contains(out, "--nats-ca") {
		t.Errorf("a node joining without --nats-ca: %v\n%s", err, out)
	}

	// A key that is not the certificate's is refused before anything listens.
	other := tlstest.New(t, t.TempDir())
	out, err = runBounded(t, 60*time.Second, "serve", "--data", filepath.Join(base, "bad"), "--listen", "127.0.0.1:0",
		"--admin", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "--tls-cert", certs.Cert, "--tls-key", other.Key)
	if err == nil || !strings.Contains(out, "--tls-cert "+certs.Cert) || !strings.Contains(out, "private key does not match public key") {
		t.Errorf("a mismatched key: %v\n%s", err, out)
	}
}
