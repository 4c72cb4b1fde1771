package supervisor

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"islet/internal/gateway"
)

// service answers a runtime process's request for a connection to the worker target, for a
// service binding of its worker caller (egress.ServeBroker): caller must be a worker this
// process serves, and target a worker of the same account. The connection is one end of a
// socket pair; on the other end the supervisor serves HTTP/1.1, dispatching every request to
// target's runtime process (which may be the caller's) with the loop-depth rule.
func (c *child) service(caller, target string) (net.Conn, error) {
	if c.feed == nil || c.dispatch == nil || c.chains == nil {
		return nil, errors.New("service bindings are not served by this supervisor")
	}
	base, _, _ := strings.Cut(caller, "@")
	if !c.serves(base) {
		return nil, fmt.Errorf("the runtime process does not serve %q", base)
	}
	st := c.feed.Current()
	from, to := st.Workers[base], st.Workers[target]
	if from == nil || to == nil || from.Current == nil || to.Current == nil || from.Current.Version == nil ||
		to.Current.Version == nil || from.Current.Account != to.Current.Account {
		// Another account's worker is reported as absent: a binding learns nothing of it.
		return nil, fmt.Errorf("the service %q is not a worker of this account", target)
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", target, err)
	}
	ours, err := fileConn(fds[0], "service-supervisor")
	if err != nil {
		syscall.Close(fds[1])
		return nil, err
	}
	theirs, err := fileConn(fds[1], "service-runtime")
	if err != nil {
		ours.Close()
		return nil, err
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if gateway.RefuseLoop(w, r) {
				return
			}
			if err := c.chains.Take(r.Header.Get(gateway.ChainHeader)); err != nil {
				w.Header().Set(gateway.HeaderError, gateway.ErrorChain)
				gateway.WriteError(w, http.StatusLoopDetected, gateway.NewErrorID(), err.Error())
				return
			}
			r.Header.Set(gateway.ServiceHeader, target)
			c.dispatch(w, r, target)
		}),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       90 * time.Second,
	}
	go srv.Serve(&oneConnListener{conn: ours})
	return theirs, nil
}

// fileConn makes a net.Conn of a socket descriptor, which it then owns.
func fileConn(fd int, name string) (net.Conn, error) {
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("service connection: %w", err)
	}
	return c, nil
}

// oneConnListener hands out one connection, then waits until it is closed; then the server
// that serves it stops.
type oneConnListener struct {
	mu     sync.Mutex
	conn   net.Conn
	closed chan struct{}
	once   sync.Once
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	c := l.conn
	l.conn = nil
	if l.closed == nil {
		l.closed = make(chan struct{})
	}
	closed := l.closed
	l.mu.Unlock()
	if c != nil {
		return &closeNotifyConn{Conn: c, done: l.Close}, nil
	}
	<-closed
	return nil, net.ErrClosed
}

func (l *oneConnListener) Close() error {
	l.mu.Lock()
	if l.closed == nil {
		l.closed = make(chan struct{})
	}
	closed := l.closed
	l.mu.Unlock()
	l.once.Do(func() { close(closed) })
	return nil
}

func (l *oneConnListener) Addr() net.Addr { return &net.UnixAddr{Name: "service", Net: "unix"} }

// closeNotifyConn closes its listener when it is closed, so the server serving it returns.
type closeNotifyConn struct {
	net.Conn
	done func() error
}

func (c *closeNotifyConn) Close() error {
	err := c.Conn.Close()
	c.done()
	return err
}
