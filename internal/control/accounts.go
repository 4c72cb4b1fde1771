package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"islet/internal/tenancy"
)

// AccountsBucket holds account records under "a.<name>".
const AccountsBucket = "islet-accounts"

// ErrExists is returned when creating an account that already exists.
var ErrExists = errors.New("already exists")

// Account is what an operator gave an account: its plan, its zones and its egress grant. An
// account that has tokens but no record has the default plan, no zones and no grant.
type Account struct {
	Name string       `json:"name"`
	Plan tenancy.Plan `json:"plan"`
	// Zones are the domains the account may route (see tenancy.CheckRoute); no two accounts
	// have overlapping zones.
	Zones []string `json:"zones,omitempty"`
	// EgressAllow is the account's egress grant: the private destinations its workers may
	// open with egress_allow (see tenancy.CheckEgress).
	EgressAllow []string  `json:"egress_allow,omitempty"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

func accountKey(name string) string { return "a." + name }

// Account reads an account's record and its KV revision, or ErrNotFound.
func (s *Store) Account(ctx context.Context, name string) (*Account, uint64, error) {
	if s.accounts == nil {
		return nil, 0, ErrReadOnly
	}
	e, err := retry(ctx, func(ctx context.Context) (jetstream.KeyValueEntry, error) {
		return s.accounts.Get(ctx, accountKey(name))
	})
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, fmt.Errorf("account %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read account %q: %w", name, err)
	}
	var a Account
	if err := json.Unmarshal(e.Value(), &a); err != nil {
		return nil, 0, fmt.Errorf("decode account %q: %w", name, err)
	}
	return &a, e.Revision(), nil
}

// Accounts lists every account record.
func (s *Store) Accounts(ctx context.Context) ([]*Account, error) {
	if s.accounts == nil {
		return nil, ErrReadOnly
	}
	lister, err := s.accounts.ListKeys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	var names []string
	for k := range lister.Keys() {
		names = append(names, strings.TrimPrefix(k, "a."))
	}
	var out []*Account
	for _, n := range names {
		a, _, err := s.Account(ctx, n)
		if errors.Is(err, ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// PutAccount stores a: with revision 0 it creates the record (ErrExists if there is one),
// else it replaces the record at that revision (ErrConflict if it changed since).
func (s *Store) PutAccount(ctx context.Context, a *Account, revision uint64) error {
	if s.accounts == nil {
		return ErrReadOnly
	}
	now := time.Now().UTC()
	if a.Created.IsZero() {
		a.Created = now
	}
	a.Updated = now
	data, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode account %q: %w", a.Name, err)
	}
	if revision == 0 {
		_, err = s.accounts.Create(ctx, accountKey(a.Name), data)
		if errors.Is(err, jetstream.ErrKeyExists) {
			return fmt.Errorf("account %q: %w", a.Name, ErrExists)
		}
	} else {
		_, err = s.accounts.Update(ctx, accountKey(a.Name), data, revision)
		if isWrongSequence(err) {
			return fmt.Errorf("account %q: %w", a.Name, ErrConflict)
		}
	}
	if err != nil {
		return fmt.Errorf("store account %q: %w", a.Name, err)
	}
	return nil
}

// Zones lists every account's zones.
func (s *Store) Zones(ctx context.Context) ([]tenancy.Zone, error) {
	all, err := s.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	var out []tenancy.Zone
	for _, a := range all {
		for _, d := range a.Zones {
			out = append(out, tenancy.Zone{Domain: d, Account: a.Name})
		}
	}
	return out, nil
}
