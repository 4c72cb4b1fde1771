// Package config reads islet.toml, the file that declares the workers a node serves locally,
// and builds the equivalent configuration for a single worker in dev mode:
//
//	listen = "127.0.0.1:8787"
//	[[worker]]
//	name = "hello"                      # served at http://hello.localhost:8787/
//	main = "workers/hello/index.js"     # ES module or service-worker script
//	routes = ["example.com/api/*"]      # optional extra host/path patterns
//	compatibility_date = "2026-01-01"   # optional
//	egress_allow = ["10.0.0.0/8", "internal.example:8080"]  # private destinations fetch may reach
//	tier = "untrusted"                  # optional trust tier (see `islet serve --tier`)
//	[worker.vars]
//	GREETING = "hi"                     # env.GREETING
//	[[worker.services]]
//	binding = "AUTH"                    # env.AUTH.fetch(request) calls the worker "auth"
//	service = "auth"
//	[worker.limits]                     # Workers' defaults when unset (limits.Table)
//	cpu_ms = 50                         # CPU time per request
//	memory_mb = 128                     # isolate heap (ArrayBuffers and Wasm memories: as much again)
//	subrequests = 50                    # outbound fetches per request
//	request_body_mb = 100               # incoming request body
//	wait_until_ms = 30000               # waitUntil work after the response (at most 30000)
//	console_kb = 256                    # console output per request
//
// Decoding is strict: a key the file format does not define is an error naming it and its line.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"islet/internal/limits"
)

// DefaultListen is the address served when the file sets no listen key.
const DefaultListen = "127.0.0.1:8787"

// Config is a validated islet.toml.
type Config struct {
	// Listen is the gateway's "host:port"; DefaultListen when the file sets none.
	Listen string
	// Workers are the declared workers, in file order, with unique names.
	Workers []Worker
	// Dir is the absolute directory relative paths in the file were resolved against.
	Dir string
}

// Worker is one [[worker]] table.
type Worker struct {
	// Name is a DNS label (lower-case letters, digits and '-', 1 to 63 characters); the worker
	// is served at "<Name>.localhost".
	Name string
	// Main is the absolute path of the entry script (an ES module or a service-worker script),
	// which existed as a regular file when the configuration was read.
	Main string
	// Routes are extra route patterns (see gateway.Table), each valid.
	Routes []string
	// Vars are the env bindings: strings stay strings; integers are int64, floats float64,
	// booleans bool, arrays []any, tables map[string]any, dates and times toml.LocalDate,
	// toml.LocalTime, toml.LocalDateTime or time.Time. Every value encodes to JSON. Never nil.
	Vars map[string]any
	// CompatibilityDate is "YYYY-MM-DD", or "" when unset.
	CompatibilityDate string
	// Limits are the worker's resource limits; zero values take the node's defaults.
	Limits Limits
	// EgressAllow opens private destinations to the worker's outbound fetch: CIDRs, addresses
	// with an optional port, host names with an optional port (see limits.EgressRule); each
	// entry valid.
	EgressAllow []string
	// Services are the worker's service bindings ([[worker.services]], wrangler's
	// [[services]]): env.<Binding> calls the worker named Service, in process. Each valid.
	Services []Service
	// Tier is the worker's trust tier, "" when unset: a short name (see ValidateTier). Under a
	// supervisor (`islet serve --processes N --tier NAME=K`) a worker of a tier that has
	// processes of its own runs only in those; a worker without a tier, or of a tier given no
	// processes, runs in the default ones. A single process ignores it.
	Tier string
}

// Limits is a worker's [worker.limits] table (named as wrangler.toml's [limits]): one field per
// row of limits.Table, whose keys, defaults and bounds apply. Zero means the default, Workers'.
type Limits = limits.Declared

// Service is one service binding, named as wrangler's [[services]] names it.
type Service struct {
	Binding string `toml:"binding" json:"binding"`
	Service string `toml:"service" json:"service"`
	// Entrypoint names a WorkerEntrypoint class and Environment a legacy service environment;
	// islet refuses both (it has no RPC yet; bind the worker <name>-<env> instead).
	Entrypoint  string `toml:"entrypoint" json:"entrypoint"`
	Environment string `toml:"environment" json:"environment"`
}

// file is the TOML shape of islet.toml.
type file struct {
	Listen *string      `toml:"listen"`
	Worker []workerFile `toml:"worker"`
}

// workerFile is the TOML shape of one [[worker]] table.
type workerFile struct {
	Name              string         `toml:"name"`
	Main              string         `toml:"main"`
	Routes            []string       `toml:"routes"`
	CompatibilityDate any            `toml:"compatibility_date"` // a string or a TOML local date
	Vars              map[string]any `toml:"vars"`
	Limits            Limits         `toml:"limits"`
	EgressAllow       []string       `toml:"egress_allow"`
	Services          []Service      `toml:"services"`
	Tier              *string        `toml:"tier"`
}

// Load reads and validates the configuration file at path, resolving relative paths in it
// against the file's directory. Errors name the file.
func Load(path string) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(data, filepath.Dir(abs))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Parse decodes and validates an islet.toml document, resolving relative paths in it against
// dir (made absolute). Errors name the offending worker, key and, for decoding errors, line.
func Parse(data []byte, dir string) (*Config, error) {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("config directory %q: %w", dir, err)
	}
	var f file
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, decodeError(err)
	}
	c := &Config{Listen: DefaultListen, Dir: absDir}
	if f.Listen != nil {
		c.Listen = *f.Listen
	}
	if err := validateListen(c.Listen); err != nil {
		return nil, err
	}
	for i, wf := range f.Worker {
		w, err := wf.resolve(absDir)
		if err != nil {
			if wf.Name == "" {
				return nil, fmt.Errorf("worker #%d: %w", i+1, err)
			}
			return nil, fmt.Errorf("worker %q: %w", wf.Name, err)
		}
		c.Workers = append(c.Workers, w)
	}
	if err := c.validateTogether(); err != nil {
		return nil, err
	}
	return c, nil
}

// decodeError rewrites a go-toml error as "line L, column C: ..." naming the key involved; an
// unknown key reads "unknown key worker.nmae".
func decodeError(err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		msgs := make([]string, 0, len(strict.Errors))
		for _, e := range strict.Errors {
			row, col := e.Position()
			msgs = append(msgs, fmt.Sprintf("line %d, column %d: unknown key %s", row, col, formatKey(e.Key())))
		}
		return fmt.Errorf("%s", strings.Join(msgs, "; "))
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		msg := typeMessage(strings.TrimPrefix(de.Error(), "toml: "))
		if k := de.Key(); len(k) > 0 {
			return fmt.Errorf("line %d, column %d: key %s: %s", row, col, formatKey(k), msg)
		}
		return fmt.Errorf("line %d, column %d: %s", row, col, msg)
	}
	return fmt.Errorf("decode: %w", err)
}

// typeMismatch matches go-toml's message for a value of the wrong type.
var typeMismatch = regexp.MustCompile(`^cannot decode TOML (\w+) into .* of type (.+)$`)

// typeMessage rewrites go-toml's type mismatch message, which names Go types, in TOML terms;
// other messages are returned unchanged.
func typeMessage(msg string) string {
	m := typeMismatch.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	want, ok := map[string]string{
		"string":                  "a string",
		"*string":                 "a string",
		"[]string":                "an array of strings",
		"[]config.workerFile":     "an array of tables ([[worker]])",
		"map[string]interface {}": "a table",
	}[m[2]]
	if !ok {
		return msg
	}
	return fmt.Sprintf("got a TOML %s, want %s", m[1], want)
}

// formatKey writes a TOML key path as dotted parts, quoting parts that are not bare keys.
func formatKey(k toml.Key) string {
	parts := make([]string, len(k))
	for i, p := range k {
		parts[i] = p
		if p == "" || strings.IndexFunc(p, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
		}) >= 0 {
			parts[i] = fmt.Sprintf("%q", p)
		}
	}
	return strings.Join(parts, ".")
}
