package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"islet/internal/supervisor"
)

// TestRuntimeProcessesAreSandboxed runs `islet serve --processes 2 --config` with the sandbox's
// self-test on (ISLET_SANDBOX_SELFTEST=1) and checks, for each runtime process, that it entered
// the sandbox, that every operation the self-test tried from inside (opening and creating a
// file, exec, netlink, packet and raw sockets, a TCP listener, ptrace, mount, unshare, bpf,
// io_uring, a syscall in no allowlist row, TIOCSTI) was refused, and that its workers still serve: a plain response, an outbound fetch
// (TCP connect stays allowed) and a config reload (the config's folder stays readable).
func TestRuntimeProcessesAreSandboxed(t *testing.T) {
	const processes = 2
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "upstream says hi")
	}))
	defer upstream.Close()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "w/index.js"), `export default {
	async fetch(req, env) {
		if (new URL(req.url).pathname === "/fetch") {
			const r = await fetch(env.UPSTREAM);
			return new Response("fetched: " + (await r.text()));
		}
		return new Response(env.GREETING + " from " + env.NAME);
	},
};`)
	byProc := make([][]string, processes)
	toml := func(greeting string) string {
		var b strings.Builder
		b.WriteString("listen = \"127.0.0.1:0\"\n")
		for i := 0; i < 8; i++ {
			name := fmt.Sprintf("w%d", i)
			fmt.Fprintf(&b, "[[worker]]\nname = %q\nmain = \"w/index.js\"\n[worker.vars]\nNAME = %q\nGREETING = %q\nUPSTREAM = %q\n",
				name, name, greeting, upstream.URL)
		}
		return b.String()
	}
	for i := 0; i < 8; i++ {
		name := fmt.Sprintf("w%d", i)
		k := supervisor.Pick(name, processes)
		byProc[k] = append(byProc[k], name)
	}
	for k, names := range byProc {
		if len(names) == 0 {
			t.Fatalf("no worker hashes to process %d: %v", k, byProc)
		}
	}
	write(t, filepath.Join(dir, "islet.toml"), toml("hello"))
	t.Setenv("ISLET_SANDBOX_SELFTEST", "1")
	p := start(t, "serve", "--processes", fmt.Sprint(processes), "--allow-private-egress", "--config", filepath.Join(dir, "islet.toml"))

	probes := []string{"open_file", "create_file", "exec", "socket_netlink", "socket_packet", "socket_raw_inet",
		"tcp_listen", "ptrace", "mount", "unshare", "bpf", "io_uring", "not_allowlisted", "tiocsti"}
	for k := 0; k < processes; k++ {
		p.waitFor(t, fmt.Sprintf(`msg="sandbox: entered" process=%d `, k))
		for _, probe := range probes {
			p.waitFor(t, fmt.Sprintf(`msg="sandbox self-test" process=%d probe=%s refused=true`, k, probe))
		}
	}
	if m := regexp.MustCompile(`msg="sandbox self-test" .* refused=false .*`).FindString(p.output()); m != "" {
		t.Errorf("an operation was not refused inside the sandbox: %s", m)
	}
	if !strings.Contains(p.output(), "namespaces=true") {
		t.Logf("runtime processes run without namespaces here (the kernel refused them)")
	}

	expect := func(name, path, want string) error {
		status, hdr, body := get(t, p.addr, name+".localhost", path)
		if status != 200 || body != want {
			return fmt.Errorf("%s%s: %d %q (x-islet-error %q), want %q", name, path, status, body, hdr.Get("x-islet-error"), want)
		}
		return nil
	}
	for _, names := range byProc {
		name := names[0]
		if err := expect(name, "/", "hello from "+name); err != nil {
			t.Fatal(err)
		}
		if err := expect(name, "/fetch", "fetched: upstream says hi"); err != nil {
			t.Fatal(err)
		}
	}

	// A changed config is read again from inside the sandbox.
	write(t, filepath.Join(dir, "islet.toml"), toml("howdy"))
	for _, names := range byProc {
		name := names[0]
		deadline := time.Now().Add(20 * time.Second)
		for {
			err := expect(name, "/", "howdy from "+name)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the reloaded config never took effect: %v\n%s", err, p.output())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// TestPlatformRuntimeProcessesAreSandboxed: a platform node runs its tenants' code in 2 runtime
// processes by default, each of which enters the sandbox before it serves: every self-test
// operation is refused from inside, every new socket included, and each process is in a
// network namespace of its own. Its workers' fetches still work, connected by the supervisor:
// to a local origin the operator opened (--egress-allow), while the metadata address, the
// admin API and a loopback port nobody opened stay refused, with the egress error.
func TestPlatformRuntimeProcessesAreSandboxed(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "origin says hi")
	}))
	defer origin.Close()
	closed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "must not be reached")
	}))
	defer closed.Close()
	originAddr := strings.TrimPrefix(origin.URL, "http://")
	t.Setenv("ISLET_SANDBOX_SELFTEST", "1")
	pl := startPlatform(t, "--egress-allow", originAddr)
	for k := 0; k < 2; k++ {
		pl.node.waitFor(t, fmt.Sprintf(`msg="sandbox: entered" process=%d `, k))
		for _, probe := range []string{"open_file", "create_file", "exec", "socket_netlink", "tcp_listen", "ptrace",
			"not_allowlisted", "tiocsti", "socket_inet", "socket_inet6", "socket_unix", "socketpair"} {
			pl.node.waitFor(t, fmt.Sprintf(`msg="sandbox self-test" process=%d probe=%s refused=true`, k, probe))
		}
	}
	if m := regexp.MustCompile(`msg="sandbox self-test" .* refused=false .*`).FindString(pl.node.output()); m != "" {
		t.Errorf("an operation was not refused inside the sandbox: %s", m)
	}
	if strings.Contains(pl.node.output(), "namespaces=true") {
		mine, _ := os.Readlink("/proc/self/ns/net")
		for _, m := range regexp.MustCompile(`msg="runtime process started" process=\d+ pid=(\d+)`).FindAllStringSubmatch(pl.node.output(), -1) {
			if its, err := os.Readlink("/proc/" + m[1] + "/ns/net"); err != nil || its == mine {
				t.Errorf("runtime process pid %s: network namespace %q (%v), the test's is %q", m[1], its, err, mine)
			}
		}
	} else {
		t.Logf("runtime processes run without namespaces here (the kernel refused them)")
	}
	one := []string{"index.js"}
	fetcher := `export default { async fetch(req) {
	const u = new URL(req.url).searchParams.get("u");
	if (!u) return new Response("boxed");
	try { const r = await fetch(u); return new Response("fetched: " + (await r.text())); }
	catch (e) { return new Response("refused: " + e.message); }
} }`
	if st, body := apiDeploy(t, pl.api, pl.token, "boxed", map[string]any{}, one, map[string]string{"index.js": fetcher}); st != 201 {
		t.Fatalf("deploy: %d %s", st, body)
	}
	pollBody(t, pl.node.addr, "boxed.localhost", "boxed")
	pollPath(t, pl.node.addr, "boxed.localhost", "/?u="+origin.URL, "fetched: origin says hi")
	for _, c := range []struct{ url, want string }{
		{"http://169.254.169.254/latest/meta-data/", "egress to 169.254.169.254 is not allowed"},
		{"http://" + pl.api + "/", "is not allowed"},
		{closed.URL, "is not allowed"},
	} {
		_, _, body := get(t, pl.node.addr, "boxed.localhost", "/?u="+c.url)
		if !strings.HasPrefix(body, "refused: ") || !strings.Contains(body, c.want) {
			t.Errorf("fetch %s: %q, want a refusal saying %q", c.url, body, c.want)
		}
	}
}
