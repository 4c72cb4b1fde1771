package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// wranglerFile is the part of a wrangler.toml that islet understands, at the top level or in
// one [env.NAME] section. What else a config may hold, and what islet does with it, is the
// catalogue in unsupported.go.
type wranglerFile struct {
	Name              string         `toml:"name" json:"name"`
	Main              string         `toml:"main" json:"main"`
	CompatibilityDate any            `toml:"compatibility_date" json:"compatibility_date"`
	Route             any            `toml:"route" json:"route"`
	Routes            []any          `toml:"routes" json:"routes"`
	Vars              map[string]any `toml:"vars" json:"vars"`
	Limits            Limits         `toml:"limits" json:"limits"`
	Services          []Service      `toml:"services" json:"services"`
}

// wranglerEnvs is the [env.NAME] sections of a wrangler config.
type wranglerEnvs struct {
	Env map[string]wranglerFile `toml:"env" json:"env"`
}

// LoadWrangler reads a project's wrangler.toml (or wrangler.jsonc / wrangler.json) as a
// single-worker configuration: name, main, compatibility_date, route/routes (strings, or tables
// with a pattern), [vars] and [limits]. With env set, it reads that [env.NAME] section as
// wrangler does: a key the section does not set is the top level's when wrangler inherits it
// (main, compatibility_date, routes, limits, …) and absent when it does not (vars, bindings),
// and the worker is named "<name>-<env>" unless the section names it. It also reports what
// the config declares that islet cannot honour (bindings, triggers, compatibility flags,
// unknown keys), the keys that change nothing on islet and wrangler's environment warnings; the
// caller refuses the first (Report.Refuse) and mentions the others.
func LoadWrangler(path, env string) (*Config, Report, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, Report{}, fmt.Errorf("wrangler config %s: %w", path, err)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, Report{}, fmt.Errorf("wrangler config: %w", err)
	}
	var wf wranglerFile
	var envs wranglerEnvs
	var all map[string]any
	if ext := filepath.Ext(abs); ext == ".json" || ext == ".jsonc" {
		plain := stripJSONC(data)
		for _, into := range []any{&all, &wf, &envs} {
			if err := json.Unmarshal(plain, into); err != nil {
				return nil, Report{}, fmt.Errorf("wrangler config %s: %w", path, err)
			}
		}
	} else {
		for _, into := range []any{&wf, &envs} {
			if err := toml.NewDecoder(bytes.NewReader(data)).Decode(into); err != nil {
				return nil, Report{}, fmt.Errorf("wrangler config %s: %w", path, decodeError(err))
			}
		}
		toml.Unmarshal(data, &all)
	}
	file := filepath.Base(abs)
	report := checkWranglerKeys(file, "", topLevelKeys(all, env != ""))
	if env != "" {
		section, err := selectEnv(all, env)
		if err != nil {
			return nil, Report{}, fmt.Errorf("wrangler config %s: %w", path, err)
		}
		wf = inherit(wf, envs.Env[env], section, env)
		own := maps.Clone(section)
		maps.DeleteFunc(own, func(k string, _ any) bool { return wranglerKeys[k].scope == topOnly }) // warned of below
		er := checkWranglerKeys(file, "[env."+env+"] ", own)
		report.Unsupported = append(report.Unsupported, er.Unsupported...)
		report.NoEffect = append(report.NoEffect, er.NoEffect...)
		report.Warnings = envWarnings(all, section, env)
	}
	where := "[[services]] "
	if env != "" {
		where = "[env." + env + "] " + where
	}
	kept := wf.Services[:0]
	for _, s := range wf.Services {
		if reason := s.unsupported(); reason != "" {
			report.Unsupported = append(report.Unsupported, Unsupported{File: file, Where: where + s.Binding, Reason: reason})
			continue // refused, or with --ignore-unsupported left out
		}
		kept = append(kept, s)
	}
	wf.Services = kept
	routes, err := wranglerRoutes(wf.Route, wf.Routes)
	if err != nil {
		return nil, Report{}, fmt.Errorf("wrangler config %s: %w", path, err)
	}
	w := workerFile{Name: wf.Name, Main: wf.Main, Routes: routes, CompatibilityDate: wf.CompatibilityDate,
		Vars: wf.Vars, Limits: wf.Limits, Services: wf.Services}
	dir := filepath.Dir(abs)
	worker, err := w.resolve(dir)
	if err != nil {
		return nil, Report{}, fmt.Errorf("wrangler config %s: %w", path, err)
	}
	return &Config{Listen: DefaultListen, Workers: []Worker{worker}, Dir: dir}, report, nil
}

// topLevelKeys are the top-level keys that apply to the worker loaded: all of them, or, for an
// environment, those it inherits and those only the top level sets.
func topLevelKeys(all map[string]any, forEnv bool) map[string]any {
	out := make(map[string]any, len(all))
	for k, v := range all {
		if forEnv && wranglerKeys[k].scope == notInherited {
			continue
		}
		out[k] = v
	}
	return out
}

// selectEnv returns the [env.NAME] section, or an error listing the sections there are.
func selectEnv(all map[string]any, env string) (map[string]any, error) {
	envs, _ := all["env"].(map[string]any)
	if section, ok := envs[env].(map[string]any); ok {
		return section, nil
	}
	names := slices.Sorted(maps.Keys(envs))
	if len(names) == 0 {
		return nil, fmt.Errorf("no [env.%s] section: the config declares no environments", env)
	}
	return nil, fmt.Errorf("no [env.%s] section; the config's environments are %s", env, strings.Join(names, ", "))
}

// inherit is the worker an environment section describes: each key the section sets, the top
// level's for an inherited key it does not set, and the name "<top name>-<env>" unless it sets
// one. Vars are not inherited.
func inherit(top, e wranglerFile, section map[string]any, env string) wranglerFile {
	has := func(k string) bool { _, ok := section[k]; return ok }
	out := wranglerFile{Vars: e.Vars, Services: e.Services, Name: top.Name + "-" + env, Main: top.Main, CompatibilityDate: top.CompatibilityDate,
		Route: top.Route, Routes: top.Routes, Limits: top.Limits}
	if has("name") {
		out.Name = e.Name
	}
	if has("main") {
		out.Main = e.Main
	}
	if has("compatibility_date") {
		out.CompatibilityDate = e.CompatibilityDate
	}
	if has("route") || has("routes") {
		out.Route, out.Routes = e.Route, e.Routes
	}
	if has("limits") {
		out.Limits = e.Limits
	}
	return out
}

// envWarnings are wrangler's warnings for an environment section: a top-level key that it does
// not inherit and does not set, and a key only the top level may set.
func envWarnings(all, section map[string]any, env string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(all)) {
		if _, set := section[k]; !set && wranglerKeys[k].scope == notInherited {
			out = append(out, fmt.Sprintf("%q is set at the top level but not in [env.%s], and environments do not inherit it: the %s worker has none", k, env, env))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(section)) {
		if wranglerKeys[k].scope == topOnly {
			out = append(out, fmt.Sprintf("%q in [env.%s] has no effect: only the top level sets it", k, env))
		}
	}
	return out
}

// wranglerRoutes collects `route = "…"` and `routes = ["…", { pattern = "…" }]`.
func wranglerRoutes(route any, routes []any) ([]string, error) {
	var out []string
	add := func(v any) error {
		switch r := v.(type) {
		case nil:
			return nil
		case string:
			out = append(out, r)
		case map[string]any:
			p, ok := r["pattern"].(string)
			if !ok {
				return fmt.Errorf("a route table needs a pattern string")
			}
			out = append(out, p)
		default:
			return fmt.Errorf("a route must be a string or a table with a pattern, not %T", v)
		}
		return nil
	}
	if err := add(route); err != nil {
		return nil, err
	}
	for _, r := range routes {
		if err := add(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// stripJSONC turns JSON with comments and trailing commas (wrangler.jsonc) into JSON: it drops
// // and /* */ comments outside strings, and commas directly before a closing } or ].
func stripJSONC(in []byte) []byte {
	out := make([]byte, 0, len(in))
	inString := false
	for i := 0; i < len(in); i++ {
		c := in[i]
		if inString {
			out = append(out, c)
			if c == '\\' && i+1 < len(in) {
				i++
				out = append(out, in[i])
			} else if c == '"' {
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
			out = append(out, c)
		case c == '/' && i+1 < len(in) && in[i+1] == '/':
			for i < len(in) && in[i] != '\n' {
				i++
			}
			if i < len(in) {
				out = append(out, '\n')
			}
		case c == '/' && i+1 < len(in) && in[i+1] == '*':
			i += 2
			for i+1 < len(in) && !(in[i] == '*' && in[i+1] == '/') {
				i++
			}
			i++ // past the closing '/'
		case c == '}' || c == ']':
			// Drop a trailing comma before the closer (whitespace between them stays).
			j := len(out) - 1
			for j >= 0 && (out[j] == ' ' || out[j] == '\t' || out[j] == '\n' || out[j] == '\r') {
				j--
			}
			if j >= 0 && out[j] == ',' {
				out = append(out[:j], out[j+1:]...)
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out
}
