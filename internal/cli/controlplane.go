package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"islet/internal/control"
)

// controlPlane is a node's link to the control plane: the embedded NATS server (nil with
// --nats), the connection, the store and the sealer of secrets. It runs no V8, so the
// supervisor of runtime processes opens it too.
type controlPlane struct {
	ns     *server.Server
	nc     *nats.Conn
	store  *control.Store
	sealer *control.Sealer
	// keyFile is the secret key's file (--secret-key-file, or DATA/secret-key).
	keyFile string
	// natsAuth is what this node can authenticate to NATS with (the fleet's secret, or
	// credentials), natsCred its role's credential (zero: none) and natsFallback the ones to
	// try when a server refuses it (a rotation under way).
	natsAuth     control.Auth
	natsCred     control.Credential
	natsFallback []control.Credential
}

// openControlPlane prepares the node's local state (prepareControlPlane) and connects it to the
// control plane (connect). Close releases what it opened.
func openControlPlane(ctx context.Context, pf platformFlags, log *slog.Logger) (*controlPlane, error) {
	cp, err := prepareControlPlane(pf, log)
	if err != nil {
		return nil, err
	}
	if err := cp.connect(ctx, pf, log); err != nil {
		cp.Close()
		return nil, err
	}
	return cp, nil
}

// prepareControlPlane does what needs no NATS: it creates the data directory, reads the NATS
// secret or credentials (creating the secret for an embedded server), picks this node's NATS
// role's credential (see platformFlags.natsRole; a missing one is an error now, not a refusal
// later) and loads or creates the secret key.
func prepareControlPlane(pf platformFlags, log *slog.Logger) (*controlPlane, error) {
	if err := os.MkdirAll(pf.data, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	cp := &controlPlane{}
	auth, err := natsAuth(pf.natsSecretFile, pf.data, pf.natsURL == "", log)
	if err != nil {
		return nil, err
	}
	if pf.natsURL == "" && auth.Secret == "" {
		return nil, fmt.Errorf("the embedded NATS server needs the fleet's secret, but %s holds credentials", auth.From)
	}
	cp.natsAuth = auth
	if cp.natsCred, err = auth.For(pf.natsRole()); err != nil {
		return nil, err
	}
	cp.natsFallback = auth.Fallbacks(pf.natsRole())
	keyFile, create := pf.secretKeyFile, false
	if keyFile == "" {
		keyFile, create = filepath.Join(pf.data, "secret-key"), true
	}
	key, created, err := control.LoadOrCreateKey(keyFile, create)
	if err != nil {
		return nil, err
	}
	if created {
		log.Info("wrote a new secret key; nodes sharing this control plane need the same --secret-key-file", "path", keyFile)
	}
	cp.keyFile = keyFile
	if cp.sealer, err = control.NewSealer(key); err != nil {
		return nil, err
	}
	return cp, nil
}

// connect starts the embedded NATS server unless pf names one with --nats (its client address
// is pf's --nats-listen, TLS with --tls-cert; without it the server takes no connections from
// other processes), connects
// as this node's role, opens the store (bounded; read-only unless the role is admin) and, as
// admin, when the control plane has no tokens yet, writes the bootstrap admin token. On an
// error what it opened stays in cp for Close.
func (cp *controlPlane) connect(ctx context.Context, pf platformFlags, log *slog.Logger) (err error) {
	embedded := pf.natsURL == ""
	if embedded {
		opts := control.ServerOptions{Dir: filepath.Join(pf.data, "nats"), Listen: pf.natsListen, TLS: pf.tls.natsServer,
			Secret: cp.natsAuth.Secret, PreviousSecrets: cp.natsAuth.Previous, ClusterTLS: pf.tls.natsCluster, Logger: log}
		if len(pf.cluster) > 0 || pf.clusterListen != "" {
			opts.ClusterListen = pf.clusterListen
			if opts.ClusterListen == "" {
				opts.ClusterListen = "127.0.0.1:6222"
			}
			opts.Routes = pf.cluster
		}
		if cp.ns, err = control.StartServer(opts); err != nil {
			return err
		}
	}
	role := pf.natsRole()
	if cp.nc, err = control.Dial(cp.ns, control.ClientOptions{URLs: pf.natsURL, Name: "islet-" + string(role),
		Credential: cp.natsCred, Fallback: cp.natsFallback, TLS: pf.tls.natsClient, Logger: log}); err != nil {
		return err
	}
	octx, cancel := context.WithTimeout(ctx, 60*time.Second)
	cp.store, err = control.Open(octx, cp.nc, control.Options{Replicas: pf.replicas, Logger: log, ReadOnly: role != control.RoleAdmin})
	cancel()
	if err != nil {
		return fmt.Errorf("control plane store: %w", err)
	}
	if role != control.RoleAdmin {
		return nil
	}
	return bootstrapToken(ctx, cp.store, pf.data, log)
}

// Close closes the connection and shuts the embedded server down (waiting for it).
func (cp *controlPlane) Close() {
	if cp == nil {
		return
	}
	if cp.nc != nil {
		cp.nc.Close()
	}
	if cp.ns != nil {
		cp.ns.Shutdown()
		cp.ns.WaitForShutdown()
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
