package supervisor

import (
	"log/slog"
	"testing"

	"islet/internal/feed"
)

func TestControlTableDropsConflictingRoutes(t *testing.T) {
	tbl := controlTable(&feed.State{Workers: map[string]*feed.Worker{
		"api":  {Name: "api", Routes: []string{"example.com/api/*"}},
		"shop": {Name: "shop", Routes: []string{"example.com/api/*", "shop.example/*"}},
	}}, slog.New(slog.DiscardHandler))
	for _, c := range []struct{ host, path, want string }{
		{"api.localhost", "/", "api"},
		{"shop.localhost", "/", "shop"},
		{"example.com", "/api/x", "api"}, // the first in name order keeps the contested route
		{"shop.example", "/x", "shop"},
	} {
		if got, ok := tbl.Match(c.host, c.path); !ok || got != c.want {
			t.Errorf("Match(%s, %s) = %q %v, want %q", c.host, c.path, got, ok, c.want)
		}
	}
}
