package nodecache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"islet/internal/control"
)

// maxBundleFile bounds what Bundle reads: the largest bundle, base64-encoded in JSON, with room
// for module names.
const maxBundleFile = control.MaxBundleBytes*4/3 + 1<<20

func (c *Cache) bundlePath(name string) string { return filepath.Join(c.bundleDir(), name) }

// Bundle reads the bundle named name (a content address) and checks that its content hashes to
// that name; a missing, unreadable or altered file is an error.
func (c *Cache) Bundle(name string) (*control.Bundle, error) {
	if !bundleName.MatchString(name) {
		return nil, fmt.Errorf("node cache: bundle %q: not a content address", name)
	}
	f, err := os.Open(c.bundlePath(name))
	if err != nil {
		return nil, fmt.Errorf("node cache: bundle %s: %w", name, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxBundleFile+1))
	if err != nil {
		return nil, fmt.Errorf("node cache: bundle %s: %w", name, err)
	}
	if len(data) > maxBundleFile {
		return nil, fmt.Errorf("node cache: bundle %s: larger than %d bytes", name, maxBundleFile)
	}
	var b control.Bundle
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("node cache: bundle %s: corrupt: %w", name, err)
	}
	if b.Hash() != name {
		return nil, fmt.Errorf("node cache: bundle %s: corrupt: its content does not hash to its name", name)
	}
	c.markVerified(name)
	return &b, nil
}

func (c *Cache) markVerified(name string) {
	c.mu.Lock()
	c.verified[name] = true
	c.mu.Unlock()
}

func (c *Cache) isVerified(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.verified[name]
}

// ensureBundle makes sure the file of bundle name is present and intact, writing it from get
// when it is not. A file this process has not verified yet is read back once.
func (c *Cache) ensureBundle(name string, get func(name string) (*control.Bundle, error)) error {
	if info, err := os.Stat(c.bundlePath(name)); err == nil && info.Mode().IsRegular() {
		if c.isVerified(name) {
			return nil
		}
		if _, err := c.Bundle(name); err == nil {
			return nil
		}
		// Corrupt: write it again below.
	}
	b, err := get(name)
	if err != nil {
		return fmt.Errorf("bundle %s: %w", name, err)
	}
	if b == nil || b.Hash() != name {
		return fmt.Errorf("bundle %s: the content given does not hash to its name", name)
	}
	data, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("bundle %s: %w", name, err)
	}
	if err := writeAtomic(c.bundlePath(name), data); err != nil {
		return err
	}
	c.markVerified(name)
	return nil
}

// prune deletes every bundle file keep does not name, and temporary files left by a crash.
func (c *Cache) prune(keep map[string]bool) error {
	var errs []error
	entries, err := os.ReadDir(c.bundleDir())
	if err != nil {
		return fmt.Errorf("prune: %w", err)
	}
	for _, e := range entries {
		if keep[e.Name()] {
			continue
		}
		if err := os.Remove(c.bundlePath(e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		c.mu.Lock()
		delete(c.verified, e.Name())
		c.mu.Unlock()
	}
	if entries, err := os.ReadDir(c.dir); err == nil {
		for _, e := range entries {
			if isTemp(e.Name()) {
				os.Remove(filepath.Join(c.dir, e.Name()))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("prune: %w", errors.Join(errs...))
	}
	return nil
}
