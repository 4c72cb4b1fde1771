package tlsconfig

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"islet/internal/tlsconfig/tlstest"
)

// TestFilesAreChecked: every mistake in the files is refused with the flag and the file named.
func TestFilesAreChecked(t *testing.T) {
	dir := t.TempDir()
	good := tlstest.New(t, dir)
	other := tlstest.New(t, t.TempDir())
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(junk, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	expired := tlstest.NewValid(t, t.TempDir(), time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
	for _, c := range []struct {
		name  string
		files Files
		want  []string
	}{
		{"cert without key", Files{Cert: good.Cert}, []string{"--tls-cert and --tls-key go together"}},
		{"key without cert", Files{Key: good.Key}, []string{"--tls-cert and --tls-key go together"}},
		{"missing cert", Files{Cert: missing, Key: good.Key}, []string{"--tls-cert", "missing.pem", "no such file"}},
		{"missing key", Files{Cert: good.Cert, Key: missing}, []string{"--tls-key", "no such file"}},
		{"mismatched", Files{Cert: good.Cert, Key: other.Key}, []string{"--tls-cert " + good.Cert, "--tls-key " + other.Key, "does not match"}},
		{"not PEM", Files{Cert: junk, Key: good.Key}, []string{"--tls-cert " + junk, "PEM"}},
		{"CA not PEM", Files{Cert: good.Cert, Key: good.Key, CA: junk}, []string{"--nats-ca " + junk, "no PEM certificate"}},
		{"CA missing", Files{CA: missing}, []string{"--nats-ca", "no such file"}},
		{"expired", Files{Cert: expired.Cert, Key: expired.Key}, []string{"--tls-cert " + expired.Cert, "is valid only from"}},
	} {
		err := c.files.Check()
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v; want it to say %q", c.name, err, w)
			}
		}
	}
	if _, err := (Files{Cert: good.Cert, Key: good.Key}).Mutual(); err == nil || !strings.Contains(err.Error(), "need --nats-ca") {
		t.Errorf("cluster TLS without a CA: %v", err)
	}
	if cfg, err := (Files{}).HTTPS(); cfg != nil || err != nil {
		t.Errorf("no files: %v, %v; want no TLS", cfg, err)
	}
	cfg, err := (Files{Cert: good.Cert, Key: good.Key, CA: good.CA}).Mutual()
	if err != nil || cfg.ClientAuth != tls.RequireAndVerifyClientCert || cfg.RootCAs == nil || len(cfg.Certificates) != 1 {
		t.Fatalf("Mutual = %+v, %v", cfg, err)
	}
	h, err := (Files{Cert: good.Cert, Key: good.Key}).HTTPS()
	if err != nil || strings.Join(h.NextProtos, ",") != "h2,http/1.1" {
		t.Fatalf("HTTPS = %v, %v", h, err)
	}
}
