package feed

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"islet/internal/control"
)

// The wire form of a feed is a stream of JSON messages: the bundles of the next State that the
// receiver does not hold yet, one message each, then the State's workers in one message. After
// each State both ends keep exactly the bundles that State names, so a bundle is sent once for
// as long as it stays in use.
type message struct {
	Bundle *wireBundle `json:"bundle,omitempty"`
	State  *wireState  `json:"state,omitempty"`
}

type wireBundle struct {
	Name    string            `json:"name"`
	Modules map[string][]byte `json:"modules"`
}

type wireState struct {
	Workers map[string]*Worker `json:"workers"`
}

// Sender writes States to one receiver. It is used by one goroutine at a time.
type Sender struct {
	enc *json.Encoder
	// held are the bundles the receiver holds.
	held map[string]bool
}

// NewSender makes a sender writing to w.
func NewSender(w io.Writer) *Sender {
	return &Sender{enc: json.NewEncoder(w), held: map[string]bool{}}
}

// Send writes st: the bundles the receiver does not hold, then the workers.
func (s *Sender) Send(st *State) error {
	for name, b := range st.Bundles {
		if s.held[name] {
			continue
		}
		if err := s.enc.Encode(message{Bundle: &wireBundle{Name: name, Modules: b.Modules}}); err != nil {
			return fmt.Errorf("feed: send bundle: %w", err)
		}
	}
	if err := s.enc.Encode(message{State: &wireState{Workers: st.Workers}}); err != nil {
		return fmt.Errorf("feed: send state: %w", err)
	}
	s.held = make(map[string]bool, len(st.Bundles))
	for name := range st.Bundles {
		s.held[name] = true
	}
	return nil
}

// Receiver reads the States a Sender writes. It is used by one goroutine at a time.
type Receiver struct {
	dec     *json.Decoder
	bundles map[string]*control.Bundle
}

// NewReceiver makes a receiver reading from r.
func NewReceiver(r io.Reader) *Receiver {
	return &Receiver{dec: json.NewDecoder(r), bundles: map[string]*control.Bundle{}}
}

// Next returns the next State. At the end of the stream it returns io.EOF; a stream that is
// not a feed, a bundle whose content does not match its address, or a State that names a
// bundle never sent is an error.
func (r *Receiver) Next() (*State, error) {
	for {
		var m message
		if err := r.dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("feed: receive: %w", err)
		}
		switch {
		case m.Bundle != nil:
			b := &control.Bundle{Modules: m.Bundle.Modules}
			if got := b.Hash(); got != m.Bundle.Name {
				return nil, fmt.Errorf("feed: bundle %s arrived with content %s", m.Bundle.Name, got)
			}
			r.bundles[m.Bundle.Name] = b
		case m.State != nil:
			st := &State{Workers: m.State.Workers, Bundles: map[string]*control.Bundle{}}
			if st.Workers == nil {
				st.Workers = map[string]*Worker{}
			}
			for name, w := range st.Workers {
				if w == nil || w.Current == nil || w.Current.Version == nil || (w.Rollout != nil && (w.Rollout.Version == nil || w.Rollout.Version.Version == nil)) {
					return nil, fmt.Errorf("feed: worker %q arrived without its version", name)
				}
				for _, v := range w.Versions() {
					b := r.bundles[v.Bundle]
					if b == nil {
						return nil, fmt.Errorf("feed: worker %q names bundle %s, which was not sent", name, v.Bundle)
					}
					st.Bundles[v.Bundle] = b
				}
			}
			r.bundles = make(map[string]*control.Bundle, len(st.Bundles))
			for name, b := range st.Bundles {
				r.bundles[name] = b
			}
			return st, nil
		default:
			return nil, errors.New("feed: receive: an empty message")
		}
	}
}
