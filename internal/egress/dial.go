// Package egress decides where workers' outbound connections may go, and connects them: the
// default refusals (loopback, private, link-local and metadata addresses, and the node's own
// listeners), the node's and each worker's rules that open destinations, checked on every
// resolved address at every dial. In a runtime process of a platform supervisor the process
// does not connect itself: it asks its supervisor (SetBroker), which checks and connects with
// the policies of the workers it sent that process, and passes back the connected socket.
// The package is pure Go.
package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync/atomic"
	"syscall"
)

// allowPrivate says whether outbound connections may reach loopback, private, link-local,
// unique-local, multicast and metadata addresses, and the node's own listeners: it turns the
// egress rules off. It is node-wide: `islet dev` allows them (a worker under development talks
// to local services); `islet serve` refuses them unless the operator opens them.
var allowPrivate atomic.Bool

// SetAllowPrivate opens or closes private destinations for every worker of the process.
func SetAllowPrivate(allow bool) { allowPrivate.Store(allow) }

// refusedPrefixes are destinations an outbound connection never reaches unless an egress rule opens them.
var refusedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"), // link-local, including cloud metadata 169.254.169.254
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("::/128"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("ff00::/8"),
	netip.MustParsePrefix("fd00:ec2::254/128"),
}

// refused reports whether addr is a destination outbound connections may not reach by default.
func refused(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range refusedPrefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// LookupFunc resolves a host name to addresses.
type LookupFunc func(ctx context.Context, host string) ([]netip.Addr, error)

var lookupHook atomic.Pointer[LookupFunc]

// SetLookup makes outbound connections resolve host names with f instead of the system resolver (nil
// restores it). Tests use it to make names resolve to private addresses offline; the egress
// rules check the resolved address either way.
func SetLookup(f LookupFunc) {
	if f == nil {
		lookupHook.Store(nil)
		return
	}
	lookupHook.Store(&f)
}

// check decides whether a connection may go to address ("ip:port", resolved), for a fetch whose
// host name a host rule opened (hostOpened).
func (p *Policy) check(address string, hostOpened bool) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("egress: cannot check address %q", address)
	}
	if isOwnListener(ap) {
		return fmt.Errorf("egress to %s is not allowed (it is this node's own listener)", ap)
	}
	if hostOpened {
		return nil
	}
	for _, r := range p.rules {
		if r.AllowsAddr(ap.Addr(), ap.Port()) {
			return nil
		}
	}
	if refused(ap.Addr()) {
		return fmt.Errorf("egress to %s is not allowed (a private, loopback, link-local or metadata address)", ap.Addr())
	}
	return nil
}

var plainDialer = &net.Dialer{}

// Dial opens an outbound connection under p: through the broker when the process has one
// (SetBroker), else itself (DialHere). It is an http.Transport's DialContext.
func (p *Policy) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if b := broker.Load(); b != nil {
		return b.Dial(ctx, p, network, addr)
	}
	return p.DialHere(ctx, network, addr)
}

// DialHere opens an outbound connection under p from this process. Every address a connection
// is attempted to, after DNS resolution, goes through check (so a name that resolves to a
// private address is refused like the address), on every dial and so on every redirect hop.
func (p *Policy) DialHere(ctx context.Context, network, addr string) (net.Conn, error) {
	if allowPrivate.Load() {
		return plainDialer.DialContext(ctx, network, addr)
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("egress: %w", err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("egress: port %q: %w", portStr, err)
	}
	opened := p.hostOpened(host, uint16(port))
	d := &net.Dialer{Control: func(_, address string, _ syscall.RawConn) error { return p.check(address, opened) }}
	lookup := lookupHook.Load()
	if lookup == nil {
		return d.DialContext(ctx, network, addr)
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return d.DialContext(ctx, network, addr)
	}
	addrs, err := (*lookup)(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("lookup %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("lookup %s: no addresses", host)
	}
	var errs []error
	for _, a := range addrs {
		c, err := d.DialContext(ctx, network, netip.AddrPortFrom(a, uint16(port)).String())
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

func (p *Policy) hostOpened(host string, port uint16) bool {
	for _, r := range p.rules {
		if r.AllowsHost(host, port) {
			return true
		}
	}
	return false
}
