package control

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// storageRecovery brings an embedded NATS server's JetStream back after its storage stopped
// taking writes (a full or read-only filesystem), without restarting the process.
//
// nats-server keeps the first write error of a stream's file store and returns it for every
// later write, for as long as that stream object lives: after the disk has space again the
// stream still refuses every write (a single server does not even answer the publish), so
// deploys fail until JetStream reloads its streams from disk. In a cluster the server disables
// JetStream instead ("out of resources, will be DISABLED", also on a permission error) and
// leaves it off. Both states end the same way: once the store directory accepts writes again
// (probeWritable), JetStream is shut down if it still runs and started again with the
// server's options, which reloads every stream from what is on disk and clears the errors.
// Nothing acknowledged is lost: a write whose flush failed was never acknowledged.
//
// It notices the first state from the server's log (every sticky write error is logged as a
// "critical write error", see tap) and the second by polling JetStreamEnabled. It logs "store
// unavailable: <cause>" when an outage starts and "store recovered" when it ends.
//
// Lifecycle: attachRecovery before the server starts (it becomes the server's logger), run in
// its own goroutine once the server accepts clients; run returns when the server has shut down.
type storageRecovery struct {
	ns *server.Server
	// opts are the options the server was started with; each restart reloads a clone (islet
	// never reloads a server's options otherwise, so they are its current ones).
	opts *server.Options
	log  *slog.Logger
	// kick wakes run when a critical write error is logged.
	kick chan struct{}
	// done is closed when the server has shut down.
	done chan struct{}

	mu sync.Mutex
	// cause is the first critical write error logged since the last restart ("" for none).
	cause string
}

// Timing of recovery: how often run looks at a healthy server, the waits between probes of
// the store directory during an outage (doubling from probeFirst to probeMax) and, when an
// outage starts within flapWindow of the previous recovery, the longer first wait that keeps a
// store whose writes fail for another reason from being restarted over and over.
const (
	checkEvery = time.Second
	probeFirst = 250 * time.Millisecond
	probeMax   = 2 * time.Second
	flapWindow = 30 * time.Second
	flapMax    = time.Minute
)

// attachRecovery makes a storageRecovery for ns, started with opts, and sets the server's
// logger: every line goes to log (nothing when log is nil) and critical write errors also to
// the recovery.
func attachRecovery(ns *server.Server, opts *server.Options, log *slog.Logger) *storageRecovery {
	var inner server.Logger = quietLogger{}
	if log != nil {
		inner = natsLogger{log.With("component", "nats")}
	} else {
		log = slog.New(slog.DiscardHandler)
	}
	r := &storageRecovery{ns: ns, opts: opts, log: log, kick: make(chan struct{}, 1), done: make(chan struct{})}
	ns.SetLoggerV2(&recoveryTap{Logger: inner, r: r}, false, false, false)
	return r
}

// noteWriteError records msg as the outage's cause (the first one wins) and wakes run.
func (r *storageRecovery) noteWriteError(msg string) {
	r.mu.Lock()
	if r.cause == "" {
		r.cause = msg
	}
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// takeCause returns and clears the recorded cause.
func (r *storageRecovery) takeCause() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.cause
	r.cause = ""
	return c
}

// run supervises the server until it has shut down.
func (r *storageRecovery) run() {
	go func() { r.ns.WaitForShutdown(); close(r.done) }()
	var recovered time.Time // when the last outage ended
	var lastFirst time.Duration
	tick := time.NewTicker(checkEvery)
	defer tick.Stop()
	for {
		select {
		case <-r.done:
			return
		case <-r.kick:
		case <-tick.C:
		}
		cause := r.takeCause()
		disabled := r.opts.JetStream && !r.ns.JetStreamEnabled()
		if !r.ns.Running() || cause == "" && !disabled {
			continue
		}
		if cause == "" {
			cause = "JetStream was disabled by the NATS server (a storage error)"
		}
		start := time.Now()
		r.log.Error("store unavailable: "+cause, "dir", r.opts.StoreDir)
		lastFirst = firstProbeWait(lastFirst, recovered, start)
		if !r.recover(lastFirst) {
			return // the server shut down
		}
		recovered = time.Now()
		r.log.Info("store recovered", "dir", r.opts.StoreDir, "outage", recovered.Sub(start).Round(time.Millisecond))
	}
}

// recover probes the store directory with a bounded backoff, starting with wait, and restarts
// JetStream once it takes writes. It reports false when the server shut down first.
func (r *storageRecovery) recover(wait time.Duration) bool {
	lastWarn := time.Now()
	for {
		select {
		case <-r.done:
			return false
		case <-time.After(wait):
		}
		err := probeWritable(r.opts.StoreDir)
		if err == nil {
			err = r.restart()
		}
		if err == nil {
			return true
		}
		if !r.ns.Running() {
			return false
		}
		if time.Since(lastWarn) >= time.Minute {
			r.log.Warn("store still unavailable", "dir", r.opts.StoreDir, "err", err)
			lastWarn = time.Now()
		}
		wait = nextProbeWait(wait)
	}
}

// restart shuts JetStream down if it runs and starts it again from disk. A config reload with
// the server's own options is how nats-server re-enables JetStream it disabled at run time (it
// also tells the cluster that this server has JetStream again); should the reload refuse the
// options, JetStream is enabled directly with the configuration the server started it with.
func (r *storageRecovery) restart() error {
	if !r.ns.Running() {
		return errShuttingDown
	}
	r.takeCause() // errors of the streams about to be reloaded
	if r.ns.JetStreamEnabled() {
		if err := r.ns.ShutdownJetStream(); err != nil {
			return fmt.Errorf("stop JetStream: %w", err)
		}
	}
	if err := r.awaitStopped(); err != nil {
		return err
	}
	err := r.ns.ReloadOptions(r.opts.Clone())
	if err != nil && r.ns.Running() && !r.ns.JetStreamEnabled() {
		r.log.Warn("NATS refused to reload its options; enabling JetStream directly", "err", err)
		err = r.ns.EnableJetStream(jetStreamConfig(r.opts))
	}
	if !r.ns.Running() {
		// Shutdown raced the restart and may have missed the JetStream it started.
		r.ns.ShutdownJetStream()
		return errShuttingDown
	}
	if err != nil {
		return fmt.Errorf("restart JetStream: %w", err)
	}
	if !r.ns.JetStreamEnabled() {
		return errors.New("restart JetStream: still disabled (see the NATS log)")
	}
	return nil
}

var errShuttingDown = errors.New("the NATS server is shutting down")

// stopWait bounds how long restart waits for the old JetStream to let go.
const stopWait = 30 * time.Second

// awaitStopped waits (bounded by stopWait) until the old JetStream has let go of everything:
// JetStream itself and every raft group (a group stops in the background after Stop). A
// shutdown nats-server started on its own (after running out of space it runs one in a
// goroutine) may still be under way, and a raft group that exits after a new one of the same
// name has started unregisters the new one, which then is never stopped and keeps its files
// open. So the stopped state must hold on two polls in a row.
func (r *storageRecovery) awaitStopped() error {
	deadline := time.Now().Add(stopWait)
	quiet := 0
	for {
		if r.ns.JetStreamConfig() == nil && raftGroups(r.ns) == 0 {
			if quiet++; quiet == 2 {
				return nil
			}
		} else {
			quiet = 0
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("JetStream is still stopping after %v (%d raft groups left)", stopWait, raftGroups(r.ns))
		}
		select {
		case <-r.done:
			return errShuttingDown
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// raftGroups counts the raft groups ns still runs for the system account (the meta group and,
// by default, every stream's and consumer's) and for the global account, islet's.
func raftGroups(ns *server.Server) int {
	n := 0
	accounts := []string{server.DEFAULT_GLOBAL_ACCOUNT}
	if sys := ns.SystemAccount(); sys != nil {
		accounts = append(accounts, sys.Name)
	}
	for _, acc := range accounts {
		if st := ns.Raftz(&server.RaftzOptions{AccountFilter: acc}); st != nil {
			for _, groups := range *st {
				n += len(groups)
			}
		}
	}
	return n
}

// jetStreamConfig is the configuration nats-server starts JetStream with from opts (limits
// left at zero are sized again from the disk and memory there are now).
func jetStreamConfig(opts *server.Options) *server.JetStreamConfig {
	return &server.JetStreamConfig{
		StoreDir:     opts.StoreDir,
		SyncInterval: opts.SyncInterval,
		SyncAlways:   opts.SyncAlways,
		MaxMemory:    opts.JetStreamMaxMemory,
		MaxStore:     opts.JetStreamMaxStore,
		Domain:       opts.JetStreamDomain,
		Strict:       !opts.NoJetStreamStrict,
		UniqueTag:    opts.JetStreamUniqueTag,
		CompressOK:   true,
	}
}

// nextProbeWait doubles a wait between probes, up to probeMax.
func nextProbeWait(d time.Duration) time.Duration {
	return min(max(2*d, probeFirst), probeMax)
}

// firstProbeWait is the wait before an outage's first probe: probeFirst, or, when the outage
// started within flapWindow of the previous recovery, twice the previous first wait (at least
// probeMax, at most flapMax).
func firstProbeWait(prev time.Duration, recovered, now time.Time) time.Duration {
	if recovered.IsZero() || now.Sub(recovered) >= flapWindow {
		return probeFirst
	}
	return min(max(2*prev, probeMax), flapMax)
}

// isCriticalWriteError reports whether a line of the NATS server's error log is a sticky write
// error: nats-server 2.x logs each as "... critical write error: <cause>" (streams, file
// stores, consumers, the meta group and raft logs).
func isCriticalWriteError(line string) bool {
	return strings.Contains(strings.ToLower(line), "critical write error")
}

// recoveryTap is the server's logger: Logger with its error lines also read by r.
type recoveryTap struct {
	server.Logger
	r *storageRecovery
}

func (t *recoveryTap) Errorf(format string, v ...any) {
	if line := fmt.Sprintf(format, v...); isCriticalWriteError(line) {
		t.r.noteWriteError(line)
	}
	t.Logger.Errorf(format, v...)
}

// quietLogger drops everything: the server's log when StartServer got no logger.
type quietLogger struct{}

func (quietLogger) Noticef(string, ...any) {}
func (quietLogger) Warnf(string, ...any)   {}
func (quietLogger) Fatalf(string, ...any)  {}
func (quietLogger) Errorf(string, ...any)  {}
func (quietLogger) Debugf(string, ...any)  {}
func (quietLogger) Tracef(string, ...any)  {}
