// Package control keeps islet's control-plane state in NATS JetStream: worker records and
// version metadata in a KV bucket, bundles in an object store by content hash, and API tokens
// in a second KV bucket. Every node watches the worker records; nothing else replicates state.
//
// Write order makes a deploy atomic for readers: the bundle is stored first (content-addressed,
// so a leftover is harmless), then the immutable version record, and last the worker record
// that points at it, updated with compare-and-swap on its revision. A reader that sees a worker
// record therefore always finds its versions and bundles.
package control

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"islet/internal/config"
	"islet/internal/deploy"
)

// Worker is the mutable record of one worker: which version serves, how traffic is split,
// where it is routed and its sealed secrets. Its KV key is "w.<name>".
type Worker struct {
	Name    string `json:"name"`
	Account string `json:"account"`
	// Current is the version that serves (all traffic, or 100-Rollout.Percent of it).
	Current string `json:"current"`
	// Rollout, when set, sends Percent of requests to another version.
	Rollout *Rollout `json:"rollout,omitempty"`
	// Routes are Workers route patterns beyond the implicit <name>.localhost.
	Routes []string `json:"routes,omitempty"`
	// Secrets maps a secret's name to its sealed value (see Sealer).
	Secrets map[string]string `json:"secrets,omitempty"`
	// Versions lists every version deployed, oldest first.
	Versions []VersionRef `json:"versions"`
	Updated  time.Time    `json:"updated"`
}

// Rollout is a gradual deployment: Percent (1-99) of requests go to Version.
type Rollout struct {
	Version string `json:"version"`
	Percent int    `json:"percent"`
}

// VersionRef is a version's entry in its worker's history.
type VersionRef struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	// Message says how it came to be ("deploy", "rollback to …").
	Message string `json:"message,omitempty"`
}

// Version is an immutable worker version. Its KV key is "v.<worker>.<id>"; its ID is a hash
// of its content, so deploying the same thing twice yields the same version.
type Version struct {
	ID      string `json:"id"`
	Worker  string `json:"worker"`
	Account string `json:"account"`
	// Bundle names the bundle's object ("sha256-<hex>").
	Bundle            string `json:"bundle"`
	BundleBytes       int    `json:"bundle_bytes"`
	Main              string `json:"main"`
	Format            string `json:"format"` // "module" or "script"
	CompatibilityDate string `json:"compatibility_date,omitempty"`
	// Bindings are the version's env, sorted by name, in the upload API's shape: plain_text
	// and json bindings (secrets are the worker record's, added by the node that runs it).
	Bindings []deploy.Binding `json:"bindings,omitempty"`
	// LegacyVars are the env of a version stored before versions had bindings; read Env.
	LegacyVars  map[string]any `json:"vars,omitempty"`
	Limits      config.Limits  `json:"limits"`
	EgressAllow []string       `json:"egress_allow,omitempty"`
	Created     time.Time      `json:"created"`
}

// Env is the version's bindings: Bindings, or for a version stored before versions had
// bindings, the bindings its LegacyVars make (deploy.VarBindings).
func (v *Version) Env() ([]deploy.Binding, error) {
	if len(v.Bindings) > 0 || len(v.LegacyVars) == 0 {
		return v.Bindings, nil
	}
	b, err := deploy.VarBindings(v.LegacyVars)
	if err != nil {
		return nil, fmt.Errorf("version %s: %w", v.ID, err)
	}
	return b, nil
}

// Bundle is a version's code: module paths (relative, "/"-separated) to their bytes.
type Bundle struct {
	Modules map[string][]byte `json:"modules"`
}

// Hash is the bundle's content address, "sha256-<hex>".
func (b *Bundle) Hash() string {
	h := sha256.New()
	paths := make([]string, 0, len(b.Modules))
	for p := range b.Modules {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fmt.Fprintf(h, "%d:%s%d:", len(p), p, len(b.Modules[p]))
		h.Write(b.Modules[p])
	}
	return "sha256-" + hex.EncodeToString(h.Sum(nil))
}

// Size is the total size of the bundle's modules in bytes.
func (b *Bundle) Size() int {
	n := 0
	for _, m := range b.Modules {
		n += len(m)
	}
	return n
}

// versionID hashes everything a version runs with except when it was made.
func versionID(v *Version) string {
	c := *v
	c.ID, c.Created = "", time.Time{}
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Token is an API token's record, stored under "t.<sha256 of the token>"; the token itself is
// never stored.
type Token struct {
	Account string    `json:"account"`
	Admin   bool      `json:"admin,omitempty"` // may create tokens for any account
	Name    string    `json:"name,omitempty"`
	Created time.Time `json:"created"`
	// Expires, when set, is when the token stops authenticating.
	Expires *time.Time `json:"expires,omitempty"`
	// LastUsed is when the token last authenticated, to the minute (see Authenticate).
	LastUsed *time.Time `json:"last_used,omitempty"`
}
