package control

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Sealer encrypts secrets at rest with AES-256-GCM under the operator's key. The worker and
// secret names are authenticated with each value, so a sealed value moved to another worker or
// name does not open.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer makes a Sealer from a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret key: %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// LoadOrCreateKey reads a 32-byte key written as 64 hex digits from path; when the file does
// not exist and create is true it writes a new random key there (mode 0600) and reports
// created.
func LoadOrCreateKey(path string, create bool) (key []byte, created bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && create {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, false, fmt.Errorf("secret key: %w", err)
		}
		if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
			return nil, false, fmt.Errorf("write secret key: %w", err)
		}
		return key, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read secret key: %w", err)
	}
	key, err = hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != 32 {
		return nil, false, fmt.Errorf("secret key %s: want 64 hex digits", path)
	}
	return key, false, nil
}

func sealAD(worker, name string) []byte { return []byte(worker + "\x00" + name) }

// Seal encrypts value for the secret name of worker.
func (s *Sealer) Seal(worker, name, value string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	out := s.aead.Seal(nonce, nonce, []byte(value), sealAD(worker, name))
	return base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts a value Seal made for the same worker and name.
func (s *Sealer) Open(worker, name, sealed string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", fmt.Errorf("secret %s of %s: malformed", name, worker)
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, b[:n], b[n:], sealAD(worker, name))
	if err != nil {
		return "", fmt.Errorf("secret %s of %s: cannot decrypt (wrong secret key?)", name, worker)
	}
	return string(plain), nil
}

// LoadOrCreateSecret reads the NATS secret at path (64 hex digits), or with create set writes
// a new random one there (mode 0600) when the file does not exist.
func LoadOrCreateSecret(path string, create bool) (secret string, created bool, err error) {
	key, created, err := LoadOrCreateKey(path, create)
	if err != nil {
		return "", false, fmt.Errorf("NATS secret: %w", err)
	}
	return hex.EncodeToString(key), created, nil
}
