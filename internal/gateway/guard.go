package gateway

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Request bodies must keep arriving: a body that sends nothing for BodyIdleTimeout, or whose
// average rate after BodyGrace falls below BodyMinRate bytes a second, is cut off (its read
// fails, and the connection closes). Without this a client trickling one byte every few
// seconds holds a connection, a goroutine and a worker's request for as long as it likes.
const (
	BodyIdleTimeout = 10 * time.Second
	BodyGrace       = 10 * time.Second
	BodyMinRate     = 1024
	// MaxConnsPerClient caps the open connections from one client IP address; more are closed
	// as soon as they are accepted.
	MaxConnsPerClient = 512
)

// errBodyTooSlow is what a worker's body read fails with when the client is too slow.
var errBodyTooSlow = errors.New("the request body arrived too slowly")

// guardBodies wraps h so that every request body is read under the rate rules above.
func guardBodies(h http.Handler, idle, grace time.Duration, minRate int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			// A shallow copy: the server's own request keeps its body, which it inspects (and
			// may drain) after the handler when deciding whether the connection can be reused.
			paced := r.WithContext(r.Context())
			paced.Body = &pacedBody{rc: r.Body, ctl: http.NewResponseController(w), start: time.Now(),
				idle: idle, grace: grace, minRate: minRate}
			r = paced
		}
		h.ServeHTTP(w, r)
	})
}

// pacedBody sets the connection's read deadline before each read: the sooner of idle from now
// and the moment the average rate would fall below minRate.
type pacedBody struct {
	rc      io.ReadCloser
	ctl     *http.ResponseController
	start   time.Time
	idle    time.Duration
	grace   time.Duration
	minRate int
	got     int64
	done    bool
}

func (b *pacedBody) Read(p []byte) (int, error) {
	if b.done {
		return b.rc.Read(p)
	}
	now := time.Now()
	deadline := now.Add(b.idle)
	if b.minRate > 0 {
		owed := b.start.Add(b.grace + time.Duration(float64(b.got)/float64(b.minRate)*float64(time.Second)))
		if owed.Before(deadline) {
			deadline = owed
		}
	}
	if !deadline.After(now) {
		return 0, errBodyTooSlow
	}
	// Servers that cannot set deadlines (tests' recorders) just go unguarded.
	_ = b.ctl.SetReadDeadline(deadline)
	n, err := b.rc.Read(p)
	b.got += int64(n)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return n, errBodyTooSlow
	}
	if err != nil {
		b.done = true
		_ = b.ctl.SetReadDeadline(time.Time{}) // the body is over: keep-alive waits are IdleTimeout's
	}
	return n, err
}

func (b *pacedBody) Close() error { return b.rc.Close() }

// connCounter caps the connections per client IP (TCP peers only; a supervisor's Unix-socket
// hop is one trusted client).
type connCounter struct {
	max int
	mu  sync.Mutex
	n   map[string]int
	// counted remembers which connections were counted, so StateClosed undoes only those.
	counted map[net.Conn]string
}

func newConnCounter(max int) *connCounter {
	return &connCounter{max: max, n: map[string]int{}, counted: map[net.Conn]string{}}
}

// connState is http.Server.ConnState.
func (c *connCounter) connState(conn net.Conn, st http.ConnState) {
	switch st {
	case http.StateNew:
		addr, ok := conn.RemoteAddr().(*net.TCPAddr)
		if !ok {
			return
		}
		ip := addr.IP.String()
		c.mu.Lock()
		over := c.n[ip] >= c.max
		if !over {
			c.n[ip]++
			c.counted[conn] = ip
		}
		c.mu.Unlock()
		if over {
			conn.Close()
		}
	case http.StateClosed, http.StateHijacked:
		c.mu.Lock()
		if ip, ok := c.counted[conn]; ok {
			delete(c.counted, conn)
			if c.n[ip]--; c.n[ip] <= 0 {
				delete(c.n, ip)
			}
		}
		c.mu.Unlock()
	}
}
