package crypto_test

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"fmt"
	"testing"

	"islet/internal/ext/crypto"
	"islet/internal/ext/exttest"
)

// BenchmarkPBKDF2 derives 256 bits with PBKDF2-HMAC-SHA256, 100,000 iterations: through
// crypto.subtle in an isolate (what a worker pays), and with crypto/pbkdf2 directly for
// comparison.
func BenchmarkPBKDF2(b *testing.B) {
	b.Run("subtle", func(b *testing.B) {
		benchJS(b, `globalThis.k = await crypto.subtle.importKey('raw', new TextEncoder().encode('password'), 'PBKDF2', false, ['deriveBits']);
			globalThis.alg = {name: 'PBKDF2', hash: 'SHA-256', salt: new TextEncoder().encode('saltsaltsaltsalt'), iterations: 100000};`,
			`await crypto.subtle.deriveBits(alg, k, 256);`)
	})
	b.Run("crypto-pbkdf2", func(b *testing.B) {
		for b.Loop() {
			if _, err := pbkdf2.Key(sha256.New, "password", []byte("saltsaltsaltsalt"), 100000, 32); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkHMAC signs and verifies 1 KiB with HMAC-SHA256 (one op = one sign + one verify).
func BenchmarkHMAC(b *testing.B) {
	benchJS(b, `globalThis.k = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), {name: 'HMAC', hash: 'SHA-256'}, false, ['sign', 'verify']);
		globalThis.data = crypto.getRandomValues(new Uint8Array(1024));`,
		`const m = await crypto.subtle.sign('HMAC', k, data); if (!await crypto.subtle.verify('HMAC', k, m, data)) throw new Error('bad mac');`)
}

// BenchmarkECDSA signs and verifies with ECDSA P-256 / SHA-256 (32 bytes of data).
func BenchmarkECDSA(b *testing.B) {
	const setup = `globalThis.kp = await crypto.subtle.generateKey({name: 'ECDSA', namedCurve: 'P-256'}, false, ['sign', 'verify']);
		globalThis.alg = {name: 'ECDSA', hash: 'SHA-256'}; globalThis.data = new Uint8Array(32);
		globalThis.sig = await crypto.subtle.sign(alg, kp.privateKey, data);`
	for _, cached := range []bool{true, false} {
		name := ""
		if !cached {
			name = "-nocache"
		}
		b.Run("sign"+name, func(b *testing.B) {
			defer crypto.SetCacheOff(!cached)()
			benchJS(b, setup, `await crypto.subtle.sign(alg, kp.privateKey, data);`)
		})
		b.Run("verify"+name, func(b *testing.B) {
			defer crypto.SetCacheOff(!cached)()
			benchJS(b, setup, `if (!await crypto.subtle.verify(alg, kp.publicKey, sig, data)) throw new Error('bad signature');`)
		})
	}
}

// BenchmarkRSASign signs with RSASSA-PKCS1-v1_5 / SHA-256 and a 2048-bit key, with and without
// the parsed-key cache.
func BenchmarkRSASign(b *testing.B) {
	const setup = `globalThis.kp = await crypto.subtle.generateKey({name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256'}, false, ['sign']);
		globalThis.data = new Uint8Array(32);`
	for _, cached := range []bool{true, false} {
		name := "cached"
		if !cached {
			name = "nocache"
		}
		b.Run(name, func(b *testing.B) {
			defer crypto.SetCacheOff(!cached)()
			benchJS(b, setup, `await crypto.subtle.sign('RSASSA-PKCS1-v1_5', kp.privateKey, data);`)
		})
	}
}

// benchJS runs setup once, then body b.N times in one async loop in an isolate, and reports
// operations per second.
func benchJS(b *testing.B, setup, body string) {
	b.Helper()
	env := exttest.New(b)
	if _, err := env.Eval("(async () => {" + setup + "})()"); err != nil {
		b.Fatalf("setup: %v", err)
	}
	b.ResetTimer()
	if _, err := env.Eval(fmt.Sprintf("(async () => { for (let i = 0; i < %d; i++) { %s } })()", b.N, body)); err != nil {
		b.Fatalf("run: %v", err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
