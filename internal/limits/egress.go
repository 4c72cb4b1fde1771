package limits

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// EgressRule is one entry of an egress allowlist: a destination outbound fetch may reach even
// though it is private (loopback, RFC 1918, link-local, metadata…). Outbound fetch checks every
// connection's resolved address against the rules, on every redirect hop too.
//
// The forms are:
//
//	10.0.0.0/8              an address range, any port
//	10.1.2.3, fd00::1       one address, any port
//	10.1.2.3:8080           one address and port ("[fd00::1]:8080" for IPv6)
//	internal.example        a host name: whatever it resolves to, any port
//	internal.example:8080   a host name on one port
//
// A host name rule opens the addresses the name resolves to when a fetch names that host; a
// fetch naming another host that resolves to the same address is still refused.
type EgressRule struct {
	// Prefix is the address range of an address or range rule (invalid for a host rule).
	Prefix netip.Prefix
	// Host is the lower-case host name of a host rule ("" for an address rule).
	Host string
	// Port restricts the rule to one port; 0 means any.
	Port uint16
}

// ParseEgressRule parses one allowlist entry.
func ParseEgressRule(s string) (EgressRule, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return EgressRule{}, fmt.Errorf("egress rule is empty")
	}
	if p, err := netip.ParsePrefix(in); err == nil {
		return EgressRule{Prefix: p.Masked()}, nil
	}
	if a, err := netip.ParseAddr(in); err == nil {
		return EgressRule{Prefix: netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())}, nil
	}
	if ap, err := netip.ParseAddrPort(in); err == nil {
		if ap.Port() == 0 {
			return EgressRule{}, fmt.Errorf("egress rule %q: port 0", s)
		}
		a := ap.Addr().Unmap()
		return EgressRule{Prefix: netip.PrefixFrom(a, a.BitLen()), Port: ap.Port()}, nil
	}
	host, port := in, uint16(0)
	if h, p, err := net.SplitHostPort(in); err == nil {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return EgressRule{}, fmt.Errorf("egress rule %q: %q is not a port from 1 to 65535", s, p)
		}
		host, port = h, uint16(n)
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if !validHostName(host) {
		return EgressRule{}, fmt.Errorf("egress rule %q is not a CIDR, an address, or a host name with an optional port", s)
	}
	return EgressRule{Host: host, Port: port}, nil
}

// ParseEgressRules parses a whole allowlist; the error names the first bad entry.
func ParseEgressRules(list []string) ([]EgressRule, error) {
	out := make([]EgressRule, 0, len(list))
	for _, s := range list {
		r, err := ParseEgressRule(s)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// String writes the rule in the form ParseEgressRule reads.
func (r EgressRule) String() string {
	var s string
	switch {
	case r.Host != "":
		s = r.Host
	case r.Prefix.IsSingleIP():
		s = r.Prefix.Addr().String()
	default:
		s = r.Prefix.String()
	}
	if r.Port == 0 {
		return s
	}
	if r.Host == "" && r.Prefix.Addr().Is6() {
		s = "[" + s + "]"
	}
	return s + ":" + strconv.Itoa(int(r.Port))
}

// AllowsAddr reports whether an address rule opens addr:port.
func (r EgressRule) AllowsAddr(addr netip.Addr, port uint16) bool {
	return r.Host == "" && r.Prefix.IsValid() && r.Prefix.Contains(addr.Unmap()) && (r.Port == 0 || r.Port == port)
}

// AllowsHost reports whether a host rule opens host:port (host as the fetch named it).
func (r EgressRule) AllowsHost(host string, port uint16) bool {
	return r.Host != "" && strings.EqualFold(strings.TrimSuffix(host, "."), r.Host) && (r.Port == 0 || r.Port == port)
}

// Within reports whether every destination r opens is one that grant opens too: the same host
// (for host rules) or an address range inside grant's, on grant's port or any port when grant
// names none. Host and address rules never cover each other: a host rule follows DNS.
func (r EgressRule) Within(grant EgressRule) bool {
	if grant.Port != 0 && grant.Port != r.Port {
		return false
	}
	if r.Host != "" || grant.Host != "" {
		return r.Host == grant.Host
	}
	return grant.Prefix.IsValid() && r.Prefix.IsValid() && grant.Prefix.Bits() <= r.Prefix.Bits() &&
		grant.Prefix.Contains(r.Prefix.Addr())
}

// ValidHostName reports whether s is a lower-case DNS name of letters, digits, '-' and '_'
// labels.
func ValidHostName(s string) bool { return validHostName(s) }

// validHostName reports whether s is a DNS name of letters, digits, '-' and '_' labels.
func validHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
