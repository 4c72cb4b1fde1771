package nodecache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"time"

	"islet/internal/control"
)

// State is a complete control-plane state as a node served it: every worker record by name,
// and the versions those records run (each one's Current and, during a rollout, its
// Rollout.Version). Secrets stay sealed in the records; the node opens them with its key when
// it serves the state, as it does with live records.
type State struct {
	// Saved is when the node saved the state.
	Saved   time.Time                  `json:"saved"`
	Workers map[string]*control.Worker `json:"workers"`
	// Versions are the versions the workers run, in any order.
	Versions []*control.Version `json:"versions"`

	index map[versionKey]*control.Version // built by check
}

type versionKey struct{ worker, id string }

// Version returns the version id of worker, if the state has it. Call it only on a State that
// Load returned (or that Save accepted).
func (s *State) Version(worker, id string) (*control.Version, bool) {
	v, ok := s.index[versionKey{worker, id}]
	return v, ok
}

// stateFormat is the version of the state file's layout; a file of another one is ignored.
const stateFormat = 1

const stateMagic = "islet-node-cache"

// bundleName is the form of a content address; only names of this form become file names.
var bundleName = regexp.MustCompile(`^sha256-[0-9a-f]{64}$`)

// check reports whether s is complete: every worker record present, every version a record
// runs present and naming a well-formed bundle. It indexes the versions and returns the
// bundles the state references.
func (s *State) check() (bundles map[string]bool, err error) {
	s.index = make(map[versionKey]*control.Version, len(s.Versions))
	for i, v := range s.Versions {
		if v == nil {
			return nil, fmt.Errorf("version %d is empty", i)
		}
		s.index[versionKey{v.Worker, v.ID}] = v
	}
	bundles = map[string]bool{}
	need := func(name, id string) error {
		v, ok := s.index[versionKey{name, id}]
		if !ok {
			return fmt.Errorf("worker %q runs version %q, which the state lacks", name, id)
		}
		if !bundleName.MatchString(v.Bundle) {
			return fmt.Errorf("version %s of %q names bundle %q, not a content address", id, name, v.Bundle)
		}
		bundles[v.Bundle] = true
		return nil
	}
	for name, w := range s.Workers {
		if w == nil {
			return nil, fmt.Errorf("worker %q has no record", name)
		}
		if err := need(name, w.Current); err != nil {
			return nil, err
		}
		if w.Rollout != nil {
			if err := need(name, w.Rollout.Version); err != nil {
				return nil, err
			}
		}
	}
	return bundles, nil
}

// encodeState makes the state file's bytes: the header line, then the JSON.
func encodeState(s *State) ([]byte, error) {
	body, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	sum := sha256.Sum256(body)
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %d %s %d\n", stateMagic, stateFormat, hex.EncodeToString(sum[:]), len(body))
	b.Write(body)
	return b.Bytes(), nil
}

// decodeState parses a state file, refusing one whose header, length or checksum does not
// match its content, and checks the state (see check).
func decodeState(data []byte) (*State, error) {
	line, body, ok := bytes.Cut(data, []byte("\n"))
	if !ok {
		return nil, errors.New("no header line")
	}
	fields := bytes.Fields(line)
	if len(fields) != 4 || string(fields[0]) != stateMagic {
		return nil, errors.New("not a node cache state file")
	}
	if string(fields[1]) != strconv.Itoa(stateFormat) {
		return nil, fmt.Errorf("format %s, want %d", fields[1], stateFormat)
	}
	if n, err := strconv.Atoi(string(fields[3])); err != nil || n != len(body) {
		return nil, fmt.Errorf("truncated: %d bytes of state, the header says %s", len(body), fields[3])
	}
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != string(fields[2]) {
		return nil, errors.New("checksum mismatch")
	}
	var s State
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, fmt.Errorf("decode state: %w", err)
	}
	if _, err := s.check(); err != nil {
		return nil, fmt.Errorf("partial state: %w", err)
	}
	return &s, nil
}

// Load reads the saved state. It returns ErrNoState when nothing was saved yet, and an error
// naming the problem for a state file that is corrupt, truncated or partial (a version it
// needs is missing); the caller ignores such a cache. Bundles are read separately (Bundle),
// and each is checked against its content address then.
func (c *Cache) Load() (*State, error) {
	data, err := os.ReadFile(c.statePath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("node cache %s: %w", c.dir, ErrNoState)
	}
	if err != nil {
		return nil, fmt.Errorf("node cache %s: %w", c.dir, err)
	}
	s, err := decodeState(data)
	if err != nil {
		return nil, fmt.Errorf("node cache %s: %w", c.statePath(), err)
	}
	return s, nil
}
