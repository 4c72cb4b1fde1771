package limits

import "fmt"

// Declared is what a worker declares of its limits: islet.toml's [worker.limits], wrangler's
// [limits], a deploy's "limits" object, a stored version's. Each field is one row of Table, under
// that row's key; zero means the row's default, which is Workers'.
type Declared struct {
	CPUMillis       int `toml:"cpu_ms" json:"cpu_ms"`
	MemoryMB        int `toml:"memory_mb" json:"memory_mb"`
	Subrequests     int `toml:"subrequests" json:"subrequests"`
	RequestBodyMB   int `toml:"request_body_mb" json:"request_body_mb"`
	WaitUntilMillis int `toml:"wait_until_ms" json:"wait_until_ms"`
	ConsoleKB       int `toml:"console_kb" json:"console_kb"`
}

// Limit is one row of Table: a limit a worker may declare, named once.
type Limit struct {
	// Key is how it is declared ("cpu_ms"), in every format.
	Key string
	// Unit is what its value counts: "ms", "MiB", "KiB", or "" for a plain count.
	Unit string
	// Default is the value of a worker that declares none (Workers' default).
	Default int
	// Min and Max bound a declared value.
	Min, Max int
	// Bounds says what the limit bounds, EnforcedBy where islet enforces it.
	Bounds, EnforcedBy string
	// field is the limit's field in Declared.
	field func(*Declared) *int
}

// Table is every limit a worker may declare. Config files, deploy metadata, account plans
// (tenancy), the CLI's help and the runtime read their keys, defaults and bounds here.
var Table = []Limit{
	{"cpu_ms", "ms", DefaultCPUMillis, 1, 30_000,
		"the CPU time one request may use, over all its turns",
		"limits.Watchdog: each turn's thread CPU time, summed per request; a request over it gets a 503",
		func(d *Declared) *int { return &d.CPUMillis }},
	{"memory_mb", "MiB", DefaultMemoryMB, 16, 4096,
		"the worker's V8 heap; its ArrayBuffers and Wasm memories may hold as much again",
		"v8: the isolate's heap limit (the isolate is condemned past it) and its ArrayBuffer allocator",
		func(d *Declared) *int { return &d.MemoryMB }},
	{"subrequests", "", DefaultSubrequests, 1, 10_000_000,
		"how many outbound fetches one request may make",
		"worker: counted at each fetch(); past it fetch() rejects",
		func(d *Declared) *int { return &d.Subrequests }},
	{"request_body_mb", "MiB", DefaultRequestBodyMB, 1, 500,
		"an incoming request's body",
		"worker: a longer announced body gets a 413, a longer streamed one a TypeError in JS",
		func(d *Declared) *int { return &d.RequestBodyMB }},
	{"wait_until_ms", "ms", DefaultWaitUntilMillis, 1, DefaultWaitUntilMillis,
		"how long waitUntil work may run after the response",
		"worker: then the request's remaining work is cancelled",
		func(d *Declared) *int { return &d.WaitUntilMillis }},
	{"console_kb", "KiB", DefaultConsoleKB, 1, 65536,
		"one request's console output",
		"worker: past it one \"truncated\" line is logged and the rest dropped",
		func(d *Declared) *int { return &d.ConsoleKB }},
}

// Lookup returns the row of Table with the given key.
func Lookup(key string) (Limit, bool) {
	for _, l := range Table {
		if l.Key == key {
			return l, true
		}
	}
	return Limit{}, false
}

// Declared returns what d declares for l (0: nothing, so l.Default applies).
func (l Limit) Declared(d Declared) int { return *l.field(&d) }

// Value returns the value of l for d: what d declares, or l.Default.
func (l Limit) Value(d Declared) int {
	if v := *l.field(&d); v != 0 {
		return v
	}
	return l.Default
}

// Check refuses a declared value outside l's bounds; 0 (undeclared) passes.
func (l Limit) Check(v int) error {
	if v != 0 && (v < l.Min || v > l.Max) {
		return fmt.Errorf("limits.%s: %d is outside %d to %d%s", l.Key, v, l.Min, l.Max, unitSuffix(l.Unit))
	}
	return nil
}

func unitSuffix(unit string) string {
	if unit == "" {
		return ""
	}
	return " " + unit
}

// Validate checks each declared limit against its bounds.
func (d Declared) Validate() error {
	for _, l := range Table {
		if err := l.Check(l.Declared(d)); err != nil {
			return err
		}
	}
	return nil
}
