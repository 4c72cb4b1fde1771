package supervisor

import (
	"log/slog"
	"os"
	"sync"
)

// noNamespacesEnv names the environment variable that, set to 1, starts runtime processes
// without namespaces of their own (a debugging aid).
const noNamespacesEnv = "ISLET_NO_NAMESPACES"

// namespaces decides, once per supervisor, whether runtime processes are started in user,
// PID, IPC and mount namespaces of their own (not a network namespace yet: they still connect
// to NATS and to workers' fetch targets themselves). It starts out wanting them where the
// kernel offers them, and gives them up for good, with one log line, the first time a start
// with them fails and one without them succeeds.
type namespaces struct {
	mu  sync.Mutex
	use bool
	log *slog.Logger
}

func newNamespaces(log *slog.Logger) *namespaces {
	n := &namespaces{log: log}
	if os.Getenv(noNamespacesEnv) == "1" {
		log.Warn("runtime processes start without namespaces of their own (" + noNamespacesEnv + "=1)")
		return n
	}
	ok, why := namespacesOffered()
	if !ok {
		log.Warn("runtime processes start without namespaces of their own: " + why)
		return n
	}
	n.use = true
	return n
}

// wanted reports whether the next start should ask for namespaces.
func (n *namespaces) wanted() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.use
}

// refused records that a start with namespaces failed with err and one without succeeded.
func (n *namespaces) refused(err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.use {
		n.use = false
		n.log.Warn("runtime processes start without namespaces of their own: the kernel refused them", "err", err)
	}
}
