// Command islet-bench runs islet side by side with workerd, Deno and Node on this machine and
// prints one table: warm hello-world throughput and CPU per request, cold start, memory per idle
// worker, round-robin throughput across many workers, and start-up time with many workers.
// See bench/README.md for the method.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type bench struct {
	isletBin, workerdBin, denoBin, nodeBin string
	isletArgs                              []string
	isletUnavailable                       string

	duration     time.Duration
	coldN        int
	procN        int
	rssNs        []int
	rrNs         []int
	startupN     int
	startTimeout time.Duration
	coldTimeout  time.Duration
	memCap       int64
	canPin       bool

	out, work, logs string

	fleets     map[string]*fleetResult
	procStarts map[string]*procStartResult
	warms      map[string]*wrkResult
	rrs        map[string]map[int]*wrkResult
	tab        *table
}

func warnf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "islet-bench: "+format+"\n", args...)
}

func timeAfter(secs int) <-chan time.Time { return time.After(time.Duration(secs) * time.Second) }

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("bad count %q", f)
		}
		out = append(out, v)
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func main() {
	os.Exit(run())
}

func run() (code int) {
	b := &bench{
		fleets:     map[string]*fleetResult{},
		procStarts: map[string]*procStartResult{},
		warms:      map[string]*wrkResult{},
		rrs:        map[string]map[int]*wrkResult{},
	}
	fs := flag.NewFlagSet("islet-bench", flag.ExitOnError)
	only := fs.String("only", "warm,cold,rss,rr,startup", "measurements to run (comma-separated): warm,cold,rss,rr,startup")
	platforms := fs.String("platforms", "islet,workerd,deno,node", "platforms to run (comma-separated)")
	quick := fs.Bool("quick", false, "smoke run: N=50 workers, 3s wrk runs (explicit flags still win)")
	fs.DurationVar(&b.duration, "duration", 10*time.Second, "wrk duration per throughput run")
	fs.IntVar(&b.coldN, "cold-n", 1000, "distinct workers for the cold-start run (islet, workerd)")
	fs.IntVar(&b.procN, "proc-n", 20, "process starts timed for single-tenant peers (deno, node)")
	rssN := fs.String("rss-n", "1000,10000", "worker counts for RSS per idle worker")
	rrN := fs.String("rr-n", "1,100,1000", "worker counts for round-robin throughput")
	fs.IntVar(&b.startupN, "startup-n", 1000, "workers configured for the start-up time run")
	fs.DurationVar(&b.startTimeout, "start-timeout", 180*time.Second, "bound on a server's start-up (spawn → first response)")
	fs.DurationVar(&b.coldTimeout, "cold-timeout", 300*time.Second, "bound on requesting every worker of one fleet once")
	memCapGiB := fs.Float64("mem-cap-gib", 0, "kill a server whose RSS exceeds this (0: 75% of MemTotal, at most 90% of MemAvailable)")
	fs.StringVar(&b.isletBin, "islet", "bin/islet", "islet binary")
	isletArgs := fs.String("islet-args", "", "extra flags appended to `islet serve` (space-separated)")
	fs.StringVar(&b.isletUnavailable, "islet-unavailable", "", "report islet as n/a with this reason (run.sh sets it when the build fails)")
	fs.StringVar(&b.workerdBin, "workerd", "bench/peers/node_modules/@cloudflare/workerd-linux-64/bin/workerd", "workerd binary")
	fs.StringVar(&b.denoBin, "deno", "bench/peers/node_modules/@deno/linux-x64-glibc/deno", "deno binary")
	fs.StringVar(&b.nodeBin, "node", "node", "node binary")
	fs.StringVar(&b.out, "out", "bench/out", "output directory (results.json, results.md, logs/)")
	keep := fs.Bool("keep", false, "keep the generated worker files (under <out>/work)")
	_ = fs.Parse(os.Args[1:])

	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *quick {
		if !set["duration"] {
			b.duration = 3 * time.Second
		}
		for name, p := range map[string]*int{"cold-n": &b.coldN, "startup-n": &b.startupN} {
			if !set[name] {
				*p = 50
			}
		}
		if !set["rss-n"] {
			*rssN = "50"
		}
		if !set["rr-n"] {
			*rrN = "1,50"
		}
		if !set["proc-n"] {
			b.procN = 10
		}
		if !set["start-timeout"] {
			b.startTimeout = 30 * time.Second
		}
		if !set["cold-timeout"] {
			b.coldTimeout = 60 * time.Second
		}
	}
	var err error
	if b.rssNs, err = parseInts(*rssN); err != nil {
		warnf("-rss-n: %v", err)
		return 2
	}
	if b.rrNs, err = parseInts(*rrN); err != nil {
		warnf("-rr-n: %v", err)
		return 2
	}
	if b.coldN < 2 || b.startupN < 1 || b.procN < 1 {
		warnf("-cold-n must be ≥ 2, -startup-n and -proc-n ≥ 1")
		return 2
	}
	b.isletArgs = strings.Fields(*isletArgs)
	b.memCap = int64(*memCapGiB * (1 << 30))
	if b.memCap <= 0 {
		b.memCap = memTotal() * 3 / 4
		if avail := memAvailable(); avail > 0 && avail*9/10 < b.memCap {
			b.memCap = avail * 9 / 10
		}
	}
	b.canPin = runtime.NumCPU() >= 2
	if !b.canPin {
		warnf("fewer than 2 CPUs: servers and wrk are not pinned")
	}
	// Run (and print) in the canonical order whatever the order of -only.
	want := map[string]bool{}
	for _, m := range splitList(*only) {
		want[m] = true
	}
	var measurements []string
	for _, m := range []string{"warm", "cold", "rss", "rr", "startup"} {
		if want[m] {
			measurements = append(measurements, m)
			delete(want, m)
		}
	}
	for m := range want {
		warnf("unknown measurement %q (want warm,cold,rss,rr,startup)", m)
		return 2
	}

	// Every process we start dies with us: on return, on panic, and on SIGINT/SIGTERM/SIGHUP.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sigs
		warnf("%v: stopping every process started", s)
		cancel()
		shutdown()
		os.Exit(130)
	}()
	defer func() {
		shutdown()
		if r := recover(); r != nil {
			panic(r)
		}
	}()

	if err := os.MkdirAll(b.out, 0o755); err != nil {
		warnf("%v", err)
		return 1
	}
	b.logs = filepath.Join(b.out, "logs")
	_ = os.RemoveAll(b.logs)
	_ = os.MkdirAll(b.logs, 0o755)
	b.work = filepath.Join(b.out, "work")
	_ = os.RemoveAll(b.work)
	if err := os.MkdirAll(b.work, 0o755); err != nil {
		warnf("%v", err)
		return 1
	}
	if !*keep {
		defer os.RemoveAll(b.work)
	}
	if abs, err := filepath.Abs(b.work); err == nil {
		b.work = abs
	}
	if abs, err := filepath.Abs(b.logs); err == nil {
		b.logs = abs
	}
	_ = os.WriteFile(filepath.Join(b.work, "deno-server.js"), []byte(denoServerJS), 0o644)
	_ = os.WriteFile(filepath.Join(b.work, "node-server.cjs"), []byte(nodeServerJS), 0o644)

	pls := b.detectPlatforms(splitList(*platforms))
	b.tab = newTable(pls)
	for _, pl := range pls {
		if pl.na != "" {
			warnf("%s: n/a (%s)", pl.name, pl.na)
		} else {
			warnf("%s: %s (%s)", pl.name, pl.bin, pl.version)
		}
	}
	start := time.Now()
	for _, m := range measurements {
		if ctx.Err() != nil {
			break
		}
		b.measure(ctx, m, pls)
	}
	text := b.tab.render(b)
	fmt.Print(text)
	if err := os.WriteFile(filepath.Join(b.out, "results.md"), []byte(text), 0o644); err != nil {
		warnf("%v", err)
	}
	if err := b.writeJSON(filepath.Join(b.out, "results.json"), pls, measurements, time.Since(start)); err != nil {
		warnf("results.json: %v", err)
		return 1
	}
	warnf("done in %v; raw results in %s, server logs in %s", time.Since(start).Round(time.Second), filepath.Join(b.out, "results.json"), b.logs)
	return 0
}

func memAvailable() int64 {
	v, _ := meminfoField("MemAvailable:")
	return v
}
