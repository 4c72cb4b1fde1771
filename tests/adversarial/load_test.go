package adversarial

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// loadClients is how many goroutines hammer the victim, each one request at a time.
const loadClients = 2

// load is the victim's steady traffic during one case.
type load struct {
	s    *suite
	done chan struct{}
	wg   sync.WaitGroup

	mu        sync.Mutex
	latencies []time.Duration
	failures  int
	first     string
}

type loadStats struct {
	requests, failures int
	firstFailure       string
	p50, p99, max      time.Duration
}

func startLoad(s *suite) *load {
	l := &load{s: s, done: make(chan struct{})}
	for i := 0; i < loadClients; i++ {
		l.wg.Add(1)
		go l.run(i)
	}
	return l
}

func (l *load) run(client int) {
	defer l.wg.Done()
	for i := 0; ; i++ {
		select {
		case <-l.done:
			return
		default:
		}
		path := fmt.Sprintf("/c%d/%d", client, i)
		req, _ := http.NewRequest("GET", "http://"+l.s.addr+path, nil)
		req.Host = "victim.localhost"
		start := time.Now()
		resp, err := l.s.client.Do(req)
		var fail string
		if err != nil {
			fail = err.Error()
		} else {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if want := "victim ok " + path; resp.StatusCode != 200 || string(b) != want {
				fail = fmt.Sprintf("%d %q", resp.StatusCode, b)
			}
		}
		d := time.Since(start)
		l.mu.Lock()
		l.latencies = append(l.latencies, d)
		if fail != "" {
			if l.failures == 0 {
				l.first = path + ": " + fail
			}
			l.failures++
		}
		l.mu.Unlock()
	}
}

func (l *load) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.latencies)
}

// waitFor waits (bounded) until the victim has answered n requests in this case.
func (l *load) waitFor(t *testing.T, n int) {
	t.Helper()
	poll(t, 20*time.Second, fmt.Sprintf("%d victim requests", n), func() bool { return l.count() >= n })
}

func (l *load) stop() loadStats {
	close(l.done)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	st := loadStats{requests: len(l.latencies), failures: l.failures, firstFailure: l.first}
	sorted := append([]time.Duration(nil), l.latencies...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	if n := len(sorted); n > 0 {
		st.p50 = sorted[(n-1)*50/100]
		st.p99 = sorted[(n-1)*99/100]
		st.max = sorted[n-1]
	}
	return st
}

type reportRow struct {
	name, category, outcome string
	stats                   loadStats
}

// writeReport writes the victim's latency under each attack as a markdown table.
func writeReport(path string, rows []reportRow) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Adversarial suite: the victim's latency under each attack\n\n")
	fmt.Fprintf(&b, "%d clients request the victim one request at a time while each hostile worker runs; 2 executors.\n\n", loadClients)
	b.WriteString("| case | category | hostile worker's outcome | victim requests | failed | p50 | p99 | max |\n")
	b.WriteString("|---|---|---|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %s | %s | %s |\n", r.name, r.category, strings.ReplaceAll(r.outcome, "|", "\\|"),
			r.stats.requests, r.stats.failures, ms(r.stats.p50), ms(r.stats.p99), ms(r.stats.max))
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
