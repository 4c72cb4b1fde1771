package control

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Watch calls apply with every worker record, by name, once the current ones have been read
// and again after each change, until ctx ends. Records that fail to decode are left out and
// reported to onError. The watch is renewed after every NATS reconnect; while NATS is away
// apply is simply not called, so the caller keeps what it has.
func (s *Store) Watch(ctx context.Context, apply func(map[string]*Worker), onError func(error)) error {
	stale := 0
	for {
		restart, err := s.watchOnce(ctx, apply, onError, &stale)
		if err != nil || !restart {
			return err
		}
	}
}

// watchOnce runs one KV watch. After a NATS reconnect it reports restart: the watch's consumer
// may have lived on a server that is gone, and a fresh watch (which replays the current
// records) is faster than waiting for the old one to notice.
// A replica that is still catching up (a server just restarted) may serve a watch's first
// values; when they end behind the bucket's last sequence the watch is renewed, up to
// maxStale times in a row, before they are applied.
func (s *Store) watchOnce(ctx context.Context, apply func(map[string]*Worker), onError func(error), stale *int) (restart bool, err error) {
	// Drain reconnects that happened before this watch started.
	select {
	case <-s.reconnected:
	default:
	}
	// Creating a watch while the bucket has no leader waits out the client's 5 s API timeout;
	// a short status request finds out sooner when the bucket answers again.
	for {
		if _, err := s.lastRevision(ctx); err == nil || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	// The watcher lives as long as ctx, so it cannot take retry's per-attempt deadline.
	var w jetstream.KeyWatcher
	for {
		w, err = s.meta.WatchAll(ctx)
		if err == nil {
			break
		}
		if !transient(err) || ctx.Err() != nil {
			return false, fmt.Errorf("watch workers: %w", err)
		}
		select {
		case <-ctx.Done():
			return false, nil
		case <-time.After(250 * time.Millisecond):
		}
	}
	defer w.Stop()
	workers := map[string]*Worker{}
	initial := true
	var lastRev uint64 // the bucket's newest revision this watch has delivered
	check := time.NewTicker(stallCheck)
	defer check.Stop()
	behind := 0
	for {
		var e jetstream.KeyValueEntry
		var ok bool
		select {
		case <-ctx.Done():
			return false, nil
		case <-s.reconnected:
			return true, nil
		case <-check.C:
			// A watch whose consumer lived on a server that died stays silent until its
			// heartbeats are missed (15 s or more); the bucket's last sequence tells sooner.
			if initial {
				continue
			}
			if last, err := s.lastRevision(ctx); err == nil && last > lastRev {
				if behind++; behind >= 2 {
					s.log.Info("the worker watch fell behind the bucket; renewing it", "delivered", lastRev, "bucket", last)
					return true, nil
				}
			} else {
				behind = 0
			}
			continue
		case e, ok = <-w.Updates():
			if !ok {
				return true, nil
			}
		}
		if e == nil { // end of the current values
			if last, err := s.lastRevision(ctx); err == nil && last > lastRev && *stale < maxStale {
				*stale++
				time.Sleep(100 * time.Millisecond)
				return true, nil
			}
			*stale = 0
			initial = false
			apply(copyWorkers(workers))
			continue
		}
		lastRev = max(lastRev, e.Revision())
		name, isWorker := strings.CutPrefix(e.Key(), "w.")
		if !isWorker {
			continue // a version record
		}
		switch e.Operation() {
		case jetstream.KeyValueDelete, jetstream.KeyValuePurge:
			delete(workers, name)
		default:
			var rec Worker
			if err := json.Unmarshal(e.Value(), &rec); err != nil {
				onError(fmt.Errorf("worker record %q: %w", name, err))
				continue
			}
			workers[name] = &rec
		}
		if !initial {
			apply(copyWorkers(workers))
		}
	}
}

func copyWorkers(m map[string]*Worker) map[string]*Worker {
	out := make(map[string]*Worker, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// maxStale bounds how often in a row a watch is renewed because its first values were behind.
const maxStale = 20

// stallCheck is how often a watch compares what it delivered with the bucket's last sequence.
const stallCheck = 500 * time.Millisecond

// lastRevision is the workers bucket's newest revision (its stream's last sequence).
func (s *Store) lastRevision(ctx context.Context) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	st, err := s.meta.Status(ctx)
	if err != nil {
		return 0, err
	}
	bs, ok := st.(*jetstream.KeyValueBucketStatus)
	if !ok {
		return 0, fmt.Errorf("bucket status %T", st)
	}
	return bs.StreamInfo().State.LastSeq, nil
}
