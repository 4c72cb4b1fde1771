package bundle

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// DynamicImports parses the JavaScript modules of an upload (paths ending in .js, .mjs or
// .cjs) and returns, by module path, the specifiers of the `import("…")` calls whose argument
// is a string literal, in source order. A computed specifier (`import(name)`) cannot be known
// before it runs and is not listed. Nothing is read from disk: modules are the upload's bytes.
// A module esbuild cannot parse is an error naming it (a deploy refuses those earlier).
func DynamicImports(modules map[string][]byte) (map[string][]string, error) {
	var entries []string
	for p := range modules {
		if strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".mjs") || strings.HasSuffix(p, ".cjs") {
			entries = append(entries, p)
		}
	}
	if len(entries) == 0 {
		return map[string][]string{}, nil
	}
	sort.Strings(entries)
	const ns = "upload"
	upload := api.Plugin{Name: "upload", Setup: func(b api.PluginBuild) {
		b.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			if a.Kind == api.ResolveEntryPoint {
				return api.OnResolveResult{Path: a.Path, Namespace: ns}, nil
			}
			return api.OnResolveResult{Path: a.Path, External: true}, nil // listed, not followed
		})
		b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: ns}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			src := string(modules[a.Path])
			return api.OnLoadResult{Contents: &src, Loader: api.LoaderJS}, nil
		})
	}}
	res := api.Build(api.BuildOptions{
		EntryPoints: entries,
		Plugins:     []api.Plugin{upload},
		Bundle:      true,
		Write:       false,
		Metafile:    true,
		Outdir:      "out",
		Format:      api.FormatESModule,
		Platform:    api.PlatformNeutral,
		LogLevel:    api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		return nil, fmt.Errorf("scan imports: %s", strings.Join(format(res.Errors), "; "))
	}
	var meta struct {
		Inputs map[string]struct {
			Imports []struct {
				Path     string `json:"path"`
				Kind     string `json:"kind"`
				Original string `json:"original"`
			} `json:"imports"`
		} `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(res.Metafile), &meta); err != nil {
		return nil, fmt.Errorf("scan imports: esbuild's metafile: %w", err)
	}
	out := map[string][]string{}
	for key, in := range meta.Inputs {
		p := strings.TrimPrefix(key, ns+":")
		for _, imp := range in.Imports {
			if imp.Kind == "dynamic-import" {
				out[p] = append(out[p], imp.Path)
			}
		}
	}
	return out, nil
}
