package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is one process the harness started. Every proc is registered until it is reaped, so
// killAll (run on exit, on error and on a signal) leaves nothing behind.
type proc struct {
	name    string
	cmd     *exec.Cmd
	pid     int
	started time.Time // just before fork/exec
	logPath string
	done    chan struct{}
	waitErr error
	// peakMaps is the most memory mappings memGuard saw; a V8 embedder dies when it reaches
	// vm.max_map_count, which many isolates in one process can do.
	peakMaps int
	peakRSS  int64
}

var registry = struct {
	sync.Mutex
	m        map[int]*proc
	shutdown bool
}{m: map[int]*proc{}}

// spawn starts argv in its own process group with stdout+stderr going to logPath.
// It also asks the kernel to SIGKILL the child if the harness dies without cleaning up.
func spawn(name string, argv []string, dir string, env []string, logPath string) (*proc, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = lf
	cmd.Stderr = lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p := &proc{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	registry.Lock()
	if registry.shutdown {
		registry.Unlock()
		lf.Close()
		return nil, errors.New("shutting down")
	}
	p.started = time.Now()
	err = cmd.Start()
	if err != nil {
		registry.Unlock()
		lf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p.pid = cmd.Process.Pid
	registry.m[p.pid] = p
	registry.Unlock()
	go func() {
		p.waitErr = cmd.Wait()
		lf.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill SIGKILLs the process group and waits (bounded) for the process to be reaped.
func (p *proc) kill() {
	if p == nil {
		return
	}
	if !p.exited() {
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
		_ = p.cmd.Process.Kill()
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			warnf("%s (pid %d) did not exit within 5s of SIGKILL", p.name, p.pid)
		}
	}
	registry.Lock()
	delete(registry.m, p.pid)
	registry.Unlock()
}

// shutdown kills every registered process and refuses new spawns.
func shutdown() {
	registry.Lock()
	registry.shutdown = true
	registry.Unlock()
	killAll()
}

func killAll() {
	registry.Lock()
	ps := make([]*proc, 0, len(registry.m))
	for _, p := range registry.m {
		ps = append(ps, p)
	}
	registry.Unlock()
	for _, p := range ps {
		p.kill()
	}
}

// logTail returns the last few lines of the process log, for error messages.
// Stack dumps are skipped and long lines cut.
func (p *proc) logTail() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return ""
	}
	var lines []string
	seen := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "stack:") || seen[l] {
			continue
		}
		seen[l] = true
		if len(l) > 160 {
			l = l[:160] + "…"
		}
		lines = append(lines, l)
	}
	// Prefer the lines that say what went wrong.
	var key []string
	for _, l := range lines {
		ll := strings.ToLower(l)
		if strings.Contains(ll, "fatal") || strings.Contains(ll, "error") || strings.Contains(ll, "panic") {
			key = append(key, l)
		}
	}
	if len(key) > 0 {
		lines = key
	}
	if len(key) > 0 && len(lines) > 1 {
		lines = lines[len(lines)-1:]
	} else if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return strings.Join(lines, " | ")
}

func (p *proc) deadErr() error {
	maps := ""
	if lim := maxMapCount(); lim > 0 && p.peakMaps > lim*3/4 {
		maps = fmt.Sprintf(" after reaching %d memory maps (vm.max_map_count=%d)", p.peakMaps, lim)
	} else if p.peakRSS > 1<<30 {
		maps = fmt.Sprintf(" at RSS ≥ %s", fmtBytes(p.peakRSS))
	}
	return fmt.Errorf("%s exited (%v)%s: %s [log %s]", p.name, p.waitErr, maps, p.logTail(), p.logPath)
}

func maxMapCount() int {
	b, err := os.ReadFile("/proc/sys/vm/max_map_count")
	if err != nil {
		return 0
	}
	v, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return v
}

// mapCount is the number of memory mappings of pid (lines of /proc/<pid>/maps).
func mapCount(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return 0
	}
	return bytes.Count(b, []byte{'\n'})
}

// rssBytes reads VmRSS from /proc/<pid>/status.
func rssBytes(pid int) (int64, error) {
	return statusField(pid, "VmRSS:")
}

func hwmBytes(pid int) (int64, error) {
	return statusField(pid, "VmHWM:")
}

func statusField(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, field) {
			fs := strings.Fields(line[len(field):])
			if len(fs) == 0 {
				break
			}
			kb, err := strconv.ParseInt(fs[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("%s not found in /proc/%d/status", field, pid)
}

// cpuTicks returns utime+stime (all threads) of pid in clock ticks.
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc/pid/stat")
	}
	fs := strings.Fields(string(b[i+1:]))
	// fs[0] is field 3 (state); utime is field 14, stime field 15.
	if len(fs) < 13 {
		return 0, errors.New("short /proc/pid/stat")
	}
	u, err1 := strconv.ParseInt(fs[11], 10, 64)
	s, err2 := strconv.ParseInt(fs[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("bad utime/stime in /proc/pid/stat")
	}
	return u + s, nil
}

var clkTck = func() int64 {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err == nil {
		if v, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err == nil && v > 0 {
			return v
		}
	}
	return 100
}()

func memTotal() int64 {
	v, _ := meminfoField("MemTotal:")
	return v
}

func meminfoField(name string) (int64, bool) {
	b, _ := os.ReadFile("/proc/meminfo")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, name) {
			fs := strings.Fields(l)
			if len(fs) >= 2 {
				kb, err := strconv.ParseInt(fs[1], 10, 64)
				return kb * 1024, err == nil
			}
		}
	}
	return 0, false
}

// freePort asks the kernel for an unused TCP port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func newClient() *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: time.Second}).DialContext,
			MaxIdleConnsPerHost: 4,
			DisableCompression:  true,
		},
	}
}

// get does one GET with the given Host header and returns status and body.
func get(c *http.Client, url, host string) (int, string, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, "", err
	}
	if host != "" {
		req.Host = host
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(b), err
}

// memGuard fails when the process's RSS crosses the cap, so a server that would eat the machine
// (e.g. 10,000 eagerly loaded isolates) is stopped and reported instead of swapping the box to death.
func memGuard(p *proc, limit int64) error {
	if m := mapCount(p.pid); m > p.peakMaps {
		p.peakMaps = m
	}
	rss, err := rssBytes(p.pid)
	if err == nil && rss > p.peakRSS {
		p.peakRSS = rss
	}
	if limit > 0 && err == nil && rss > limit {
		return fmt.Errorf("RSS %s exceeded the memory cap %s", fmtBytes(rss), fmtBytes(limit))
	}
	return nil
}

// waitReady polls url (Host: host) until a 200 whose body contains want, and returns the time
// since the process was spawned. Bounded by timeout; fails early if the process dies.
func waitReady(ctx context.Context, p *proc, c *http.Client, url, host, want string, timeout time.Duration, memCap int64) (time.Duration, error) {
	deadline := p.started.Add(timeout)
	lastGuard := time.Now()
	var lastErr error
	var firstWrong time.Time // first HTTP answer that was not the expected 200
	for {
		if p.exited() {
			return 0, p.deadErr()
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		code, body, err := get(c, url, host)
		if err == nil && code == 200 && strings.Contains(body, want) {
			return time.Since(p.started), nil
		}
		pause := time.Millisecond
		if err != nil {
			lastErr = err
		} else {
			// The server is up but answers wrongly: poll gently, and give up after 10 s rather
			// than the whole start-up timeout (a worker that throws will not stop throwing).
			lastErr = fmt.Errorf("status %d body %.80q", code, body)
			pause = 50 * time.Millisecond
			if firstWrong.IsZero() {
				firstWrong = time.Now()
			} else if time.Since(firstWrong) > 10*time.Second {
				return 0, fmt.Errorf("answers but not with %q for 10 s: %v; log: %s", want, lastErr, p.logTail())
			}
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("not ready after %v (last: %v)", timeout, lastErr)
		}
		if time.Since(lastGuard) > 200*time.Millisecond {
			lastGuard = time.Now()
			if err := memGuard(p, memCap); err != nil {
				return 0, err
			}
		}
		time.Sleep(pause)
	}
}
