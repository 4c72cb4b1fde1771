package cli

import (
	"fmt"
	"runtime/debug"

	"islet/internal/v8"
)

// commit is set by the Makefile (-ldflags -X islet/internal/cli.commit=…) where the build
// carries no VCS stamp of its own (GOFLAGS=-buildvcs=false, or a build outside git).
var commit string

// versionLine is what `islet --version` prints: the module version, the commit it was built
// from (with "+dirty" for uncommitted changes) and the V8 the binary runs.
func versionLine() string {
	version, rev := "(devel)", commit
	if rev == "" {
		rev = "unknown"
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		dirty := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
				if len(rev) > 12 {
					rev = rev[:12]
				}
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if dirty {
			rev += "+dirty"
		}
	}
	return fmt.Sprintf("islet %s (commit %s), V8 %s", version, rev, v8.Version())
}
