// Package feed resolves the control plane's worker records into what a runtime runs (each
// version's record and code, its secrets opened) and carries that state to the runtime that
// serves it: the node itself, or a supervisor's runtime process over the socket the supervisor
// gives it at spawn.
//
// The supervisor of a platform node is the only process that reads NATS and holds the key that
// opens secrets. It follows the control plane (Follower), and sends each runtime process only
// the workers routed to it (Hub, Sender), so a runtime process that a tenant compromises holds
// no other process's workers' code or secrets, no NATS credential and no key. The package is
// pure Go: it builds without cgo and knows nothing of V8.
package feed

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"

	"islet/internal/control"
)

// State is a set of workers ready to run: each worker by name, with its versions resolved, and
// the code of every version it names. A State is not modified once it is made; a newer one
// replaces it.
type State struct {
	Workers map[string]*Worker
	// Bundles are the bundles the workers' versions name, by content address.
	Bundles map[string]*control.Bundle
}

// Worker is one worker as a runtime serves it.
type Worker struct {
	Name string `json:"name"`
	// Routes are its route patterns beyond its own host.
	Routes []string `json:"routes,omitempty"`
	// Current serves all of its requests, or 100-Rollout.Percent of them.
	Current *Version `json:"current"`
	// Rollout, when set, sends Percent of its requests to another version.
	Rollout *Rollout `json:"rollout,omitempty"`
}

// Rollout is a gradual deployment of Version to Percent of a worker's requests.
type Rollout struct {
	Version *Version `json:"version"`
	Percent int      `json:"percent"`
}

// Version is a version record with the worker's secrets opened.
type Version struct {
	*control.Version
	// Secrets are the worker's secrets in plaintext, by name.
	Secrets map[string]string `json:"secrets,omitempty"`
	// Key identifies what the version runs with: its ID and its secrets' sealed values (by a
	// digest, which reveals nothing of them). Two Versions with the same Key run the same code
	// with the same settings and secrets.
	Key string `json:"key"`
}

// versionKey is the Key of version id of a worker whose sealed secrets are sealed.
func versionKey(id string, sealed map[string]string) string {
	names := make([]string, 0, len(sealed))
	for k := range sealed {
		names = append(names, k)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, k := range names {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(sealed[k]))
		h.Write([]byte{0})
	}
	return id + "/" + hex.EncodeToString(h.Sum(nil)[:12])
}

// Versions returns the versions w runs: Current, then the rollout's.
func (w *Worker) Versions() []*Version {
	out := []*Version{w.Current}
	if w.Rollout != nil {
		out = append(out, w.Rollout.Version)
	}
	return out
}

// Only returns the part of s whose workers keep accepts by name, with just the bundles they
// name.
func (s *State) Only(keep func(worker string) bool) *State {
	out := &State{Workers: map[string]*Worker{}, Bundles: map[string]*control.Bundle{}}
	for name, w := range s.Workers {
		if !keep(name) {
			continue
		}
		out.Workers[name] = w
		for _, v := range w.Versions() {
			if b := s.Bundles[v.Bundle]; b != nil {
				out.Bundles[v.Bundle] = b
			}
		}
	}
	return out
}

// Names returns the workers' names in order.
func (s *State) Names() []string {
	names := make([]string, 0, len(s.Workers))
	for name := range s.Workers {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
