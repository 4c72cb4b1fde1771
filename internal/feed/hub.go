package feed

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Hub holds the newest State and sends each receiver attached to it (Serve) the part of every
// State that it serves. Its methods are safe for concurrent use.
type Hub struct {
	mu sync.Mutex
	st *State
	// changed is closed when st is replaced.
	changed chan struct{}
}

// NewHub makes a hub that holds no State yet.
func NewHub() *Hub { return &Hub{changed: make(chan struct{})} }

// Set makes st the newest State.
func (h *Hub) Set(st *State) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.st = st
	close(h.changed)
	h.changed = make(chan struct{})
}

// Current returns the newest State (nil before the first Set).
func (h *Hub) Current() *State {
	st, _ := h.current()
	return st
}

func (h *Hub) current() (*State, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.st, h.changed
}

// Serve writes to w, through a Sender, the part of the hub's States that keep accepts (by
// worker name): the newest one as soon as there is one, then every newer one whose part
// differs from the last one sent, until ctx ends (it returns nil) or a write fails. keep is
// asked again for each State.
func (h *Hub) Serve(ctx context.Context, w io.Writer, keep func(worker string) bool) error {
	s := NewSender(w)
	sent := "\x00none"
	for {
		st, changed := h.current()
		if st != nil {
			part := st.Only(keep)
			if sig := part.signature(); sig != sent {
				if err := s.Send(part); err != nil {
					return err
				}
				sent = sig
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
	}
}

// signature names what s runs: every worker, its routes, and its versions' Keys and shares;
// two States with the same signature serve alike.
func (s *State) signature() string {
	var b strings.Builder
	for _, name := range s.Names() {
		w := s.Workers[name]
		fmt.Fprintf(&b, "%q %q %s", name, w.Routes, w.Current.Key)
		if w.Rollout != nil {
			fmt.Fprintf(&b, " %s %d", w.Rollout.Version.Key, w.Rollout.Percent)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
