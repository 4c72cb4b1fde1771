package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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
// io_uring) was refused, and that its workers still serve: a plain response, an outbound fetch
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
		"tcp_listen", "ptrace", "mount", "unshare", "bpf", "io_uring"}
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
// processes by default, each of which enters the sandbox before it serves (the self-test's
// operations are all refused from inside), and a deployed worker is served from there.
func TestPlatformRuntimeProcessesAreSandboxed(t *testing.T) {
	t.Setenv("ISLET_SANDBOX_SELFTEST", "1")
	pl := startPlatform(t)
	for k := 0; k < 2; k++ {
		pl.node.waitFor(t, fmt.Sprintf(`msg="sandbox: entered" process=%d `, k))
		for _, probe := range []string{"open_file", "create_file", "exec", "socket_netlink", "tcp_listen", "ptrace"} {
			pl.node.waitFor(t, fmt.Sprintf(`msg="sandbox self-test" process=%d probe=%s refused=true`, k, probe))
		}
	}
	if m := regexp.MustCompile(`msg="sandbox self-test" .* refused=false .*`).FindString(pl.node.output()); m != "" {
		t.Errorf("an operation was not refused inside the sandbox: %s", m)
	}
	one := []string{"index.js"}
	if st, body := apiDeploy(t, pl.api, pl.token, "boxed", map[string]any{}, one, map[string]string{"index.js": hello("boxed")}); st != 201 {
		t.Fatalf("deploy: %d %s", st, body)
	}
	pollBody(t, pl.node.addr, "boxed.localhost", "boxed")
}
