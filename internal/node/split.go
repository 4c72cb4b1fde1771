package node

import (
	"math/rand/v2"
	"net/http"
)

// split is a gradual rollout: Percent of a worker's requests go to the spec named Canary.
type split struct {
	Canary  string
	Percent int
}

// Dispatch sends a request the gateway routed to worker on to the scheduler, first picking the
// rollout's version for its share of requests (gateway.Dispatcher).
func (n *Node) Dispatch(w http.ResponseWriter, r *http.Request, worker string) {
	if m := n.splits.Load(); m != nil && *m != nil {
		if s, ok := (*m)[worker]; ok && rand.IntN(100) < s.Percent {
			worker = s.Canary
		}
	}
	n.sched.Dispatch(w, r, worker)
}
