package e2e

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// steadyLoad requests workers that answer "hello from <name>" at <name>.localhost without
// pause, one goroutine per worker, recording every request that fails.
type steadyLoad struct {
	stop     atomic.Bool
	requests atomic.Int64
	mu       sync.Mutex
	failures []string
	wg       sync.WaitGroup
}

// startSteadyLoad starts requesting names from addr until finish.
func startSteadyLoad(addr string, names []string) *steadyLoad {
	l := &steadyLoad{}
	for _, name := range names {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for !l.stop.Load() {
				req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
				req.Host = name + ".localhost"
				resp, err := client.Do(req)
				if err == nil {
					var body []byte
					body, err = io.ReadAll(io.LimitReader(resp.Body, 1<<10))
					resp.Body.Close()
					if err == nil && (resp.StatusCode != 200 || string(body) != "hello from "+name) {
						err = fmt.Errorf("%d %q", resp.StatusCode, body)
					}
				}
				if err != nil {
					l.mu.Lock()
					l.failures = append(l.failures, name+": "+err.Error())
					l.mu.Unlock()
				}
				l.requests.Add(1)
			}
		}()
	}
	return l
}

// finish keeps the load running for 100 more requests (or until deadline), stops it, and fails
// the test if any request failed or fewer than 100 were made; what names the workers in messages.
func (l *steadyLoad) finish(t *testing.T, deadline time.Time, what string) {
	t.Helper()
	after := l.requests.Load() + 100
	for l.requests.Load() < after && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	l.stop.Store(true)
	l.wg.Wait()
	if len(l.failures) > 0 {
		t.Fatalf("%d of %d requests to %s failed, e.g. %s", len(l.failures), l.requests.Load(), what, l.failures[0])
	}
	if l.requests.Load() < 100 {
		t.Fatalf("only %d requests to %s", l.requests.Load(), what)
	}
	t.Logf("%d requests to %s, none failed", l.requests.Load(), what)
}
