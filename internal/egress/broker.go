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
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The broker protocol runs on a connected Unix SOCK_SEQPACKET socket between a runtime process
// (the client) and its supervisor (the server). Each packet is one JSON message: the client
// sends a brokerRequest, the server answers each with a brokerReply carrying the same ID and,
// when it connected, the connected socket as SCM_RIGHTS ancillary data. Requests are answered
// in any order.
type brokerRequest struct {
	ID uint64 `json:"id"`
	// Policy is the Key of the policy to connect under.
	Policy  string `json:"policy"`
	Network string `json:"network"`
	Address string `json:"address"`
	// Caller is the worker asking, for a connection to a service (Network serviceNetwork,
	// Address the worker it binds).
	Caller string `json:"caller,omitempty"`
}

// serviceNetwork is the broker request network of a connection to a worker through a service
// binding: the supervisor answers with a connection that speaks HTTP to that worker.
const serviceNetwork = "islet-service"

type brokerReply struct {
	ID    uint64 `json:"id"`
	Error string `json:"error,omitempty"`
}

// brokerDialTimeout bounds one connection the server makes (the client's context bounds its
// wait for the reply too).
const brokerDialTimeout = 30 * time.Second

// maxBrokerPacket bounds a message of the protocol.
const maxBrokerPacket = 16 << 10

var broker atomic.Pointer[BrokerClient]

// SetBroker makes every Policy's Dial in this process ask b to connect (nil: connect here).
func SetBroker(b *BrokerClient) { broker.Store(b) }

// BrokerClient asks a supervisor to open outbound connections (see ServeBroker). Its methods
// are safe for concurrent use.
type BrokerClient struct {
	conn *net.UnixConn
	wmu  sync.Mutex

	mu      sync.Mutex
	next    uint64
	pending map[uint64]chan brokered
	err     error // set once the connection failed; every later Dial fails with it
}

type brokered struct {
	conn net.Conn
	err  error
}

// NewBrokerClient makes a client on conn, a connected SOCK_SEQPACKET Unix socket whose other
// end ServeBroker serves, and starts reading its replies until conn fails or closes.
func NewBrokerClient(conn *net.UnixConn) *BrokerClient {
	b := &BrokerClient{conn: conn, pending: map[uint64]chan brokered{}}
	go b.read()
	return b
}

// Dial asks the supervisor for a connection to addr under p and returns it, or the reason it
// was refused.
func (b *BrokerClient) Dial(ctx context.Context, p *Policy, network, addr string) (net.Conn, error) {
	return b.send(ctx, brokerRequest{Policy: p.Key(), Network: network, Address: addr})
}

// DialService asks the supervisor for a connection that speaks HTTP/1.1 to the worker target,
// for a service binding of the worker caller (see ServeBroker's service).
func (b *BrokerClient) DialService(ctx context.Context, caller, target string) (net.Conn, error) {
	return b.send(ctx, brokerRequest{Network: serviceNetwork, Address: target, Caller: caller})
}

// HasBroker reports whether this process connects through a supervisor's broker (SetBroker).
func HasBroker() bool { return broker.Load() != nil }

// DialService is BrokerClient.DialService on this process's broker (SetBroker), or an error
// when the process has none (it runs under no supervisor).
func DialService(ctx context.Context, caller, target string) (net.Conn, error) {
	b := broker.Load()
	if b == nil {
		return nil, errors.New("this process runs under no supervisor")
	}
	return b.DialService(ctx, caller, target)
}

// send sends req under a fresh ID and waits for its reply (and connection).
func (b *BrokerClient) send(ctx context.Context, req brokerRequest) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // the supervisor need not connect for nobody
	}
	done := make(chan brokered, 1)
	b.mu.Lock()
	if b.err != nil {
		b.mu.Unlock()
		return nil, b.err
	}
	b.next++
	id := b.next
	b.pending[id] = done
	b.mu.Unlock()
	req.ID = id
	msg, err := json.Marshal(req)
	if err == nil {
		b.wmu.Lock()
		_, err = b.conn.Write(msg)
		b.wmu.Unlock()
	}
	if err != nil {
		b.forget(id)
		return nil, fmt.Errorf("egress broker: %w", err)
	}
	select {
	case r := <-done:
		return r.conn, r.err
	case <-ctx.Done():
		if !b.forget(id) { // the reply came meanwhile
			if r := <-done; r.conn != nil {
				r.conn.Close()
			}
		}
		return nil, ctx.Err()
	}
}

// forget drops a pending request and reports whether it was still pending.
func (b *BrokerClient) forget(id uint64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.pending[id]
	delete(b.pending, id)
	return ok
}

// read delivers replies to their requests until the connection fails; then every pending and
// later request fails.
func (b *BrokerClient) read() {
	buf := make([]byte, maxBrokerPacket)
	oob := make([]byte, syscall.CmsgSpace(4*4))
	for {
		n, oobn, _, _, err := b.conn.ReadMsgUnix(buf, oob)
		if err != nil || n == 0 {
			if err == nil || errors.Is(err, io.EOF) { // a closed SOCK_SEQPACKET reads as io.EOF
				err = errors.New("the supervisor closed the connection")
			}
			b.fail(fmt.Errorf("egress broker: %w", err))
			return
		}
		fds := receivedFDs(oob[:oobn])
		var r brokerReply
		if err := json.Unmarshal(buf[:n], &r); err != nil {
			closeFDs(fds)
			b.fail(fmt.Errorf("egress broker: a reply that is not one: %w", err))
			b.conn.Close() // a supervisor that says nonsense is not asked again
			return
		}
		res := brokered{err: errors.New(r.Error)}
		if r.Error == "" {
			res.conn, res.err = connOfFDs(fds)
		} else {
			closeFDs(fds)
		}
		b.mu.Lock()
		done := b.pending[r.ID]
		delete(b.pending, r.ID)
		b.mu.Unlock()
		if done == nil { // its caller gave up
			if res.conn != nil {
				res.conn.Close()
			}
			continue
		}
		done <- res
	}
}

func (b *BrokerClient) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.err = err
	for id, done := range b.pending {
		done <- brokered{err: err}
		delete(b.pending, id)
	}
}

// receivedFDs are the descriptors passed in a packet's ancillary data.
func receivedFDs(oob []byte) []int {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for _, m := range msgs {
		if got, err := syscall.ParseUnixRights(&m); err == nil {
			fds = append(fds, got...)
		}
	}
	return fds
}

func closeFDs(fds []int) {
	for _, fd := range fds {
		syscall.Close(fd)
	}
}

// connOfFDs makes the one passed descriptor a net.Conn.
func connOfFDs(fds []int) (net.Conn, error) {
	if len(fds) != 1 {
		closeFDs(fds)
		return nil, fmt.Errorf("egress broker: a reply with %d sockets, want 1", len(fds))
	}
	f := os.NewFile(uintptr(fds[0]), "brokered")
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("egress broker: %w", err)
	}
	return c, nil
}

// ServeBroker answers the requests of the BrokerClient at the other end of conn until conn
// fails or closes, or ctx ends. A request is connected only under a policy that granted
// returns for its Key (the policies of the workers this client runs; nil: refused), to a TCP
// address, by DialHere, which applies every egress check; then the connected socket is passed
// to the client and closed here. Each request is served on its own goroutine, which may
// outlive ServeBroker by as long as granted takes: its dial ends with ServeBroker's context,
// and its reply goes nowhere.
//
// A request for a service (DialService) is answered by service(caller, target), nil to refuse
// every one: a connection the supervisor serves HTTP on for that worker.
func ServeBroker(ctx context.Context, conn *net.UnixConn, granted func(key string) *Policy,
	service func(caller, target string) (net.Conn, error), log *slog.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { <-ctx.Done(); conn.Close() }()
	var wmu sync.Mutex
	reply := func(r brokerReply, c net.Conn) {
		msg, _ := json.Marshal(r)
		var oob []byte
		var f *os.File
		if c != nil {
			var err error
			if f, err = c.(interface{ File() (*os.File, error) }).File(); err != nil {
				msg, _ = json.Marshal(brokerReply{ID: r.ID, Error: fmt.Sprintf("egress broker: %v", err)})
			} else {
				oob = syscall.UnixRights(int(f.Fd()))
			}
			defer c.Close()
		}
		wmu.Lock()
		conn.WriteMsgUnix(msg, oob, nil)
		wmu.Unlock()
		if f != nil {
			f.Close()
		}
	}
	buf := make([]byte, maxBrokerPacket)
	for {
		n, _, _, _, err := conn.ReadMsgUnix(buf, nil)
		if err != nil || n == 0 {
			if ctx.Err() != nil || err == nil || errors.Is(err, io.EOF) { // the client closed its end
				return nil
			}
			return fmt.Errorf("egress broker: %w", err)
		}
		var req brokerRequest
		if err := json.Unmarshal(buf[:n], &req); err != nil {
			return fmt.Errorf("egress broker: a request that is not one: %w", err)
		}
		go func() {
			if req.Network == serviceNetwork {
				if service == nil {
					reply(brokerReply{ID: req.ID, Error: "service bindings are not served here"}, nil)
					return
				}
				c, err := service(req.Caller, req.Address)
				if err != nil {
					reply(brokerReply{ID: req.ID, Error: err.Error()}, nil)
					return
				}
				reply(brokerReply{ID: req.ID}, c)
				return
			}
			p := granted(req.Policy)
			switch {
			case p == nil:
				log.Warn("egress broker: refused a connection under a policy none of the process's workers has", "policy", req.Policy, "address", req.Address)
				reply(brokerReply{ID: req.ID, Error: "egress: this process's workers have no such egress policy"}, nil)
				return
			case req.Network != "tcp" && req.Network != "tcp4" && req.Network != "tcp6":
				reply(brokerReply{ID: req.ID, Error: fmt.Sprintf("egress: network %q is not allowed", req.Network)}, nil)
				return
			}
			dctx, cancel := context.WithTimeout(ctx, brokerDialTimeout)
			defer cancel()
			c, err := p.DialHere(dctx, req.Network, req.Address)
			if err != nil {
				msg := err.Error()
				if len(msg) > 1024 {
					msg = msg[:1024]
				}
				reply(brokerReply{ID: req.ID, Error: msg}, nil)
				return
			}
			reply(brokerReply{ID: req.ID}, c)
		}()
	}
}
