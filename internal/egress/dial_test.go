package egress

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"

	"islet/internal/limits"
)

// TestRefused proves the default refusals: loopback, private, shared, link-local (metadata
// included), multicast, reserved, unique-local and the IPv6 metadata address are refused, in
// IPv4-mapped IPv6 form too, and public addresses are not. It only checks addresses; nothing
// is dialed.
func TestRefused(t *testing.T) {
	for _, tc := range []struct {
		addr    string
		refused bool
	}{
		{"127.0.0.1", true},
		{"127.255.255.254", true},
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"172.31.255.255", true},
		{"192.168.1.1", true},
		{"100.64.0.1", true},
		{"169.254.169.254", true},
		{"0.0.0.0", true},
		{"224.0.0.1", true},
		{"255.255.255.255", true},
		{"::", true},
		{"::1", true},
		{"::ffff:127.0.0.1", true},
		{"::ffff:10.1.2.3", true},
		{"::ffff:169.254.169.254", true},
		{"fd00:ec2::254", true},
		{"fc00::1", true},
		{"fe80::1", true},
		{"ff02::1", true},
		{"8.8.8.8", false},
		{"1.1.1.1", false},
		{"172.32.0.1", false},
		{"::ffff:8.8.8.8", false},
		{"2001:4860:4860::8888", false},
	} {
		if got := refused(netip.MustParseAddr(tc.addr)); got != tc.refused {
			t.Errorf("refused(%s) = %v, want %v", tc.addr, got, tc.refused)
		}
	}
}

// TestPolicyCheck proves check's decisions on resolved addresses: the base policy refuses
// private destinations (with the "is not allowed" reason) and passes public ones; a policy's
// address rules open exactly their range and port (IPv4-mapped forms included); a host rule's
// opening (hostOpened) passes any address; the node's own listeners are refused whatever the
// rules or host opening; an address that is not ip:port is refused. Nothing is dialed.
func TestPolicyCheck(t *testing.T) {
	removeOwn := AddOwnListener(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8787})
	t.Cleanup(removeOwn)
	removeAny := AddOwnListener(&net.TCPAddr{IP: net.IPv6unspecified, Port: 9797})
	t.Cleanup(removeAny)

	open := For([]limits.EgressRule{mustRule(t, "10.0.0.0/8"), mustRule(t, "127.0.0.1:8080"), mustRule(t, "fd00::1")})
	const (
		private = "is not allowed (a private"
		own     = "own listener"
	)
	for _, tc := range []struct {
		policy     *Policy
		address    string
		hostOpened bool
		want       string // "" allowed, else a part of the error
	}{
		{Base(), "127.0.0.1:80", false, private},
		{Base(), "10.1.2.3:443", false, private},
		{Base(), "169.254.169.254:80", false, private},
		{Base(), "8.8.8.8:53", false, ""},
		{Base(), "[::1]:80", false, private},
		{Base(), "[::ffff:127.0.0.1]:80", false, private},
		{Base(), "[fd00:ec2::254]:80", false, private},
		{Base(), "[2001:4860:4860::8888]:443", false, ""},
		{Base(), "127.0.0.1:80", true, ""},
		{open, "10.1.2.3:443", false, ""},
		{open, "[::ffff:10.1.2.3]:443", false, ""},
		{open, "127.0.0.1:8080", false, ""},
		{open, "127.0.0.1:8081", false, private},
		{open, "127.0.0.2:8080", false, private},
		{open, "[fd00::1]:1", false, ""},
		{open, "[fd00::2]:1", false, private},
		{open, "169.254.169.254:80", false, private},
		{open, "8.8.8.8:53", false, ""},
		{Base(), "127.0.0.1:8787", false, own},
		{Base(), "127.0.0.1:8787", true, own},
		{Base(), "[::ffff:127.0.0.1]:8787", true, own},
		{For([]limits.EgressRule{mustRule(t, "127.0.0.1:8787")}), "127.0.0.1:8787", false, own},
		{Base(), "127.0.0.1:9797", true, own},
		{Base(), "[::1]:9797", true, own},
		{Base(), "127.0.0.2:8787", true, ""}, // another address on the port
		{Base(), "127.0.0.1", false, "cannot check"},
		{Base(), "localhost:80", false, "cannot check"},
	} {
		err := tc.policy.check(tc.address, tc.hostOpened)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("policy %q: check(%s, hostOpened %v) = %v, want allowed", tc.policy, tc.address, tc.hostOpened, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("policy %q: check(%s, hostOpened %v) = %v, want an error with %q", tc.policy, tc.address, tc.hostOpened, err, tc.want)
		}
	}

	removeOwn()
	removeAny()
	if err := Base().check("127.0.0.1:8787", true); err != nil {
		t.Errorf("after the own listener's removal: %v", err)
	}
	if err := Base().check("127.0.0.1:9797", true); err != nil {
		t.Errorf("after the unspecified own listener's removal: %v", err)
	}
}

// TestFor proves that For shares one Policy among the same rules in any order, names it by
// its sorted rules, and gives the base policy (key "") for no rules.
func TestFor(t *testing.T) {
	a := For([]limits.EgressRule{mustRule(t, "10.0.0.0/8"), mustRule(t, "db.internal:5432")})
	b := For([]limits.EgressRule{mustRule(t, "db.internal:5432"), mustRule(t, "10.0.0.0/8")})
	if a != b {
		t.Errorf("the same rules in another order made another policy (%q, %q)", a, b)
	}
	if want := "10.0.0.0/8,db.internal:5432"; a.Key() != want {
		t.Errorf("key %q, want %q", a.Key(), want)
	}
	if For(nil) != Base() || Base().Key() != "" {
		t.Errorf("For(nil) = %q, want the base policy with key \"\"", For(nil))
	}
}

// setLookup resolves names with f for the test and restores the previous resolver after.
func setLookup(t *testing.T, f LookupFunc) {
	old := lookupHook.Load()
	SetLookup(f)
	t.Cleanup(func() { lookupHook.Store(old) })
}

// TestDialHereChecksResolvedAddresses proves that DialHere checks the address a name resolves
// to (via SetLookup; only 127.0.0.1 is ever dialed): a name resolving to loopback is refused
// under the base policy, connected under a host rule for that name, and refused under the same
// host rule when it is the node's own listener; a failing or empty lookup and a bad port are
// errors; with SetAllowPrivate(true) loopback is reached without rules.
func TestDialHereChecksResolvedAddresses(t *testing.T) {
	setAllowPrivate(t, false)
	echo := startEcho(t)
	_, port, _ := net.SplitHostPort(echo.addr)
	setLookup(t, func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "echo.test":
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		case "empty.test":
			return nil, nil
		}
		return nil, errors.New("no such host")
	})
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()

	dialErr := func(p *Policy, addr, want string) {
		t.Helper()
		c, err := p.DialHere(ctx, "tcp", addr)
		if c != nil {
			c.Close()
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("DialHere(%s) under %q: %v, want an error with %q", addr, p, err, want)
		}
	}
	dialErr(Base(), "echo.test:"+port, "is not allowed")
	dialErr(Base(), "127.0.0.1:"+port, "is not allowed")
	dialErr(Base(), "nosuch.test:"+port, "no such host")
	dialErr(Base(), "empty.test:"+port, "no addresses")
	dialErr(Base(), "echo.test:http", "port")
	dialErr(Base(), "echo.test", "missing port")

	hostRule := For([]limits.EgressRule{mustRule(t, "echo.test")})
	c, err := hostRule.DialHere(ctx, "tcp", "echo.test:"+port)
	if err != nil {
		t.Fatalf("DialHere under a host rule for the name: %v", err)
	}
	if err := echoOnce(c, "by name\n"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	// The host rule opens the name, not the address.
	dialErr(hostRule, "127.0.0.1:"+port, "is not allowed")

	remove := AddOwnListener(mustTCPAddr(t, echo.addr))
	t.Cleanup(remove)
	dialErr(hostRule, "echo.test:"+port, "own listener")
	remove()

	setAllowPrivate(t, true)
	c, err = Base().DialHere(ctx, "tcp", echo.addr)
	if err != nil {
		t.Fatalf("DialHere to loopback with SetAllowPrivate(true): %v", err)
	}
	if err := echoOnce(c, "allowed\n"); err != nil {
		t.Fatal(err)
	}
	c.Close()
}
