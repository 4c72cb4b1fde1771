package supervisor

import (
	"context"
	"io"
	"net/http"
	"os"
	"time"
)

// A ready runtime process is asked over its socket every heartbeatEvery whether it answers;
// after heartbeatMisses asks in a row that get no HTTP answer within heartbeatTimeout, it is
// killed, which fails only its in-flight requests, and its slot starts a new one. A process
// whose JavaScript is busy still answers: the ask is served by its Go HTTP server, never by
// an isolate. One that is stopped (SIGSTOP), deadlocked or swapping to death does not.
var (
	heartbeatEvery   = time.Second
	heartbeatTimeout = time.Second
	heartbeatMisses  = 3
)

// heartbeatHost is a Host no worker is served at: the process's gateway answers 404 itself.
const heartbeatHost = "islet-heartbeat.invalid"

// heartbeat watches proc until exited is closed.
func (c *child) heartbeat(proc *os.Process, exited <-chan struct{}) {
	client := &http.Client{Transport: c.transport, Timeout: heartbeatTimeout}
	tick := time.NewTicker(heartbeatEvery)
	defer tick.Stop()
	misses := 0
	var firstMiss time.Time // when the first ask of this run of misses was sent
	for {
		select {
		case <-exited:
			return
		case <-tick.C:
		}
		sent := time.Now()
		if c.ask(client) {
			misses = 0
			continue
		}
		if misses++; misses == 1 {
			firstMiss = sent
		}
		if misses < heartbeatMisses {
			continue
		}
		c.mu.Lock()
		c.unansweredAt = firstMiss
		c.mu.Unlock()
		c.log.Error("runtime process stopped answering; killing it", "process", c.index, "pid", proc.Pid,
			"unanswered", misses, "each_within", heartbeatTimeout)
		proc.Kill()
		return
	}
}

// ask sends one heartbeat and reports whether any HTTP answer came back in time.
func (c *child) ask(client *http.Client) bool {
	ctx, cancel := context.WithTimeout(context.Background(), heartbeatTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+heartbeatHost+"/", nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	return true
}
