package nodecache

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// tempPrefix starts the names of files being written; one left by a crash is deleted by the
// next Save (see prune).
const tempPrefix = ".tmp-"

// writeAtomic replaces the file at path with data (mode 0600): it writes a temporary file in
// the same directory, syncs it, renames it over path and syncs the directory, so a reader sees
// the old content or the new, never a part, and a crash leaves at most a temporary file.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: the rename is durable once the directory is
		d.Close()
	}
	return nil
}

// isTemp reports whether a directory entry's name is a file writeAtomic was writing.
func isTemp(name string) bool { return strings.HasPrefix(name, tempPrefix) }
