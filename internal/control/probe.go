package control

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// probeBytes is how much a probe writes: room for a few records and a small bundle, so a
// disk with a few pages free does not count as recovered.
const probeBytes = 1 << 20

// probeName is the probe's file in the store directory (beside JetStream's "jetstream"
// directory, never inside it).
const probeName = ".islet-write-probe"

// probePattern is what a probe writes: not zeros, which a compressing filesystem would store
// in no space at all.
var probePattern = func() []byte {
	b := make([]byte, 64<<10)
	x := uint64(0x9e3779b97f4a7c15)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}()

// probeWritable reports whether dir takes writes again: it writes probeBytes to a file there,
// syncs it and removes it. The error says why not (ENOSPC, EROFS, EACCES…).
func probeWritable(dir string) (err error) {
	path := filepath.Join(dir, probeName)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("write probe: %w", err)
	}
	defer func() {
		cerr := f.Close()
		rerr := os.Remove(path)
		if err == nil {
			err = errors.Join(cerr, rerr)
			if err != nil {
				err = fmt.Errorf("write probe: %w", err)
			}
		}
	}()
	for n := 0; n < probeBytes; n += len(probePattern) {
		if _, err := f.Write(probePattern); err != nil {
			return fmt.Errorf("write probe: %w", err)
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write probe: %w", err)
	}
	return nil
}
