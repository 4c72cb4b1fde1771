package fetch

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"
)

// MaxConnsPerRequest is how many outbound connections one request may have open at once, as
// in Workers. A further fetch waits until one of them closes.
const MaxConnsPerRequest = 6

// DeadlockGrace is how long a waiting fetch lets the open connections sit idle (their responses
// received, nobody reading them) before it cancels the least recently used one, as Workers
// does so that a worker awaiting more fetches than it may open at once does not hang.
var DeadlockGrace = time.Second

// ConnsHost is implemented by a fetch Host that limits the connections of the request on
// whose behalf the current turn runs; RequestConns returns nil when no request is current.
type ConnsHost interface {
	RequestConns() *Conns
}

func connsOf(h Host) *Conns {
	if c, ok := h.(ConnsHost); ok {
		return c.RequestConns()
	}
	return nil
}

// errConnsClosed is what a fetch waiting for a connection gets when its request is over.
var errConnsClosed = errors.New("the request that started this fetch is over")

// Conns counts the outbound connections of one request. A fetch holds one from the moment it
// is sent until its response body is closed or read to the end, or the fetch fails. The zero
// value is not usable; make one with NewConns. A nil *Conns limits nothing.
type Conns struct {
	max int

	mu      sync.Mutex
	held    map[*connSlot]struct{}
	changed chan struct{} // closed (and replaced) whenever a slot is freed
	closed  bool
}

// NewConns makes a limit of max open connections.
func NewConns(max int) *Conns {
	return &Conns{max: max, held: map[*connSlot]struct{}{}, changed: make(chan struct{})}
}

// connSlot is one held connection.
type connSlot struct {
	c        *Conns
	cancel   context.CancelFunc
	busy     int       // reads in flight, or 1 while the response head is awaited; guarded by c.mu
	lastUsed time.Time // guarded by c.mu
	released bool      // guarded by c.mu
}

// acquire waits for a free connection (ctx bounds the wait) and takes it; cancel stops the
// fetch that holds it, should the deadlock breaker or Close pick it.
func (c *Conns) acquire(ctx context.Context, cancel context.CancelFunc) (*connSlot, error) {
	if c == nil {
		return nil, nil
	}
	var idleSince time.Time
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, errConnsClosed
		}
		if len(c.held) < c.max {
			s := &connSlot{c: c, cancel: cancel, busy: 1, lastUsed: time.Now()}
			c.held[s] = struct{}{}
			c.mu.Unlock()
			return s, nil
		}
		// Every slot taken: if all of them sit idle for DeadlockGrace, free the stalest.
		var lru *connSlot
		for s := range c.held {
			if s.busy > 0 {
				lru = nil
				break
			}
			if lru == nil || s.lastUsed.Before(lru.lastUsed) {
				lru = s
			}
		}
		if lru == nil {
			idleSince = time.Time{}
		} else if idleSince.IsZero() {
			idleSince = time.Now()
		} else if time.Since(idleSince) >= DeadlockGrace {
			c.releaseLocked(lru)
			c.mu.Unlock()
			lru.cancel()
			idleSince = time.Time{}
			continue
		}
		changed := c.changed
		c.mu.Unlock()
		wait := time.NewTimer(DeadlockGrace / 4)
		select {
		case <-changed:
		case <-wait.C:
		case <-ctx.Done():
			wait.Stop()
			return nil, ctx.Err()
		}
		wait.Stop()
	}
}

func (c *Conns) releaseLocked(s *connSlot) {
	if s.released {
		return
	}
	s.released = true
	delete(c.held, s)
	close(c.changed)
	c.changed = make(chan struct{})
}

// release frees the slot (once; nil-safe).
func (s *connSlot) release() {
	if s == nil {
		return
	}
	s.c.mu.Lock()
	s.c.releaseLocked(s)
	s.c.mu.Unlock()
}

// idle marks the slot's response as received.
func (s *connSlot) idle() { s.use(-1) }

func (s *connSlot) use(delta int) {
	if s == nil {
		return
	}
	s.c.mu.Lock()
	s.busy += delta
	s.lastUsed = time.Now()
	s.c.mu.Unlock()
}

// body wraps a response body so that reading it marks the slot busy and closing it frees it.
func (s *connSlot) body(b io.ReadCloser) io.ReadCloser {
	if s == nil {
		return b
	}
	return &slotBody{ReadCloser: b, slot: s}
}

type slotBody struct {
	io.ReadCloser
	slot *connSlot
}

func (b *slotBody) Read(p []byte) (int, error) {
	b.slot.use(1)
	defer b.slot.use(-1)
	return b.ReadCloser.Read(p)
}

func (b *slotBody) Close() error {
	err := b.ReadCloser.Close()
	b.slot.release()
	return err
}

// Close ends the request's outbound I/O: every fetch holding a connection is cancelled and
// every fetch waiting for one fails. Later fetches fail at once.
func (c *Conns) Close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.closed = true
	var cancels []context.CancelFunc
	for s := range c.held {
		cancels = append(cancels, s.cancel)
		c.releaseLocked(s)
	}
	c.mu.Unlock()
	for _, cancel := range cancels {
		cancel()
	}
}

// Open is the number of connections held.
func (c *Conns) Open() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.held)
}
