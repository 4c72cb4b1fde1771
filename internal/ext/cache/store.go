package cache

import (
	"container/list"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits of the per-process cache (Workers' own cache holds up to 512 MB per object; islet keeps
// its cache in memory, so it bounds both).
const (
	// MaxBytes bounds the whole cache of one process: past it the least recently used entries
	// are dropped.
	MaxBytes = 64 << 20
	// MaxEntryBytes bounds one stored response (body and headers); a larger one is not stored.
	MaxEntryBytes = 8 << 20
)

// entry is one stored response.
type entry struct {
	key        string
	status     int
	statusText string
	headers    []string // name, value, … (lower-case names)
	body       []byte
	expires    time.Time
	vary       map[string]string // request header (lower-case) → value at put, for the names in Vary
	size       int
	elem       *list.Element
}

// Store is a process's Cache API storage: responses by partition (a tenant: one can never read
// another's), cache name and URL, in memory, bounded by MaxBytes with least-recently-used
// eviction. Its methods are safe for concurrent use.
type Store struct {
	mu      sync.Mutex
	max     int
	size    int
	entries map[string]*entry
	lru     *list.List // front: most recently used
	now     func() time.Time
}

// NewStore makes a store bounded by max bytes.
func NewStore(max int) *Store {
	return &Store{max: max, entries: map[string]*entry{}, lru: list.New(), now: time.Now}
}

// Default is the process's store.
var Default = NewStore(MaxBytes)

func storeKey(partition, cacheName, url string) string {
	return partition + "\x00" + cacheName + "\x00" + url
}

// Put stores a response for a GET of url, as Workers decide: a response with Cache-Control
// no-store, no-cache or private, with Set-Cookie (unless Cache-Control has
// private=Set-Cookie, which stores it without the cookie), whose lifetime is zero, or larger
// than MaxEntryBytes is not stored, and replaces nothing. reqHeaders are the request's headers
// (for Vary). It reports whether it stored the response.
func (s *Store) Put(partition, cacheName, url string, reqHeaders []string, status int, statusText string, headers []string, body []byte) bool {
	h := listHeader(headers)
	cc := parseCacheControl(h.Values("cache-control"))
	if _, ok := cc["no-store"]; ok {
		return false
	}
	if _, ok := cc["no-cache"]; ok {
		return false
	}
	if v, ok := cc["private"]; ok {
		if !strings.EqualFold(strings.Trim(v, `"`), "set-cookie") {
			return false
		}
		headers = without(headers, "set-cookie")
	} else if h.Get("set-cookie") != "" {
		return false
	}
	ttl, ok := lifetime(status, cc, h, s.now())
	if !ok || ttl <= 0 {
		return false
	}
	size := len(body) + len(url)
	for _, v := range headers {
		size += len(v)
	}
	if size > MaxEntryBytes {
		return false
	}
	vary := map[string]string{}
	rh := listHeader(reqHeaders)
	for _, v := range h.Values("vary") {
		for _, name := range strings.Split(v, ",") {
			if name = strings.ToLower(strings.TrimSpace(name)); name != "" {
				vary[name] = strings.Join(rh.Values(name), ", ")
			}
		}
	}
	e := &entry{key: storeKey(partition, cacheName, url), status: status, statusText: statusText,
		headers: headers, body: body, expires: s.now().Add(ttl), vary: vary, size: size}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropLocked(e.key)
	e.elem = s.lru.PushFront(e)
	s.entries[e.key] = e
	s.size += size
	for s.size > s.max {
		s.dropLocked(s.lru.Back().Value.(*entry).key)
	}
	return true
}

// Match returns the fresh response stored for url whose Vary'd request headers equal reqHeaders'
// (nil when none).
func (s *Store) Match(partition, cacheName, url string, reqHeaders []string) *Entry {
	key := storeKey(partition, cacheName, url)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[key]
	if e == nil {
		return nil
	}
	if !s.now().Before(e.expires) {
		s.dropLocked(key)
		return nil
	}
	rh := listHeader(reqHeaders)
	for name, want := range e.vary {
		if strings.Join(rh.Values(name), ", ") != want {
			return nil
		}
	}
	s.lru.MoveToFront(e.elem)
	return &Entry{Status: e.status, StatusText: e.statusText, Headers: e.headers, Body: e.body}
}

// Delete drops the response stored for url and reports whether there was one.
func (s *Store) Delete(partition, cacheName, url string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropLocked(storeKey(partition, cacheName, url))
}

func (s *Store) dropLocked(key string) bool {
	e := s.entries[key]
	if e == nil {
		return false
	}
	delete(s.entries, key)
	s.lru.Remove(e.elem)
	s.size -= e.size
	return true
}

// Entry is a stored response as Match returns it; its slices are the store's and read-only.
type Entry struct {
	Status     int
	StatusText string
	Headers    []string
	Body       []byte
}

// lifetime is how long a response stays fresh: s-maxage, else max-age, else Expires against
// Date (or now); without any, Cloudflare's default edge TTL for its status (200, 206, 301:
// 120 minutes; 302, 303: 20 minutes; 404, 410: 3 minutes), and other statuses are not cached.
func lifetime(status int, cc map[string]string, h http.Header, now time.Time) (time.Duration, bool) {
	for _, d := range []string{"s-maxage", "max-age"} {
		if v, ok := cc[d]; ok {
			n, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64)
			if err != nil || n < 0 {
				return 0, false
			}
			return time.Duration(n) * time.Second, true
		}
	}
	if v := h.Get("expires"); v != "" {
		exp, err := http.ParseTime(v)
		if err != nil {
			return 0, false // an invalid Expires means already expired
		}
		base := now
		if d, err := http.ParseTime(h.Get("date")); err == nil {
			base = d
		}
		return exp.Sub(base), true
	}
	switch status {
	case 200, 206, 301:
		return 120 * time.Minute, true
	case 302, 303:
		return 20 * time.Minute, true
	case 404, 410:
		return 3 * time.Minute, true
	}
	return 0, false
}

// parseCacheControl reads Cache-Control directives (lower-case names; value "" when none).
func parseCacheControl(values []string) map[string]string {
	out := map[string]string{}
	for _, v := range values {
		for _, d := range strings.Split(v, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
			if name = strings.ToLower(strings.TrimSpace(name)); name != "" {
				out[name] = strings.TrimSpace(val)
			}
		}
	}
	return out
}

// listHeader makes an http.Header of a flat name, value list.
func listHeader(list []string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(list); i += 2 {
		h.Add(list[i], list[i+1])
	}
	return h
}

// without is list less the pairs of name (lower-case).
func without(list []string, name string) []string {
	out := make([]string, 0, len(list))
	for i := 0; i+1 < len(list); i += 2 {
		if strings.ToLower(list[i]) != name {
			out = append(out, list[i], list[i+1])
		}
	}
	return out
}
