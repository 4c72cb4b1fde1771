package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"
)

// ChainHeader names the chain of service-binding calls a request belongs to: a random id that
// the first call of a request's chain makes up and every later call, in any worker of the
// chain, carries on. Only a runtime process's gateway keeps it from what reaches it; every
// other gateway drops it, so no client can join or make up a chain.
const ChainHeader = "x-islet-chain"

// MaxServiceInvocations is how many service-binding calls one place (a runtime process, or a
// supervisor for the calls between its processes) lets one chain make, as Workers cap a
// request's Worker invocations: a worker that calls itself many times at every depth would
// otherwise fan out exponentially below the loop depth.
const MaxServiceInvocations = 32

// ErrChainFull refuses a service-binding call of a chain that made MaxServiceInvocations.
var ErrChainFull = fmt.Errorf("this request's chain of service-binding calls made %d, the most it may", MaxServiceInvocations)

// chainIdle is how long a chain's count is kept after its last call.
const chainIdle = time.Minute

// NewChainID makes up a chain id.
func NewChainID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Chains counts the service-binding calls of each chain in one place. Its methods are safe for
// concurrent use.
type Chains struct {
	mu     sync.Mutex
	counts map[string]*chainCount
	now    func() time.Time
}

type chainCount struct {
	n    int
	last time.Time
}

// NewChains makes an empty count.
func NewChains() *Chains { return &Chains{counts: map[string]*chainCount{}, now: time.Now} }

// Take counts one call of chain, or refuses it past MaxServiceInvocations.
func (c *Chains) Take(chain string) error {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.counts) >= 1024 {
		for id, e := range c.counts {
			if now.Sub(e.last) > chainIdle {
				delete(c.counts, id)
			}
		}
	}
	e := c.counts[chain]
	if e == nil || now.Sub(e.last) > chainIdle {
		e = &chainCount{}
		c.counts[chain] = e
	}
	e.last = now
	if e.n >= MaxServiceInvocations {
		return ErrChainFull
	}
	e.n++
	return nil
}
