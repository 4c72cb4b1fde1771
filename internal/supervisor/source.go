package supervisor

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"islet/internal/config"
	"islet/internal/gateway"
)

// Routing is what the supervisor routes by: the table that maps a request to its worker, and
// each worker's trust tier (absent or "" for none; see Layout).
type Routing struct {
	Table *gateway.Table
	Tiers map[string]string
}

// TableSource delivers the supervisor's routing: it calls set with the first Routing and again
// whenever the routing changes, until ctx ends, and returns nil then. An error before the first
// Routing ends the supervisor; later problems are the source's to log and ride out. A Routing's
// Tiers map is not modified after it is passed to set.
type TableSource func(ctx context.Context, set func(Routing)) error

// ConfigTables is the TableSource of an islet.toml: the table and tiers of config.Load(path), reloaded when
// the file's size or modification time changes (checked every interval), as the runtime
// processes reload their workers. A file that fails to load keeps the previous table.
func ConfigTables(path string, interval time.Duration, log *slog.Logger) TableSource {
	return func(ctx context.Context, set func(Routing)) error {
		load := func() (Routing, error) {
			cfg, err := config.Load(path)
			if err != nil {
				return Routing{}, err
			}
			t, err := cfg.Table()
			if err != nil {
				return Routing{}, fmt.Errorf("config %s: %w", path, err)
			}
			tiers := make(map[string]string)
			for _, w := range cfg.Workers {
				if w.Tier != "" {
					tiers[w.Name] = w.Tier
				}
			}
			return Routing{Table: t, Tiers: tiers}, nil
		}
		last := statKey(path)
		t, err := load()
		if err != nil {
			return err
		}
		set(t)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
			}
			key := statKey(path)
			if key == last {
				continue
			}
			last = key
			t, err := load()
			if err != nil {
				log.Error("routing: reload failed; still routing by the previous config", "err", err)
				continue
			}
			set(t)
			log.Info("routing: config reloaded", "path", path)
		}
	}
}

// statKey identifies a version of the file at path by its size and modification time.
func statKey(path string) string {
	info, err := os.Stat(path)
	if err != nil {
		return "missing"
	}
	return fmt.Sprintf("%d/%d", info.Size(), info.ModTime().UnixNano())
}
