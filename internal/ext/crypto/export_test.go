package crypto

// CacheStats reports the cached parsed keys and the isolates they belong to (for tests).
func CacheStats() (entries, isolates int) {
	keyCache.Lock()
	defer keyCache.Unlock()
	return keyCache.lru.Len(), len(keyCache.watch)
}

// SetCacheOff turns the parsed-key cache off (true) or on, and returns a function restoring it.
func SetCacheOff(off bool) (restore func()) {
	old := cacheOff
	cacheOff = off
	return func() { cacheOff = old }
}
