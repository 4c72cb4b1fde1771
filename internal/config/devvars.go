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

// DevVars are a project's local development variables, read as wrangler reads them: for an
// environment, `.dev.vars.<env>` if there is one, else `.dev.vars`; when neither exists (and
// CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV is not "false"), `.env`, `.env.local`, then for an
// environment `.env.<env>` and `.env.<env>.local`, each file's variables over the earlier ones.
// All are dotenv files (parsed with joho/godotenv, which expands ${VAR} within one file).
type DevVars struct {
	Files []string          // the files read, in order; none when the project has none
	Vars  map[string]string // their variables; nil when Files is empty
}

// DevVarsFiles are the files LoadDevVars(dir, env) may read, for a dev server to watch.
func DevVarsFiles(dir, env string) []string {
	var out []string
	for _, n := range devVarsNames(env) {
		out = append(out, filepath.Join(dir, n))
	}
	for _, n := range dotEnvNames(env) {
		out = append(out, filepath.Join(dir, n))
	}
	return out
}

func devVarsNames(env string) []string {
	if env != "" {
		return []string{".dev.vars." + env, ".dev.vars"}
	}
	return []string{".dev.vars"}
}

func dotEnvNames(env string) []string {
	names := []string{".env", ".env.local"}
	if env != "" {
		names = append(names, ".env."+env, ".env."+env+".local")
	}
	return names
}

// LoadDevVars reads dir's variables for env ("" for the top level). A file that exists and does
// not parse is an error naming it; a missing one is not.
func LoadDevVars(dir, env string) (DevVars, error) {
	read := func(n string) (map[string]string, bool, error) {
		p := filepath.Join(dir, n)
		vars, err := godotenv.Read(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", p, err)
		}
		return vars, true, nil
	}
	for _, n := range devVarsNames(env) {
		vars, ok, err := read(n)
		if err != nil || ok {
			return DevVars{Files: []string{filepath.Join(dir, n)}, Vars: vars}, err
		}
	}
	if os.Getenv("CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV") == "false" {
		return DevVars{}, nil
	}
	var d DevVars
	for _, n := range dotEnvNames(env) {
		vars, ok, err := read(n)
		if err != nil {
			return DevVars{}, err
		}
		if !ok {
			continue
		}
		d.Files = append(d.Files, filepath.Join(dir, n))
		if d.Vars == nil {
			d.Vars = map[string]string{}
		}
		maps.Copy(d.Vars, vars)
	}
	return d, nil
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
