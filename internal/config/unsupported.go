package config

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Unsupported is one thing a wrangler config declares that islet cannot honour: a binding, a
// trigger, a compatibility flag or a key islet does not know.
type Unsupported struct {
	File   string // the config file's base name, e.g. "wrangler.toml"
	Where  string // where in it, as the user wrote it: "[[kv_namespaces]] CACHE", "compatibility_flags nodejs_compat"
	Reason string // why it cannot be honoured: "Workers KV is not supported"
}

func (u Unsupported) String() string { return u.File + ": " + u.Where + ": " + u.Reason }

// Report is what LoadWrangler found besides the worker itself.
type Report struct {
	// Unsupported lists what islet cannot honour, in file order of keys (sorted) and entries.
	// Deploy and dev refuse the config when it is not empty, unless told to go on without them.
	Unsupported []Unsupported
	// NoEffect lists keys islet accepts knowingly that change nothing on islet (Cloudflare's
	// own logging, placement, wrangler's tooling settings), for the caller to mention.
	NoEffect []string
	// Warnings are what wrangler warns of in an environment's config: a top-level key an
	// environment does not inherit and does not set (its vars, its bindings), a key only the
	// top level may set.
	Warnings []string
}

// UnsupportedError refuses a config that declares what islet cannot honour.
type UnsupportedError struct{ Items []Unsupported }

func (e *UnsupportedError) Error() string {
	var b strings.Builder
	b.WriteString("the config declares what islet does not support (pass --ignore-unsupported to go on without it):")
	for _, u := range e.Items {
		b.WriteString("\n  ")
		b.WriteString(u.String())
	}
	return b.String()
}

// Refuse returns an *UnsupportedError for the report's unsupported items, or nil when there
// are none or ignore is set.
func (r Report) Refuse(ignore bool) error {
	if len(r.Unsupported) == 0 || ignore {
		return nil
	}
	return &UnsupportedError{Items: r.Unsupported}
}

// keyKind says how islet treats one top-level wrangler key.
type keyKind int

const (
	keyRead        keyKind = iota // islet reads it (wranglerFile)
	keyNoEffect                   // accepted; it changes nothing on islet
	keyBindings                   // an array of binding tables, each named by nameField
	keyTable                      // one binding table named by nameField, e.g. [ai]
	keyNamedMap                   // a table of NAME = value bindings, e.g. [wasm_modules]
	keyRefused                    // refused whenever present
	keyCompatFlags                // compatibility_flags: each flag checked against compatFlags
	keyTriggers                   // [triggers]: refused when crons is not empty
	keyEnvs                       // [env.NAME] sections (see LoadWrangler)
	keyNested                     // a table of binding arrays, e.g. queues.producers
)

// envScope says how a key relates to wrangler's environments ([env.NAME]).
type envScope int

const (
	inherited    envScope = iota // an environment that does not set it has the top level's
	notInherited                 // an environment has only its own (vars and every binding)
	topOnly                      // only the top level may set it
)

// wranglerKey is one row of the catalogue of wrangler.toml's top-level keys.
type wranglerKey struct {
	kind      keyKind
	what      string            // the feature, as the refusal names it
	nameField string            // the field that names one binding
	nested    map[string]string // keyNested: sub-array → its name field
	scope     envScope          // as wrangler's configuration schema marks the key
}

// wranglerKeys is the one catalogue of wrangler's top-level keys and what islet does with each.
// A key not listed here is refused as unknown.
var wranglerKeys = map[string]wranglerKey{
	"name": {kind: keyRead}, "main": {kind: keyRead}, "compatibility_date": {kind: keyRead},
	"route": {kind: keyRead}, "routes": {kind: keyRead}, "vars": {scope: notInherited, kind: keyRead}, "limits": {kind: keyRead},
	"services": {scope: notInherited, kind: keyRead},

	"$schema": {scope: topOnly, kind: keyNoEffect}, "account_id": {kind: keyNoEffect}, "workers_dev": {kind: keyNoEffect},
	"preview_urls": {kind: keyNoEffect}, "send_metrics": {scope: topOnly, kind: keyNoEffect}, "keep_vars": {scope: topOnly, kind: keyNoEffect},
	"upload_source_maps": {kind: keyNoEffect}, "minify": {kind: keyNoEffect}, "dev": {scope: topOnly, kind: keyNoEffect},
	"observability": {kind: keyNoEffect}, "logpush": {kind: keyNoEffect}, "placement": {kind: keyNoEffect},
	"usage_model": {kind: keyNoEffect}, "legacy_env": {scope: topOnly, kind: keyNoEffect},

	"compatibility_flags": {kind: keyCompatFlags},
	"triggers":            {kind: keyTriggers, what: "cron triggers are"},
	"env":                 {scope: topOnly, kind: keyEnvs, what: "environments are"},

	"kv_namespaces":             {scope: notInherited, kind: keyBindings, what: "Workers KV is", nameField: "binding"},
	"d1_databases":              {scope: notInherited, kind: keyBindings, what: "D1 is", nameField: "binding"},
	"r2_buckets":                {scope: notInherited, kind: keyBindings, what: "R2 is", nameField: "binding"},
	"analytics_engine_datasets": {scope: notInherited, kind: keyBindings, what: "Analytics Engine is", nameField: "binding"},
	"vectorize":                 {scope: notInherited, kind: keyBindings, what: "Vectorize is", nameField: "binding"},
	"hyperdrive":                {scope: notInherited, kind: keyBindings, what: "Hyperdrive is", nameField: "binding"},
	"mtls_certificates":         {scope: notInherited, kind: keyBindings, what: "mTLS certificate bindings are", nameField: "binding"},
	"dispatch_namespaces":       {scope: notInherited, kind: keyBindings, what: "dispatch namespaces are", nameField: "binding"},
	"send_email":                {scope: notInherited, kind: keyBindings, what: "Email bindings are", nameField: "name"},
	"tail_consumers":            {scope: notInherited, kind: keyBindings, what: "tail workers are", nameField: "service"},
	"migrations":                {kind: keyBindings, what: "Durable Object migrations are", nameField: "tag"},
	"durable_objects": {scope: notInherited, kind: keyNested, what: "Durable Objects are",
		nested: map[string]string{"bindings": "name"}},
	"queues": {scope: notInherited, kind: keyNested, what: "Queues are",
		nested: map[string]string{"producers": "binding", "consumers": "queue"}},
	"ai":               {scope: notInherited, kind: keyTable, what: "Workers AI is", nameField: "binding"},
	"browser":          {scope: notInherited, kind: keyTable, what: "Browser Rendering is", nameField: "binding"},
	"images":           {scope: notInherited, kind: keyTable, what: "Images bindings are", nameField: "binding"},
	"version_metadata": {kind: keyTable, what: "version metadata bindings are", nameField: "binding"},
	"wasm_modules":     {scope: topOnly, kind: keyNamedMap, what: "Wasm module bindings are"},
	"text_blobs":       {scope: topOnly, kind: keyNamedMap, what: "text blob bindings are"},
	"data_blobs":       {scope: topOnly, kind: keyNamedMap, what: "data blob bindings are"},

	"assets":                  {kind: keyRefused, what: "static assets are"},
	"site":                    {scope: topOnly, kind: keyRefused, what: "Workers Sites are"},
	"build":                   {kind: keyRefused, what: "custom builds are (run the build, then point main at its output)"},
	"rules":                   {kind: keyRefused, what: "module rules are"},
	"find_additional_modules": {kind: keyRefused, what: "additional modules are"},
	"no_bundle":               {kind: keyRefused, what: "deploying without bundling is"},
	"base_dir":                {kind: keyRefused, what: "base_dir is"},
	"preserve_file_names":     {kind: keyRefused, what: "preserve_file_names is"},
	"node_compat":             {kind: keyRefused, what: "the legacy node_compat polyfills are"},
	"define":                  {scope: notInherited, kind: keyRefused, what: "build-time defines are"},
	"alias":                   {scope: topOnly, kind: keyRefused, what: "module aliases are"},
	"jsx_factory":             {kind: keyRefused, what: "jsx_factory is"},
	"jsx_fragment":            {kind: keyRefused, what: "jsx_fragment is"},
	"tsconfig":                {kind: keyRefused, what: "a custom tsconfig is"},
	"unsafe":                  {scope: notInherited, kind: keyRefused, what: "unsafe bindings are"},
	"secrets_store_secrets":   {scope: notInherited, kind: keyBindings, what: "Secrets Store bindings are", nameField: "binding"},
	"workflows":               {scope: notInherited, kind: keyBindings, what: "Workflows are", nameField: "binding"},
	"pipelines":               {scope: notInherited, kind: keyBindings, what: "Pipelines are", nameField: "binding"},
}

// compatFlags are the compatibility flags islet implements. It implements none yet, so every
// flag a config names is refused, as the issue of each (nodejs_compat: Node.js compatibility)
// lands it is added here.
var compatFlags = map[string]bool{}

// CompatibilityFlagSupported says whether islet implements a compatibility flag.
func CompatibilityFlagSupported(flag string) bool { return compatFlags[flag] }

// FeatureOfKey names the feature a wrangler key declares, as refusals write it ("Workers KV
// is"), or "" for a key islet reads, ignores knowingly or does not know.
func FeatureOfKey(key string) string { return wranglerKeys[key].what }

// checkWranglerKeys classifies every top-level key of a decoded wrangler config, or of one of
// its environments when prefix names it ("[env.staging] ").
func checkWranglerKeys(file, prefix string, all map[string]any) Report {
	var r Report
	keys := slices.Sorted(maps.Keys(all))
	add := func(where, reason string) {
		r.Unsupported = append(r.Unsupported, Unsupported{File: file, Where: prefix + where, Reason: reason})
	}
	for _, k := range keys {
		v := all[k]
		row, ok := wranglerKeys[k]
		if !ok {
			add(keyName(k), "islet does not know this key")
			continue
		}
		notSupported := row.what + " not supported"
		switch row.kind {
		case keyRead:
		case keyNoEffect:
			r.NoEffect = append(r.NoEffect, k)
		case keyRefused:
			add(k, notSupported)
		case keyCompatFlags:
			list, _ := v.([]any)
			for _, f := range list {
				if s, _ := f.(string); !CompatibilityFlagSupported(s) {
					add(fmt.Sprintf("compatibility_flags %q", f), "islet does not implement this compatibility flag")
				}
			}
		case keyTriggers:
			t, _ := v.(map[string]any)
			crons, _ := t["crons"].([]any)
			for _, c := range crons {
				add(fmt.Sprintf("[triggers] crons %q", c), notSupported)
			}
		case keyEnvs: // LoadWrangler reads the one selected
		case keyBindings:
			for _, n := range entryNames(v, row.nameField) {
				add("[["+k+"]] "+n, notSupported)
			}
		case keyNested:
			t, _ := v.(map[string]any)
			for _, sub := range slices.Sorted(maps.Keys(t)) {
				field, known := row.nested[sub]
				if !known {
					add(k+"."+sub, notSupported)
					continue
				}
				for _, n := range entryNames(t[sub], field) {
					add("[["+k+"."+sub+"]] "+n, notSupported)
				}
			}
		case keyTable:
			t, _ := v.(map[string]any)
			n, _ := t[row.nameField].(string)
			add(strings.TrimSpace("["+k+"] "+n), notSupported)
		case keyNamedMap:
			t, _ := v.(map[string]any)
			for _, n := range slices.Sorted(maps.Keys(t)) {
				add("["+k+"] "+n, notSupported)
			}
		}
	}
	return r
}

// entryNames names each table of a binding array by its name field ("?" when it has none).
func entryNames(v any, field string) []string {
	list, _ := v.([]any)
	if m, ok := v.(map[string]any); ok { // a single table where an array was expected
		list = []any{m}
	}
	var out []string
	for _, e := range list {
		m, _ := e.(map[string]any)
		n, _ := m[field].(string)
		if n == "" {
			n = "?"
		}
		out = append(out, n)
	}
	return out
}

// keyName writes a key as TOML would: bare when it can be, quoted otherwise.
func keyName(k string) string {
	bare := k != ""
	for _, c := range k {
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			bare = false
		}
	}
	if bare {
		return k
	}
	return strconv.Quote(k)
}
