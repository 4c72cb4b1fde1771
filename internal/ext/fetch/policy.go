package fetch

import (
	"net/http"
	"sync"

	"islet/internal/egress"
)

// EgressHost is implemented by a fetch Host whose worker has its own egress policy; without it
// outbound fetch runs under the node's rules alone.
type EgressHost interface {
	EgressPolicy() *egress.Policy
}

func policyOf(h Host) *egress.Policy {
	if e, ok := h.(EgressHost); ok {
		if p := e.EgressPolicy(); p != nil {
			return p
		}
	}
	return egress.For(nil)
}

// transports are the HTTP transports of the egress policies that open something, by Key: each
// policy has its own, so a pooled connection to a destination one worker may reach is never
// reused by a worker that may not. The policy that opens nothing uses the shared transport.
var transports sync.Map // string → *http.Transport

// transportFor is the HTTP transport of fetches under p.
func transportFor(p *egress.Policy) *http.Transport {
	if p == nil || p.Key() == "" {
		return transport
	}
	if t, ok := transports.Load(p.Key()); ok {
		return t.(*http.Transport)
	}
	t := transport.Clone()
	t.DialContext = p.Dial
	actual, _ := transports.LoadOrStore(p.Key(), t)
	return actual.(*http.Transport)
}
