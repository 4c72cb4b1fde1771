package supervisor

import (
	"context"
	"net"
	"sync"

	"islet/internal/egress"
	"islet/internal/feed"
	"islet/internal/limits"
)

// grants are the egress policies one runtime process may connect under, as of one feed State.
type grants struct {
	mu       sync.Mutex
	of       *feed.State
	policies map[string]*egress.Policy // by Key
}

// granted returns the policy with key that a version of a worker routed to c runs under (or
// the one that opens nothing, or the node's alone), nil for any other: a runtime process can
// connect only as one of its own workers could.
func (c *child) granted(key string) *egress.Policy {
	st := c.feed.Current()
	c.grants.mu.Lock()
	defer c.grants.mu.Unlock()
	if c.grants.of != st || c.grants.policies == nil {
		m := map[string]*egress.Policy{}
		for _, p := range []*egress.Policy{egress.Base(), egress.For(nil)} {
			m[p.Key()] = p
		}
		if st != nil {
			for _, w := range st.Only(c.serves).Workers {
				for _, v := range w.Versions() {
					rules, err := limits.ParseEgressRules(v.EgressAllow)
					if err != nil {
						continue // the runtime process refuses such a version too
					}
					p := egress.For(rules)
					m[p.Key()] = p
				}
			}
		}
		c.grants.of, c.grants.policies = st, m
	}
	return c.grants.policies[key]
}

// serveBroker connects for the process (egress.ServeBroker) until it exits, then closes conn.
func (c *child) serveBroker(conn *net.UnixConn, exited <-chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-exited
		cancel()
	}()
	if err := egress.ServeBroker(ctx, conn, c.granted, c.service, c.log.With("process", c.index)); err != nil && ctx.Err() == nil {
		c.log.Error("egress broker of runtime process failed; its outbound connections fail until it restarts", "process", c.index, "err", err)
	}
	conn.Close()
}
