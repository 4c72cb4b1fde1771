package worker

import (
	"strings"
	"sync"

	"islet/internal/sourcemap"
)

// sourceMaps holds the parsed source maps of a spec's modules: a module "x.js" whose spec has
// "x.js.map" (as islet deploy's bundles do) gets its stack positions mapped back to the
// original files. Maps are parsed on first use.
type sourceMaps struct {
	once sync.Once
	spec *Spec
	maps map[string]*sourcemap.Map // by module URL
}

func (sm *sourceMaps) load() {
	sm.maps = map[string]*sourcemap.Map{}
	for p, src := range sm.spec.Modules {
		mapPath, ok := strings.CutSuffix(p, ".map")
		if !ok {
			continue
		}
		if _, isModule := sm.spec.Modules[mapPath]; !isModule {
			continue
		}
		if m, err := sourcemap.Parse([]byte(src)); err == nil {
			sm.maps[sm.spec.BaseURL+mapPath] = m
		}
	}
}

// remap rewrites a stack trace's positions in bundled modules to their original sources.
func (sm *sourceMaps) remap(stack string) string {
	if stack == "" {
		return stack
	}
	sm.once.Do(sm.load)
	if len(sm.maps) == 0 {
		return stack
	}
	return sourcemap.RemapStack(stack, func(url string) *sourcemap.Map { return sm.maps[url] })
}
