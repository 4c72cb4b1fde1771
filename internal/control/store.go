package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Bucket names in JetStream.
const (
	WorkersBucket = "islet-workers"
	BundlesBucket = "islet-bundles"
	TokensBucket  = "islet-tokens"
)

// MaxBundleBytes is the largest bundle a version may have (Workers' script size limit).
const MaxBundleBytes = 10 << 20

// ErrNotFound is returned for a worker, version or token that does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a record changed under a compare-and-swap (a worker record: too
// many times).
var ErrConflict = errors.New("the record was changed concurrently; retry")

// Store is the control plane's state on one NATS connection. It is safe for concurrent use.
type Store struct {
	js     jetstream.JetStream
	meta   jetstream.KeyValue
	tokens jetstream.KeyValue
	// accounts holds account records (accounts.go).
	accounts jetstream.KeyValue
	bundles  jetstream.ObjectStore
	log      *slog.Logger
	// reconnected gets a value after each NATS reconnect (see Watch).
	reconnected chan struct{}
}

// Options configure Open.
type Options struct {
	// Replicas is how many JetStream servers keep each bucket (0: 3 if the cluster can, else 1).
	Replicas int
	Logger   *slog.Logger
	// ReadOnly opens the store of a role that only reads (node, a gateway node without the
	// admin API; see roles.go): it binds to the workers bucket and the bundles store, waiting
	// until an admin has created them, creates nothing and opens neither tokens nor accounts,
	// whose methods then return ErrReadOnly.
	ReadOnly bool
}

// Open binds to (creating if needed) islet's buckets on nc's JetStream.
func Open(ctx context.Context, nc *nats.Conn, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	s := &Store{js: js, log: opts.Logger, reconnected: make(chan struct{}, 1)}
	prev := nc.Opts.ReconnectedCB
	nc.SetReconnectHandler(func(c *nats.Conn) {
		if prev != nil {
			prev(c)
		}
		select {
		case s.reconnected <- struct{}{}:
		default:
		}
	})
	// A cluster that is still electing its JetStream leaders answers "temporarily
	// unavailable" for a few seconds; retry until ctx ends. With no replica count given, a
	// cluster too small for 3 replicas gets 1.
	replicas := opts.Replicas
	if replicas == 0 {
		replicas = 3
	}
	attempts := 0
	for {
		actx, cancel := context.WithTimeout(ctx, 3*time.Second)
		var err error
		if opts.ReadOnly {
			err = s.bindReadOnly(actx)
		} else {
			err = s.createBuckets(actx, replicas)
		}
		if err == nil {
			err = s.probe(actx)
		}
		cancel()
		if err == nil {
			return s, nil
		}
		if opts.Replicas == 0 && replicas > 1 && isInsufficientResources(err) {
			replicas = 1
			continue
		}
		if attempts++; attempts%20 == 0 {
			s.log.Warn("the control plane's buckets are not ready yet; retrying", "replicas", replicas, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// probe reads from each bucket: a replicated bucket just created has no stream leader for a
// moment, and reads fail with "no responders" until it has.
func (s *Store) probe(ctx context.Context) error {
	for _, kv := range []jetstream.KeyValue{s.meta, s.tokens, s.accounts} {
		if kv == nil { // a read-only store
			continue
		}
		if _, err := kv.Get(ctx, "probe"); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("kv bucket %s: %w", kv.Bucket(), err)
		}
	}
	return nil
}

func isInsufficientResources(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == 10023 { // JSInsufficientResourcesErr
		return true
	}
	return strings.Contains(err.Error(), "insufficient resources") || strings.Contains(err.Error(), "replicas > 1 not supported")
}

func (s *Store) createBuckets(ctx context.Context, replicas int) error {
	var err error
	if s.meta, err = s.keyValue(ctx, jetstream.KeyValueConfig{Bucket: WorkersBucket, History: 16,
		Description: "islet worker records and versions", Storage: jetstream.FileStorage, Replicas: replicas}); err != nil {
		return err
	}
	if s.tokens, err = s.keyValue(ctx, jetstream.KeyValueConfig{Bucket: TokensBucket, History: 1,
		Description: "islet API tokens (hashed)", Storage: jetstream.FileStorage, Replicas: replicas}); err != nil {
		return err
	}
	if s.accounts, err = s.keyValue(ctx, jetstream.KeyValueConfig{Bucket: AccountsBucket, History: 1,
		Description: "islet accounts: plans, zones, egress grants", Storage: jetstream.FileStorage, Replicas: replicas}); err != nil {
		return err
	}
	s.bundles, err = s.js.ObjectStore(ctx, BundlesBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		s.bundles, err = s.js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: BundlesBucket,
			Description: "islet worker bundles by content hash", Storage: jetstream.FileStorage, Replicas: replicas, Compression: true})
	}
	if err != nil {
		return fmt.Errorf("object store %s: %w", BundlesBucket, err)
	}
	return nil
}

// keyValue binds to a KV bucket, creating it if it does not exist yet (an existing bucket
// keeps its configuration, so nodes started with other options do not fight over it).
func (s *Store) keyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	kv, err := s.js.KeyValue(ctx, cfg.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = s.js.CreateKeyValue(ctx, cfg)
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = s.js.KeyValue(ctx, cfg.Bucket)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("kv bucket %s: %w", cfg.Bucket, err)
	}
	return kv, nil
}

func workerKey(name string) string      { return "w." + name }
func versionKey(name, id string) string { return "v." + name + "." + id }

// Worker reads a worker's record and its KV revision.
func (s *Store) Worker(ctx context.Context, name string) (*Worker, uint64, error) {
	e, err := retry(ctx, func(ctx context.Context) (jetstream.KeyValueEntry, error) { return s.meta.Get(ctx, workerKey(name)) })
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, fmt.Errorf("worker %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read worker %q: %w", name, err)
	}
	var w Worker
	if err := json.Unmarshal(e.Value(), &w); err != nil {
		return nil, 0, fmt.Errorf("decode worker %q: %w", name, err)
	}
	return &w, e.Revision(), nil
}

// Workers lists every worker record, by name.
func (s *Store) Workers(ctx context.Context) ([]*Worker, error) {
	lister, err := s.meta.ListKeysFiltered(ctx, "w.*")
	if err != nil {
		return nil, fmt.Errorf("list workers: %w", err)
	}
	var names []string
	for k := range lister.Keys() {
		names = append(names, strings.TrimPrefix(k, "w."))
	}
	var out []*Worker
	for _, n := range names {
		w, _, err := s.Worker(ctx, n)
		if errors.Is(err, ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// Version reads a version's record.
func (s *Store) Version(ctx context.Context, worker, id string) (*Version, error) {
	e, err := retry(ctx, func(ctx context.Context) (jetstream.KeyValueEntry, error) {
		return s.meta.Get(ctx, versionKey(worker, id))
	})
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("version %s of %q: %w", id, worker, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read version %s of %q: %w", id, worker, err)
	}
	var v Version
	if err := json.Unmarshal(e.Value(), &v); err != nil {
		return nil, fmt.Errorf("decode version %s of %q: %w", id, worker, err)
	}
	return &v, nil
}

// Bundle reads a bundle by its object name.
func (s *Store) Bundle(ctx context.Context, name string) (*Bundle, error) {
	b, err := retry(ctx, func(ctx context.Context) ([]byte, error) { return s.bundles.GetBytes(ctx, name) })
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("bundle %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read bundle %s: %w", name, err)
	}
	var out Bundle
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("decode bundle %s: %w", name, err)
	}
	return &out, nil
}

// PutVersion stores a bundle and the version that runs it, and returns the version with its
// ID and bundle name filled in. It does not make the version current (see Activate). Storing
// the same content again returns the existing version.
func (s *Store) PutVersion(ctx context.Context, v Version, b *Bundle) (*Version, error) {
	data, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("encode bundle: %w", err)
	}
	v.Bundle = b.Hash()
	v.BundleBytes = b.Size()
	v.ID = versionID(&v)
	v.Created = time.Now().UTC()
	if existing, err := s.Version(ctx, v.Worker, v.ID); err == nil {
		return existing, nil
	}
	if _, err := s.bundles.GetInfo(ctx, v.Bundle); err != nil {
		if _, err := retry(ctx, func(ctx context.Context) (*jetstream.ObjectInfo, error) {
			return s.bundles.PutBytes(ctx, v.Bundle, data)
		}); err != nil {
			return nil, fmt.Errorf("store bundle: %w", err)
		}
	}
	rec, err := json.Marshal(&v)
	if err != nil {
		return nil, fmt.Errorf("encode version: %w", err)
	}
	_, err = retry(ctx, func(ctx context.Context) (uint64, error) { return s.meta.Create(ctx, versionKey(v.Worker, v.ID), rec) })
	if err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return nil, fmt.Errorf("store version: %w", err)
	}
	return &v, nil
}

// Update changes a worker's record with compare-and-swap: change gets the current record (nil
// when the worker does not exist) and returns the next one, or an error to abort. It retries
// when another writer got in first.
func (s *Store) Update(ctx context.Context, name string, change func(*Worker) (*Worker, error)) (*Worker, error) {
	for attempt := 0; attempt < 8; attempt++ {
		cur, rev, err := s.Worker(ctx, name)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		next, err := change(cur)
		if err != nil {
			return nil, err
		}
		next.Updated = time.Now().UTC()
		data, err := json.Marshal(next)
		if err != nil {
			return nil, fmt.Errorf("encode worker: %w", err)
		}
		_, err = retry(ctx, func(ctx context.Context) (uint64, error) {
			if cur == nil {
				return s.meta.Create(ctx, workerKey(name), data)
			}
			return s.meta.Update(ctx, workerKey(name), data, rev)
		})
		if err == nil {
			return next, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !isWrongSequence(err) {
			return nil, fmt.Errorf("write worker %q: %w", name, err)
		}
	}
	return nil, ErrConflict
}

func isWrongSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

// Delete removes a worker and its version records. Bundles stay: other versions may share
// them.
func (s *Store) Delete(ctx context.Context, name string) error {
	w, _, err := s.Worker(ctx, name)
	if err != nil {
		return err
	}
	if _, err := retry(ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, s.meta.Delete(ctx, workerKey(name)) }); err != nil {
		return fmt.Errorf("delete worker %q: %w", name, err)
	}
	for _, v := range w.Versions {
		if err := s.meta.Purge(ctx, versionKey(name, v.ID)); err != nil {
			s.log.Warn("purge version", "worker", name, "version", v.ID, "err", err)
		}
	}
	return nil
}
