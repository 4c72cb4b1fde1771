package crypto_test

import (
	"runtime"
	"testing"
	"time"

	"islet/internal/ext/crypto"
	"islet/internal/ext/exttest"
)

// TestKeyCachePerIsolate checks that parsed keys are cached per isolate (the same key imported
// in two isolates is two entries) and dropped once their isolate is disposed and collected.
func TestKeyCachePerIsolate(t *testing.T) {
	const importKey = `(async () => {
		const k = await crypto.subtle.importKey('jwk', {kty: 'EC', crv: 'P-256', x: '0hCwpvnZ8BKGgFi0P6T0cQGFQ7ugDJJQ35JXwqyuXdE', y: 'zgN1UtSBRQzjm00QlXAbF1v6s0uObAmeGPHBmDWDYeg'}, {name: 'ECDSA', namedCurve: 'P-256'}, false, ['verify']);
		return crypto.subtle.verify({name: 'ECDSA', hash: 'SHA-256'}, k, new Uint8Array(64), new Uint8Array(1));
	})()`
	before, _ := crypto.CacheStats()
	t.Run("two isolates", func(t *testing.T) {
		for i := 0; i < 2; i++ {
			if got, err := exttest.New(t).Eval(importKey); err != nil || got != "false" {
				t.Fatalf("got %q, %v", got, err)
			}
		}
		if after, _ := crypto.CacheStats(); after != before+2 {
			t.Fatalf("%d cache entries after importing one key in two isolates, want %d", after, before+2)
		}
	})
	// The subtest's isolates are disposed; once collected, their entries go.
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		if n, _ := crypto.CacheStats(); n <= before {
			return
		}
		if time.Now().After(deadline) {
			n, isos := crypto.CacheStats()
			t.Skipf("isolates not collected within 5s (%d entries of %d isolates left); the cleanup could not be observed", n, isos)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
