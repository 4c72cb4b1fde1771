package node

import (
	"os"
	"path/filepath"
	"strings"

	"islet/internal/bundle"
)

// bundleIfNeeded bundles a worker's main file when it cannot be served as it is: TypeScript
// or JSX, or a module importing npm packages (a bare specifier). It returns nil for plain
// JavaScript with relative imports.
func bundleIfNeeded(main string) (*bundle.Result, error) {
	switch strings.ToLower(filepath.Ext(main)) {
	case ".ts", ".tsx", ".mts", ".cts", ".jsx":
		return bundle.Build(main, bundle.Options{})
	}
	src, err := os.ReadFile(main)
	if err != nil {
		return nil, nil // reported by the caller, which reads it again
	}
	for _, m := range importRE.FindAllStringSubmatch(string(src), -1) {
		spec := m[1]
		if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") && !strings.HasPrefix(spec, "/") &&
			!strings.Contains(spec, "://") {
			return bundle.Build(main, bundle.Options{})
		}
	}
	return nil, nil
}
