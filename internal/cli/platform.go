package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/spf13/cobra"

	"islet/internal/admin"
	"islet/internal/control"
	"islet/internal/ext/fetch"
	"islet/internal/gateway"
	"islet/internal/node"
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
	replicas      int
}

func (f *platformFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.data, "data", "islet-data", "data directory: the embedded NATS server's JetStream store, the secret key and the bootstrap admin token")
	cmd.Flags().StringVar(&f.admin, "admin", "127.0.0.1:8788", "address of the admin API")
	cmd.Flags().StringVar(&f.natsURL, "nats", "", "join an existing NATS cluster (nats://host:4222, comma-separated) instead of embedding a server")
	cmd.Flags().StringVar(&f.natsListen, "nats-listen", "", "let other processes connect to the embedded NATS server on this address")
	cmd.Flags().StringVar(&f.clusterListen, "cluster-listen", "", "the embedded NATS server's cluster address (default 127.0.0.1:6222 with --cluster)")
	cmd.Flags().StringSliceVar(&f.cluster, "cluster", nil, "form a NATS cluster with these peers' cluster addresses (host:port, repeatable)")
	cmd.Flags().StringVar(&f.secretKeyFile, "secret-key-file", "", "file with the 64-hex-digit key that encrypts secrets at rest (default DATA/secret-key, created on first start; every node of a cluster needs the same key)")
	cmd.Flags().IntVar(&f.replicas, "replicas", 0, "JetStream replicas of islet's buckets (default: 3 if the cluster allows, else 1)")
}

// runPlatform runs a complete node on the control plane: NATS (embedded or external), the
// store, the admin API and the gateway, until ctx ends.
func runPlatform(ctx context.Context, flags nodeFlags, pf platformFlags, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := os.MkdirAll(pf.data, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	var ns *server.Server
	if pf.natsURL == "" {
		opts := control.ServerOptions{Dir: filepath.Join(pf.data, "nats"), Listen: pf.natsListen, Logger: log}
		if len(pf.cluster) > 0 || pf.clusterListen != "" {
			opts.ClusterListen = pf.clusterListen
			if opts.ClusterListen == "" {
				opts.ClusterListen = "127.0.0.1:6222"
			}
			opts.Routes = pf.cluster
		}
		var err error
		if ns, err = control.StartServer(opts); err != nil {
			return err
		}
		defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	}
	nc, err := control.Connect(ns, pf.natsURL, "islet-node", log)
	if err != nil {
		return err
	}
	defer nc.Close()
	octx, cancel := context.WithTimeout(ctx, 60*time.Second)
	store, err := control.Open(octx, nc, control.Options{Replicas: pf.replicas, Logger: log})
	cancel()
	if err != nil {
		return fmt.Errorf("control plane store: %w", err)
	}
	keyFile, create := pf.secretKeyFile, false
	if keyFile == "" {
		keyFile, create = filepath.Join(pf.data, "secret-key"), true
	}
	key, created, err := control.LoadOrCreateKey(keyFile, create)
	if err != nil {
		return err
	}
	if created {
		log.Info("wrote a new secret key; nodes sharing this control plane need the same --secret-key-file", "path", keyFile)
	}
	sealer, err := control.NewSealer(key)
	if err != nil {
		return err
	}
	if err := bootstrapToken(ctx, store, pf.data, log); err != nil {
		return err
	}

	v8.Init(append(append([]string(nil), v8.DefaultFlags...), strings.Fields(flags.v8Flags)...)...)
	fetch.SetAllowPrivateEgress(flags.privateNet)
	n, err := node.New(flags.options(log, false))
	if err != nil {
		return err
	}
	defer n.Close()
	ln, err := gateway.Listen(flags.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", flags.listen, err)
	}
	aln, err := net.Listen("tcp", pf.admin)
	if err != nil {
		ln.Close()
		return fmt.Errorf("admin API: listen on %s: %w", pf.admin, err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	api := admin.New(admin.Options{Store: store, Sealer: sealer, Validator: n, Logger: log,
		URLs: func(name string, routes []string) []string {
			urls := []string{fmt.Sprintf("http://%s.localhost:%s/", name, port)}
			for _, r := range routes {
				urls = append(urls, "route: "+r)
			}
			return urls
		}})
	// Workers' outbound fetch may not reach the admin API, whatever address it listens on.
	defer fetch.AddOwnListener(aln.Addr())()
	asrv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}
	go asrv.Serve(aln)
	defer asrv.Close()

	ready := make(chan struct{})
	watchErr := make(chan error, 1)
	go func() { watchErr <- n.ServeControl(ctx, store, sealer, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-watchErr:
		return err
	case <-time.After(30 * time.Second):
		log.Warn("the control plane has not answered in 30s; serving what arrives")
	}
	fmt.Fprintf(os.Stderr, "islet serve: workers on http://%s (each at http://<name>.localhost:%s/), admin API on http://%s\n",
		ln.Addr(), port, aln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- n.Serve(ctx, ln) }()
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

// bootstrapToken writes an admin token to DATA/admin-token (mode 0600) when the control plane
// has no tokens yet.
func bootstrapToken(ctx context.Context, store *control.Store, data string, log *slog.Logger) error {
	has, err := store.HasTokens(ctx)
	if err != nil || has {
		return err
	}
	tok, err := store.CreateToken(ctx, control.Token{Account: "default", Admin: true, Name: "bootstrap"})
	if err != nil {
		return err
	}
	path := filepath.Join(data, "admin-token")
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return fmt.Errorf("write admin token: %w", err)
	}
	log.Info("wrote the bootstrap admin token (account \"default\"); use it with islet login --token", "path", path)
	return nil
}

// natsCmd runs only an embedded NATS server with JetStream, for a fleet whose islet nodes
// join it with --nats.
func natsCmd() *cobra.Command {
	var o control.ServerOptions
	var logLevel string
	cmd := &cobra.Command{
		Use:   "nats --data DIR --listen 127.0.0.1:4222 [--cluster-listen ADDR --routes PEER,…]",
		Short: "run a NATS server with JetStream for islet nodes to share (no workers served)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := (&nodeFlags{logLevel: logLevel}).logger()
			o.Logger = log
			if o.Dir == "" {
				return errors.New("nats: --data is required")
			}
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
	cmd.Flags().StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	return cmd
}
