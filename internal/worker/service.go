package worker

import (
	"fmt"
	"net/http"

	"islet/internal/deploy"
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
		return t, nil
	}
	return nil, fmt.Errorf("env.%s is not a service binding of this worker", binding)
}
