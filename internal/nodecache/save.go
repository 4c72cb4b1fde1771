package nodecache

import (
	"fmt"
	"os"

	"islet/internal/control"
)

// Save replaces the saved state with s, which must be complete (every version its records run
// present; otherwise nothing is written and the previous state stays). First the bundles the
// state references are made present — a file already there and intact is kept, a missing or
// altered one is written from bundle(name), which must return the bundle with that content
// address — then the state file is replaced, and last the bundles it no longer references are
// deleted. A crash at any point leaves the previous state or the new one, each with its
// bundles. On a read-only cache Save does nothing.
func (c *Cache) Save(s *State, bundle func(name string) (*control.Bundle, error)) error {
	if c.readOnly {
		return nil
	}
	if err := os.MkdirAll(c.bundleDir(), 0o700); err != nil {
		return fmt.Errorf("node cache: %w", err)
	}
	refs, err := s.check()
	if err != nil {
		return fmt.Errorf("node cache: not saving a partial state: %w", err)
	}
	for name := range refs {
		if err := c.ensureBundle(name, bundle); err != nil {
			return fmt.Errorf("node cache: %w", err)
		}
	}
	data, err := encodeState(s)
	if err != nil {
		return fmt.Errorf("node cache: %w", err)
	}
	if err := writeAtomic(c.statePath(), data); err != nil {
		return fmt.Errorf("node cache: %w", err)
	}
	if err := c.prune(refs); err != nil {
		return fmt.Errorf("node cache: %w", err)
	}
	return nil
}
