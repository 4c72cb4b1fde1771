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

	"github.com/spf13/cobra"

	"islet/internal/admin"
	"islet/internal/control"
	"islet/internal/ext/fetch"
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
	// natsSecretFile holds the secret NATS clients and routes authenticate with.
	natsSecretFile string
	replicas       int
	// noAdmin runs no admin API (a runtime process other than the first of a supervisor).
	noAdmin bool
	// cache is the node's cache of the last known workers (--cache-dir).
	cache cacheFlags
}

func (f *platformFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.data, "data", "islet-data", "data directory: the embedded NATS server's JetStream store, the secret key and the bootstrap admin token")
	cmd.Flags().StringVar(&f.admin, "admin", "127.0.0.1:8788", "address of the admin API")
	cmd.Flags().StringVar(&f.natsURL, "nats", "", "join an existing NATS cluster (nats://host:4222, comma-separated) instead of embedding a server")
	cmd.Flags().StringVar(&f.natsListen, "nats-listen", "", "let other processes connect to the embedded NATS server on this address")
	cmd.Flags().StringVar(&f.clusterListen, "cluster-listen", "", "the embedded NATS server's cluster address (default 127.0.0.1:6222 with --cluster)")
	cmd.Flags().StringSliceVar(&f.cluster, "cluster", nil, "form a NATS cluster with these peers' cluster addresses (host:port, repeatable)")
	cmd.Flags().StringVar(&f.secretKeyFile, "secret-key-file", "", "file with the 64-hex-digit key that encrypts secrets at rest (default DATA/secret-key, created on first start; every node of a cluster needs the same key)")
	cmd.Flags().StringVar(&f.natsSecretFile, "nats-secret-file", "", natsSecretFlagHelp)
	cmd.Flags().IntVar(&f.replicas, "replicas", 0, "JetStream replicas of islet's buckets (default: 3 if the cluster allows, else 1)")
	cmd.Flags().BoolVar(&f.noAdmin, "no-admin-listener", false, "serve no admin API (internal: the runtime processes of a supervisor other than the first)")
	cmd.Flags().MarkHidden("no-admin-listener")
	f.cache.add(cmd)
}

// runPlatform runs a complete node on the control plane: NATS (embedded or external), the
// store, the admin API and the gateway, until ctx ends. As a runtime process of a supervisor
// (--child-socket) it serves on its socket, joins the supervisor's NATS server (--nats) and, with
// --no-admin-listener, serves no admin API. A node whose external NATS does not answer at
// start serves its cache (--cache-dir) and starts the admin API once NATS answers.
func runPlatform(ctx context.Context, flags nodeFlags, pf platformFlags, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	cp, later, err := openControlPlaneOrLater(ctx, pf, "", natsAnswerWait, log)
	if err != nil {
		return err
	}
	defer func() { cp.Close() }() // cp is replaced once a late NATS answers
	cache, err := pf.cache.open(pf)
	if err != nil {
		return err
	}

	v8.Init(append(append([]string(nil), v8.DefaultFlags...), strings.Fields(flags.v8Flags)...)...)
	fetch.SetAllowPrivateEgress(flags.privateNet)
	n, err := node.New(flags.options(log, false))
	if err != nil {
		return err
	}
	defer n.Close()
	if flags.proc.child() {
		// Workers' outbound fetch may not reach the supervisor's NATS server.
		for _, addr := range natsAddrs(pf.natsURL) {
			defer fetch.AddOwnListener(addr)()
		}
	}
	ln, release, err := flags.proc.listen(flags.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", flags.listen, err)
	}
	defer release()
	// A runtime process's URLs name the supervisor's public port.
	public := ln.Addr().String()
	if flags.proc.child() {
		public = flags.listen
	}
	_, port, _ := net.SplitHostPort(public)
	banner := func(adminAt string) {
		if flags.proc.child() {
			fmt.Fprintf(os.Stderr, "islet serve: runtime process %d of %d (pid %d) on unix socket %s, %s\n",
				flags.proc.index, flags.proc.total(), os.Getpid(), flags.proc.socket, adminAt)
		} else {
			fmt.Fprintf(os.Stderr, "islet serve: workers on http://%s (each at http://<name>.localhost:%s/), %s\n",
				ln.Addr(), port, adminAt)
		}
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
	if !pf.noAdmin {
		aln, err := net.Listen("tcp", pf.admin)
		if err != nil {
			ln.Close()
			return fmt.Errorf("admin API: listen on %s: %w", pf.admin, err)
		}
		exe, err := selfExecutable()
		if err != nil {
			ln.Close()
			aln.Close()
			return fmt.Errorf("admin API: find the islet binary for validation: %w", err)
		}
		// Uploads start in a child process: a V8 fatal error there refuses the deploy
		// (startup_fatal) instead of ending this node.
		validator := &node.ProcessValidator{Executable: exe, Args: validatorArgs(flags)}
		api := admin.New(admin.Options{Store: store, Sealer: sealer, Validator: validator, Logger: log,
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
		adminAt = "admin API on http://" + aln.Addr().String()
		if flags.proc.child() {
			adminAt = "admin API on " + aln.Addr().String() // no URL: the supervisor prints its own
		}
	}
	if addr, err := net.ResolveTCPAddr("tcp", pf.admin); err == nil && pf.noAdmin {
		// Nor the one another runtime process of the supervisor serves.
		defer fetch.AddOwnListener(addr)()
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

const natsSecretFlagHelp = "file with the 64-hex-digit secret NATS clients and cluster routes authenticate with (default DATA/nats-secret, created for a server this command starts; every node and NATS server of a fleet needs the same one)"

// natsSecret reads the NATS secret from file, else from DATA/nats-secret, creating that one
// when create is set (a process that starts a server). A process joining an external NATS
// without either file connects without credentials, and a server that demands them says so.
// A runtime process gets its supervisor's secret in ISLET_NATS_SECRET (never on its command
// line, which every local user can read) and takes it out of its environment.
func natsSecret(file, data string, create bool, log *slog.Logger) (string, error) {
	if s := os.Getenv(natsSecretEnv); s != "" {
		os.Unsetenv(natsSecretEnv)
		return s, nil
	}
	path := file
	if path == "" {
		path = filepath.Join(data, "nats-secret")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && !create {
			return "", nil
		}
	}
	secret, created, err := control.LoadOrCreateSecret(path, create && file == "")
	if err != nil {
		return "", err
	}
	if created {
		log.Info("wrote a new NATS secret; every node and NATS server of this fleet needs it (--nats-secret-file)", "path", path)
	}
	return secret, nil
}

// natsSecretEnv carries the NATS secret from a supervisor to its runtime processes.
const natsSecretEnv = "ISLET_NATS_SECRET"

// natsCmd runs only an embedded NATS server with JetStream, for a fleet whose islet nodes
// join it with --nats.
func natsCmd() *cobra.Command {
	var o control.ServerOptions
	var logLevel, secretFile string
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
			if err := os.MkdirAll(o.Dir, 0o700); err != nil {
				return fmt.Errorf("nats: %w", err)
			}
			secret, err := natsSecret(secretFile, o.Dir, true, log)
			if err != nil {
				return err
			}
			o.Secret = secret
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
	return cmd
}
