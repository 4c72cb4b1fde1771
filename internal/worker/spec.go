// Package worker runs one worker version in one V8 isolate: it loads the worker's modules (or
// service-worker script), delivers events to it in turns (HTTP requests, async op completions,
// timers), and carries each HTTP request between the HTTP goroutine that owns it and the
// isolate that answers it.
//
// Lifecycle of an Instance: New (nothing runs yet) → the first event loads it on an executor
// (compile, link, evaluate, rt.host.init) → events run in turns → Retire (no new requests) →
// Dispose once idle. Every method documented "executor only" runs inside RunTurns.
package worker

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"islet/internal/deploy"
	"islet/internal/limits"
)

// Format is how the main file is evaluated.
type Format int

// The formats of a worker's main file.
const (
	// FormatModule: an ES module whose default export has fetch(request, env, ctx).
	FormatModule Format = iota
	// FormatScript: a classic service-worker script calling addEventListener('fetch', …).
	FormatScript
)

// Spec is one immutable worker version: its code and its bindings.
type Spec struct {
	Name string
	// Account is the tenant the worker belongs to ("" for workers served from a config file):
	// the scheduler shares executor time fairly between accounts. It is not part of Version.
	Account string
	// BaseURL is the URL modules are named under (import.meta.url, stack traces), ending in "/",
	// e.g. "file:///home/me/app/".
	BaseURL string
	// Main is the main module's path relative to BaseURL.
	Main string
	// Modules maps paths relative to BaseURL to source code.
	Modules map[string]string
	Format  Format
	// Env is the worker's bindings, given to it as env (or as globals to a script): the
	// deployment record's (deploy.EnvJSON says what each type becomes).
	Env []deploy.Binding
	// CompatibilityDate is the worker's compatibility_date ("YYYY-MM-DD", "" when unset), for
	// behaviour that Workers tie to a date (config.CheckCompatibilityDate).
	CompatibilityDate string
	// Limits configure the worker's isolate and requests.
	Limits Limits
	// EgressAllow opens private destinations to the worker's outbound fetch (see
	// limits.EgressRule), on top of the node's own allowlist.
	EgressAllow []limits.EgressRule

	// versionOnce computes version the first time Version is called, from any goroutine.
	versionOnce sync.Once
	version     string
	// segmentsOnce computes segments the first time Segments is called.
	segmentsOnce sync.Once
	segments     int
	functions    int // FunctionBound of its JavaScript modules
}

// Limits are a worker's resource limits; zero values take the node's defaults, which are
// Workers' (see limits.go).
type Limits struct {
	// HeapBytes is the V8 heap limit of the worker's isolate; ArrayBuffers and Wasm memories
	// may hold as much again.
	HeapBytes uint64
	// CPUPerRequest is the CPU time one request may use across all its turns.
	CPUPerRequest time.Duration
	// Subrequests is how many outbound fetches one request may make.
	Subrequests int
	// RequestBodyBytes bounds the body of an incoming request; a longer one gets a 413, or a
	// TypeError in JS when its length was not announced.
	RequestBodyBytes int64
	// WaitUntil is how long a request's waitUntil work may run after its response; then it is
	// cancelled. It cannot exceed DefaultWaitUntil.
	WaitUntil time.Duration
	// ConsoleBytes bounds the console output of one request; past it one "truncated" line is
	// logged and the rest dropped.
	ConsoleBytes int
}

// Version is a content hash of everything the worker runs with: two specs with the same
// version behave the same. It is computed once; the spec must not change after the first call.
func (s *Spec) Version() string {
	s.versionOnce.Do(s.computeVersion)
	return s.version
}

func (s *Spec) computeVersion() {
	h := sha256.New()
	paths := make([]string, 0, len(s.Modules))
	for p := range s.Modules {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	fmt.Fprintf(h, "name %q\nbase %q\nmain %q\nformat %d\ndate %q\n", s.Name, s.BaseURL, s.Main, s.Format, s.CompatibilityDate)
	for _, p := range paths {
		fmt.Fprintf(h, "module %q %d\n%s\n", p, len(s.Modules[p]), s.Modules[p])
	}
	env, _ := json.Marshal(s.Env)
	fmt.Fprintf(h, "env %s\nlimits %+v\n", env, s.Limits)
	if len(s.EgressAllow) > 0 {
		fmt.Fprintf(h, "egress %v\n", s.EgressAllow)
	}
	s.version = hex.EncodeToString(h.Sum(nil))[:16]
}

// DetectFormat guesses a main file's format: a file with a top-level import or export statement
// is a module, anything else a service-worker script.
func DetectFormat(code string) Format {
	for _, line := range strings.Split(code, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "export ") || strings.HasPrefix(t, "export{") || strings.HasPrefix(t, "import ") ||
			strings.HasPrefix(t, "import{") || strings.HasPrefix(t, "import\"") || strings.HasPrefix(t, "import'") {
			return FormatModule
		}
	}
	return FormatScript
}

// ResolvePath resolves an import specifier against the importing module's path; both are
// relative to the worker's BaseURL. Bare specifiers (npm packages) are not resolved here; they
// need a bundler.
func ResolvePath(from, spec string) (string, error) {
	if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") && !strings.HasPrefix(spec, "/") {
		return "", fmt.Errorf("cannot resolve %q from %s: only relative imports are served as-is (bundle packages first)", spec, from)
	}
	var parts []string
	if !strings.HasPrefix(spec, "/") {
		parts = strings.Split(from, "/")
		parts = parts[:len(parts)-1]
	}
	for _, seg := range strings.Split(spec, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(parts) == 0 {
				return "", fmt.Errorf("cannot resolve %q from %s: it leaves the worker's directory", spec, from)
			}
			parts = parts[:len(parts)-1]
		default:
			parts = append(parts, seg)
		}
	}
	return strings.Join(parts, "/"), nil
}
