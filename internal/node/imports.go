package node

import (
	"regexp"
	"strings"
)

// importRE finds the specifiers of static imports and re-exports: `import … from "x"`,
// `import "x"`, `export … from "x"`. It only decides which files are read along with a
// worker; V8 parses the modules, and an import this misses fails at link time with
// "Cannot find module", naming the file.
var importRE = regexp.MustCompile(`(?m)(?:^|[;}\s])(?:import|export)\s*(?:[\w*${}\s,]+?\s*from\s*)?["']([^"'\n]+)["']`)

// relativeImports returns the relative specifiers ("./x.js", "../y.js") a module imports.
func relativeImports(code string) []string {
	var out []string
	for _, m := range importRE.FindAllStringSubmatch(code, -1) {
		if spec := m[1]; strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../") {
			out = append(out, spec)
		}
	}
	return out
}
