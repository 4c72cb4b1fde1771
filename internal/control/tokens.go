package control

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TokenPrefix starts every API token, so a leaked one is easy to recognise.
const TokenPrefix = "islet_"

func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "t." + hex.EncodeToString(sum[:])
}

// CreateToken makes a new API token for account and returns it; only its hash is stored.
func (s *Store) CreateToken(ctx context.Context, t Token) (string, error) {
	if s.tokens == nil {
		return "", ErrReadOnly
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	t.Created = time.Now().UTC()
	data, err := json.Marshal(&t)
	if err != nil {
		return "", fmt.Errorf("encode token: %w", err)
	}
	if _, err := s.tokens.Create(ctx, tokenKey(token), data); err != nil {
		return "", fmt.Errorf("store token: %w", err)
	}
	return token, nil
}

// ExpiredError is Authenticate's answer for a token past its expiry.
type ExpiredError struct{ At time.Time }

func (e *ExpiredError) Error() string { return "the token expired at " + e.At.Format(time.RFC3339) }

// lastUsedEvery is how stale a token's LastUsed may get: Authenticate rewrites the record at
// most this often, not on every call.
const lastUsedEvery = time.Minute

// Authenticate returns the record of token, ErrNotFound, or an *ExpiredError. It records when
// the token was last used (best effort, at most once per lastUsedEvery).
func (s *Store) Authenticate(ctx context.Context, token string) (*Token, error) {
	if s.tokens == nil {
		return nil, ErrReadOnly
	}
	e, err := retry(ctx, func(ctx context.Context) (jetstream.KeyValueEntry, error) { return s.tokens.Get(ctx, tokenKey(token)) })
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read token: %w", err)
	}
	var t Token
	if err := json.Unmarshal(e.Value(), &t); err != nil {
		return nil, fmt.Errorf("decode token: %w", err)
	}
	now := time.Now().UTC()
	if t.Expires != nil && !now.Before(*t.Expires) {
		return nil, &ExpiredError{At: *t.Expires}
	}
	if t.LastUsed == nil || now.Sub(*t.LastUsed) >= lastUsedEvery {
		t.LastUsed = &now
		if data, err := json.Marshal(&t); err == nil {
			// A concurrent use or a revocation wins; the token still authenticates now.
			s.tokens.Update(ctx, tokenKey(token), data, e.Revision())
		}
	}
	return &t, nil
}

// HasTokens reports whether any token exists (a fresh platform has none until bootstrap).
func (s *Store) HasTokens(ctx context.Context) (bool, error) {
	if s.tokens == nil {
		return false, ErrReadOnly
	}
	lister, err := s.tokens.ListKeys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("list tokens: %w", err)
	}
	defer lister.Stop()
	for range lister.Keys() {
		return true, nil
	}
	return false, nil
}

// TokenInfo is a stored token as it can be shown: its ID (the first 16 hex digits of its
// hash, never the token) and its record.
type TokenInfo struct {
	ID string `json:"id"`
	Token
}

// Tokens lists every stored token.
func (s *Store) Tokens(ctx context.Context) ([]TokenInfo, error) {
	if s.tokens == nil {
		return nil, ErrReadOnly
	}
	lister, err := s.tokens.ListKeys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	var out []TokenInfo
	for _, k := range keys {
		e, err := s.tokens.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // revoked meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("read token: %w", err)
		}
		var t Token
		if err := json.Unmarshal(e.Value(), &t); err != nil {
			continue
		}
		out = append(out, TokenInfo{ID: tokenID(k), Token: t})
	}
	return out, nil
}

// tokenID is the shown ID of the token stored under key "t.<hex>".
func tokenID(key string) string {
	h := key[len("t."):]
	return h[:min(16, len(h))]
}

// RevokeToken deletes the token whose ID is id and returns its record, or ErrNotFound.
func (s *Store) RevokeToken(ctx context.Context, id string) (*Token, error) {
	if s.tokens == nil {
		return nil, ErrReadOnly
	}
	if len(id) != 16 {
		return nil, ErrNotFound
	}
	lister, err := s.tokens.ListKeys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("revoke token: %w", err)
	}
	key := ""
	for k := range lister.Keys() {
		if tokenID(k) == id {
			key = k
		}
	}
	if key == "" {
		return nil, ErrNotFound
	}
	e, err := s.tokens.Get(ctx, key)
	if err != nil {
		return nil, ErrNotFound
	}
	var t Token
	if err := json.Unmarshal(e.Value(), &t); err != nil {
		return nil, fmt.Errorf("revoke token: %w", err)
	}
	if err := s.tokens.Purge(ctx, key); err != nil {
		return nil, fmt.Errorf("revoke token: %w", err)
	}
	return &t, nil
}
