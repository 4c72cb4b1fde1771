package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"islet/internal/feed"
	"islet/internal/nodecache"
	"islet/internal/supervisor"
)

// natsAnswerWait bounds how long a node that joins an external NATS (--nats) waits for it at
// start before it serves its cached state instead.
const natsAnswerWait = 2 * time.Second

// maxDialBackoff bounds the pause between attempts to reach a NATS that does not answer.
const maxDialBackoff = 5 * time.Second

// openControlPlaneOrLater is openControlPlane for a node that can serve without NATS for a
// while. With an embedded server, or an external NATS that answers within wait, it returns
// the connected control plane and a nil later. Otherwise it returns cp prepared but not
// connected (secret key, sealer and NATS secret set; no store) and later, which delivers a
// connected control plane once NATS answers. It keeps trying until ctx ends; if ctx ends
// first, it closes what it opened. A NATS that refuses this node (credentials, TLS) within
// wait is an error, as for openControlPlane; after that it is logged and retried.
func openControlPlaneOrLater(ctx context.Context, pf platformFlags, wait time.Duration, log *slog.Logger) (cp *controlPlane, later <-chan *controlPlane, err error) {
	if pf.natsURL == "" {
		cp, err := openControlPlane(ctx, pf, log)
		return cp, nil, err
	}
	cp, err = prepareControlPlane(pf, log)
	if err != nil {
		return nil, nil, err
	}
	connected := make(chan *controlPlane)
	refused := make(chan error, 1)
	go dialUntilConnected(ctx, cp, pf, log, connected, refused)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case c := <-connected:
		return c, nil, nil
	case err := <-refused:
		return nil, nil, err
	case <-timer.C:
	case <-ctx.Done():
	}
	return cp, connected, nil
}

// dialUntilConnected connects copies of the prepared cp to pf's NATS until one succeeds, then
// sends it on connected (closing it instead if ctx ends first). Each attempt that fails
// because NATS refuses this node is also offered on refused (without blocking).
func dialUntilConnected(ctx context.Context, cp *controlPlane, pf platformFlags, log *slog.Logger, connected chan<- *controlPlane, refused chan<- error) {
	backoff := 250 * time.Millisecond
	last := "" // what the previous failure was, so a change is logged
	for attempt := 1; ; attempt++ {
		next := *cp
		err := next.connect(ctx, pf, log)
		if err == nil {
			select {
			case connected <- &next:
			case <-ctx.Done():
				next.Close()
			}
			return
		}
		next.Close()
		if ctx.Err() != nil {
			return
		}
		what := "NATS does not answer; retrying"
		if refusedByNATS(err) {
			what = "NATS refuses this node; retrying"
			select {
			case refused <- err: // the caller reports it, if it still waits
			default:
			}
		}
		if what != last || backoff == maxDialBackoff && attempt%12 == 0 {
			log.Warn(what, "nats", pf.natsURL, "attempt", attempt, "err", err)
		}
		last = what
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxDialBackoff)
	}
}

// refusedByNATS reports whether a connection failed because NATS refuses this node (its
// credentials or TLS), which retrying does not fix, rather than because it does not answer.
func refusedByNATS(err error) bool {
	msg := strings.ToLower(err.Error())
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	return errors.Is(err, nats.ErrAuthorization) || strings.Contains(msg, "authorization violation") ||
		errors.Is(err, nats.ErrSecureConnRequired) || errors.Is(err, nats.ErrSecureConnWanted) ||
		errors.As(err, &unknownCA) || errors.As(err, &hostErr)
}

// serveCached installs the cache's state on a node whose NATS does not answer and reports
// whether it did; it logs what it serves, or why it serves nothing (no cache, nothing saved
// yet, a corrupt or partial cache, which is ignored).
func serveCached(ctx context.Context, f *feed.Follower, cache *nodecache.Cache, natsURL string, log *slog.Logger) bool {
	if cache == nil {
		log.Warn("NATS does not answer and this node keeps no cache; serving nothing until it does", "nats", natsURL)
		return false
	}
	saved, workers, err := f.ServeCache(ctx)
	switch {
	case errors.Is(err, nodecache.ErrNoState):
		log.Warn("NATS does not answer and the node cache holds no state yet; serving nothing until it does", "nats", natsURL, "cache", cache.Dir())
		return false
	case err != nil:
		log.Error("NATS does not answer and the node cache is unusable; ignoring it and serving nothing until NATS does", "nats", natsURL, "err", err)
		return false
	}
	log.Warn(fmt.Sprintf("serving the cached state from %s while NATS is unreachable; retrying NATS", saved.Format(time.RFC3339)),
		"saved", saved, "workers", workers, "cache", cache.Dir(), "nats", natsURL)
	return true
}

// feedTables is the TableSource of a platform supervisor: it follows the control plane (see
// feed.Follower), puts every State on hub for the runtime processes and routes by it. When
// its NATS (natsURL) did not answer at start (later is not nil) it first serves the cache's
// state (serveCached), then, once later delivers the control
// plane, the live records; it closes that control plane when ctx ends.
func feedTables(cp *controlPlane, later <-chan *controlPlane, natsURL string, cache *nodecache.Cache, hub *feed.Hub, log *slog.Logger) supervisor.TableSource {
	return func(ctx context.Context, set func(supervisor.Routing)) error {
		f := feed.NewFollower(cp.sealer, cache, log, func(st *feed.State) error {
			hub.Set(st)
			set(supervisor.FeedRouting(st, log))
			return nil
		})
		if later != nil {
			serveCached(ctx, f, cache, natsURL, log)
			select {
			case cp = <-later:
				log.Info("NATS answered; its worker records replace the cached state")
			case <-ctx.Done():
				return nil
			}
			defer cp.Close()
		}
		return f.ServeControl(ctx, cp.store, nil)
	}
}
