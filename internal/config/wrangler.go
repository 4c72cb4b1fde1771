package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pelletier/go-toml/v2"
)

// wranglerFile is the part of a wrangler.toml that islet understands. What else a config may
// hold, and what islet does with it, is the catalogue in unsupported.go.
type wranglerFile struct {
	Name              string         `toml:"name" json:"name"`
	Main              string         `toml:"main" json:"main"`
	CompatibilityDate any            `toml:"compatibility_date" json:"compatibility_date"`
	Route             any            `toml:"route" json:"route"`
	Routes            []any          `toml:"routes" json:"routes"`
	Vars              map[string]any `toml:"vars" json:"vars"`
	Limits            Limits         `toml:"limits" json:"limits"`
}

// LoadWrangler reads a project's wrangler.toml (or wrangler.jsonc / wrangler.json) as a
// single-worker configuration: name, main,
// compatibility_date, route/routes (strings, or tables with a pattern), [vars] and [limits].
// It also reports what the config declares that islet cannot honour (bindings, triggers,
// compatibility flags, environments, unknown keys) and the keys that change nothing on islet;
// the caller refuses the first (Report.Refuse) and mentions the second.
func LoadWrangler(path string) (*Config, Report, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, Report{}, fmt.Errorf("wrangler config %s: %w", path, err)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, Report{}, fmt.Errorf("wrangler config: %w", err)
	}
	var wf wranglerFile
	var all map[string]any
	if ext := filepath.Ext(abs); ext == ".json" || ext == ".jsonc" {
		plain := stripJSONC(data)
		if err := json.Unmarshal(plain, &all); err != nil {
			return nil, Report{}, fmt.Errorf("wrangler config %s: %w", path, err)
		}
		if err := json.Unmarshal(plain, &wf); err != nil {
			return nil, Report{}, fmt.Errorf("wrangler config %s: %w", path, err)
		}
	} else {
		if err := toml.NewDecoder(bytes.NewReader(data)).Decode(&wf); err != nil {
			return nil, Report{}, fmt.Errorf("wrangler config %s: %w", path, decodeError(err))
		}
		toml.Unmarshal(data, &all)
	}
	report := checkWranglerKeys(filepath.Base(abs), all)
	routes, err := wranglerRoutes(wf.Route, wf.Routes)
	if err != nil {
		return nil, Report{}, fmt.Errorf("wrangler config %s: %w", path, err)
	}
	w := workerFile{Name: wf.Name, Main: wf.Main, Routes: routes, CompatibilityDate: wf.CompatibilityDate,
		Vars: wf.Vars, Limits: wf.Limits}
	dir := filepath.Dir(abs)
	worker, err := w.resolve(dir)
	if err != nil {
		return nil, Report{}, fmt.Errorf("wrangler config %s: %w", path, err)
	}
	return &Config{Listen: DefaultListen, Workers: []Worker{worker}, Dir: dir}, report, nil
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
