package control

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// transient reports whether err is JetStream briefly unable to answer: a stream without a
// leader while a server restarts, or a request that got no reply in time.
func transient(err error) bool {
	if errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, nats.ErrConnectionReconnecting) || errors.Is(err, jetstream.ErrJetStreamNotEnabled) {
		return true
	}
	// "JetStream system temporarily unavailable" (10008) while a cluster with a server just
	// stopped elects its meta leader: a node watching then must wait, not exit.
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jsClusterNotAvailable || apiErr.Code == 503) ||
		strings.Contains(err.Error(), "temporarily unavailable")
}

// jsClusterNotAvailable is JetStream's error code for "JetStream system temporarily unavailable".
const jsClusterNotAvailable = 10008

// retry calls fn until it succeeds, fails for a reason that is not transient, or ctx ends
// (and at most for retryFor). Each attempt gets its own short deadline, so one request lost
// while a leader changes does not take the caller's whole budget.
func retry[T any](ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	const retryFor = 20 * time.Second
	stop := time.Now().Add(retryFor)
	wait := 50 * time.Millisecond
	for {
		actx, cancel := context.WithTimeout(ctx, 4*time.Second)
		v, err := fn(actx)
		cancel()
		if err == nil || !transient(err) || ctx.Err() != nil || time.Now().After(stop) {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}
