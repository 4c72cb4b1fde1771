package worker

import (
	"fmt"
	"net/http"

	"islet/internal/deploy"
	"islet/internal/gateway"
)

// ServiceTransport is how a fetch() on the service binding env.<binding> reaches the worker it
// binds (fetch.ServiceHost): the scheduler's in-process transport to it (Deps.Service).
func (inst *Instance) ServiceTransport(binding string) (http.RoundTripper, error) {
	for _, b := range inst.spec.Env {
		if b.Name != binding || b.Type != deploy.BindingService {
			continue
		}
		if inst.deps.Service == nil {
			return nil, fmt.Errorf("env.%s: service bindings are not available here", binding)
		}
		t, err := inst.deps.Service(inst.spec, b.ServiceName())
		if err != nil {
			return nil, fmt.Errorf("env.%s: %w", binding, err)
		}
		return chainTransport{t: t, chain: inst.chain()}, nil
	}
	return nil, fmt.Errorf("env.%s is not a service binding of this worker", binding)
}

// chain is the current request's chain of service-binding calls (Request.chain), made up at
// its first call when its incoming request carried none; a fresh one outside a request.
func (inst *Instance) chain() string {
	req := inst.current
	if req == nil {
		return gateway.NewChainID()
	}
	if req.chain == "" {
		if req.chain = req.r.Header.Get(gateway.ChainHeader); req.chain == "" {
			req.chain = gateway.NewChainID()
		}
	}
	return req.chain
}

// chainTransport sends each request with its chain's id (gateway.ChainHeader), by which every
// place it passes counts the chain's calls.
type chainTransport struct {
	t     http.RoundTripper
	chain string
}

func (c chainTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	out := *req
	out.Header = req.Header.Clone()
	out.Header.Set(gateway.ChainHeader, c.chain)
	return c.t.RoundTrip(&out)
}
