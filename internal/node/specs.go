package node

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"islet/internal/config"
	"islet/internal/deploy"
	"islet/internal/limits"
	"islet/internal/worker"
)

// Limits on what a worker's directory may hold when it is served from disk.
const (
	maxModules     = 1000
	maxModuleBytes = 10 << 20
)

// SpecFromConfig reads a configured worker's files: its main file and, transitively, the
// modules it imports by relative path (the worker's folder may hold other workers' files too),
// served as they are so stack traces name the files. A TypeScript or JSX main file, or one
// that imports npm packages, is bundled instead (internal/bundle, as islet deploy does), and
// its stack traces go through the bundle's source map. Files outside the main file's folder
// are left to V8 to reject at load, with file:line:column.
func SpecFromConfig(w config.Worker) (*worker.Spec, error) {
	dir := filepath.Dir(w.Main)
	mainRel := filepath.Base(w.Main)
	modules := map[string]string{}
	total := 0
	bundled, err := bundleIfNeeded(w.Main)
	if err != nil {
		return nil, fmt.Errorf("worker %q: %w", w.Name, err)
	}
	if bundled != nil {
		mainRel = bundled.Main
		for p, b := range bundled.Modules {
			modules[p] = string(b)
		}
	}
	var visit func(rel string) error
	visit = func(rel string) error {
		if _, seen := modules[rel]; seen {
			return nil
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			if rel == mainRel {
				return err
			}
			return nil // reported by V8 at link time, with the importing file
		}
		total += len(b)
		if len(modules) >= maxModules || total > maxModuleBytes {
			return fmt.Errorf("worker %q: more than %d modules or %d MiB; bundle it first", w.Name, maxModules, maxModuleBytes>>20)
		}
		modules[rel] = string(b)
		if worker.IsWasm(rel) {
			return nil // a WebAssembly binary imports nothing the node reads
		}
		for _, spec := range relativeImports(string(b)) {
			dep, err := joinRel(rel, spec)
			if err != nil {
				continue
			}
			if err := visit(dep); err != nil {
				return err
			}
		}
		return nil
	}
	if bundled == nil {
		if err := visit(mainRel); err != nil {
			return nil, fmt.Errorf("read worker %q: %w", w.Name, err)
		}
	}
	egress, err := limits.ParseEgressRules(w.EgressAllow)
	if err != nil {
		return nil, fmt.Errorf("worker %q: egress_allow: %w", w.Name, err)
	}
	env, err := deploy.ConfigEnv(w)
	if err != nil {
		return nil, fmt.Errorf("worker %q: %w", w.Name, err)
	}
	return &worker.Spec{
		Name:              w.Name,
		BaseURL:           "file://" + filepath.ToSlash(dir) + "/",
		Main:              mainRel,
		Modules:           modules,
		Format:            worker.DetectFormat(modules[mainRel]),
		Env:               env,
		CompatibilityDate: w.CompatibilityDate,
		Limits:            LimitsFromConfig(w.Limits),
		EgressAllow:       egress,
	}, nil
}

// LimitsFromConfig converts a worker's configured limits (zero: the default) for the worker
// package.
func LimitsFromConfig(l config.Limits) worker.Limits {
	return worker.Limits{
		HeapBytes:        uint64(l.MemoryMB) << 20,
		CPUPerRequest:    time.Duration(l.CPUMillis) * time.Millisecond,
		Subrequests:      l.Subrequests,
		RequestBodyBytes: int64(l.RequestBodyMB) << 20,
		WaitUntil:        time.Duration(l.WaitUntilMillis) * time.Millisecond,
		ConsoleBytes:     l.ConsoleKB << 10,
	}
}

// joinRel resolves spec against the module at from (both relative to the worker's folder); a
// path that leaves the folder is an error.
func joinRel(from, spec string) (string, error) {
	p := path.Join(path.Dir(from), spec)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("%s leaves the worker's folder", spec)
	}
	return p, nil
}

// watchKey summarises the files a config's workers are read from (paths, sizes, mtimes), so a
// poller can tell when something changed.
func watchKey(cfg *config.Config) string {
	var b strings.Builder
	for _, w := range cfg.Workers {
		dir := filepath.Dir(w.Main)
		n := 0
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() {
				if path != dir && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) {
					return filepath.SkipDir
				}
				return nil
			}
			if n++; n > maxModules*2 {
				return filepath.SkipAll
			}
			if info, err := d.Info(); err == nil {
				fmt.Fprintf(&b, "%s %d %d\n", path, info.Size(), info.ModTime().UnixNano())
			}
			return nil
		})
	}
	return b.String()
}
