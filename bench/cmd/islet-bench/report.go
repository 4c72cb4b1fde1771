package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"time"
)

// cell is one platform's value for one row: a number, or n/a with a reason.
type cell struct {
	Value  float64 `json:"value"`
	OK     bool    `json:"ok"`
	Note   string  `json:"note,omitempty"`   // n/a reason
	Suffix string  `json:"suffix,omitempty"` // e.g. "process start"
}

type row struct {
	Key          string           `json:"key"`
	Label        string           `json:"label"`
	Unit         string           `json:"unit"`
	HigherBetter bool             `json:"higher_better"`
	Cells        map[string]*cell `json:"cells"`
	decimals     int
}

type table struct {
	platforms []*platform
	rows      []*row
	byKey     map[string]*row
}

func newTable(pls []*platform) *table { return &table{platforms: pls, byKey: map[string]*row{}} }

func (t *table) row(key, label, unit string, higher bool, decimals int) *row {
	if r, ok := t.byKey[key]; ok {
		return r
	}
	r := &row{Key: key, Label: label, Unit: unit, HigherBetter: higher, Cells: map[string]*cell{}, decimals: decimals}
	t.rows = append(t.rows, r)
	t.byKey[key] = r
	return r
}

func (r *row) set(pl string, v float64, suffix string) {
	r.Cells[pl] = &cell{Value: v, OK: true, Suffix: suffix}
}

func (r *row) na(pl, why string) { r.Cells[pl] = &cell{Note: why} }

func (r *row) setErr(pl string, err error) {
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	r.na(pl, msg)
}

func (r *row) done(pl string) string {
	c := r.Cells[pl]
	if c == nil {
		return "?"
	}
	if !c.OK {
		return "n/a (" + c.Note + ")"
	}
	return r.fmt(c.Value) + " " + r.Unit
}

// measure runs one measurement for every platform and fills its rows.
func (b *bench) measure(ctx context.Context, m string, pls []*platform) {
	t := b.tab
	for _, pl := range pls {
		if ctx.Err() != nil {
			return
		}
		if pl.broken != "" && pl.na == "" {
			pl.na = pl.broken
			warnf("[%s] %s skipped: %s", m, pl.name, pl.broken)
		}
		switch m {
		case "warm":
			rps := t.row("warm.rps", "warm hello-world", "req/s", true, 0)
			cpu := t.row("warm.cpu", "warm hello-world: server CPU per request", "µs/req", false, 1)
			if pl.na != "" {
				rps.na(pl.name, pl.na)
				cpu.na(pl.name, pl.na)
				continue
			}
			warnf("[warm] %s: %v of wrk …", pl.name, b.duration)
			r, err := b.warm(ctx, pl)
			if r != nil {
				b.warms[pl.name] = r
			}
			if err != nil {
				rps.setErr(pl.name, err)
				cpu.setErr(pl.name, err)
			} else {
				rps.set(pl.name, r.RPS, "")
				cpu.set(pl.name, r.CPUusPerReq, "")
			}
			warnf("[warm] %s: %s, %s", pl.name, rps.done(pl.name), cpu.done(pl.name))
		case "cold":
			p50 := t.row("cold.p50", fmt.Sprintf("cold start p50 (%d workers)", b.coldN), "ms", false, 2)
			p99 := t.row("cold.p99", fmt.Sprintf("cold start p99 (%d workers)", b.coldN), "ms", false, 2)
			if pl.na != "" {
				p50.na(pl.name, pl.na)
				p99.na(pl.name, pl.na)
				continue
			}
			if pl.multi {
				warnf("[cold] %s: %d workers, each requested once …", pl.name, b.coldN)
				r, err := b.fleet(ctx, pl, b.coldN)
				if err != nil {
					p50.setErr(pl.name, err)
					p99.setErr(pl.name, err)
				} else {
					p50.set(pl.name, r.ColdP50ms, "")
					p99.set(pl.name, r.ColdP99ms, "")
				}
			} else {
				warnf("[cold] %s: %d process starts …", pl.name, b.procN)
				r, err := b.procStart(ctx, pl, b.procN)
				if err != nil {
					p50.setErr(pl.name, err)
					p99.setErr(pl.name, err)
				} else {
					p50.set(pl.name, r.P50ms, "process start")
					p99.set(pl.name, r.P99ms, "process start")
				}
			}
			warnf("[cold] %s: p50 %s, p99 %s", pl.name, p50.done(pl.name), p99.done(pl.name))
		case "rss":
			for _, n := range b.rssNs {
				r := t.row(fmt.Sprintf("rss.%d", n), fmt.Sprintf("RSS per idle worker (%d workers)", n), "MiB", false, 2)
				if pl.na != "" {
					r.na(pl.name, pl.na)
					continue
				}
				if !pl.multi {
					_, cached := b.procStarts[pl.name]
					ps, err := b.procStart(ctx, pl, b.procN)
					if err != nil {
						r.setErr(pl.name, err)
					} else {
						r.set(pl.name, float64(ps.RSSBytes)/(1<<20), "process")
					}
					if !cached {
						warnf("[rss] %s: one hello process: %s", pl.name, r.done(pl.name))
					}
					continue
				}
				warnf("[rss] %s: baseline (1 worker) and %d workers …", pl.name, n)
				base, err := b.fleet(ctx, pl, 1)
				if err != nil {
					r.setErr(pl.name, fmt.Errorf("baseline: %w", err))
					continue
				}
				full, err := b.fleet(ctx, pl, n)
				if err != nil {
					r.setErr(pl.name, err)
				} else if n == 1 {
					r.set(pl.name, float64(full.RSSBytes)/(1<<20), "whole process")
				} else if full.MaxLive > 0 && n > full.MaxLive {
					r.na(pl.name, fmt.Sprintf("keeps at most %d isolates live (%s's log: max_live); the rest were evicted, so RSS ÷ %d would understate a worker", full.MaxLive, pl.name, n))
				} else {
					r.set(pl.name, float64(full.RSSBytes-base.RSSBytes)/float64(n-1)/(1<<20), "")
				}
				warnf("[rss] %s: %s", pl.name, r.done(pl.name))
			}
		case "rr":
			for _, n := range b.rrNs {
				r := t.row(fmt.Sprintf("rr.%d", n), fmt.Sprintf("round-robin over %d worker%s", n, plural(n)), "req/s", true, 0)
				if pl.na != "" {
					r.na(pl.name, pl.na)
					continue
				}
				if !pl.multi {
					r.na(pl.name, "one worker per process")
					continue
				}
				warnf("[rr] %s: %d worker%s, %v of wrk …", pl.name, n, plural(n), b.duration)
				res, err := b.roundRobin(ctx, pl, n)
				if res != nil {
					if b.rrs[pl.name] == nil {
						b.rrs[pl.name] = map[int]*wrkResult{}
					}
					b.rrs[pl.name][n] = res
				}
				if err != nil {
					r.setErr(pl.name, err)
				} else {
					r.set(pl.name, res.RPS, "")
				}
				warnf("[rr] %s: %s", pl.name, r.done(pl.name))
			}
		case "startup":
			r := t.row(fmt.Sprintf("startup.%d", b.startupN), fmt.Sprintf("start-up with %d workers", b.startupN), "ms", false, 0)
			if pl.na != "" {
				r.na(pl.name, pl.na)
				continue
			}
			if !pl.multi {
				r.na(pl.name, "one worker per process; see process start")
				continue
			}
			warnf("[startup] %s: %d workers …", pl.name, b.startupN)
			f, err := b.fleet(ctx, pl, b.startupN)
			if err != nil {
				r.setErr(pl.name, err)
			} else {
				r.set(pl.name, f.StartupMs, "")
			}
			warnf("[startup] %s: %s", pl.name, r.done(pl.name))
		}
	}
}

func (r *row) fmt(v float64) string {
	if r.decimals == 0 {
		return groupThousands(int64(math.Round(v)))
	}
	return fmt.Sprintf("%.*f", r.decimals, v)
}

func groupThousands(v int64) string {
	s := fmt.Sprint(v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func fmtBytes(n int64) string {
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}

// ratio is islet ÷ the best peer (max for higher-is-better rows, min otherwise).
func (r *row) ratio() string {
	is := r.Cells["islet"]
	if is == nil || !is.OK {
		return "n/a"
	}
	best, bestName := 0.0, ""
	for name, c := range r.Cells {
		if name == "islet" || !c.OK {
			continue
		}
		if bestName == "" || (r.HigherBetter && c.Value > best) || (!r.HigherBetter && c.Value < best) {
			best, bestName = c.Value, name
		}
	}
	if bestName == "" || best == 0 {
		return "n/a (no peer)"
	}
	q := is.Value / best
	if q < 0.1 {
		return fmt.Sprintf("%.2g× (%s)", q, bestName) // two significant digits, e.g. 0.0023×
	}
	return fmt.Sprintf("%.2f× (%s)", q, bestName)
}

// render prints the table in markdown style; long n/a reasons become numbered notes below it.
func (t *table) render(b *bench) string {
	var notes []string
	noteIdx := map[string]int{}
	ref := func(why string) string {
		if len(why) <= 30 {
			return "n/a (" + why + ")"
		}
		i, ok := noteIdx[why]
		if !ok {
			notes = append(notes, why)
			i = len(notes)
			noteIdx[why] = i
		}
		return fmt.Sprintf("n/a [%d]", i)
	}
	header := []string{"measurement"}
	for _, pl := range t.platforms {
		header = append(header, pl.name)
	}
	header = append(header, "islet ÷ best peer")
	lines := [][]string{header}
	for _, r := range t.rows {
		dir := "lower is better"
		if r.HigherBetter {
			dir = "higher is better"
		}
		line := []string{fmt.Sprintf("%s, %s (%s)", r.Label, r.Unit, dir)}
		for _, pl := range t.platforms {
			c := r.Cells[pl.name]
			switch {
			case c == nil:
				line = append(line, "–")
			case !c.OK:
				line = append(line, ref(c.Note))
			case c.Suffix != "":
				line = append(line, r.fmt(c.Value)+" ("+c.Suffix+")")
			default:
				line = append(line, r.fmt(c.Value))
			}
		}
		line = append(line, r.ratio())
		lines = append(lines, line)
	}
	widths := make([]int, len(header))
	for _, l := range lines {
		for i, c := range l {
			if w := len([]rune(c)); w > widths[i] {
				widths[i] = w
			}
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nislet vs peers — %s\n", time.Now().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&sb, "machine: %s\n", machineInfo())
	var vs []string
	for _, pl := range t.platforms {
		v := pl.version
		if v == "" && pl.na != "" {
			v = "n/a"
		} else if v == "" {
			v = "?"
		}
		vs = append(vs, pl.name+" "+v)
	}
	fmt.Fprintf(&sb, "versions: %s\n", strings.Join(vs, "; "))
	pin := "server pinned to core 0, wrk (-t2 -c64) pinned to core 1"
	if !b.canPin {
		pin = "no pinning (fewer than 2 CPUs)"
	}
	fmt.Fprintf(&sb, "throughput: %v per wrk run, %s\n\n", b.duration, pin)
	for li, l := range lines {
		sb.WriteString("|")
		for i, c := range l {
			pad := widths[i] - len([]rune(c))
			if i == 0 {
				sb.WriteString(" " + c + strings.Repeat(" ", pad) + " |")
			} else {
				sb.WriteString(" " + strings.Repeat(" ", pad) + c + " |")
			}
		}
		sb.WriteString("\n")
		if li == 0 {
			sb.WriteString("|")
			for i, w := range widths {
				if i == 0 {
					sb.WriteString(" " + strings.Repeat("-", w) + " |")
				} else {
					sb.WriteString(" " + strings.Repeat("-", w-1) + ": |")
				}
			}
			sb.WriteString("\n")
		}
	}
	if len(notes) > 0 {
		sb.WriteString("\n")
		for i, n := range notes {
			fmt.Fprintf(&sb, "[%d] %s\n", i+1, n)
		}
	}
	sb.WriteString("\nworkerd routes by Host through a router worker + service bindings (one extra in-process hop),\n" +
		"except warm hello-world, which hits a socket bound to the worker directly. deno/node run one\n" +
		"program per process: cold start = process spawn → first response, RSS per worker = one process.\n")
	return sb.String()
}

// startLoad is the 1-minute load average when the harness started: other work on the machine
// (and on core 0 in particular) shows up as noise in the throughput rows.
var startLoad = func() string {
	b, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}()

func machineInfo() string {
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	cpu := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				if i := strings.Index(l, ":"); i >= 0 {
					cpu = strings.TrimSpace(l[i+1:])
				}
				break
			}
		}
	}
	return fmt.Sprintf("nproc %d, kernel %s, %s, %.1f GiB RAM, loadavg at start %s", runtime.NumCPU(), strings.TrimSpace(string(kernel)), cpu, float64(memTotal())/(1<<30), startLoad)
}

func (b *bench) writeJSON(path string, pls []*platform, measurements []string, elapsed time.Duration) error {
	type plJSON struct {
		Name    string `json:"name"`
		Bin     string `json:"bin,omitempty"`
		Version string `json:"version,omitempty"`
		NA      string `json:"na,omitempty"`
	}
	var pj []plJSON
	for _, pl := range pls {
		pj = append(pj, plJSON{pl.name, pl.bin, pl.version, pl.na})
	}
	doc := map[string]any{
		"date":         time.Now().Format(time.RFC3339),
		"machine":      machineInfo(),
		"nproc":        runtime.NumCPU(),
		"platforms":    pj,
		"measurements": measurements,
		"config": map[string]any{
			"duration_s":     b.duration.Seconds(),
			"cold_n":         b.coldN,
			"proc_n":         b.procN,
			"rss_n":          b.rssNs,
			"rr_n":           b.rrNs,
			"startup_n":      b.startupN,
			"islet_args":     b.isletArgs,
			"pinned":         b.canPin,
			"mem_cap_bytes":  b.memCap,
			"elapsed_s":      elapsed.Seconds(),
			"wrk":            "wrk -t2 -c64 --latency --timeout 5s",
			"workerd_compat": workerdCompatDate,
		},
		"rows": b.tab.rows,
		"raw": map[string]any{
			"warm":        b.warms,
			"round_robin": b.rrs,
			"fleets":      b.fleets,
			"proc_start":  b.procStarts,
		},
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
