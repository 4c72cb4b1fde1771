package control

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
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
	Creds  []Credential
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

// LoadAuth reads a --nats-secret-file: the fleet's secret (64 hex digits; created, mode
// 0600, when create is set and the file does not exist) or roles' credentials, one
// "<role>:<password>" a line (see Credential.String).
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
	a.Secret, created, err = LoadOrCreateSecret(path, create)
	return a, created, err
}
