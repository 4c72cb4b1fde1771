package snapshot

import (
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"islet/internal/ext"
	"islet/internal/ext/all"
	"islet/internal/v8"
)

// keysExt exposes the names on rt.internal and on the global object, for comparing snapshots.
var keysExt = ext.Ext{Name: "keys", JS: fstest.MapFS{"99_keys.js": &fstest.MapFile{Data: []byte(
	`rt.expose('__keys', () => Object.getOwnPropertyNames(rt.internal).map((k) => 'internal.' + k)
		.concat(Object.getOwnPropertyNames(globalThis).map((k) => 'global.' + k)).join());`)}}}

// run builds a snapshot of exts and returns what script gives in a new isolate from it.
func run(t *testing.T, exts []ext.Ext, script string) string {
	t.Helper()
	snap, err := Build(exts)
	if err != nil {
		t.Fatal(err)
	}
	iso := v8.NewIsolate(snap, v8.Options{}, v8.Callbacks{})
	defer iso.Dispose()
	v, err := iso.RunScript("test.js", script)
	if err != nil {
		t.Fatal(err)
	}
	return v.Str
}

func names(t *testing.T, exts []ext.Ext) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, k := range strings.Split(run(t, append(exts, keysExt), "__keys()"), ",") {
		out[k] = true
	}
	return out
}

// TestLazyNamesAreComplete checks that every lazy extension declares exactly the globals and
// rt.internal names its files define: a name it leaves out would be missing (not loaded on
// demand) for the runtime code and the workers that look it up.
func TestLazyNamesAreComplete(t *testing.T) {
	var eager, without []ext.Ext
	declared := map[string]bool{}
	for _, e := range all.Exts {
		if e.Lazy == nil {
			eager = append(eager, e)
			without = append(without, e)
			continue
		}
		for _, g := range e.Lazy.Globals {
			declared["global."+g] = true
		}
		for _, in := range e.Lazy.Internals {
			declared["internal."+in] = true
		}
		e.Lazy = nil
		eager = append(eager, e)
	}
	all, base := names(t, eager), names(t, without)
	var missing, extra []string
	for k := range all {
		if !base[k] && !declared[k] {
			missing = append(missing, k)
		}
	}
	for k := range declared {
		if !all[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("lazy extensions define names they do not declare: %v; declare names they do not define: %v", missing, extra)
	}
}

// TestOnlyNamedPrimordialsAreCaptured checks that core captures the built-ins some runtime file
// names, and those alone: a file that names ArrayPrototypeFlatMap gets it, and
// ArrayPrototypeCopyWithin, which no file here names, is not captured.
func TestOnlyNamedPrimordialsAreCaptured(t *testing.T) {
	probe := ext.Ext{Name: "probe", JS: fstest.MapFS{"99_probe.js": &fstest.MapFile{Data: []byte(
		`const { ArrayPrototypeFlatMap } = rt.primordials;
		rt.expose('__probe', () => [typeof ArrayPrototypeFlatMap,
			['ArrayPrototype', 'CopyWithin'].join('') in rt.primordials, 'primordialNames' in rt].join());`)}}}
	if got := run(t, []ext.Ext{all.Exts[0], probe}, "__probe()"); got != "function,false,false" {
		t.Errorf("captured FlatMap, captured CopyWithin, list left on rt = %q, want function,false,false", got)
	}
}
