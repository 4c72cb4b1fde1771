package supervisor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"islet/internal/feed"
	"islet/internal/gateway"
)

// Restart backoff of a runtime process that exits: the first restart waits minBackoff, each
// further one twice as long up to maxBackoff, and a process that ran stableAfter or longer
// counts as healthy again (its restart waits minBackoff).
const (
	minBackoff  = 100 * time.Millisecond
	maxBackoff  = 10 * time.Second
	stableAfter = 30 * time.Second
	// stopGrace is how long a runtime process has to exit after SIGTERM before it is killed.
	stopGrace = 5 * time.Second
)

// child is one runtime-process slot. run keeps a process of the islet binary running in it,
// serving HTTP on socket, and starts a new one (with backoff) whenever it exits, until its
// context ends; then it sends SIGTERM, waits up to stopGrace, and kills what is left.
// Requests reach the process through proxy; while no process is up, they wait for one (see
// awaitReady).
type child struct {
	index int
	// tier is the trust tier whose workers this slot serves, "" for a default process.
	tier   string
	socket string
	// exe and args are the program and arguments of every process of this slot.
	exe  string
	args []string
	// env is added to the inherited environment of every process of this slot.
	env []string
	// out receives the processes' standard output and error.
	out io.Writer
	// ns decides whether processes start in namespaces of their own; nil: never.
	ns  *namespaces
	log *slog.Logger
	// feed, when set, is what every process of this slot serves: the part of its States that
	// serves says this slot serves, sent on the process's file descriptor FeedFD.
	feed   *feed.Hub
	serves func(worker string) bool
	// dispatch, when set, sends a request to a worker's runtime process (the supervisor's
	// dispatcher), for service-binding calls of this slot's workers (service.go).
	dispatch func(w http.ResponseWriter, r *http.Request, worker string)
	// chains counts the service-binding calls between runtime processes of each chain (shared
	// by the supervisor's slots).
	chains *gateway.Chains
	// grants caches the egress policies the current process may connect under (broker.go).
	grants grants
	// flight tracks the workers with requests in the process; died, if set, is told the
	// suspects when a process dies (see quarantine).
	flight inflight
	died   func(index int, suspects []string)
	// unansweredAt is when the current process's first heartbeat of the run that got it
	// killed went unanswered (zero: it was not killed for hanging); guarded by mu.
	unansweredAt time.Time

	transport *http.Transport
	proxy     *httputil.ReverseProxy

	mu sync.Mutex
	// ready is closed once the current process accepts connections on socket; it is replaced by
	// a fresh channel when that process exits.
	ready chan struct{}
	// served is closed the first time any process of this slot is ready.
	served     chan struct{}
	servedOnce sync.Once
}

func newChild(index int, socket, exe string, args []string, out io.Writer, log *slog.Logger) *child {
	c := &child{index: index, socket: socket, exe: exe, args: args, out: out, log: log,
		ready: make(chan struct{}), served: make(chan struct{})}
	c.transport, c.proxy = newProxy(c)
	return c
}

// unanswered is when the last process stopped answering its heartbeat, if it was killed for
// that (zero otherwise).
func (c *child) unanswered() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.unansweredAt
}

// readyChan returns the channel that is closed while the current process is ready.
func (c *child) readyChan() chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ready
}

// run keeps a runtime process alive until ctx ends (see child). early receives the exit error of
// a process that exits before this slot has ever been ready, so start-up failures (a bad flag, a
// config that does not load) end the supervisor instead of looping.
func (c *child) run(ctx context.Context, early chan<- error) {
	backoff := minBackoff
	for {
		started := time.Now()
		status, pid, err := c.runOnce(ctx)
		if ctx.Err() != nil {
			c.log.Info("runtime process stopped", "process", c.index, "pid", pid, "status", status)
			return
		}
		select {
		case <-c.served:
		default:
			if err == nil {
				err = fmt.Errorf("runtime process %d exited before it served (%s)", c.index, status)
			}
			early <- err
			return
		}
		if c.died != nil {
			death := time.Now()
			cutoff := death
			if at := c.unanswered(); !at.IsZero() {
				cutoff = at
			}
			c.died(c.index, c.flight.suspects(death, cutoff))
		}
		if time.Since(started) >= stableAfter {
			backoff = minBackoff
		}
		c.log.Error("runtime process exited; restarting it", "process", c.index, "pid", pid,
			"status", status, "ran", time.Since(started).Round(time.Millisecond), "restart_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// runOnce starts one process, marks the slot ready once its socket accepts, and waits for it
// to exit. It returns the exit status as text and the pid (0 if it did not start); err is set
// only when the process could not be started.
func (c *child) runOnce(ctx context.Context) (status string, pid int, err error) {
	ns := c.ns != nil && c.ns.wanted()
	proc, feedConn, brokerConn, err := c.start(ctx, ns)
	if err != nil && ns {
		// The kernel may refuse namespaces (unprivileged user namespaces disabled, a limit
		// reached): start without them, and never ask again if that works.
		var err2 error
		if proc, feedConn, brokerConn, err2 = c.start(ctx, false); err2 == nil {
			c.ns.refused(err)
			ns, err = false, nil
		}
	}
	if err != nil {
		err = fmt.Errorf("start runtime process %d: %w", c.index, err)
		c.log.Error("cannot start runtime process", "process", c.index, "err", err)
		return err.Error(), 0, err
	}
	// pid is the process's id in the supervisor's PID namespace (in its own, it is 1).
	pid = proc.Process.Pid
	c.log.Info("runtime process started", "process", c.index, "pid", pid, "tier", c.tier, "socket", c.socket, "namespaces", ns)
	c.mu.Lock()
	c.unansweredAt = time.Time{}
	c.mu.Unlock()
	exited := make(chan struct{})
	if feedConn != nil {
		go c.serveFeed(feedConn, exited)
		go c.serveBroker(brokerConn, exited)
	}
	ready := c.readyChan()
	go c.awaitSocket(ready, exited)
	go func() {
		select {
		case <-ready:
			c.heartbeat(proc.Process, exited)
		case <-exited:
		}
	}()
	werr := proc.Wait()
	close(exited)
	c.mu.Lock()
	select {
	case <-c.ready: // was ready: requests from now on wait for the next process
		c.ready = make(chan struct{})
	default: // never got ready: keep the channel for the next process
	}
	c.mu.Unlock()
	c.transport.CloseIdleConnections()
	// After a cancellation Wait reports ctx's error; the process state has the real status.
	if proc.ProcessState != nil {
		return proc.ProcessState.String(), pid, nil
	}
	return werr.Error(), pid, nil
}

// start starts one process of this slot, in namespaces of their own when ns is set, and
// returns it with the supervisor's ends of its feed and egress broker sockets (nil without a
// feed; with one, the process's namespaces include a network namespace, with no interface
// up: it has no network but what the broker connects for it). Stopping
// ctx sends it SIGTERM, and SIGKILL stopGrace later. A process that is PID 1 of its namespace
// still gets the SIGTERM: the kernel drops only the signals it has no handler for, and the
// Go runtime handles SIGTERM (and SIGKILL from outside the namespace is always delivered).
func (c *child) start(ctx context.Context, ns bool) (*exec.Cmd, net.Conn, *net.UnixConn, error) {
	proc := exec.CommandContext(ctx, c.exe, c.args...)
	proc.Stdout, proc.Stderr = c.out, c.out
	if len(c.env) > 0 {
		proc.Env = append(os.Environ(), c.env...)
	}
	proc.SysProcAttr = sysProcAttr(ns, ns && c.feed != nil)
	proc.Cancel = func() error { return proc.Process.Signal(syscall.SIGTERM) }
	proc.WaitDelay = stopGrace
	var feedMine, brokerMine *os.File
	if c.feed != nil {
		var feedTheirs, brokerTheirs *os.File
		var err error
		if feedMine, feedTheirs, err = socketPair(syscall.SOCK_STREAM); err != nil {
			return nil, nil, nil, fmt.Errorf("feed socket: %w", err)
		}
		defer feedTheirs.Close() // the process has its own copy once it started
		if brokerMine, brokerTheirs, err = socketPair(syscall.SOCK_SEQPACKET); err != nil {
			feedMine.Close()
			return nil, nil, nil, fmt.Errorf("egress broker socket: %w", err)
		}
		defer brokerTheirs.Close()
		proc.ExtraFiles = []*os.File{feedTheirs, brokerTheirs} // FeedFD and BrokerFD
	}
	if err := proc.Start(); err != nil {
		if feedMine != nil {
			feedMine.Close()
			brokerMine.Close()
		}
		return nil, nil, nil, err
	}
	if feedMine == nil {
		return proc, nil, nil, nil
	}
	feedConn, err1 := net.FileConn(feedMine)
	brokerConn, err2 := net.FileConn(brokerMine)
	feedMine.Close()
	brokerMine.Close()
	if err := errors.Join(err1, err2); err != nil {
		for _, c := range []net.Conn{feedConn, brokerConn} {
			if c != nil {
				c.Close()
			}
		}
		proc.Process.Kill()
		proc.Wait()
		return nil, nil, nil, fmt.Errorf("feed sockets: %w", err)
	}
	return proc, feedConn, brokerConn.(*net.UnixConn), nil
}

// serveFeed sends the slot's part of the feed on conn until the process exits, then closes it.
func (c *child) serveFeed(conn net.Conn, exited <-chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-exited
		cancel()
		conn.Close() // ends a write to a process that stopped reading
	}()
	if err := c.feed.Serve(ctx, conn, c.serves); err != nil && ctx.Err() == nil {
		c.log.Error("feed to runtime process failed; restarting it", "process", c.index, "err", err)
		conn.Close()
	}
}

// awaitSocket polls the socket until it accepts a connection, then closes ready; it gives up
// when the process exits first.
func (c *child) awaitSocket(ready chan struct{}, exited <-chan struct{}) {
	for {
		conn, err := net.DialTimeout("unix", c.socket, time.Second)
		if err == nil {
			conn.Close()
			// Under mu, so runOnce's exit path either sees ready closed or finds exited closed
			// here first.
			c.mu.Lock()
			defer c.mu.Unlock()
			select {
			case <-exited:
				return
			default:
			}
			close(ready)
			c.servedOnce.Do(func() { close(c.served) })
			return
		}
		select {
		case <-exited:
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// awaitReady waits until a process of this slot is ready, at most limit or until ctx ends, and
// reports whether one is.
func (c *child) awaitReady(ctx context.Context, limit time.Duration) bool {
	ready := c.readyChan()
	select {
	case <-ready:
		return true
	default:
	}
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-ready:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}
