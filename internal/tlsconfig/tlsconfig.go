// Package tlsconfig turns the certificate, key and CA files an operator gives islet
// (--tls-cert, --tls-key, --nats-ca) into tls.Configs for its listeners (the gateway, the
// admin API, the NATS client port), for NATS cluster routes (mutual TLS) and for NATS
// clients. Every error names the flag and the file, and a certificate that does not match
// its key, has expired, or a CA file without a certificate is refused before anything
// listens.
package tlsconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"
)

// The flags whose files Files holds.
const (
	CertFlag = "--tls-cert"
	KeyFlag  = "--tls-key"
	CAFlag   = "--nats-ca"
)

// Files are a process's TLS files; empty fields are not given.
type Files struct {
	// Cert and Key are the PEM certificate (chain, leaf first) and private key this process
	// presents on every listener it opens.
	Cert, Key string
	// CA is the PEM file of the certificates that verify NATS servers and cluster peers.
	CA string
}

// Enabled reports whether a certificate was given (Check has refused one without the other).
func (f Files) Enabled() bool { return f.Cert != "" || f.Key != "" }

// Check loads every file given, so a mistake is refused at start-up with its flag's name.
func (f Files) Check() error {
	if _, err := f.Server(); err != nil {
		return err
	}
	_, err := Client(f.CA)
	return err
}

// Server is the config of a listener presenting f's certificate (TLS 1.2 or newer), or nil
// when no certificate is given.
func (f Files) Server() (*tls.Config, error) {
	if !f.Enabled() {
		return nil, nil
	}
	if f.Cert == "" || f.Key == "" {
		return nil, fmt.Errorf("%s and %s go together: give both (the certificate and its private key)", CertFlag, KeyFlag)
	}
	certPEM, err := os.ReadFile(f.Cert)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", CertFlag, err)
	}
	keyPEM, err := os.ReadFile(f.Key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", KeyFlag, err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("%s %s and %s %s: %w", CertFlag, f.Cert, KeyFlag, f.Key, err)
	}
	if now := time.Now(); now.After(pair.Leaf.NotAfter) || now.Before(pair.Leaf.NotBefore) {
		return nil, fmt.Errorf("%s %s is valid only from %s to %s", CertFlag, f.Cert,
			pair.Leaf.NotBefore.Format(time.RFC3339), pair.Leaf.NotAfter.Format(time.RFC3339))
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

// HTTPS is the config of an HTTP listener presenting f's certificate, offering HTTP/2 and
// HTTP/1.1 through ALPN, or nil when no certificate is given.
func (f Files) HTTPS() (*tls.Config, error) {
	cfg, err := f.Server()
	if cfg != nil {
		cfg.NextProtos = []string{"h2", "http/1.1"}
	}
	return cfg, err
}

// Mutual is the config of NATS cluster routes: f's certificate presented both ways, peers
// verified with f's CA, or nil when no certificate is given. A certificate without a CA is an
// error: a route must verify the server at its other end.
func (f Files) Mutual() (*tls.Config, error) {
	cfg, err := f.Server()
	if cfg == nil || err != nil {
		return nil, err
	}
	pool, err := loadPool(f.CA)
	if err != nil {
		return nil, err
	}
	if pool == nil {
		return nil, fmt.Errorf("NATS cluster routes with %s need %s: the CA that signed the peers' certificates", CertFlag, CAFlag)
	}
	cfg.RootCAs, cfg.ClientCAs, cfg.ClientAuth = pool, pool, tls.RequireAndVerifyClientCert
	return cfg, nil
}

// Client is the config of a NATS client that verifies servers with the CA file ca, or nil
// when ca is empty.
func Client(ca string) (*tls.Config, error) {
	pool, err := loadPool(ca)
	if pool == nil || err != nil {
		return nil, err
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

func loadPool(ca string) (*x509.CertPool, error) {
	if ca == "" {
		return nil, nil
	}
	b, err := os.ReadFile(ca)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", CAFlag, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s %s: %w", CAFlag, ca, errNoCerts)
	}
	return pool, nil
}

var errNoCerts = errors.New("holds no PEM certificate")
