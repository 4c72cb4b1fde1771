package cache

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestLifetime(t *testing.T) {
	now := time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC)
	date := now.Add(-time.Hour).Format(http.TimeFormat)
	cases := []struct {
		status  int
		headers []string
		want    time.Duration
		ok      bool
	}{
		{200, []string{"cache-control", "max-age=60"}, time.Minute, true},
		{200, []string{"cache-control", "max-age=60, s-maxage=300"}, 5 * time.Minute, true},
		{500, []string{"cache-control", "max-age=60"}, time.Minute, true},
		{200, []string{"expires", now.Add(time.Hour).Format(http.TimeFormat)}, time.Hour, true},
		{200, []string{"expires", now.Add(time.Hour).Format(http.TimeFormat), "date", date}, 2 * time.Hour, true},
		{200, []string{"expires", "0"}, 0, false},
		{200, nil, 120 * time.Minute, true},
		{301, nil, 120 * time.Minute, true},
		{302, nil, 20 * time.Minute, true},
		{404, nil, 3 * time.Minute, true},
		{500, nil, 0, false},
		{200, []string{"cache-control", "max-age=soon"}, 0, false},
	}
	for _, c := range cases {
		h := listHeader(c.headers)
		got, ok := lifetime(c.status, parseCacheControl(h.Values("cache-control")), h, now)
		if got != c.want || ok != c.ok {
			t.Errorf("%d %q: %v %v, want %v %v", c.status, c.headers, got, ok, c.want, c.ok)
		}
	}
}

// TestStoreExpiresAndEvicts: an entry is gone once its lifetime passes; past the store's bound
// the least recently used entries go first; a response over MaxEntryBytes is not stored.
func TestStoreExpiresAndEvicts(t *testing.T) {
	now := time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC)
	s := NewStore(3000)
	s.now = func() time.Time { return now }
	put := func(url string, body int, cc string) bool {
		return s.Put("p", "c", url, nil, 200, "OK", []string{"cache-control", cc}, make([]byte, body))
	}
	if !put("u1", 900, "max-age=10") || s.Match("p", "c", "u1", nil) == nil {
		t.Fatal("u1 not stored")
	}
	now = now.Add(11 * time.Second)
	if s.Match("p", "c", "u1", nil) != nil {
		t.Fatal("u1 outlived its max-age")
	}
	put("a", 900, "max-age=60")
	put("b", 900, "max-age=60")
	s.Match("p", "c", "a", nil) // a is now the most recently used
	put("c", 900, "max-age=60")
	put("d", 900, "max-age=60") // over 3000 bytes: b goes, the least recently used
	if s.Match("p", "c", "b", nil) != nil || s.Match("p", "c", "a", nil) == nil || s.Match("p", "c", "d", nil) == nil {
		t.Fatal("eviction did not drop the least recently used entry")
	}
	big := NewStore(MaxBytes)
	if big.Put("p", "c", "huge", nil, 200, "OK", nil, make([]byte, MaxEntryBytes+1)) {
		t.Fatal("a response over MaxEntryBytes was stored")
	}
	if s.Match("q", "c", "a", nil) != nil {
		t.Fatal("another partition matched")
	}
}

func TestNotModified(t *testing.T) {
	lm := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	stored := listHeader([]string{"etag", `"abc"`, "last-modified", lm.Format(http.TimeFormat)})
	for _, c := range []struct {
		req  []string
		want bool
	}{
		{[]string{"if-none-match", `"abc"`}, true},
		{[]string{"if-none-match", `W/"abc"`}, true},
		{[]string{"if-none-match", `"x", "abc"`}, true},
		{[]string{"if-none-match", `*`}, true},
		{[]string{"if-none-match", `"x"`}, false},
		{[]string{"if-none-match", `"x"`, "if-modified-since", lm.Format(http.TimeFormat)}, false}, // If-None-Match decides
		{[]string{"if-modified-since", lm.Format(http.TimeFormat)}, true},
		{[]string{"if-modified-since", lm.Add(-time.Hour).Format(http.TimeFormat)}, false},
		{nil, false},
	} {
		if got := notModified(stored, listHeader(c.req)); got != c.want {
			t.Errorf("%s: %v, want %v", strings.Join(c.req, " "), got, c.want)
		}
	}
}
