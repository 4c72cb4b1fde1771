package node

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"islet/internal/config"
	"islet/internal/worker"
)

// Limits on what a worker's directory may hold when it is served from disk.
const (
	maxModules     = 1000
	maxModuleBytes = 10 << 20
)

// moduleExt are the file extensions served as ES modules.
var moduleExt = map[string]bool{".js": true, ".mjs": true}

// SpecFromConfig reads a configured worker's files: its main file and every JavaScript module
// under the main file's directory (node_modules and hidden folders excluded), so relative
// imports resolve without a bundler.
func SpecFromConfig(w config.Worker) (*worker.Spec, error) {
	dir := filepath.Dir(w.Main)
	mainRel := filepath.Base(w.Main)
	modules := map[string]string{}
	total := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !moduleExt[filepath.Ext(path)] && path != w.Main {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		total += len(b)
		if len(modules) >= maxModules || total > maxModuleBytes {
			return fmt.Errorf("worker %q: more than %d modules or %d MiB under %s; bundle it first", w.Name, maxModules, maxModuleBytes>>20, dir)
		}
		modules[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read worker %q: %w", w.Name, err)
	}
	vars := map[string]any{}
	for k, v := range w.Vars {
		vars[k] = v
	}
	spec := &worker.Spec{
		Name:    w.Name,
		BaseURL: "file://" + filepath.ToSlash(dir) + "/",
		Main:    mainRel,
		Modules: modules,
		Format:  worker.DetectFormat(modules[mainRel]),
		Vars:    vars,
	}
	return spec, nil
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
