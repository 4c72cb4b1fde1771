package fetch

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
)

// allowPrivate says whether outbound fetch may reach loopback, private, link-local,
// unique-local, multicast and metadata addresses. It is node-wide: `islet dev` allows them
// (a worker under development talks to local services); `islet serve` refuses them unless the
// operator opens them.
var allowPrivate atomic.Bool

// SetAllowPrivateEgress opens or closes private destinations for outbound fetch.
func SetAllowPrivateEgress(allow bool) { allowPrivate.Store(allow) }

// refusedPrefixes are destinations outbound fetch never reaches unless private egress is allowed.
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

// refused reports whether addr is a destination outbound fetch may not reach.
func refused(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range refusedPrefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// egressControl checks the address a connection is about to reach, after DNS resolution, on
// every dial (so also on every redirect hop): a name that resolves to a private address is
// refused like the address itself.
func egressControl(network, address string, _ syscall.RawConn) error {
	if allowPrivate.Load() {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("egress: cannot check address %q", address)
	}
	if refused(ap.Addr()) {
		return fmt.Errorf("egress to %s is not allowed (a private, loopback, link-local or metadata address)", ap.Addr())
	}
	return nil
}

var dialer = &net.Dialer{Control: egressControl}

func dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return dialer.DialContext(ctx, network, addr)
}
