package control

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// ClientOptions configure Dial.
type ClientOptions struct {
	// URLs are the servers (comma-separated nats:// or tls:// URLs); ignored in process.
	URLs string
	// Name names the connection in the server's monitoring.
	Name string
	// Credential authenticates the connection as its role (the zero Credential: none, for a
	// server without authentication). Replies then come to the role's inbox prefix, the only
	// subjects the role may subscribe to.
	Credential Credential
	// Fallback are further credentials of the same role, tried in order when a server refuses
	// Credential (during a rotation of the fleet's secret, see RotateSecret).
	Fallback []Credential
	// TLS, when set, requires TLS to every server and verifies it with TLS.RootCAs (see
	// tlsconfig.Client); a server that offers none is refused.
	TLS    *tls.Config
	Logger *slog.Logger
}

// Dial connects to NATS: to ns in process when it is non-nil, else to o.URLs. Only those
// servers are used, never ones the cluster advertises, so an operator decides which links a
// node has; list several for failover. The connection reconnects forever; while it is away, a
// node keeps serving what it has. A server that refuses the credentials, demands TLS, or fails
// TLS verification is an error that says what is missing. An operation the role may not do
// is logged (NATS reports permission violations asynchronously).
func Dial(ns *server.Server, o ClientOptions) (*nats.Conn, error) {
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	urls := o.URLs
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.RetryOnFailedConnect(false),
		nats.IgnoreDiscoveredServers(),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			logger.Warn("NATS disconnected; serving the last known workers", "err", err)
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			logger.Info("NATS reconnected", "server", c.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			logger.Error("NATS refused an operation", "user", o.Credential.Role.User(), "err", err)
		}),
	}
	if o.TLS != nil {
		opts = append(opts, nats.Secure(o.TLS))
	}
	if ns != nil {
		opts = append(opts, nats.InProcessServer(ns))
		urls = ""
	}
	var first error
	for i, c := range append([]Credential{o.Credential}, o.Fallback...) {
		with := opts
		if c.Password != "" {
			with = append(slices.Clone(opts), nats.UserInfo(c.Role.User(), c.Password), nats.CustomInboxPrefix(c.Role.InboxPrefix()))
		}
		nc, err := nats.Connect(urls, with...)
		if err == nil {
			if i > 0 {
				logger.Warn("NATS refused this node's current credential and took a previous one: a rotation of the fleet's secret is under way (islet nats rotate)",
					"user", c.Role.User())
			}
			return nc, nil
		}
		if first == nil {
			first = err
		}
		if !errors.Is(err, nats.ErrAuthorization) && !strings.Contains(strings.ToLower(err.Error()), "authorization violation") {
			break // only a refused login is worth another credential
		}
	}
	return nil, explainConnectError(urls, o, first)
}

// explainConnectError says what a refused connection lacks.
func explainConnectError(urls string, o ClientOptions, err error) error {
	msg := strings.ToLower(err.Error())
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case errors.Is(err, nats.ErrAuthorization) || strings.Contains(msg, "authorization violation"):
		what := "no credentials"
		if o.Credential.Password != "" {
			what = "the credentials of user " + o.Credential.Role.User()
		}
		return fmt.Errorf("NATS %s refused %s (%w): give every node and `islet nats` server of the fleet the same --nats-secret-file (an embedded or `islet nats` server writes DATA/nats-secret), or this role's credential (islet nats credential)",
			urls, what, err)
	case errors.Is(err, nats.ErrSecureConnRequired) || o.TLS == nil && (errors.As(err, &unknownCA) || strings.Contains(msg, "x509:")):
		// A client without --nats-ca takes up a TLS server's offer with the system's CAs.
		return fmt.Errorf("NATS %s requires TLS, with a certificate this machine does not trust (%w): give --nats-ca with the CA that signed it", urls, err)
	case errors.Is(err, nats.ErrSecureConnWanted):
		return fmt.Errorf("NATS %s offers no TLS, but --nats-ca asks for it (%w): start the server with --tls-cert and --tls-key", urls, err)
	case errors.As(err, &hostErr) || strings.Contains(msg, "not valid for"):
		return fmt.Errorf("NATS %s: TLS verification failed (%w): the server's certificate must name the address dialled", urls, err)
	case errors.As(err, &unknownCA) || strings.Contains(msg, "x509:") || strings.Contains(msg, "tls:"):
		return fmt.Errorf("NATS %s: TLS verification failed (%w): --nats-ca must hold the CA that signed the server's certificate", urls, err)
	}
	return fmt.Errorf("connect to NATS %s: %w", urls, err)
}
