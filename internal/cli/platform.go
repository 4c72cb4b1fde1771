package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"islet/internal/control"
	"islet/internal/egress"
	"islet/internal/v8"
)

// platformFlags are `islet serve`'s control-plane flags.
type platformFlags struct {
	data          string
	admin         string
	natsURL       string
	natsListen    string
	clusterListen string
	cluster       []string
	secretKeyFile string
	// natsSecretFile holds the secret NATS clients and routes authenticate with.
	natsSecretFile string
	replicas       int
	// cache is the node's cache of the last known workers (--cache-dir).
	cache cacheFlags
	// tls is the node's loaded TLS flags (serveCmd sets it).
	tls tlsFlags
}

func (f *platformFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.data, "data", "islet-data", "data directory: the embedded NATS server's JetStream store, the secret key and the bootstrap admin token")
	cmd.Flags().StringVar(&f.admin, "admin", "127.0.0.1:8788", "address of the admin API (\"\": none; the node then connects to NATS as the node role, which writes nothing)")
	cmd.Flags().StringVar(&f.natsURL, "nats", "", "join an existing NATS cluster (nats://host:4222 or, with --nats-ca, tls://host:4222, comma-separated) instead of embedding a server")
	cmd.Flags().StringVar(&f.natsListen, "nats-listen", "", "let other processes connect to the embedded NATS server on this address")
	cmd.Flags().StringVar(&f.clusterListen, "cluster-listen", "", "the embedded NATS server's cluster address (default 127.0.0.1:6222 with --cluster)")
	cmd.Flags().StringSliceVar(&f.cluster, "cluster", nil, "form a NATS cluster with these peers' cluster addresses (host:port, repeatable)")
	cmd.Flags().StringVar(&f.secretKeyFile, "secret-key-file", "", "file with the 64-hex-digit key that encrypts secrets at rest (default DATA/secret-key, created on first start; every node of a cluster needs the same key)")
	cmd.Flags().StringVar(&f.natsSecretFile, "nats-secret-file", "", natsSecretFlagHelp)
	cmd.Flags().IntVar(&f.replicas, "replicas", 0, "JetStream replicas of islet's buckets (default: 3 if the cluster allows, else 1)")
	f.cache.add(cmd)
}

// runPlatform runs a complete node on the control plane: NATS (embedded or external), the
// store, the admin API (unless --admin "") and the gateway (HTTPS with --tls-cert), until ctx
// ends. A runtime process of a supervisor (--child-socket) is runRuntimeProcess instead. A
// node whose external NATS does not answer at start serves its cache (--cache-dir) and starts
// the admin API once NATS answers.
func runPlatform(ctx context.Context, flags nodeFlags, pf platformFlags, log *slog.Logger) error {
	if flags.proc.child() {
		return runRuntimeProcess(ctx, flags, pf, log)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	cp, later, err := openControlPlaneOrLater(ctx, pf, natsAnswerWait, log)
	if err != nil {
		return err
	}
	defer func() { cp.Close() }() // cp is replaced once a late NATS answers
	cache, err := pf.cache.open(pf)
	if err != nil {
		return err
	}

	v8.Init(append(append([]string(nil), v8.DefaultFlags...), strings.Fields(flags.v8Flags)...)...)
	egress.SetAllowPrivate(flags.privateNet)
	n, err := flags.newNode(log, false)
	if err != nil {
		return err
	}
	defer n.Close()
	ln, release, err := flags.proc.listen(flags.listen, flags.tls.https)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", flags.listen, err)
	}
	defer release()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	banner := func(adminAt string) {
		fmt.Fprintf(os.Stderr, "islet serve: workers on %s://%s (each at %[1]s://<name>.localhost:%[3]s/), %[4]s\n",
			flags.tls.scheme(), ln.Addr(), port, adminAt)
	}
	follower := n.NewFollower(cp.sealer, cache)
	errc := make(chan error, 1)
	serving := false
	if later != nil {
		// NATS has not answered: serve the cached state, if there is one, until it does.
		if serving = serveCached(ctx, follower, cache, pf.natsURL, log); serving {
			banner("serving the cached state; admin API once NATS answers")
			go func() { errc <- n.Serve(ctx, ln) }()
		}
		select {
		case cp = <-later:
			log.Info("NATS answered; its worker records replace the cached state", "nats", pf.natsURL)
		case err := <-errc:
			return err
		case <-ctx.Done():
			if serving {
				return <-errc
			}
			return nil
		}
	}
	store, sealer := cp.store, cp.sealer
	adminAt := "no admin API"
	if pf.servesAdmin() {
		api, err := startAdminAPI(flags, pf, store, sealer, port, log)
		if err != nil {
			ln.Close()
			return err
		}
		defer api.Close()
		adminAt = "admin API on " + api.URL()
	}

	ready := make(chan struct{})
	watchErr := make(chan error, 1)
	go func() { watchErr <- follower.ServeControl(ctx, store, func() { close(ready) }) }()
	if !serving {
		select {
		case <-ready:
		case err := <-watchErr:
			return err
		case <-time.After(30 * time.Second):
			log.Warn("the control plane has not answered in 30s; serving what arrives")
		}
		banner(adminAt)
		go func() { errc <- n.Serve(ctx, ln) }()
	}
	select {
	case err := <-errc:
		return err
	case err := <-watchErr:
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("control plane watch: %w", err)
		}
		return <-errc
	}
}

// natsAddrs resolves the host:port of each of urls (comma-separated nats:// URLs); entries that
// do not resolve are left out.
func natsAddrs(urls string) []*net.TCPAddr {
	var out []*net.TCPAddr
	for _, u := range strings.Split(urls, ",") {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		if i := strings.Index(u, "://"); i >= 0 {
			u = u[i+3:]
		}
		if i := strings.LastIndex(u, "@"); i >= 0 {
			u = u[i+1:]
		}
		if addr, err := net.ResolveTCPAddr("tcp", u); err == nil {
			out = append(out, addr)
		}
	}
	return out
}

// natsCmd runs only an embedded NATS server with JetStream, for a fleet whose islet nodes
// join it with --nats: its users are the fleet's roles (control.Permissions), its client and
// cluster ports take only TLS with --tls-cert (cluster routes mutual, verified by --nats-ca).
func natsCmd() *cobra.Command {
	var o control.ServerOptions
	var logLevel, secretFile string
	var tf tlsFlags
	cmd := &cobra.Command{
		Use:   "nats --data DIR --listen 127.0.0.1:4222 [--cluster-listen ADDR --routes PEER,…] [--tls-cert F --tls-key F --nats-ca F]",
		Short: "run a NATS server with JetStream for islet nodes to share (no workers served)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := (&nodeFlags{logLevel: logLevel}).logger()
			o.Logger = log
			if o.Dir == "" {
				return errors.New("nats: --data is required")
			}
			if err := os.MkdirAll(o.Dir, 0o700); err != nil {
				return fmt.Errorf("nats: %w", err)
			}
			if err := tf.load(o.ClusterListen != ""); err != nil {
				return fmt.Errorf("nats: %w", err)
			}
			o.TLS, o.ClusterTLS = tf.natsServer, tf.natsCluster
			auth, err := natsAuth(secretFile, o.Dir, true, log)
			if err != nil {
				return err
			}
			if auth.Secret == "" {
				return fmt.Errorf("nats: a server needs the fleet's secret, but %s holds credentials", auth.From)
			}
			o.Secret, o.PreviousSecrets = auth.Secret, auth.Previous
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			ns, err := control.StartServer(o)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "islet nats: clients on %s\n", ns.ClientURL())
			<-ctx.Done()
			ns.Shutdown()
			ns.WaitForShutdown()
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Dir, "data", "", "JetStream data directory")
	cmd.Flags().StringVar(&o.Name, "name", "", "server name in the cluster")
	cmd.Flags().StringVar(&o.Listen, "listen", "127.0.0.1:4222", "client address")
	cmd.Flags().StringVar(&o.ClusterListen, "cluster-listen", "", "cluster address")
	cmd.Flags().StringSliceVar(&o.Routes, "routes", nil, "peers' cluster addresses")
	cmd.Flags().StringVar(&secretFile, "nats-secret-file", "", natsSecretFlagHelp)
	cmd.Flags().StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	tf.add(cmd)
	cmd.AddCommand(natsCredentialCmd(), natsRotateCmd())
	return cmd
}
