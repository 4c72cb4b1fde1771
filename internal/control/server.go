package control

import (
	"errors"
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
	"golang.org/x/crypto/bcrypt"
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
	// Secret is what every client (user NATSUser) and every cluster route (user
	// NATSRouteUser) authenticates with (see LoadOrCreateSecret). A server that listens on an
	// address, for clients or for routes, must have one: without it anyone who reaches the
	// port could read every tenant's code and sealed secrets and mint admin tokens.
	Secret string
	Logger *slog.Logger
}

// The NATS users islet's servers accept: clients (nodes, runtime processes, the admin API)
// and cluster routes, each with the shared secret as its password.
const (
	NATSUser      = "islet"
	NATSRouteUser = "islet-route"
)

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
	var hashed string
	if o.Secret != "" {
		// The server keeps a bcrypt hash, as NATS recommends over plaintext; the secret is 256
		// random bits, so bcrypt's minimum cost loses nothing and costs about a millisecond per
		// connection.
		h, err := bcrypt.GenerateFromPassword([]byte(o.Secret), bcrypt.MinCost)
		if err != nil {
			return nil, fmt.Errorf("nats server: hash the secret: %w", err)
		}
		hashed = string(h)
		opts.Users = []*server.User{{Username: NATSUser, Password: hashed}}
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
		opts.Cluster = server.ClusterOpts{Name: o.ClusterName, Host: host, Port: port,
			Username: NATSRouteUser, Password: hashed}
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
			if u.User == nil {
				u.User = url.UserPassword(NATSRouteUser, o.Secret)
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

// Connect connects to NATS: to ns in process when it is non-nil, else to the servers in urls
// (comma-separated), as NATSUser with secret when it is not empty. Only those servers are used,
// never ones the cluster advertises, so an operator decides which links a node has; list
// several for failover. The connection reconnects forever; while it is away, a node keeps
// serving what it has. A server that refuses the credentials is an error that says so.
func Connect(ns *server.Server, urls, name, secret string, logger *slog.Logger) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(name),
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
	}
	if secret != "" {
		opts = append(opts, nats.UserInfo(NATSUser, secret))
	}
	if ns != nil {
		opts = append(opts, nats.InProcessServer(ns))
		urls = ""
	}
	nc, err := nats.Connect(urls, opts...)
	if errors.Is(err, nats.ErrAuthorization) || err != nil && strings.Contains(strings.ToLower(err.Error()), "authorization violation") {
		what := "no credentials"
		if secret != "" {
			what = "islet's credentials"
		}
		return nil, fmt.Errorf("NATS %s refused %s (%w): give every node and `islet nats` server the same --nats-secret-file (an embedded or `islet nats` server writes DATA/nats-secret)",
			urls, what, err)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to NATS %s: %w", urls, err)
	}
	return nc, nil
}

// natsLogger sends the NATS server's log to slog.
type natsLogger struct{ l *slog.Logger }

func (n natsLogger) Noticef(format string, v ...any) { n.l.Debug(fmt.Sprintf(format, v...)) }
func (n natsLogger) Warnf(format string, v ...any)   { n.l.Warn(fmt.Sprintf(format, v...)) }
func (n natsLogger) Fatalf(format string, v ...any)  { n.l.Error(fmt.Sprintf(format, v...)) }
func (n natsLogger) Errorf(format string, v ...any)  { n.l.Error(fmt.Sprintf(format, v...)) }
func (n natsLogger) Debugf(format string, v ...any)  { n.l.Debug(fmt.Sprintf(format, v...)) }
func (n natsLogger) Tracef(format string, v ...any)  {}
