package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"islet/internal/nodecache"
)

// cacheFlags are `islet serve`'s flags for the node's local cache of the last known workers
// (package nodecache), which a node joining an external NATS (--nats) serves when NATS does
// not answer at start.
type cacheFlags struct {
	// dir is --cache-dir ("": DATA/cache).
	dir string
	// mode is the hidden --cache-mode a supervisor gives its runtime processes: "write" (keep
	// the cache and serve from it), "read" (serve from it; another process writes it) or "off".
	// "" is "write" for a node with --nats and "off" for one with an embedded server, which
	// always answers.
	mode string
}

func (f *cacheFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dir, "cache-dir", "", "directory of the node's cache of the last known workers, versions and bundles (secrets sealed), served while --nats does not answer at start (default DATA/cache)")
	cmd.Flags().StringVar(&f.mode, "cache-mode", "", "write, read or off (internal: set by a supervisor for its runtime processes)")
	cmd.Flags().MarkHidden("cache-mode")
}

// dirOf is the cache directory of a node whose data directory is data.
func (f cacheFlags) dirOf(data string) string {
	if f.dir != "" {
		return f.dir
	}
	return filepath.Join(data, "cache")
}

// effectiveMode is f.mode with "" resolved for a node that joins an external NATS or not.
func (f cacheFlags) effectiveMode(external bool) (string, error) {
	switch f.mode {
	case "write", "read", "off":
		return f.mode, nil
	case "":
		if external {
			return "write", nil
		}
		return "off", nil
	}
	return "", fmt.Errorf("serve: --cache-mode %q; want write, read or off", f.mode)
}

// open opens the cache of the node pf describes, or returns nil when it keeps none.
func (f cacheFlags) open(pf platformFlags) (*nodecache.Cache, error) {
	mode, err := f.effectiveMode(pf.natsURL != "")
	if err != nil || mode == "off" {
		return nil, err
	}
	return nodecache.Open(f.dirOf(pf.data), mode == "read")
}

// childArgs are the cache flags of runtime process index of a supervisor that pf describes:
// all of them use the supervisor's cache directory, only process 0 writes it (one writer per
// directory), and with an embedded server there is none.
func (f cacheFlags) childArgs(pf platformFlags, index int) ([]string, error) {
	mode, err := f.effectiveMode(pf.natsURL != "")
	if err != nil {
		return nil, err
	}
	if mode == "write" && index > 0 {
		mode = "read"
	}
	return []string{"--cache-dir=" + f.dirOf(pf.data), "--cache-mode=" + mode}, nil
}
