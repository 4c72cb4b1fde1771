package admin

import (
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Failed authentication is throttled per client address: each address may fail
// authFailureBurst times at once and then once per authFailureEvery; past that, its requests
// get 429 without their token being looked at, until the bucket refills (so a guesser gets
// about one guess a second). The limit is per address: clients elsewhere are never slowed down
// by one address's failures, while one sharing the guesser's address waits with it.
const (
	authFailureBurst = 10
	authFailureEvery = time.Second
	// maxTrackedClients bounds the table of addresses; when it is full, the addresses that have
	// not failed for the longest are forgotten first.
	maxTrackedClients = 10000
)

// authThrottle counts failed authentications per client address.
type authThrottle struct {
	log *slog.Logger
	now func() time.Time

	mu      sync.Mutex
	clients map[string]*failures
}

type failures struct {
	limit *rate.Limiter
	last  time.Time // the last failure
	// refused counts requests turned away since the last log line about this address.
	refused int
}

func newAuthThrottle(log *slog.Logger) *authThrottle {
	return &authThrottle{log: log, now: time.Now, clients: map[string]*failures{}}
}

// clientAddr is the address a request came from (the TCP peer; the admin API is not behind a
// proxy it trusts).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// blocked reports whether addr has used up its failures; then the request is refused without
// authenticating it. Refusals are logged once a second per address at most.
func (t *authThrottle) blocked(addr string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.clients[addr]
	if f == nil {
		return false, 0
	}
	now := t.now()
	if f.limit.TokensAt(now) >= 1 {
		return false, 0
	}
	f.refused++
	wait := time.Duration((1 - f.limit.TokensAt(now)) * float64(authFailureEvery))
	if f.refused == 1 || f.refused%1000 == 0 {
		t.log.Warn("admin API: too many failed authentications; refusing the client", "client", addr, "refused", f.refused, "retry_after", wait.Round(time.Millisecond))
	}
	return true, wait
}

// failed records a failed authentication from addr and logs it.
func (t *authThrottle) failed(addr, why string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	f := t.clients[addr]
	if f == nil {
		if len(t.clients) >= maxTrackedClients {
			t.forgetOldest()
		}
		f = &failures{limit: rate.NewLimiter(rate.Every(authFailureEvery), authFailureBurst)}
		t.clients[addr] = f
	}
	f.limit.AllowN(now, 1)
	f.last = now
	f.refused = 0
	t.log.Warn("admin API: authentication failed", "client", addr, "reason", why)
}

// forgetOldest drops the tenth of the table that failed longest ago.
func (t *authThrottle) forgetOldest() {
	keys := make([]string, 0, len(t.clients))
	for k := range t.clients {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return t.clients[a].last.Compare(t.clients[b].last) })
	for _, k := range keys[:len(keys)/10+1] {
		delete(t.clients, k)
	}
}
