package egress

import (
	"net"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"islet/internal/limits"
)

// Policy is the egress rules one worker's outbound connections run under: the defaults (no
// private destinations, never the node's own listeners) with the worker's allowlist and the
// node's opened. Workers with the same rules share a Policy; its Key names it, the same in
// every process with the same node rules.
type Policy struct {
	rules []limits.EgressRule
	key   string
}

// basePolicy opens nothing.
var basePolicy = &Policy{}

// Base is the policy that opens nothing, not even the node's rules.
func Base() *Policy { return basePolicy }

var (
	nodeRules atomic.Pointer[[]limits.EgressRule]

	policiesMu sync.Mutex
	policies   = map[string]*Policy{}
)

// SetNodeRules opens rules for every worker of the node (islet serve --egress-allow).
// Policies made before the call keep the rules they were made with.
func SetNodeRules(rules []limits.EgressRule) {
	r := append([]limits.EgressRule(nil), rules...)
	nodeRules.Store(&r)
}

// For returns the policy of a worker whose allowlist is rules, with the node's rules added.
func For(rules []limits.EgressRule) *Policy {
	var all []limits.EgressRule
	if n := nodeRules.Load(); n != nil {
		all = append(all, *n...)
	}
	all = append(all, rules...)
	if len(all) == 0 {
		return basePolicy
	}
	keys := make([]string, len(all))
	for i, r := range all {
		keys[i] = r.String()
	}
	sort.Strings(keys)
	key := strings.Join(keys, ",")
	policiesMu.Lock()
	defer policiesMu.Unlock()
	if p, ok := policies[key]; ok {
		return p
	}
	p := &Policy{rules: all, key: key}
	policies[key] = p
	return p
}

// String lists the policy's opened rules.
func (p *Policy) String() string { return p.key }

// Key names the policy: its opened rules, sorted ("" for one that opens nothing).
func (p *Policy) Key() string { return p.key }

// The node's own listeners: outbound connections never go to them (a worker reaching its own
// node from inside skips the gateway's view of where requests come from), whatever the rules.
var (
	ownMu    sync.RWMutex
	ownAddrs = map[*netip.AddrPort]struct{}{}

	localMu      sync.Mutex
	localAddrs   map[netip.Addr]bool
	localExpires time.Time
)

// AddOwnListener registers an address the node serves on; remove unregisters it. An
// unspecified address (0.0.0.0:8787, [::]:8787) stands for every address of the machine's
// interfaces on that port.
func AddOwnListener(addr net.Addr) (remove func()) {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return func() {}
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	key := &ap
	ownMu.Lock()
	ownAddrs[key] = struct{}{}
	ownMu.Unlock()
	return func() {
		ownMu.Lock()
		delete(ownAddrs, key)
		ownMu.Unlock()
	}
}

// isOwnListener reports whether ap is one of the node's listeners.
func isOwnListener(ap netip.AddrPort) bool {
	addr := ap.Addr().Unmap()
	ownMu.RLock()
	defer ownMu.RUnlock()
	for own := range ownAddrs {
		if own.Port() != ap.Port() {
			continue
		}
		if own.Addr() == addr || own.Addr().IsUnspecified() && isLocalAddr(addr) {
			return true
		}
	}
	return false
}

// isLocalAddr reports whether addr belongs to this machine (loopback or an interface's address,
// read at most every 5 s).
func isLocalAddr(addr netip.Addr) bool {
	if addr.IsLoopback() || addr.IsUnspecified() {
		return true
	}
	localMu.Lock()
	defer localMu.Unlock()
	if time.Now().After(localExpires) {
		localAddrs = map[netip.Addr]bool{}
		if list, err := net.InterfaceAddrs(); err == nil {
			for _, a := range list {
				if p, err := netip.ParsePrefix(a.String()); err == nil {
					localAddrs[p.Addr().Unmap()] = true
				}
			}
		}
		localExpires = time.Now().Add(5 * time.Second)
	}
	return localAddrs[addr]
}
