package control

import (
	"context"
	"errors"
	"fmt"
)

// ErrReadOnly is returned by a read-only store (Options.ReadOnly) for what only the admin role
// may read or write: tokens and accounts.
var ErrReadOnly = errors.New("the control plane store is open read-only (this process's NATS role reads only worker records and bundles)")

// bindReadOnly binds to the workers bucket and the bundles store without creating them; until
// an admin has created them it fails (Open retries).
func (s *Store) bindReadOnly(ctx context.Context) error {
	var err error
	if s.meta, err = s.js.KeyValue(ctx, WorkersBucket); err != nil {
		return fmt.Errorf("kv bucket %s (an admin node creates it): %w", WorkersBucket, err)
	}
	if s.bundles, err = s.js.ObjectStore(ctx, BundlesBucket); err != nil {
		return fmt.Errorf("object store %s (an admin node creates it): %w", BundlesBucket, err)
	}
	return nil
}
