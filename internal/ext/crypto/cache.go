package crypto

import (
	"container/list"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/x509"
	"runtime"
	"sync"
	"weak"

	"islet/internal/op"
	"islet/internal/v8"
)

// Parsing a key from DER is a large part of an asymmetric operation (about 17 µs of a 47 µs
// P-256 signature, 120 µs for an RSA-2048 key), and workers typically sign or verify with the
// same few keys, often importing them again for every request. So parsed keys are kept in a
// small LRU cache, keyed by the isolate that asked and the exact DER bytes: an isolate only
// ever finds keys whose full encoding it already holds, entries of different isolates never
// meet, and the cache's size bounds its memory whatever the isolates do. Nothing depends on an
// entry being present; the DER in the CryptoKey stays the source of truth.
//
// The isolate is held weakly, so the cache never keeps a disposed isolate alive, and a cleanup
// attached to each isolate drops its entries once it is gone.

// cacheSize is how many parsed keys the process keeps (each at most a few KB).
const cacheSize = 256

// cacheOff disables the cache (benchmarks measure what it saves).
var cacheOff bool

type cacheKey struct {
	iso     weak.Pointer[v8.Isolate]
	private bool
	der     string
}

// parsed is one cached key: what x509 parsed, and the crypto/ecdh form of an ECDSA key once
// ECDH needed it.
type parsed struct {
	key  any
	ecdh any
}

type cacheEntry struct {
	k cacheKey
	v *parsed
}

var keyCache = struct {
	sync.Mutex
	m     map[cacheKey]*list.Element
	lru   list.List
	watch map[weak.Pointer[v8.Isolate]]bool // isolates with a cleanup attached
}{m: map[cacheKey]*list.Element{}, watch: map[weak.Pointer[v8.Isolate]]bool{}}

// isolateOf returns the weak identity of the isolate that made call c (zero outside an
// isolate, as in Go-only tests: then nothing is cached).
func isolateOf(c *op.Call) weak.Pointer[v8.Isolate] {
	iso, ok := c.Runtime.(*v8.Isolate)
	if !ok || iso == nil {
		return weak.Pointer[v8.Isolate]{}
	}
	return weak.Make(iso)
}

// lookup returns the parsed form of der, parsing it (and caching the result) on a miss.
func lookup(c *op.Call, private bool, der []byte) (*parsed, error) {
	k := cacheKey{iso: isolateOf(c), private: private, der: string(der)}
	keyCache.Lock()
	if e, ok := keyCache.m[k]; ok {
		keyCache.lru.MoveToFront(e)
		p := e.Value.(*cacheEntry).v
		keyCache.Unlock()
		return p, nil
	}
	keyCache.Unlock()
	// der is borrowed from JS; parsed keys may alias their input (x509 returns Ed25519 public
	// keys that do), so they are parsed from the cache key's own copy.
	own := []byte(k.der)
	var key any
	var err error
	if private {
		key, err = x509.ParsePKCS8PrivateKey(own)
	} else {
		key, err = parseSPKI(own)
	}
	if err != nil {
		return nil, dataError("invalid key data: %v", err)
	}
	p := &parsed{key: key}
	remember(c, k, p)
	return p, nil
}

// remember caches p under k, evicting the least recently used entry when full.
func remember(c *op.Call, k cacheKey, p *parsed) {
	if cacheOff || k.iso == (weak.Pointer[v8.Isolate]{}) {
		return
	}
	keyCache.Lock()
	defer keyCache.Unlock()
	if e, ok := keyCache.m[k]; ok {
		keyCache.lru.MoveToFront(e)
		return
	}
	if !keyCache.watch[k.iso] {
		keyCache.watch[k.iso] = true
		runtime.AddCleanup(c.Runtime.(*v8.Isolate), forget, k.iso)
	}
	keyCache.m[k] = keyCache.lru.PushFront(&cacheEntry{k: k, v: p})
	for keyCache.lru.Len() > cacheSize {
		old := keyCache.lru.Back()
		keyCache.lru.Remove(old)
		delete(keyCache.m, old.Value.(*cacheEntry).k)
	}
}

// rememberKey caches a key the op has just parsed or made, under its canonical DER.
func rememberKey(c *op.Call, private bool, der []byte, key any) {
	remember(c, cacheKey{iso: isolateOf(c), private: private, der: string(der)}, &parsed{key: key})
}

// forget drops the entries of an isolate that has been collected.
func forget(iso weak.Pointer[v8.Isolate]) {
	keyCache.Lock()
	defer keyCache.Unlock()
	delete(keyCache.watch, iso)
	for e := keyCache.lru.Front(); e != nil; {
		next := e.Next()
		if ce := e.Value.(*cacheEntry); ce.k.iso == iso {
			keyCache.lru.Remove(e)
			delete(keyCache.m, ce.k)
		}
		e = next
	}
}

// ecdhPrivate returns the crypto/ecdh form of a cached private key (an ECDSA key converted
// once, or an X25519 key as parsed).
func (p *parsed) ecdhPrivate() (*ecdh.PrivateKey, error) {
	keyCache.Lock()
	cached, _ := p.ecdh.(*ecdh.PrivateKey)
	keyCache.Unlock()
	if cached != nil {
		return cached, nil
	}
	switch k := p.key.(type) {
	case *ecdh.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		e, err := k.ECDH()
		if err != nil {
			return nil, operationError("ECDH: %v", err)
		}
		keyCache.Lock()
		p.ecdh = e
		keyCache.Unlock()
		return e, nil
	}
	return nil, dataError("not an ECDH private key")
}

// ecdhPublic is ecdhPrivate for public keys.
func (p *parsed) ecdhPublic() (*ecdh.PublicKey, error) {
	keyCache.Lock()
	cached, _ := p.ecdh.(*ecdh.PublicKey)
	keyCache.Unlock()
	if cached != nil {
		return cached, nil
	}
	switch k := p.key.(type) {
	case *ecdh.PublicKey:
		return k, nil
	case *ecdsa.PublicKey:
		e, err := k.ECDH()
		if err != nil {
			return nil, dataError("ECDH: %v", err)
		}
		keyCache.Lock()
		p.ecdh = e
		keyCache.Unlock()
		return e, nil
	}
	return nil, dataError("not an ECDH public key")
}
