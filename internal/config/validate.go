package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/pelletier/go-toml/v2"

	"islet/internal/gateway"
	"islet/internal/limits"
)

// ValidateName reports whether name can name a worker: a DNS label of 1 to 63 lower-case
// letters, digits and '-', neither starting nor ending with '-', because the worker is served at
// "<name>.localhost".
func ValidateName(name string) error {
	const rule = "a worker name must be 1 to 63 lower-case letters, digits and '-', not starting or ending with '-'"
	if name == "" {
		return fmt.Errorf("name is required (%s)", rule)
	}
	if len(name) > 63 {
		return fmt.Errorf("name %q is %d characters long (%s)", name, len(name), rule)
	}
	if name[0] == '-' || name[len(name)-1] == '-' {
		return fmt.Errorf("name %q starts or ends with '-' (%s)", name, rule)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("name %q contains %q (%s)", name, c, rule)
		}
	}
	return nil
}

// MaxTierLen is the longest trust tier name.
const MaxTierLen = 32

// ValidateTier reports whether tier can name a trust tier: 1 to MaxTierLen lower-case letters,
// digits and '-', starting with a letter and not ending with '-'.
func ValidateTier(tier string) error {
	const rule = "a tier must be 1 to 32 lower-case letters, digits and '-', starting with a letter and not ending with '-'"
	if tier == "" || len(tier) > MaxTierLen || tier[0] < 'a' || tier[0] > 'z' || tier[len(tier)-1] == '-' {
		return fmt.Errorf("tier %q is not valid (%s)", tier, rule)
	}
	for i := 0; i < len(tier); i++ {
		if c := tier[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("tier %q contains %q (%s)", tier, c, rule)
		}
	}
	return nil
}

// validateListen checks that listen is "host:port" with a numeric port (0 picks a free port).
func validateListen(listen string) error {
	_, port, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("listen %q: %w", listen, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("listen %q: port %q is not a number from 0 to 65535", listen, port)
	}
	return nil
}

// resolve validates one [[worker]] table and resolves its main script against dir.
func (wf *workerFile) resolve(dir string) (Worker, error) {
	w := Worker{Name: wf.Name, Routes: wf.Routes, Vars: wf.Vars}
	if err := ValidateName(wf.Name); err != nil {
		return w, err
	}
	if wf.Main == "" {
		return w, fmt.Errorf("main is required: the path of the worker's script")
	}
	w.Main = wf.Main
	if !filepath.IsAbs(w.Main) {
		w.Main = filepath.Join(dir, w.Main)
	}
	w.Main = filepath.Clean(w.Main)
	st, err := os.Stat(w.Main)
	if errors.Is(err, fs.ErrNotExist) {
		return w, fmt.Errorf("main %q: %s does not exist", wf.Main, w.Main)
	}
	if err != nil {
		return w, fmt.Errorf("main %q: %w", wf.Main, err)
	}
	if !st.Mode().IsRegular() {
		return w, fmt.Errorf("main %q: %s is not a regular file", wf.Main, w.Main)
	}
	for i, r := range wf.Routes {
		if r == "" {
			return w, fmt.Errorf("routes[%d] is empty", i)
		}
		if err := gateway.ValidatePattern(r); err != nil {
			return w, fmt.Errorf("routes[%d]: %w", i, err)
		}
	}
	date, err := compatibilityDate(wf.CompatibilityDate)
	if err != nil {
		return w, err
	}
	w.CompatibilityDate = date
	if err := wf.Limits.Validate(); err != nil {
		return w, err
	}
	w.Limits = wf.Limits
	if _, err := limits.ParseEgressRules(wf.EgressAllow); err != nil {
		return w, fmt.Errorf("egress_allow: %w", err)
	}
	w.EgressAllow = wf.EgressAllow
	if err := validateServices(wf.Services, w.Vars); err != nil {
		return w, err
	}
	w.Services = wf.Services
	if wf.Tier != nil {
		if err := ValidateTier(*wf.Tier); err != nil {
			return w, err
		}
		w.Tier = *wf.Tier
	}
	if w.Vars == nil {
		w.Vars = map[string]any{}
	}
	if err := validateVars(w.Vars); err != nil {
		return w, err
	}
	return w, nil
}

// unsupported says why islet cannot honour the binding as declared, or "".
func (s Service) unsupported() string {
	switch {
	case s.Entrypoint != "":
		return fmt.Sprintf("entrypoint %q: named entrypoints (RPC) are not supported", s.Entrypoint)
	case s.Environment != "":
		return fmt.Sprintf("environment %q: service environments are not supported (bind the worker <name>-<env>)", s.Environment)
	}
	return ""
}

// validateServices checks service bindings: each names a binding (not also a var) and a worker,
// and no entrypoint, which islet cannot call.
func validateServices(services []Service, vars map[string]any) error {
	seen := map[string]bool{}
	for i, s := range services {
		if s.Binding == "" {
			return fmt.Errorf("services[%d]: binding is required: the env name of the service", i)
		}
		if _, dup := vars[s.Binding]; dup || seen[s.Binding] {
			return fmt.Errorf("services[%d]: %s is bound twice", i, s.Binding)
		}
		seen[s.Binding] = true
		if err := ValidateName(s.Service); err != nil {
			return fmt.Errorf("services[%d] %s: service: %w", i, s.Binding, err)
		}
		if reason := s.unsupported(); reason != "" {
			return fmt.Errorf("services[%d] %s: %s", i, s.Binding, reason)
		}
	}
	return nil
}

// compatibilityDate returns v, a TOML string or local date, as "YYYY-MM-DD" ("" when unset).
func compatibilityDate(v any) (string, error) {
	var s string
	switch v := v.(type) {
	case nil:
		return "", nil
	case toml.LocalDate:
		s = v.String()
	case string:
		s = v
	default:
		return "", fmt.Errorf("compatibility_date must be a date like \"2026-01-01\", not a %T", v)
	}
	if err := CheckCompatibilityDate(s, time.Now()); err != nil {
		return "", err
	}
	return s, nil
}

// CheckCompatibilityDate checks a compatibility_date: a calendar date "YYYY-MM-DD" that is not
// in the future, as Workers require (a day of slack, for the time zones ahead of UTC). The
// date reaches the runtime with the worker (worker.Spec), where behaviour that Workers tie to
// a date is decided; islet implements today's behaviour for every date it accepts.
func CheckCompatibilityDate(date string, now time.Time) error {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil || d.Format(time.DateOnly) != date {
		return fmt.Errorf("compatibility_date %q is not a date like \"2026-01-01\"", date)
	}
	if d.After(now.UTC().Add(24 * time.Hour)) {
		return fmt.Errorf("compatibility_date %s is in the future (today is %s); set today's date or an earlier one",
			date, now.UTC().Format(time.DateOnly))
	}
	return nil
}

// validateVars checks that every var has a name and a value that encodes to JSON (TOML's nan
// and inf do not).
func validateVars(vars map[string]any) error {
	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if name == "" {
			return fmt.Errorf("vars: a var has an empty name")
		}
		if _, err := json.Marshal(vars[name]); err != nil {
			return fmt.Errorf("vars.%s: the value cannot be given to JavaScript: %w", name, err)
		}
	}
	return nil
}

// validateTogether checks what involves several workers: unique names and routes that do not
// conflict.
func (c *Config) validateTogether() error {
	seen := make(map[string]int, len(c.Workers))
	for i, w := range c.Workers {
		if j, ok := seen[w.Name]; ok {
			return fmt.Errorf("workers #%d and #%d are both named %q", j+1, i+1, w.Name)
		}
		seen[w.Name] = i
	}
	if _, err := c.Table(); err != nil {
		return err
	}
	return nil
}

// Table returns the routing table of c: every worker at "<name>.localhost" plus its routes.
func (c *Config) Table() (*gateway.Table, error) {
	names := make([]string, 0, len(c.Workers))
	var routes []gateway.Route
	for _, w := range c.Workers {
		names = append(names, w.Name)
		for _, r := range w.Routes {
			routes = append(routes, gateway.Route{Pattern: r, Worker: w.Name})
		}
	}
	return gateway.NewTable(names, routes)
}
