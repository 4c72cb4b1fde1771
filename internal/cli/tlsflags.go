package cli

import (
	"crypto/tls"
	"net"

	"github.com/spf13/cobra"

	"islet/internal/tlsconfig"
)

// tlsFlags are --tls-cert, --tls-key and --nats-ca. The certificate is presented on every
// listener the process opens (the gateway, the admin API, its NATS server's client and
// cluster ports); the CA verifies the NATS servers it connects to and its cluster peers. load
// reads them before anything listens, so a missing or mismatched file is refused at start.
type tlsFlags struct {
	files tlsconfig.Files
	// Set by load; nil without a certificate (or, for natsClient, without a CA).
	https       *tls.Config
	natsServer  *tls.Config
	natsCluster *tls.Config
	natsClient  *tls.Config
}

func (f *tlsFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.files.Cert, "tls-cert", "", "PEM certificate (chain) this process presents on every listener it opens: the gateway and the admin API serve HTTPS, and an embedded NATS server's (or islet nats') client and cluster ports take only TLS (needs --tls-key)")
	cmd.Flags().StringVar(&f.files.Key, "tls-key", "", "PEM private key of --tls-cert")
	cmd.Flags().StringVar(&f.files.CA, "nats-ca", "", "PEM CA certificates that verify the NATS servers this process connects to (it then requires TLS) and its NATS cluster peers (mutual TLS on cluster routes)")
}

// load reads and checks the files; cluster says the process runs a clustered NATS server,
// whose routes need the CA when a certificate is given.
func (f *tlsFlags) load(cluster bool) error {
	var err error
	if f.https, err = f.files.HTTPS(); err != nil {
		return err
	}
	if f.natsServer, err = f.files.Server(); err != nil {
		return err
	}
	if f.natsClient, err = tlsconfig.Client(f.files.CA); err != nil {
		return err
	}
	if cluster {
		f.natsCluster, err = f.files.Mutual()
	}
	return err
}

// serve wraps the admin API's TCP listener in TLS when a certificate is given (the gateway's
// is gateway.ListenTLS with https).
func (f *tlsFlags) serve(ln net.Listener) net.Listener {
	if f.https == nil {
		return ln
	}
	return tls.NewListener(ln, f.https)
}

// scheme is the URL scheme of what serve returns.
func (f *tlsFlags) scheme() string {
	if f.https == nil {
		return "http"
	}
	return "https"
}
