package control

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// ServerOptions configure an embedded NATS server with JetStream.
type ServerOptions struct {
	// Dir is where JetStream keeps its data (DIR/nats under islet's data directory).
	Dir string
	// Name names the server in its cluster (default: the host name and client port).
	Name string
	// Listen is the client address ("127.0.0.1:4222"); empty accepts only in-process clients.
	Listen string
	// ClusterName, ClusterListen and Routes make the server one of a cluster: it accepts other
	// servers on ClusterListen ("127.0.0.1:6222") and connects to the routes
	// ("nats-route://host:6222" or plain host:port).
	ClusterName   string
	ClusterListen string
	Routes        []string
	// Secret is the fleet's secret (see LoadOrCreateSecret): each role of roleTable is a user
	// whose password derives from it (RolePassword) with that role's permissions, and cluster
	// routes authenticate as RoleRoute. A server that listens on an address, for clients or
	// for routes, must have one: without it anyone who reaches the port could read every
	// tenant's code and sealed secrets and mint admin tokens.
	Secret string
	// PreviousSecrets are accepted besides Secret while a rotation is under way (see
	// RotateSecret): a role's password under any of them logs in. Routes this server starts
	// use Secret's.
	PreviousSecrets []string
	// TLS, when set, makes the client port accept only TLS, with TLS.Certificates (see
	// tlsconfig.Server). In-process clients need none.
	TLS *tls.Config
	// ClusterTLS, when set, makes every cluster route mutual TLS: this server presents
	// ClusterTLS.Certificates both ways and verifies its peers with ClusterTLS.RootCAs (see
	// tlsconfig.Mutual).
	ClusterTLS *tls.Config
	Logger     *slog.Logger
}

// tlsTimeout bounds a TLS handshake on the client and cluster ports (nats-server's default of
// 2 s is short for a loaded machine).
const tlsTimeout = 5

// StartServer starts an embedded NATS server with JetStream and waits until it accepts
// clients (bounded). The caller shuts it down with Shutdown. While it runs, JetStream whose
// storage stopped taking writes is restarted once its directory takes writes again
// (recovery.go).
func StartServer(o ServerOptions) (*server.Server, error) {
	opts := &server.Options{
		ServerName: o.Name,
		JetStream:  true,
		StoreDir:   filepath.Clean(o.Dir),
		NoSigs:     true,
		NoLog:      o.Logger == nil,
	}
	if o.Secret == "" && (o.Listen != "" || o.ClusterListen != "") {
		return nil, fmt.Errorf("nats server: listening on %s needs a secret that clients and routes authenticate with (see --nats-secret-file)",
			strings.Trim(o.Listen+" "+o.ClusterListen, " "))
	}
	if o.Secret != "" {
		secrets := append([]string{o.Secret}, o.PreviousSecrets...)
		clients, err := newClientAuth(secrets)
		if err != nil {
			return nil, err
		}
		opts.CustomClientAuthentication = clients
		opts.CustomRouterAuthentication = newRouteAuth(secrets)
	}
	if o.TLS != nil {
		opts.TLS, opts.TLSConfig, opts.TLSTimeout = true, o.TLS, tlsTimeout
	}
	switch {
	case o.Listen == "" && o.ClusterListen != "":
		// A clustered server needs its listeners running (DontListen stops routes too); its
		// client port is a random one on loopback.
		opts.Host, opts.Port = "127.0.0.1", server.RANDOM_PORT
	case o.Listen == "":
		opts.DontListen = true
	default:
		host, port, err := splitHostPort(o.Listen)
		if err != nil {
			return nil, fmt.Errorf("nats listen: %w", err)
		}
		opts.Host, opts.Port = host, port
	}
	if o.ClusterListen != "" {
		host, port, err := splitHostPort(o.ClusterListen)
		if err != nil {
			return nil, fmt.Errorf("nats cluster listen: %w", err)
		}
		opts.Cluster = server.ClusterOpts{Name: o.ClusterName, Host: host, Port: port}
		if o.ClusterTLS != nil {
			opts.Cluster.TLSConfig, opts.Cluster.TLSTimeout = o.ClusterTLS, tlsTimeout
		}
		if opts.Cluster.Name == "" {
			opts.Cluster.Name = "islet"
		}
		for _, r := range o.Routes {
			if !strings.Contains(r, "://") {
				r = "nats-route://" + r
			}
			u, err := url.Parse(r)
			if err != nil {
				return nil, fmt.Errorf("nats route %q: %w", r, err)
			}
			if u.User == nil && o.Secret != "" {
				u.User = url.UserPassword(RoleRoute.User(), RolePassword(o.Secret, RoleRoute))
			}
			opts.Routes = append(opts.Routes, u)
		}
		if opts.ServerName == "" {
			opts.ServerName = fmt.Sprintf("islet-%s-%d", host, port)
		}
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	recovery := attachRecovery(ns, opts, o.Logger)
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("nats server did not start within 30s")
	}
	go recovery.run()
	return ns, nil
}

func splitHostPort(addr string) (string, int, error) {
	host, ps, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(ps)
	if err != nil {
		return "", 0, fmt.Errorf("port %q: %w", ps, err)
	}
	return host, port, nil
}

// Connect is Dial as the admin role of the fleet whose secret is secret (no credentials when
// it is empty: a server without authentication, as in tests).
func Connect(ns *server.Server, urls, name, secret string, logger *slog.Logger) (*nats.Conn, error) {
	var cred Credential
	if secret != "" {
		cred = Credential{Role: RoleAdmin, Password: RolePassword(secret, RoleAdmin)}
	}
	return Dial(ns, ClientOptions{URLs: urls, Name: name, Credential: cred, Logger: logger})
}

// natsLogger sends the NATS server's log to slog.
type natsLogger struct{ l *slog.Logger }

func (n natsLogger) Noticef(format string, v ...any) { n.l.Debug(fmt.Sprintf(format, v...)) }
func (n natsLogger) Warnf(format string, v ...any)   { n.l.Warn(fmt.Sprintf(format, v...)) }
func (n natsLogger) Fatalf(format string, v ...any)  { n.l.Error(fmt.Sprintf(format, v...)) }
func (n natsLogger) Errorf(format string, v ...any)  { n.l.Error(fmt.Sprintf(format, v...)) }
func (n natsLogger) Debugf(format string, v ...any)  { n.l.Debug(fmt.Sprintf(format, v...)) }
func (n natsLogger) Tracef(format string, v ...any)  {}
