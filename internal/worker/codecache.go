package worker

import (
	"crypto/sha256"
	"sync"
)

// CodeCache keeps V8 code caches by the SHA-256 of the source, so that the second isolate that
// compiles the same module skips most of the parse. It is safe for concurrent use and stops
// taking entries past its byte budget.
type CodeCache struct {
	mu     sync.RWMutex
	m      map[[32]byte][]byte
	bytes  int
	budget int
}

// NewCodeCache makes a cache holding at most budget bytes of code caches.
func NewCodeCache(budget int) *CodeCache {
	return &CodeCache{m: map[[32]byte][]byte{}, budget: budget}
}

// Get returns the cache for code, or nil.
func (c *CodeCache) Get(code string) []byte {
	k := sha256.Sum256([]byte(code))
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[k]
}

// Put stores the cache for code unless the budget is spent.
func (c *CodeCache) Put(code string, cache []byte) {
	k := sha256.Sum256([]byte(code))
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[k]; ok {
		c.bytes -= len(old)
	}
	if c.bytes+len(cache) > c.budget {
		return
	}
	c.m[k] = cache
	c.bytes += len(cache)
}
