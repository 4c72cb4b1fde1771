package main

import (
	"context"
	"fmt"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// wrkResult is what one wrk run reports, plus the server CPU consumed during it.
type wrkResult struct {
	Requests    int64   `json:"requests"`
	Seconds     float64 `json:"seconds"`
	RPS         float64 `json:"rps"`
	LatP50ms    float64 `json:"latency_p50_ms"`
	LatP99ms    float64 `json:"latency_p99_ms"`
	Non2xx      int64   `json:"non_2xx"`
	SocketErrs  string  `json:"socket_errors,omitempty"`
	CPUus       float64 `json:"server_cpu_us"`
	CPUusPerReq float64 `json:"server_cpu_us_per_req"`
	Target      string  `json:"target"`
}

var (
	reReqs   = regexp.MustCompile(`(\d+) requests in ([\d.]+)(us|ms|s|m)`)
	reRPS    = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	reNon2xx = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	reSock   = regexp.MustCompile(`Socket errors:\s*(.*)`)
	reLat    = regexp.MustCompile(`(?m)^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)`)
)

func toMs(v float64, unit string) float64 {
	switch unit {
	case "us":
		return v / 1000
	case "s":
		return v * 1000
	case "m":
		return v * 60000
	}
	return v
}

// runWrk runs wrk pinned to core 1 against url with an optional Host header or Lua script, and
// measures the server's CPU time (utime+stime from /proc/<pid>/stat) across the run.
func (b *bench) runWrk(ctx context.Context, srv *server, url, host, script string, d time.Duration) (*wrkResult, error) {
	secs := int(d.Round(time.Second).Seconds())
	if secs < 1 {
		secs = 1
	}
	args := []string{"wrk", "-t2", "-c64", fmt.Sprintf("-d%ds", secs), "--latency", "--timeout", "5s"}
	if host != "" {
		args = append(args, "-H", "Host: "+host)
	}
	if script != "" {
		args = append(args, "-s", script)
	}
	args = append(args, url)
	if b.canPin {
		args = append([]string{"taskset", "-c", "1"}, args...)
	}
	cpu0, err := cpuTicks(srv.p.pid)
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(b.logs, fmt.Sprintf("wrk-%d.log", time.Now().UnixNano()))
	wp, err := spawn("wrk", args, b.work, os.Environ(), logPath)
	if err != nil {
		return nil, err
	}
	defer wp.kill()
	select {
	case <-wp.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(d + 30*time.Second):
		return nil, fmt.Errorf("wrk did not finish within %v", d+30*time.Second)
	}
	cpu1, err := cpuTicks(srv.p.pid)
	if err != nil {
		return nil, fmt.Errorf("server died during wrk: %w", srv.p.deadErr())
	}
	outB, _ := os.ReadFile(logPath)
	out := string(outB)
	if wp.waitErr != nil {
		return nil, fmt.Errorf("wrk: %v: %s", wp.waitErr, strings.TrimSpace(out))
	}
	r := &wrkResult{Target: url}
	if m := reReqs.FindStringSubmatch(out); m != nil {
		r.Requests, _ = strconv.ParseInt(m[1], 10, 64)
		v, _ := strconv.ParseFloat(m[2], 64)
		r.Seconds = toMs(v, m[3]) / 1000
	} else {
		return nil, fmt.Errorf("cannot parse wrk output: %q", out)
	}
	if m := reRPS.FindStringSubmatch(out); m != nil {
		r.RPS, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := reNon2xx.FindStringSubmatch(out); m != nil {
		r.Non2xx, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := reSock.FindStringSubmatch(out); m != nil {
		r.SocketErrs = strings.TrimSpace(m[1])
	}
	for _, m := range reLat.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		if m[1] == "50" {
			r.LatP50ms = toMs(v, m[3])
		} else {
			r.LatP99ms = toMs(v, m[3])
		}
	}
	r.CPUus = float64(cpu1-cpu0) * 1e6 / float64(clkTck)
	if r.Requests > 0 {
		r.CPUusPerReq = r.CPUus / float64(r.Requests)
	}
	if r.Requests == 0 || r.Non2xx > r.Requests/100 {
		return r, fmt.Errorf("%d requests, %d non-2xx", r.Requests, r.Non2xx)
	}
	return r, nil
}

// startFailed records that a one-worker server of pl never answered, so later measurements
// skip pl instead of waiting out the start-up timeout again.
func (b *bench) startFailed(pl *platform, n int, err error) error {
	if n <= 1 && pl.broken == "" {
		pl.broken = "a 1-worker server did not answer: " + err.Error()
	}
	return err
}

// warm: one hello worker, server on core 0, wrk on core 1.
func (b *bench) warm(ctx context.Context, pl *platform) (*wrkResult, error) {
	srv, err := b.launch(pl, 1, true, "warm")
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	c := newClient()
	defer c.CloseIdleConnections()
	url := srv.directURL() // workerd: a socket bound straight to w0, no router hop
	if _, err := waitReady(ctx, srv.p, c, url, hostOf(0), helloOf(0), b.startTimeout, b.memCap); err != nil {
		return nil, b.startFailed(pl, 1, err)
	}
	return b.runWrk(ctx, srv, url, hostOf(0), "", b.duration)
}

// rrScript writes a wrk Lua script that rotates Host over w0..w(n-1). Requests are formatted
// once in init(), so the per-request Lua cost is an index and a return.
func (b *bench) rrScript(n int) (string, error) {
	path := filepath.Join(b.work, fmt.Sprintf("rr-%d.lua", n))
	script := fmt.Sprintf(`local n = %d
local reqs = {}
local i = 0
function init(args)
  for k = 0, n - 1 do
    wrk.headers["Host"] = "w" .. k .. ".localhost"
    reqs[k] = wrk.format("GET", "/")
  end
  i = math.random(0, n - 1)
end
function request()
  local r = reqs[i]
  i = i + 1
  if i >= n then i = 0 end
  return r
end
`, n)
	return path, os.WriteFile(path, []byte(script), 0o644)
}

// roundRobin: n workers in one server (core 0), every one requested once first, then wrk
// (core 1) rotating the Host header across them.
func (b *bench) roundRobin(ctx context.Context, pl *platform, n int) (*wrkResult, error) {
	srv, err := b.launch(pl, n, true, "rr")
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	c := newClient()
	defer c.CloseIdleConnections()
	if _, err := waitReady(ctx, srv.p, c, srv.url(), hostOf(0), helloOf(0), b.startTimeout, b.memCap); err != nil {
		return nil, b.startFailed(pl, n, err)
	}
	for i := 1; i < n; i++ {
		if err := checkHello(c, srv, i); err != nil {
			return nil, err
		}
	}
	script, err := b.rrScript(n)
	if err != nil {
		return nil, err
	}
	return b.runWrk(ctx, srv, srv.url(), "", script, b.duration)
}

func checkHello(c *http.Client, srv *server, i int) error {
	code, body, err := get(c, srv.url(), hostOf(i))
	if err != nil {
		return fmt.Errorf("w%d: %w", i, err)
	}
	if code != 200 || !strings.Contains(body, helloOf(i)) {
		return fmt.Errorf("w%d: status %d body %.80q", i, code, body)
	}
	return nil
}

// fleetResult is one process with n workers: start-up, then each worker requested once.
// maxLiveRE finds the cap on live isolates islet logs when it has one below 10,000.
var maxLiveRE = regexp.MustCompile(`max_live=(\d+)`)

type fleetResult struct {
	N         int       `json:"n"`
	StartupMs float64   `json:"startup_ms"`
	ColdMs    []float64 `json:"cold_ms,omitempty"`
	ColdP50ms float64   `json:"cold_p50_ms"`
	ColdP99ms float64   `json:"cold_p99_ms"`
	ColdMaxMs float64   `json:"cold_max_ms"`
	RSSBytes  int64     `json:"rss_bytes"`
	HWMBytes  int64     `json:"hwm_bytes"`
	// MaxLive is the cap on live isolates the server logged (islet: max_live=N), 0 if none.
	MaxLive   int     `json:"max_live,omitempty"`
	TotalSecs float64 `json:"total_seconds"`
	Err       string  `json:"error,omitempty"`
}

// fleet starts pl (unpinned) with n workers, times spawn → first 200 from w0 (start-up), then
// requests w1..w(n-1) once each in random order over one keep-alive connection, timing each
// (cold start), and finally reads VmRSS (all n workers loaded).
func (b *bench) fleet(ctx context.Context, pl *platform, n int) (*fleetResult, error) {
	key := fmt.Sprintf("%s/%d", pl.name, n)
	if r, ok := b.fleets[key]; ok {
		if r.Err != "" {
			return nil, fmt.Errorf("%s", r.Err)
		}
		return r, nil
	}
	r, err := b.fleetRun(ctx, pl, n)
	if err != nil {
		r = &fleetResult{N: n, Err: err.Error()}
	}
	b.fleets[key] = r
	return r, err
}

func (b *bench) fleetRun(ctx context.Context, pl *platform, n int) (*fleetResult, error) {
	t0 := time.Now()
	if _, err := b.fleetDir(pl, n); err != nil { // generate before the clock starts
		return nil, err
	}
	srv, err := b.launch(pl, n, false, "fleet")
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	c := newClient()
	defer c.CloseIdleConnections()
	up, err := waitReady(ctx, srv.p, c, srv.url(), hostOf(0), helloOf(0), b.startTimeout, b.memCap)
	if err != nil {
		return nil, b.startFailed(pl, n, err)
	}
	r := &fleetResult{N: n, StartupMs: ms(up)}
	order := rand.New(rand.NewSource(int64(n))).Perm(n)
	deadline := time.Now().Add(b.coldTimeout)
	samples := make([]float64, 0, n)
	lastGuard := time.Now()
	for k, i := range order {
		if i == 0 {
			continue
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if time.Since(lastGuard) > 500*time.Millisecond {
			lastGuard = time.Now()
			if err := memGuard(srv.p, b.memCap); err != nil {
				return nil, fmt.Errorf("after %d workers: %w", k, err)
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("requesting %d workers took longer than %v", n, b.coldTimeout)
			}
		}
		s := time.Now()
		code, body, err := get(c, srv.url(), hostOf(i))
		d := time.Since(s)
		if err != nil {
			if srv.p.exited() {
				return nil, srv.p.deadErr()
			}
			return nil, fmt.Errorf("w%d: %w", i, err)
		}
		if code != 200 || !strings.Contains(body, helloOf(i)) {
			return nil, fmt.Errorf("w%d: status %d body %.80q", i, code, body)
		}
		samples = append(samples, ms(d))
	}
	time.Sleep(time.Second) // let allocators settle before reading RSS
	if r.RSSBytes, err = rssBytes(srv.p.pid); err != nil {
		return nil, err
	}
	r.HWMBytes, _ = hwmBytes(srv.p.pid)
	if log, err := os.ReadFile(srv.p.logPath); err == nil {
		if m := maxLiveRE.FindSubmatch(log); m != nil {
			r.MaxLive, _ = strconv.Atoi(string(m[1]))
		}
	}
	if len(samples) <= 2000 {
		r.ColdMs = samples
	}
	r.ColdP50ms, r.ColdP99ms, r.ColdMaxMs = pct(samples, 50), pct(samples, 99), pct(samples, 100)
	r.TotalSecs = time.Since(t0).Seconds()
	return r, nil
}

// procStart is the single-tenant cold start: spawn a hello server, time until its first 200.
// One untimed warm-up spawn fills the page cache. It also returns the RSS of the last one
// after 100 warm requests (the per-worker cost of process-per-worker).
type procStartResult struct {
	Samples  []float64 `json:"start_ms"`
	P50ms    float64   `json:"p50_ms"`
	P99ms    float64   `json:"p99_ms"`
	RSSBytes int64     `json:"rss_bytes"`
}

func (b *bench) procStart(ctx context.Context, pl *platform, count int) (*procStartResult, error) {
	if r, ok := b.procStarts[pl.name]; ok {
		return r, nil
	}
	r := &procStartResult{}
	for k := -1; k < count; k++ {
		srv, err := b.launch(pl, 1, false, "start")
		if err != nil {
			return nil, err
		}
		c := newClient()
		up, err := waitReady(ctx, srv.p, c, srv.url(), "", helloOf(0), b.startTimeout, b.memCap)
		if err != nil {
			srv.stop()
			return nil, b.startFailed(pl, 1, err)
		}
		if k >= 0 {
			r.Samples = append(r.Samples, ms(up))
		}
		if k == count-1 {
			for j := 0; j < 100; j++ {
				if _, _, err := get(c, srv.url(), ""); err != nil {
					srv.stop()
					return nil, err
				}
			}
			time.Sleep(500 * time.Millisecond)
			r.RSSBytes, err = rssBytes(srv.p.pid)
			if err != nil {
				srv.stop()
				return nil, err
			}
		}
		c.CloseIdleConnections()
		srv.stop()
	}
	r.P50ms, r.P99ms = pct(r.Samples, 50), pct(r.Samples, 99)
	b.procStarts[pl.name] = r
	return r, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// pct is the nearest-rank percentile.
func pct(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	rank := int(p/100*float64(len(s))+0.999999) - 1
	if rank < 0 {
		rank = 0
	}
	if rank >= len(s) {
		rank = len(s) - 1
	}
	return s[rank]
}
