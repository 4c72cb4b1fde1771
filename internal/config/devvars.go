package config

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/joho/godotenv"
)

// DevVars are a project's local development variables: `.dev.vars` in the project's folder,
// or, when there is none, `.env` (unless CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV is "false"), as
// wrangler reads them. Both are dotenv files (parsed with joho/godotenv).
type DevVars struct {
	File string            // the file read, "" when the project has neither
	Vars map[string]string // its variables; nil when File is ""
}

// LoadDevVars reads dir's .dev.vars, else its .env. A file that exists and does not parse is
// an error naming it; a missing one is not.
func LoadDevVars(dir string) (DevVars, error) {
	names := []string{".dev.vars"}
	if os.Getenv("CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV") != "false" {
		names = append(names, ".env")
	}
	for _, n := range names {
		p := filepath.Join(dir, n)
		vars, err := godotenv.Read(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return DevVars{}, fmt.Errorf("%s: %w", p, err)
		}
		return DevVars{File: p, Vars: vars}, nil
	}
	return DevVars{}, nil
}

// Apply sets the variables on w, over any [vars] of the same name (as wrangler does), and
// returns their names, sorted.
func (d DevVars) Apply(w *Worker) []string {
	for k, v := range d.Vars {
		if w.Vars == nil {
			w.Vars = map[string]any{}
		}
		w.Vars[k] = v
	}
	return slices.Sorted(maps.Keys(d.Vars))
}
