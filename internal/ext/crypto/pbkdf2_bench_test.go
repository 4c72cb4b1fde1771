package crypto

import (
	"crypto"
	"crypto/pbkdf2"
	"crypto/sha256"
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkPBKDF2Loop runs the precomputed-state PBKDF2-HMAC-SHA256 loop alone (100,000
// iterations, 32 bytes), without an isolate.
func BenchmarkPBKDF2Loop(b *testing.B) {
	f := fastPBKDF2For(crypto.SHA256)
	for b.Loop() {
		f.run([]byte("password"), []byte("saltsaltsaltsalt"), 100000, 32, &pbkdf2Progress{}, 1<<30)
	}
}

// TestMeasurePBKDF2CPU (run with MEASURE=1) reports the thread CPU time of one 100,000-iteration
// PBKDF2-HMAC-SHA256 derivation, the minimum of 25, for this package's loop and for
// crypto/pbkdf2: steadier than wall time on a shared machine.
func TestMeasurePBKDF2CPU(t *testing.T) {
	if os.Getenv("MEASURE") == "" {
		t.Skip("set MEASURE=1 to measure")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	threadCPU := func() time.Duration {
		var ts unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
			t.Fatal(err)
		}
		return time.Duration(ts.Nano())
	}
	minOf := func(fn func()) time.Duration {
		best := time.Hour
		for i := 0; i < 25; i++ {
			t0 := threadCPU()
			fn()
			best = min(best, threadCPU()-t0)
		}
		return best
	}
	f := fastPBKDF2For(crypto.SHA256)
	fast := minOf(func() { f.run([]byte("password"), []byte("saltsaltsaltsalt"), 100000, 32, &pbkdf2Progress{}, 1<<30) })
	std := minOf(func() { pbkdf2.Key(sha256.New, "password", []byte("saltsaltsaltsalt"), 100000, 32) })
	t.Logf("thread CPU per derivation (min of 25): this package %v, crypto/pbkdf2 %v", fast, std)
}
