package control

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// RolePassword is role r's NATS password in the fleet whose secret is secret:
// hex(HMAC-SHA256(secret, "islet nats role <r>")). One secret file thus configures every
// server and process of a fleet, while a process given only some roles' passwords (a node
// whose --nats-secret-file holds credentials, see LoadAuth) cannot derive another's.
func RolePassword(secret string, r Role) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("islet nats role " + string(r)))
	return hex.EncodeToString(m.Sum(nil))
}

// Credential is one role's NATS password. The zero Credential is none.
type Credential struct {
	Role     Role
	Password string
}

// String is "<role>:<password>": how a credential file (printed by islet nats credential,
// given with --nats-secret-file) carries it, one a line (see LoadAuth).
func (c Credential) String() string { return string(c.Role) + ":" + c.Password }

// ParseCredential reads what Credential.String wrote.
func ParseCredential(s string) (Credential, error) {
	role, pw, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || pw == "" {
		return Credential{}, fmt.Errorf("NATS credential: want <role>:<password>")
	}
	r, err := ParseRole(role)
	if err != nil {
		return Credential{}, fmt.Errorf("NATS credential: %w", err)
	}
	return Credential{Role: r, Password: pw}, nil
}

// Auth is what a process can authenticate to NATS with: the fleet's secret (any role) or some
// roles' credentials. The zero Auth has neither (a server without authentication).
type Auth struct {
	Secret string
	// Previous are the secrets a rotation replaces (RotateSecret), newest first: a server
	// accepts them too, and a client falls back to them when a server refuses Secret.
	Previous []string
	// Creds are roles' credentials, in the file's order; a role may have several (during a
	// rotation, the current secret's first).
	Creds []Credential
	// From names where it came from, for error messages ("--nats-secret-file F").
	From string
}

// Empty reports whether a holds nothing to authenticate with.
func (a Auth) Empty() bool { return a.Secret == "" && len(a.Creds) == 0 }

// For returns role r's credential: derived from the secret, or the one a holds for r. With
// nothing, it returns the zero Credential (Dial then connects without any, and a secured
// server's refusal says what is missing); holding only other roles' credentials is an error
// that names them.
func (a Auth) For(r Role) (Credential, error) {
	if a.Secret != "" {
		return Credential{Role: r, Password: RolePassword(a.Secret, r)}, nil
	}
	if len(a.Creds) == 0 {
		return Credential{}, nil
	}
	var held []string
	for _, c := range a.Creds {
		if c.Role == r {
			return c, nil
		}
		held = append(held, string(c.Role))
	}
	return Credential{}, fmt.Errorf("this process needs the NATS role %s (user %s), but %s holds only the credential of %s: give it the fleet's secret, or add a %s credential (islet nats credential --role %s)",
		r, r.User(), a.From, strings.Join(held, " and "), r, r)
}

// Fallbacks are role r's credentials to try, in order, when a server refuses For(r): those of
// the previous secrets, or the further credentials a holds for r.
func (a Auth) Fallbacks(r Role) []Credential {
	var out []Credential
	if a.Secret != "" {
		for _, s := range a.Previous {
			out = append(out, Credential{Role: r, Password: RolePassword(s, r)})
		}
		return out
	}
	first := true
	for _, c := range a.Creds {
		if c.Role != r {
			continue
		}
		if !first {
			out = append(out, c)
		}
		first = false
	}
	return out
}

// LoadAuth reads a --nats-secret-file: the fleet's secret (64 hex digits; created, mode
// 0600, when create is set and the file does not exist), followed during a rotation by the
// previous secrets, one a line (RotateSecret); or roles' credentials, one "<role>:<password>"
// a line (see Credential.String).
func LoadAuth(path string, create bool) (a Auth, created bool, err error) {
	a.From = "--nats-secret-file " + path
	if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), ":") {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			c, err := ParseCredential(line)
			if err != nil {
				return Auth{}, false, fmt.Errorf("%s: %w", path, err)
			}
			a.Creds = append(a.Creds, c)
		}
		return a, false, nil
	}
	if secrets, err := readSecrets(path); err == nil {
		a.Secret, a.Previous = secrets[0], secrets[1:]
		return a, false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return Auth{}, false, err
	}
	a.Secret, created, err = LoadOrCreateSecret(path, create)
	return a, created, err
}

// readSecrets reads a secret file: one or more secrets of 64 hex digits, one a line, the
// current first.
func readSecrets(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if k, err := hex.DecodeString(line); err != nil || len(k) != 32 {
			return nil, fmt.Errorf("NATS secret %s: want 64 hex digits a line", path)
		}
		out = append(out, line)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("NATS secret %s: empty", path)
	}
	return out, nil
}

// RotateSecret starts or finishes the rotation of the fleet's NATS secret in the secret file
// at path. Started (finish false), the file holds a new random secret and, after it, the one it
// held (any older one is dropped): servers given it accept both, clients log in with the new
// one and fall back to the old one where a server does not know the new one yet. Finished,
// the file keeps only its first secret, and servers given it refuse the old one. The file is
// replaced atomically, mode 0600. It returns the secrets the file now holds.
func RotateSecret(path string, finish bool) ([]string, error) {
	secrets, err := readSecrets(path)
	if err != nil {
		return nil, fmt.Errorf("rotate: %w", err)
	}
	switch {
	case finish && len(secrets) == 1:
		return nil, fmt.Errorf("rotate: %s holds one secret; no rotation is under way", path)
	case finish:
		secrets = secrets[:1]
	default:
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, fmt.Errorf("rotate: %w", err)
		}
		secrets = []string{hex.EncodeToString(k), secrets[0]}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".nats-secret-*")
	if err != nil {
		return nil, fmt.Errorf("rotate: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err == nil {
		_, err = tmp.WriteString(strings.Join(secrets, "\n") + "\n")
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		if err != nil {
			return nil, fmt.Errorf("rotate: %w", err)
		}
	} else {
		tmp.Close()
		return nil, fmt.Errorf("rotate: %w", err)
	}
	return secrets, nil
}
