package egress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"islet/internal/limits"
)

// waitTimeout bounds every wait of these tests for something to happen: generous, so a loaded
// machine does not fail them, and only reached when the code under test is broken.
const waitTimeout = 10 * time.Second

// echoServer is a TCP server on 127.0.0.1 that writes back what each connection sends.
type echoServer struct {
	addr string
	// accepted receives the remote address of each connection the server accepts.
	accepted chan string
	// ended receives the remote address of each connection once its peer closed it (EOF or
	// error while the server is still running).
	ended chan string
}

// startEcho starts an echo server on 127.0.0.1:0, stopped (with all its connections) at the
// end of the test.
func startEcho(t *testing.T) *echoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &echoServer{addr: ln.Addr().String(), accepted: make(chan string, 1024), ended: make(chan string, 1024)}
	var (
		mu      sync.Mutex
		conns   []net.Conn
		stopped bool
		wg      sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if stopped {
				mu.Unlock()
				c.Close()
				return
			}
			conns = append(conns, c)
			wg.Add(1)
			mu.Unlock()
			remote := c.RemoteAddr().String()
			e.accepted <- remote
			go func() {
				defer wg.Done()
				io.Copy(c, c)
				c.Close()
				e.ended <- remote
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		stopped = true
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return e
}

// waitFor receives n values from ch within waitTimeout (all together), failing the test if
// they do not come.
func waitFor(t *testing.T, ch <-chan string, n int, what string) []string {
	t.Helper()
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	var got []string
	for len(got) < n {
		select {
		case v := <-ch:
			got = append(got, v)
		case <-timer.C:
			t.Fatalf("%s: got %d of %d within %v", what, len(got), n, waitTimeout)
		}
	}
	return got
}

// unixConnOf wraps one end of a socketpair as a *net.UnixConn (fd is closed; the conn has its
// own copy).
func unixConnOf(t testing.TB, fd int, name string) *net.UnixConn {
	t.Helper()
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		t.Fatal(err)
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		t.Fatalf("FileConn of a unix socket is a %T", c)
	}
	return uc
}

// seqpacketPair makes a connected pair of Unix SOCK_SEQPACKET sockets, closed at the end of
// the test.
func seqpacketPair(t testing.TB) (client, server *net.UnixConn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_SEQPACKET|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	client, server = unixConnOf(t, fds[0], "broker-client"), unixConnOf(t, fds[1], "broker-server")
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// brokerPair is a BrokerClient talking to a ServeBroker over a socketpair.
type brokerPair struct {
	client     *BrokerClient
	clientConn *net.UnixConn
	serverConn *net.UnixConn
	// cancel ends ServeBroker's context.
	cancel context.CancelFunc
	// served receives what ServeBroker returned.
	served chan error
}

// startBroker serves the broker protocol with granted on one end of a socketpair and makes a
// client on the other. At the end of the test the server is stopped and awaited.
func startBroker(t testing.TB, granted func(key string) *Policy) *brokerPair {
	t.Helper()
	cc, sc := seqpacketPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	bp := &brokerPair{clientConn: cc, serverConn: sc, cancel: cancel, served: make(chan error, 1)}
	go func() { bp.served <- ServeBroker(ctx, sc, granted, nil, slog.New(slog.DiscardHandler)) }()
	bp.client = NewBrokerClient(cc)
	t.Cleanup(func() {
		cancel()
		cc.Close()
		select {
		case <-bp.served:
		case <-time.After(waitTimeout):
			t.Errorf("ServeBroker did not return within %v of its context's end", waitTimeout)
		}
	})
	return bp
}

// gate is a granted func's blocker: its first `block` calls report on entered and wait until
// the test opens it (or the test ends).
type gate struct {
	entered chan string
	release chan struct{}
	once    sync.Once
	block   atomic.Int32
}

func newGate(t *testing.T, block int32) *gate {
	g := &gate{entered: make(chan string, 64), release: make(chan struct{})}
	g.block.Store(block)
	t.Cleanup(g.open) // registered before startBroker's cleanup, so it runs after it
	return g
}

func (g *gate) open() { g.once.Do(func() { close(g.release) }) }

func (g *gate) pass(key string) {
	if g.block.Add(-1) < 0 {
		return
	}
	g.entered <- key
	<-g.release
}

// waitEntered waits for a granted call to block on g.
func (g *gate) waitEntered(t *testing.T) {
	t.Helper()
	select {
	case <-g.entered:
	case <-time.After(waitTimeout):
		t.Fatalf("the server did not call granted within %v", waitTimeout)
	}
}

// mustRule parses an egress rule.
func mustRule(t *testing.T, s string) limits.EgressRule {
	t.Helper()
	r, err := limits.ParseEgressRule(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// loopbackPolicy is a policy whose rules open 127.0.0.1.
func loopbackPolicy(t *testing.T) *Policy {
	t.Helper()
	p := For([]limits.EgressRule{mustRule(t, "127.0.0.1")})
	if p.Key() == "" {
		t.Fatal("For with a rule returned the base policy")
	}
	return p
}

// grantOnly grants p (and nothing else), counting calls.
func grantOnly(p *Policy, calls *atomic.Int32) func(string) *Policy {
	return func(key string) *Policy {
		if calls != nil {
			calls.Add(1)
		}
		if key == p.Key() {
			return p
		}
		return nil
	}
}

// setAllowPrivate sets allowPrivate for the test and restores its value after.
func setAllowPrivate(t *testing.T, v bool) {
	old := allowPrivate.Load()
	SetAllowPrivate(v)
	t.Cleanup(func() { SetAllowPrivate(old) })
}

// setBroker sets the process's broker for the test and restores the previous one after.
func setBroker(t *testing.T, b *BrokerClient) {
	old := broker.Load()
	SetBroker(b)
	t.Cleanup(func() { SetBroker(old) })
}

// dialResult is what a Dial returned.
type dialResult struct {
	conn net.Conn
	err  error
}

// dialAsync runs client.Dial on its own goroutine.
func dialAsync(ctx context.Context, b *BrokerClient, p *Policy, network, addr string) <-chan dialResult {
	ch := make(chan dialResult, 1)
	go func() {
		c, err := b.Dial(ctx, p, network, addr)
		ch <- dialResult{c, err}
	}()
	return ch
}

// waitDial waits for an asynchronous Dial to return.
func waitDial(t *testing.T, ch <-chan dialResult) dialResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(waitTimeout):
		t.Fatalf("Dial did not return within %v", waitTimeout)
		return dialResult{}
	}
}

// echoOnce writes msg on c and checks the same bytes come back.
func echoOnce(c net.Conn, msg string) error {
	if err := c.SetDeadline(time.Now().Add(waitTimeout)); err != nil {
		return err
	}
	if _, err := io.WriteString(c, msg); err != nil {
		return err
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(c, buf); err != nil {
		return err
	}
	if string(buf) != msg {
		return fmt.Errorf("echo %q, want %q", buf, msg)
	}
	return nil
}

// TestBrokerRoundTrip proves that connections the broker client asks for are made by the
// server under the granted policy and passed back working: 20 concurrent Dials each return
// their own TCP connection to the echo server (one accepted connection per Dial, matched by
// address), which carries data both ways, and granted is asked once per Dial with the
// policy's key.
func TestBrokerRoundTrip(t *testing.T) {
	setAllowPrivate(t, false)
	echo := startEcho(t)
	p := loopbackPolicy(t)
	var calls atomic.Int32
	bp := startBroker(t, grantOnly(p, &calls))

	const n = 20
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		locals = map[string]bool{}
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			c, err := bp.client.Dial(ctx, p, "tcp", echo.addr)
			if err != nil {
				t.Errorf("dial %d: %v", i, err)
				return
			}
			if c == nil {
				t.Errorf("dial %d: a nil conn with a nil error", i)
				return
			}
			defer c.Close()
			if _, ok := c.(*net.TCPConn); !ok {
				t.Errorf("dial %d: a %T, want a *net.TCPConn", i, c)
			}
			if got := c.RemoteAddr().String(); got != echo.addr {
				t.Errorf("dial %d: remote address %s, want %s", i, got, echo.addr)
			}
			for j := range 3 {
				if err := echoOnce(c, fmt.Sprintf("hello %d/%d\n", i, j)); err != nil {
					t.Errorf("dial %d: %v", i, err)
					return
				}
			}
			mu.Lock()
			locals[c.LocalAddr().String()] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	accepted := waitFor(t, echo.accepted, n, "connections accepted by the echo server")
	if len(locals) != n {
		t.Fatalf("%d distinct local addresses among %d connections", len(locals), n)
	}
	for _, a := range accepted {
		if !locals[a] {
			t.Errorf("the echo server accepted %s, which is none of the brokered connections", a)
		}
	}
	select {
	case a := <-echo.accepted:
		t.Errorf("the echo server accepted an extra connection from %s", a)
	default:
	}
	if got := calls.Load(); got != n {
		t.Errorf("granted was called %d times, want %d", got, n)
	}
	bp.client.mu.Lock()
	pending := len(bp.client.pending)
	bp.client.mu.Unlock()
	if pending != 0 {
		t.Errorf("%d requests still pending after every Dial returned", pending)
	}
}

// TestBrokerAllowPrivate proves that with SetAllowPrivate(true) the server connects a request
// under the base policy (key "") to a loopback address, which it refuses otherwise.
func TestBrokerAllowPrivate(t *testing.T) {
	setAllowPrivate(t, true)
	echo := startEcho(t)
	bp := startBroker(t, grantOnly(Base(), nil))
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	c, err := bp.client.Dial(ctx, Base(), "tcp", echo.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := echoOnce(c, "private ok\n"); err != nil {
		t.Fatal(err)
	}
}

// TestBrokerRefusals proves that each refusal of the server comes back from Dial as an error
// (never a nil conn with a nil error) with its reason: a policy granted does not know, a
// network other than TCP, a loopback address under the base policy, the node's own listener
// even under a policy whose rules open its address, an address without a port. None of them
// connects: after them, a granted dial is the echo server's first and only connection.
func TestBrokerRefusals(t *testing.T) {
	setAllowPrivate(t, false)
	echo := startEcho(t)
	p := loopbackPolicy(t)
	other := For([]limits.EgressRule{mustRule(t, "127.0.0.2")})
	bp := startBroker(t, func(key string) *Policy {
		switch key {
		case p.Key():
			return p
		case Base().Key():
			return Base()
		}
		return nil
	})
	_, port, _ := net.SplitHostPort(echo.addr)

	for _, tc := range []struct {
		name, network, addr string
		policy              *Policy
		want                string
		own                 bool // register the echo server as an own listener
		ipv6                bool // needs IPv6 sockets (the check runs once the socket is made)
	}{
		{"unknown policy", "tcp", echo.addr, other, "no such egress policy", false, false},
		{"udp", "udp", echo.addr, p, `network "udp" is not allowed`, false, false},
		{"unix", "unix", "/tmp/x.sock", p, `network "unix" is not allowed`, false, false},
		{"loopback under the base policy", "tcp", echo.addr, Base(), "is not allowed (a private", false, false},
		{"IPv6 loopback under the base policy", "tcp6", "[::1]:" + port, Base(), "is not allowed (a private", false, true},
		{"own listener", "tcp", echo.addr, p, "own listener", true, false},
		{"own listener over tcp4", "tcp4", echo.addr, p, "own listener", true, false},
		{"no port", "tcp", "127.0.0.1", p, "missing port", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ipv6 && !ipv6Sockets() {
				t.Skip("no IPv6 sockets on this machine")
			}
			if tc.own {
				t.Cleanup(AddOwnListener(mustTCPAddr(t, echo.addr)))
			}
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			c, err := bp.client.Dial(ctx, tc.policy, tc.network, tc.addr)
			if c != nil {
				c.Close()
				t.Fatalf("connected (err %v), want a refusal", err)
			}
			if err == nil {
				t.Fatal("a nil conn with a nil error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want one containing %q", err, tc.want)
			}
		})
	}

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	c, err := bp.client.Dial(ctx, p, "tcp", echo.addr)
	if err != nil {
		t.Fatalf("a granted dial after the refusals: %v", err)
	}
	defer c.Close()
	if err := echoOnce(c, "after refusals\n"); err != nil {
		t.Fatal(err)
	}
	// Accepts are in connection order: had a refused request connected, the echo server would
	// have accepted it before this one.
	if got := waitFor(t, echo.accepted, 1, "the granted connection")[0]; got != c.LocalAddr().String() {
		t.Fatalf("the echo server's first connection is from %s, not the granted dial's %s: a refused request connected", got, c.LocalAddr())
	}
}

// ipv6Sockets reports whether the kernel makes IPv6 sockets.
func ipv6Sockets() bool {
	fd, err := syscall.Socket(syscall.AF_INET6, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return false
	}
	syscall.Close(fd)
	return true
}

func mustTCPAddr(t *testing.T, s string) *net.TCPAddr {
	t.Helper()
	a, err := net.ResolveTCPAddr("tcp", s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestBrokerCancel proves that a Dial whose context ends while the server is still working on
// it returns ctx.Err() at once (canceled or deadline exceeded), and that the connection the
// server makes afterwards is closed by the client, not leaked: the echo server sees it end
// without the test touching it. The client stays usable and keeps nothing pending.
func TestBrokerCancel(t *testing.T) {
	for _, tc := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc, func())
		want error
	}{
		{"cancel", func() (context.Context, context.CancelFunc, func()) {
			ctx, cancel := context.WithCancel(context.Background())
			return ctx, cancel, cancel
		}, context.Canceled},
		{"deadline", func() (context.Context, context.CancelFunc, func()) {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			return ctx, cancel, func() {} // the deadline ends it
		}, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setAllowPrivate(t, false)
			echo := startEcho(t)
			p := loopbackPolicy(t)
			g := newGate(t, 1)
			var calls atomic.Int32
			grant := grantOnly(p, &calls)
			bp := startBroker(t, func(key string) *Policy { g.pass(key); return grant(key) })

			ctx, cancel, end := tc.ctx()
			defer cancel()
			res := dialAsync(ctx, bp.client, p, "tcp", echo.addr)
			g.waitEntered(t) // the request is at the server, before it dials
			end()
			r := waitDial(t, res)
			if r.conn != nil {
				r.conn.Close()
				t.Fatal("a conn from a Dial whose context ended before the server answered")
			}
			if !errors.Is(r.err, tc.want) || r.err != ctx.Err() {
				t.Fatalf("error %v, want ctx.Err() = %v", r.err, ctx.Err())
			}

			g.open() // now the server connects and passes the connection back
			late := waitFor(t, echo.accepted, 1, "the late connection")[0]
			if got := waitFor(t, echo.ended, 1, "the late connection's end")[0]; got != late {
				t.Fatalf("connection from %s ended, want the late one from %s", got, late)
			}

			dctx, dcancel := context.WithTimeout(context.Background(), waitTimeout)
			defer dcancel()
			c, err := bp.client.Dial(dctx, p, "tcp", echo.addr)
			if err != nil {
				t.Fatalf("a Dial after a cancelled one: %v", err)
			}
			defer c.Close()
			if err := echoOnce(c, "still working\n"); err != nil {
				t.Fatal(err)
			}
			bp.client.mu.Lock()
			pending := len(bp.client.pending)
			bp.client.mu.Unlock()
			if pending != 0 {
				t.Errorf("%d requests still pending", pending)
			}
		})
	}
}

// TestBrokerCancelRace proves that no brokered connection leaks whichever way a cancellation
// races with its reply (the reply before, during or after the context's end): of 60 Dials whose
// contexts end after staggered delays, the test closes the connections the Dials returned,
// and every connection the echo server accepted (one per request) must then end.
func TestBrokerCancelRace(t *testing.T) {
	setAllowPrivate(t, false)
	echo := startEcho(t)
	p := loopbackPolicy(t)
	bp := startBroker(t, grantOnly(p, nil))

	const n = 60
	var wg sync.WaitGroup
	var returned, cancelled atomic.Int32
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// Staggered from at once to 14.5 ms: some before the request is written, some
			// while the server dials, some after the reply.
			stop := time.AfterFunc(time.Duration(i%30)*500*time.Microsecond, cancel)
			defer stop.Stop()
			c, err := bp.client.Dial(ctx, p, "tcp", echo.addr)
			switch {
			case err == nil && c != nil:
				returned.Add(1)
				c.Close()
			case err != nil && c == nil:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("dial %d: %v, want a connection or context.Canceled", i, err)
				}
				cancelled.Add(1)
			default:
				t.Errorf("dial %d: conn %v with error %v", i, c, err)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d connections returned, %d dials cancelled", returned.Load(), cancelled.Load())
	// Dial writes its request whatever its context, and the server connects every request it
	// grants: the echo server accepts exactly n connections, and each must end (closed by the
	// test, by Dial after its context ended, or by the reader for a request no one waits for).
	waitFor(t, echo.accepted, n, "connections accepted by the echo server")
	waitFor(t, echo.ended, n, "brokered connections ended (the others leaked)")
	// The client is still usable.
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	c, err := bp.client.Dial(ctx, p, "tcp", echo.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := echoOnce(c, "x"); err != nil {
		t.Fatal(err)
	}
}

// TestBrokerConnectionLoss proves that when the broker connection goes (the server's end
// closed, ServeBroker's context ended, or the client's own end closed), a Dial waiting for its
// reply fails with an error instead of hanging, every later Dial fails at once, and
// ServeBroker returns (nil when its context ended or the client closed its end).
func TestBrokerConnectionLoss(t *testing.T) {
	for _, tc := range []struct {
		name      string
		lose      func(bp *brokerPair)
		clientErr string // a part of the pending Dial's error
		check     func(t *testing.T, served error)
	}{
		{"server end closed", func(bp *brokerPair) { bp.serverConn.Close() }, "the supervisor closed the connection", nil},
		{"server context ended", func(bp *brokerPair) { bp.cancel() }, "the supervisor closed the connection", func(t *testing.T, served error) {
			if served != nil {
				t.Errorf("ServeBroker returned %v after its context ended, want nil", served)
			}
		}},
		{"client end closed", func(bp *brokerPair) { bp.clientConn.Close() }, "egress broker", func(t *testing.T, served error) {
			if served != nil {
				t.Errorf("ServeBroker returned %v after the client closed its end, want nil", served)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setAllowPrivate(t, false)
			echo := startEcho(t)
			p := loopbackPolicy(t)
			g := newGate(t, 1)
			grant := grantOnly(p, nil)
			bp := startBroker(t, func(key string) *Policy { g.pass(key); return grant(key) })

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			pending := dialAsync(ctx, bp.client, p, "tcp", echo.addr)
			g.waitEntered(t)
			tc.lose(bp)
			r := waitDial(t, pending)
			if r.conn != nil {
				r.conn.Close()
				t.Fatal("a pending Dial returned a connection after the broker connection was lost")
			}
			if r.err == nil || !strings.Contains(r.err.Error(), "egress broker") || !strings.Contains(r.err.Error(), tc.clientErr) {
				t.Fatalf("pending Dial: error %v, want an egress broker error with %q", r.err, tc.clientErr)
			}
			if errors.Is(r.err, context.Canceled) {
				t.Fatalf("pending Dial: %v is the context's error, not the connection's", r.err)
			}

			later := waitDial(t, dialAsync(ctx, bp.client, p, "tcp", echo.addr))
			if later.conn != nil || later.err == nil {
				t.Fatalf("a Dial after the loss: conn %v, error %v; want an error", later.conn, later.err)
			}

			select {
			case err := <-bp.served:
				bp.served <- err // for startBroker's cleanup
				if tc.check != nil {
					tc.check(t, err)
				}
			case <-time.After(waitTimeout):
				t.Fatalf("ServeBroker did not return within %v of losing its connection", waitTimeout)
			}
		})
	}
}

// TestSetBroker proves that with SetBroker(client) every Policy.Dial of the process goes
// through the broker (granted sees it; a refusal only the broker makes comes back), that
// DialHere still dials here, and that SetBroker(nil) restores direct dialing.
func TestSetBroker(t *testing.T) {
	setAllowPrivate(t, false)
	echo := startEcho(t)
	p := loopbackPolicy(t)
	other := For([]limits.EgressRule{mustRule(t, "127.0.0.0/8")})
	var calls atomic.Int32
	bp := startBroker(t, grantOnly(p, &calls))
	setBroker(t, bp.client)

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	c, err := p.Dial(ctx, "tcp", echo.addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := echoOnce(c, "brokered\n"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if got := calls.Load(); got != 1 {
		t.Fatalf("granted called %d times by a Policy.Dial with a broker set, want 1", got)
	}
	// other's rules open the address, but granted does not know it: only the broker refuses.
	if c, err := other.Dial(ctx, "tcp", echo.addr); err == nil || !strings.Contains(err.Error(), "no such egress policy") {
		if c != nil {
			c.Close()
		}
		t.Fatalf("Policy.Dial under a policy the broker does not grant: error %v, want no such egress policy", err)
	}
	if got := calls.Load(); got != 2 {
		t.Fatalf("granted called %d times, want 2", got)
	}

	c, err = other.DialHere(ctx, "tcp", echo.addr)
	if err != nil {
		t.Fatalf("DialHere with a broker set: %v", err)
	}
	c.Close()
	if got := calls.Load(); got != 2 {
		t.Fatalf("DialHere went through the broker (granted called %d times, want 2)", got)
	}

	SetBroker(nil)
	c, err = other.Dial(ctx, "tcp", echo.addr)
	if err != nil {
		t.Fatalf("Policy.Dial after SetBroker(nil): %v", err)
	}
	if err := echoOnce(c, "direct\n"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if got := calls.Load(); got != 2 {
		t.Fatalf("Policy.Dial after SetBroker(nil) went through the broker (granted called %d times, want 2)", got)
	}
	// Direct dialing applies the checks too.
	if c, err := Base().Dial(ctx, "tcp", echo.addr); err == nil || !strings.Contains(err.Error(), "is not allowed") {
		if c != nil {
			c.Close()
		}
		t.Fatalf("direct Policy.Dial to loopback under the base policy: error %v, want is not allowed", err)
	}
}

// fakeServer reads the client's requests on the server end of a socketpair and answers each
// with reply, so tests can send replies ServeBroker never would.
// After writing a reply, it closes the files reply returned (the server's copies of passed
// sockets).
func fakeServer(t *testing.T, sc *net.UnixConn, reply func(req brokerRequest) (msg, oob []byte, files []*os.File)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, maxBrokerPacket)
		for {
			n, _, _, _, err := sc.ReadMsgUnix(buf, nil)
			if err != nil || n == 0 {
				return
			}
			var req brokerRequest
			if err := json.Unmarshal(buf[:n], &req); err != nil {
				t.Errorf("the client sent %q: %v", buf[:n], err)
				return
			}
			msg, oob, files := reply(req)
			_, _, err = sc.WriteMsgUnix(msg, oob, nil)
			for _, f := range files {
				f.Close()
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		sc.Close()
		select {
		case <-done:
		case <-time.After(waitTimeout):
			t.Errorf("the fake server did not stop")
		}
	})
}

// TestBrokerClientBadReplies proves that the client turns replies ServeBroker never sends into
// errors, not nil connections or hangs: a success reply without a socket, one with two sockets
// (both closed, not leaked: the echo server sees them end), and a packet that is not JSON,
// which fails the connection for that and every later Dial. It also proves the request
// carries the policy's key, the network and the address.
func TestBrokerClientBadReplies(t *testing.T) {
	setAllowPrivate(t, false)
	echo := startEcho(t)
	p := loopbackPolicy(t)
	cc, sc := seqpacketPair(t)
	var (
		mu   sync.Mutex
		reqs []brokerRequest
	)
	fakeServer(t, sc, func(req brokerRequest) ([]byte, []byte, []*os.File) {
		mu.Lock()
		reqs = append(reqs, req)
		mu.Unlock()
		switch req.Address {
		case "no-socket:1":
			msg, _ := json.Marshal(brokerReply{ID: req.ID})
			return msg, nil, nil
		case "two-sockets:1":
			var fds []int
			var files []*os.File
			for range 2 {
				c, err := net.Dial("tcp", echo.addr)
				if err != nil {
					t.Error(err)
					return nil, nil, files
				}
				f, err := c.(*net.TCPConn).File()
				c.Close()
				if err != nil {
					t.Error(err)
					return nil, nil, files
				}
				files = append(files, f)
				fds = append(fds, int(f.Fd()))
			}
			msg, _ := json.Marshal(brokerReply{ID: req.ID})
			return msg, syscall.UnixRights(fds...), files
		default:
			return []byte("not json"), nil, nil
		}
	})
	client := NewBrokerClient(cc)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()

	r := waitDial(t, dialAsync(ctx, client, p, "tcp4", "no-socket:1"))
	if r.conn != nil || r.err == nil || !strings.Contains(r.err.Error(), "with 0 sockets") {
		t.Fatalf("a success reply without a socket: conn %v, error %v", r.conn, r.err)
	}
	mu.Lock()
	first := reqs[0]
	mu.Unlock()
	if first.Policy != p.Key() || first.Network != "tcp4" || first.Address != "no-socket:1" || first.ID == 0 {
		t.Fatalf("request %+v, want policy %q, network tcp4, address no-socket:1, a non-zero id", first, p.Key())
	}

	r = waitDial(t, dialAsync(ctx, client, p, "tcp", "two-sockets:1"))
	if r.conn != nil || r.err == nil || !strings.Contains(r.err.Error(), "with 2 sockets") {
		t.Fatalf("a success reply with two sockets: conn %v, error %v", r.conn, r.err)
	}
	// The fake server closed its copies after sending: the connections end only if the
	// client closed the copies it received.
	waitFor(t, echo.accepted, 2, "the two passed connections")
	waitFor(t, echo.ended, 2, "the two passed connections' end (the client leaked them)")

	r = waitDial(t, dialAsync(ctx, client, p, "tcp", "garbage:1"))
	if r.conn != nil || r.err == nil || !strings.Contains(r.err.Error(), "not one") {
		t.Fatalf("a reply that is not JSON: conn %v, error %v", r.conn, r.err)
	}
	r = waitDial(t, dialAsync(ctx, client, p, "tcp", "no-socket:1"))
	if r.conn != nil || r.err == nil {
		t.Fatalf("a Dial after a bad reply: conn %v, error %v; want the connection's error", r.conn, r.err)
	}
}

// TestBrokerDialAfterItsContextEnded: a Dial whose context has already ended returns its error
// without asking the supervisor, which then connects for nobody.
func TestBrokerDialAfterItsContextEnded(t *testing.T) {
	var calls atomic.Int32
	bp := startBroker(t, func(string) *Policy { calls.Add(1); return Base() })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if c, err := bp.client.Dial(ctx, Base(), "tcp", "127.0.0.1:1"); c != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial after cancel = %v, %v; want context.Canceled", c, err)
	}
	// A request sent after it is answered first if the cancelled one was never sent.
	if _, err := bp.client.Dial(context.Background(), Base(), "udp", "127.0.0.1:1"); err == nil {
		t.Fatal("a udp dial was connected")
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("the supervisor was asked %d times, want once (the cancelled Dial sent nothing)", n)
	}
}
