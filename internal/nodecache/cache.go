// Package nodecache keeps a node's on-disk copy of the last complete control-plane state it
// served: the worker records (their secrets still sealed, exactly as NATS holds them), the
// versions those records run and the versions' bundles. A node restarted while NATS is
// unreachable loads it and serves it until NATS answers. It runs no V8 and builds without
// cgo, so a supervisor of runtime processes reads it too.
//
// A cache directory (mode 0700) holds:
//
//	state           the State: one header line, "islet-node-cache 1 <sha256 of the rest, hex>
//	                <length of the rest>", then State's JSON
//	bundles/<name>  one bundle per file, named by its content address ("sha256-<hex>"), as
//	                control.Bundle's JSON (the object store's own encoding)
//
// Every file is mode 0600 and written atomically: to a temporary file in the same directory,
// synced, then renamed over the old one. After each Save the bundles the state no longer
// references are deleted, so the directory holds the bundles of one state and nothing else.
//
// A directory has one writer (a Cache opened writable, calling Save from one goroutine at a
// time); any number of processes may Load it and read its bundles, also while it is written.
// A reader that loaded a state just before the writer replaced it may find one of its bundles
// pruned; Bundle then fails and the caller leaves that worker out.
package nodecache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// ErrNoState is returned by Load for a cache that has never been saved.
var ErrNoState = errors.New("no saved state")

// Cache is one cache directory. Its methods are safe for concurrent use, except that Save
// calls must not overlap.
type Cache struct {
	dir      string
	readOnly bool

	mu sync.Mutex
	// verified names the bundle files this process wrote or read back intact, so Save trusts
	// them without reading them again.
	verified map[string]bool
}

// Open opens the cache directory dir. A writable cache creates dir and dir/bundles if needed
// and sets both to mode 0700; a read-only one touches nothing, and its Save does nothing.
func Open(dir string, readOnly bool) (*Cache, error) {
	c := &Cache{dir: dir, readOnly: readOnly, verified: map[string]bool{}}
	if readOnly {
		return c, nil
	}
	for _, d := range []string{dir, c.bundleDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("node cache: %w", err)
		}
		if err := os.Chmod(d, 0o700); err != nil {
			return nil, fmt.Errorf("node cache: %w", err)
		}
	}
	return c, nil
}

// Dir is the cache's directory.
func (c *Cache) Dir() string { return c.dir }

// ReadOnly reports whether the cache was opened read-only.
func (c *Cache) ReadOnly() bool { return c.readOnly }

func (c *Cache) statePath() string { return filepath.Join(c.dir, "state") }
func (c *Cache) bundleDir() string { return filepath.Join(c.dir, "bundles") }
