package supervisor

import (
	"log/slog"

	"islet/internal/feed"
	"islet/internal/gateway"
)

// FeedRouting is the routing of a feed's State: every worker's name and routes. Versions,
// rollouts and secrets are the runtime processes' business: the supervisor routes by the
// worker's name only. Routes that conflict (the admin API can let two writers through
// concurrently) are dropped, the later in name order, as the runtime processes drop them.
// Workers of the control plane have no tier.
func FeedRouting(st *feed.State, log *slog.Logger) Routing {
	return Routing{Table: controlTable(st, log), Tiers: map[string]string{}}
}

// controlTable builds the table of workers, dropping conflicting routes (logged).
func controlTable(st *feed.State, log *slog.Logger) *gateway.Table {
	names := st.Names()
	var routes []gateway.Route
	for _, name := range names {
		for _, p := range st.Workers[name].Routes {
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
