// Package tmpfstest gives tests a small filesystem of their own to fill up: the control plane's
// disk-full tests (internal/control and tests/e2e) use it.
package tmpfstest

import (
	"crypto/rand"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Mount mounts a tmpfs of size (as mount(8) spells it, "32m") on a fresh directory and
// unmounts it when the test ends (after the cleanups registered later, such as a server's
// shutdown). It skips the test where mounting is not permitted.
func Mount(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("this test fills a small tmpfs and cannot mount one here (needs root or CAP_SYS_ADMIN): %v", err)
	}
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for {
			err := unix.Unmount(dir, 0)
			if err == nil {
				return
			}
			if !errors.Is(err, unix.EBUSY) || time.Now().After(deadline) {
				t.Errorf("unmount %s: %v (a file there is still open); detaching it", dir, err)
				unix.Unmount(dir, unix.MNT_DETACH)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	return dir
}

// Fill writes path until its filesystem is full, down to the last byte.
func Fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	rand.Read(buf)
	for _, n := range []int{len(buf), 4096, 1} {
		for {
			_, err := f.Write(buf[:n])
			if errors.Is(err, syscall.ENOSPC) {
				break
			}
			if err != nil {
				t.Fatalf("fill %s: %v", path, err)
			}
		}
	}
}
