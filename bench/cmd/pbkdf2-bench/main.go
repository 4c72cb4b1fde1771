// Command pbkdf2-bench times one CPU-bound Web Crypto request side by side: a worker that runs
// crypto.subtle.importKey + deriveBits(PBKDF2-HMAC-SHA256, 100,000 iterations, 256 bits) per
// request, on islet, workerd, Deno, Bun and Node. All servers are started first, pinned to core 0
// (an idle server costs nothing); the client (this process, core 1 when it can pin) then sends
// requests one after another over one keep-alive connection per server, in rounds that visit
// every platform in turn, so that other load on a shared machine falls on all of them alike. It
// reports the median and p90 latency (request sent → body read) and the server's CPU time per
// request. Every response is checked against crypto/pbkdf2.
//
// bench/pbkdf2/run.sh installs the peers and runs it; see bench/pbkdf2/README.md.
package main

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	password   = "correct horse battery staple"
	salt       = "islet-bench-salt"
	iterations = 100000
)

// deriveJS is the request handler every platform runs (as a module's default export, or wrapped
// in the platform's own server API).
const deriveJS = `const enc = new TextEncoder();
const salt = enc.encode(%q);
async function handle() {
  const key = await crypto.subtle.importKey('raw', enc.encode(%q), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: %d }, key, 256);
  return Array.from(new Uint8Array(bits), (b) => b.toString(16).padStart(2, '0')).join('');
}
`

type platform struct {
	name string
	bin  string
	// files to write into the work directory, and the server command (PORT is replaced).
	files map[string]string
	argv  []string
	env   []string
	host  string // Host header (islet routes by <name>.localhost)
}

func main() {
	var (
		n          = flag.Int("n", 60, "timed requests per platform (after -warmup untimed ones)")
		rounds     = flag.Int("rounds", 6, "rounds the timed requests are spread over, each visiting every platform")
		warmup     = flag.Int("warmup", 5, "untimed requests first")
		only       = flag.String("platforms", "islet,workerd,deno,bun,node", "platforms to run, comma-separated")
		islet      = flag.String("islet", "bin/islet", "islet binary")
		workerd    = flag.String("workerd", "bench/peers/node_modules/@cloudflare/workerd-linux-64/bin/workerd", "workerd binary")
		deno       = flag.String("deno", "bench/peers/node_modules/@deno/linux-x64-glibc/deno", "deno binary")
		bun        = flag.String("bun", "bench/out/pbkdf2-peers/node_modules/@oven/bun-linux-x64/bin/bun", "bun binary")
		node       = flag.String("node", "node", "node binary")
		work       = flag.String("work", "bench/out/pbkdf2", "work directory (worker files, logs)")
		startLimit = flag.Duration("start-timeout", 60*time.Second, "bound on one server's start-up")
	)
	flag.Parse()
	want := expected()
	if err := os.MkdirAll(*work, 0o755); err != nil {
		fail(err)
	}
	handler := fmt.Sprintf(deriveJS, salt, password, iterations)
	module := handler + "export default { async fetch() { return new Response(await handle()); } };\n"
	all := map[string]platform{
		"islet": {bin: *islet, host: "pbkdf2.localhost",
			files: map[string]string{"worker.js": module, "islet.toml": "[[worker]]\nname = \"pbkdf2\"\nmain = \"worker.js\"\n"},
			argv:  []string{"serve", "--config", "islet.toml", "--listen", "127.0.0.1:PORT", "--cpu-limit-ms", "10000"}},
		"workerd": {bin: *workerd, files: map[string]string{"worker.js": module, "config.capnp": `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "pbkdf2", worker = (modules = [(name = "worker.js", esModule = embed "worker.js")], compatibilityDate = "2025-01-01"))],
  sockets = [(name = "http", address = "127.0.0.1:8080", http = (), service = "pbkdf2")],
);
`}, argv: []string{"serve", "config.capnp", "--socket-addr", "http=127.0.0.1:PORT"}},
		"deno": {bin: *deno, files: map[string]string{"deno.js": handler +
			"Deno.serve({ port: Number(Deno.args[0]), hostname: '127.0.0.1', onListen() {} }, async () => new Response(await handle()));\n"},
			argv: []string{"run", "--allow-net", "--no-prompt", "deno.js", "PORT"}, env: []string{"DENO_NO_UPDATE_CHECK=1"}},
		"bun": {bin: *bun, files: map[string]string{"bun.js": handler +
			"Bun.serve({ port: Number(process.argv[2]), hostname: '127.0.0.1', async fetch() { return new Response(await handle()); } });\n"},
			argv: []string{"bun.js", "PORT"}},
		"node": {bin: *node, files: map[string]string{"node.cjs": handler +
			"require('node:http').createServer(async (req, res) => { const body = await handle(); res.writeHead(200, { 'content-type': 'text/plain' }); res.end(body); }).listen(Number(process.argv[2]), '127.0.0.1');\n"},
			argv: []string{"node.cjs", "PORT"}},
	}
	pinClient()
	fmt.Printf("PBKDF2-HMAC-SHA256, %d iterations, 256 bits per request; %d timed sequential requests per platform in %d rounds, after %d warm-up\n",
		iterations, *n, *rounds, *warmup)
	var servers []*server
	defer func() {
		for _, sv := range servers {
			sv.stop()
		}
	}()
	for _, name := range strings.Split(*only, ",") {
		name = strings.TrimSpace(name)
		pl, ok := all[name]
		if !ok {
			fmt.Printf("%-8s unknown platform\n", name)
			continue
		}
		pl.name = name
		sv, err := start(pl, *work, want, *startLimit)
		if err != nil {
			fmt.Printf("%-8s n/a (%v)\n", name, err)
			continue
		}
		servers = append(servers, sv)
		for i := 0; i < *warmup; i++ {
			if _, err := sv.get(); err != nil {
				sv.err = err
			}
		}
	}
	per := max(1, *n / *rounds)
	for r := 0; r < *rounds; r++ {
		for _, sv := range servers {
			if sv.err != nil {
				continue
			}
			cpu0 := cpuOf(sv.cmd.Process.Pid)
			for i := 0; i < per; i++ {
				d, err := sv.get()
				if err != nil {
					sv.err = err
					break
				}
				sv.ms = append(sv.ms, float64(d.Microseconds())/1000)
			}
			sv.cpu += cpuOf(sv.cmd.Process.Pid) - cpu0
		}
	}
	fmt.Printf("%-8s %10s %10s %10s %14s  %s\n", "platform", "median ms", "p90 ms", "min ms", "server CPU ms", "version")
	for _, sv := range servers {
		if sv.err != nil || len(sv.ms) == 0 {
			fmt.Printf("%-8s n/a (%v)\n", sv.pl.name, sv.err)
			continue
		}
		ms := sv.ms
		sort.Float64s(ms)
		fmt.Printf("%-8s %10.2f %10.2f %10.2f %14.2f  %s\n", sv.pl.name, ms[len(ms)/2], ms[len(ms)*9/10], ms[0],
			sv.cpu/float64(len(ms)), version(sv.pl))
	}
}

// expected is the hex the worker must answer, from crypto/pbkdf2.
func expected() string {
	k, err := pbkdf2.Key(sha256.New, password, []byte(salt), iterations, 32)
	if err != nil {
		fail(err)
	}
	return hex.EncodeToString(k)
}

// server is one running platform.
type server struct {
	pl  platform
	cmd *exec.Cmd
	log *os.File
	get func() (time.Duration, error)
	ms  []float64 // timed request latencies
	cpu float64   // server CPU ms during the timed requests
	err error
}

func (sv *server) stop() {
	_ = syscall.Kill(-sv.cmd.Process.Pid, syscall.SIGKILL)
	_ = sv.cmd.Wait()
	sv.log.Close()
}

// start writes a platform's files, starts its server and waits for its first correct answer.
func start(pl platform, work, want string, startLimit time.Duration) (*server, error) {
	bin, err := exec.LookPath(pl.bin)
	if err != nil {
		return nil, fmt.Errorf("%s missing", pl.bin)
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return nil, err
	}
	dir := filepath.Join(work, pl.name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for name, body := range pl.files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return nil, err
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	argv := []string{bin}
	for _, a := range pl.argv {
		argv = append(argv, strings.ReplaceAll(a, "PORT", strconv.Itoa(port)))
	}
	if _, err := exec.LookPath("taskset"); err == nil {
		argv = append([]string{"taskset", "-c", "0"}, argv...)
	}
	logf, err := os.Create(filepath.Join(work, pl.name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), pl.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	sv := &server{pl: pl, cmd: cmd, log: logf}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	sv.get = func() (time.Duration, error) {
		req, _ := http.NewRequest("GET", url, nil)
		if pl.host != "" {
			req.Host = pl.host
		}
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(t0)
		if err != nil {
			return 0, err
		}
		if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != want {
			return 0, fmt.Errorf("status %d, body %.80q (want %s)", resp.StatusCode, body, want)
		}
		return d, nil
	}
	deadline := time.Now().Add(startLimit)
	for {
		if _, err = sv.get(); err == nil {
			return sv, nil
		}
		if time.Now().After(deadline) {
			sv.stop()
			return nil, fmt.Errorf("not ready after %v: %v (log %s)", startLimit, err, logf.Name())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cpuOf is utime+stime of pid in ms (/proc/<pid>/stat, all threads), or 0. With taskset as the
// launcher, pid is the server itself (taskset execs).
func cpuOf(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) * 1000 / 100 // USER_HZ = 100
}

func version(pl platform) string {
	args := []string{"--version"}
	out, err := exec.Command(pl.bin, args...).Output()
	if err != nil {
		if pl.name == "islet" {
			return pl.bin // an islet older than --version
		}
		return ""
	}
	return strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
}

// pinClient puts this process on core 1 when the machine has one, away from the server's core 0.
func pinClient() {
	if _, err := exec.LookPath("taskset"); err == nil {
		_ = exec.Command("taskset", "-p", "-c", "1", strconv.Itoa(os.Getpid())).Run()
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "pbkdf2-bench:", err)
	os.Exit(1)
}
