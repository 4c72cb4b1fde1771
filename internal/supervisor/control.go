package supervisor

import (
	"context"
	"log/slog"
	"sort"

	"islet/internal/control"
	"islet/internal/gateway"
)

// ControlTables is the TableSource of the control plane: it watches store's worker records and
// delivers a table of every worker's name and routes after each change, as the runtime processes
// see them. Versions, rollouts and secrets are the runtime processes' business: the supervisor
// routes by the worker's name only. Routes that conflict (the admin API can let two writers
// through concurrently) are dropped, the later in name order, as the runtime processes drop
// them. Workers of the control plane have no tier.
func ControlTables(store *control.Store, log *slog.Logger) TableSource {
	return func(ctx context.Context, set func(Routing)) error {
		return store.Watch(ctx, func(workers map[string]*control.Worker) {
			set(ControlRouting(workers, log))
		}, func(err error) { log.Error("routing: control plane", "err", err) })
	}
}

// ControlRouting is the routing of the control plane's worker records (as ControlTables
// delivers it), for records read elsewhere, such as a node's cache.
func ControlRouting(workers map[string]*control.Worker, log *slog.Logger) Routing {
	return Routing{Table: controlTable(workers, log), Tiers: map[string]string{}}
}

// controlTable builds the table of workers, dropping conflicting routes (logged).
func controlTable(workers map[string]*control.Worker, log *slog.Logger) *gateway.Table {
	names := make([]string, 0, len(workers))
	for name := range workers {
		names = append(names, name)
	}
	sort.Strings(names)
	var routes []gateway.Route
	for _, name := range names {
		for _, p := range workers[name].Routes {
			routes = append(routes, gateway.Route{Pattern: p, Worker: name})
		}
	}
	t, err := gateway.NewTable(names, routes)
	if err == nil {
		return t
	}
	log.Error("routing: routes conflict; dropping the conflicting ones", "err", err)
	var kept []gateway.Route
	for _, r := range routes {
		if _, err := gateway.NewTable(names, append(kept, r)); err == nil {
			kept = append(kept, r)
		}
	}
	t, err = gateway.NewTable(names, kept)
	if err != nil { // names alone always make a table; this is a bug
		log.Error("routing: cannot build a table; routing no routes", "err", err)
		t, _ = gateway.NewTable(names, nil)
	}
	return t
}
