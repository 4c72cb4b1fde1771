// Package bundle bundles a worker's entry point with esbuild's Go API: TypeScript and
// JavaScript, relative imports and npm packages from node_modules become one ES module plus
// its source map, ready to deploy. `islet deploy` uses it; the result is the modules of a
// deploy.Upload.
package bundle

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// Result is a bundled worker.
type Result struct {
	// Main is the bundled entry module's path among Modules ("index.js").
	Main string
	// Modules holds the bundle and its source map ("index.js.map").
	Modules map[string][]byte
	// Warnings are esbuild's warnings, formatted as file:line:column: text.
	Warnings []string
}

// Options configure Build.
type Options struct {
	// Minify shortens the output (names stay readable through the source map).
	Minify bool
	// Define replaces global identifiers with constant expressions, as esbuild's define.
	Define map[string]string
}

// Build bundles the entry file (a .js, .mjs, .ts, .tsx or .jsx path) and what it imports.
// Errors carry every esbuild message as file:line:column: text. Nothing is written to disk.
func Build(entry string, opts Options) (*Result, error) {
	abs, err := filepath.Abs(entry)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", entry, err)
	}
	outName := strings.TrimSuffix(filepath.Base(abs), filepath.Ext(abs)) + ".js"
	wasm := &wasmModules{files: map[string]string{}}
	res := api.Build(api.BuildOptions{
		Plugins:           []api.Plugin{wasm.plugin()},
		EntryPoints:       []string{abs},
		Bundle:            true,
		Write:             false,
		Outfile:           filepath.Join(filepath.Dir(abs), outDir, outName),
		Format:            api.FormatESModule,
		Platform:          api.PlatformNeutral,
		Target:            api.ES2022,
		MainFields:        []string{"browser", "module", "main"},
		Conditions:        []string{"workerd", "worker", "browser"},
		Sourcemap:         api.SourceMapExternal,
		SourcesContent:    api.SourcesContentInclude,
		MinifyWhitespace:  opts.Minify,
		MinifySyntax:      opts.Minify,
		MinifyIdentifiers: opts.Minify,
		Define:            opts.Define,
		LogLevel:          api.LogLevelSilent,
		Loader:            map[string]api.Loader{".html": api.LoaderText, ".txt": api.LoaderText},
		Charset:           api.CharsetUTF8,
		AbsWorkingDir:     filepath.Dir(abs),
	})
	if len(res.Errors) > 0 {
		return nil, fmt.Errorf("bundle %s:\n%s", entry, strings.Join(format(res.Errors), "\n"))
	}
	out := &Result{Main: outName, Modules: map[string][]byte{}, Warnings: format(res.Warnings)}
	for _, f := range res.OutputFiles {
		name := path.Base(filepath.ToSlash(f.Path))
		out.Modules[name] = f.Contents
		if strings.HasSuffix(name, ".map") {
			out.Modules[name] = relativeSources(f.Contents)
		}
	}
	for name, file := range wasm.files {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("bundle %s: %w", entry, err)
		}
		out.Modules[name] = b
	}
	if _, ok := out.Modules[outName]; !ok {
		return nil, fmt.Errorf("bundle %s: esbuild wrote no %s", entry, outName)
	}
	return out, nil
}

// wasmModules keeps WebAssembly imports out of the bundle: `import mod from "./x.wasm"` stays
// an import of a module "x.wasm" uploaded beside it, which the worker gets as a
// WebAssembly.Module compiled at load.
type wasmModules struct {
	files map[string]string // module name → file
}

func (w *wasmModules) plugin() api.Plugin {
	return api.Plugin{Name: "islet-wasm", Setup: func(b api.PluginBuild) {
		b.OnResolve(api.OnResolveOptions{Filter: `\.wasm$`}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
			file := args.Path
			if !filepath.IsAbs(file) {
				file = filepath.Join(args.ResolveDir, file)
			}
			if _, err := os.Stat(file); err != nil {
				return api.OnResolveResult{}, fmt.Errorf("WebAssembly module %s: %w", args.Path, err)
			}
			name := filepath.Base(file)
			for i := 2; ; i++ {
				if prev, taken := w.files[name]; !taken || prev == file {
					break
				}
				name = fmt.Sprintf("%s-%d.wasm", strings.TrimSuffix(filepath.Base(file), ".wasm"), i)
			}
			w.files[name] = file
			return api.OnResolveResult{Path: "./" + name, External: true}, nil
		})
	}}
}

// relativeSources rewrites a source map's sources, which esbuild writes relative to the
// output folder, to be relative to the entry file's folder ("lib/util.ts").
func relativeSources(data []byte) []byte {
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return data
	}
	srcs, _ := m["sources"].([]any)
	for i, s := range srcs {
		if str, ok := s.(string); ok {
			srcs[i] = path.Clean(path.Join(outDir, str))
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		return data
	}
	return out
}

// outDir is where esbuild is told the bundle goes, relative to the entry file (nothing is
// written there).
const outDir = ".islet-out"

func format(msgs []api.Message) []string {
	var out []string
	for _, m := range msgs {
		if m.Location == nil {
			out = append(out, m.Text)
			continue
		}
		l := m.Location
		out = append(out, fmt.Sprintf("%s:%d:%d: %s\n    %s", l.File, l.Line, l.Column+1, m.Text, l.LineText))
	}
	return out
}
