package tenancy

import (
	"fmt"
	"slices"
	"strings"

	"islet/internal/gateway"
	"islet/internal/limits"
)

// A zone is a domain an operator assigned to one account, as on Cloudflare: it covers the
// domain itself and every name under it ("acme.test" covers acme.test and shop.acme.test). An
// account may route only hosts inside its zones. Zones of different accounts never overlap,
// so no route an account may add can match a host of another account's zone, and the platform
// domain ("<name>.localhost", each worker's own host) is nobody's zone.

// Zone is one zone and the account it belongs to.
type Zone struct {
	Domain  string `json:"domain"`
	Account string `json:"account"`
}

// ParseZone normalises a zone's domain (lower case, no trailing dot) and refuses what cannot
// be one: a malformed name, a single label ("test", which would hand out a whole TLD) and the
// platform domain or a name under it.
func ParseZone(s string) (string, error) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	switch {
	case !limits.ValidHostName(d):
		return "", fmt.Errorf("zone %q is not a domain name", s)
	case !strings.Contains(d, "."):
		return "", fmt.Errorf("zone %q is a single label; assign a domain such as example.com", s)
	case Covers(gateway.PlatformDomain, d):
		return "", fmt.Errorf("zone %q is under %s, where every worker has its own host", s, gateway.PlatformDomain)
	}
	return d, nil
}

// Covers reports whether host is zone or a name under it.
func Covers(zone, host string) bool {
	return host == zone || strings.HasSuffix(host, "."+zone)
}

// Overlaps reports whether two zones share a host (one covers the other).
func Overlaps(a, b string) bool { return Covers(a, b) || Covers(b, a) }

// CheckZones normalises the zones an operator assigns to account and refuses one that
// overlaps a zone of another account in others; it returns the zones normalised, without
// repeats, in the order given.
func CheckZones(account string, zones []string, others []Zone) ([]string, error) {
	out := make([]string, 0, len(zones))
	for _, s := range zones {
		d, err := ParseZone(s)
		if err != nil {
			return nil, err
		}
		for _, o := range others {
			if o.Account != account && Overlaps(d, o.Domain) {
				return nil, fmt.Errorf("zone %q overlaps zone %q of account %q", d, o.Domain, o.Account)
			}
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out, nil
}

// CheckRoute decides whether a worker of account may have the route pattern. A tenant (admin
// false) may route only inside its own zones: an exact host a zone covers, or a wildcard
// "*.<name>" whose every match a zone covers ("*acme.test" also matches "evilacme.test", and
// "*/*" matches every host, so both are refused). An operator's worker (admin true) may
// route anywhere except inside another account's zone; its wildcards that are broader than a
// zone ("*/*", "*.test/*") serve only what no route of the zone's owner matches, because an
// exact host and a longer suffix always win. Nobody routes a host under the platform domain.
func CheckRoute(pattern, account string, admin bool, zones []Zone) error {
	host, wild, err := gateway.PatternHost(pattern)
	if err != nil {
		return err
	}
	if !wild && Covers(gateway.PlatformDomain, host) {
		return fmt.Errorf("route %q names a host under %s, where each worker has only its own host <name>.%s",
			pattern, gateway.PlatformDomain, gateway.PlatformDomain)
	}
	var own []string
	for _, z := range zones {
		inside := within(host, wild, z.Domain)
		switch {
		case z.Account == account:
			if inside {
				return nil
			}
			own = append(own, z.Domain)
		case inside:
			return fmt.Errorf("route %q is in zone %q of another account", pattern, z.Domain)
		}
	}
	if admin {
		return nil
	}
	return fmt.Errorf("route %q is outside the account's zones (%s); an operator assigns zones with `islet account set %s --zone <domain>`",
		pattern, describe(own), account)
}

// within reports whether every host a route's host part matches is in zone: the exact host,
// or for a wildcard with suffix s, s = ".<name>" with name in the zone.
func within(host string, wild bool, zone string) bool {
	if !wild {
		return Covers(zone, host)
	}
	name, ok := strings.CutPrefix(host, ".")
	return ok && Covers(zone, name)
}
