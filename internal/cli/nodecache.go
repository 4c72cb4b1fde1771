package cli

import (
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
}

func (f *cacheFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dir, "cache-dir", "", "directory of the node's cache of the last known workers, versions and bundles (secrets sealed), served while --nats does not answer at start (default DATA/cache)")
}

// dirOf is the cache directory of a node whose data directory is data.
func (f cacheFlags) dirOf(data string) string {
	if f.dir != "" {
		return f.dir
	}
	return filepath.Join(data, "cache")
}

// open opens the cache of the node pf describes, or returns nil when it keeps none: a node that
// joins an external NATS (--nats) keeps one; one with an embedded server, which always
// answers, does not. Of a supervisor and its runtime processes, only the supervisor does.
func (f cacheFlags) open(pf platformFlags) (*nodecache.Cache, error) {
	if pf.natsURL == "" {
		return nil, nil
	}
	return nodecache.Open(f.dirOf(pf.data), false)
}
