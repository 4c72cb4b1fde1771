package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"islet/internal/egress"
	"islet/internal/feed"
	"islet/internal/gateway"
	"islet/internal/supervisor"
	"islet/internal/worker"
)

// processFlags are `islet serve`'s flags for running the workers in several runtime processes
// under a supervisor (--processes), and the hidden ones the supervisor gives each runtime
// process.
type processFlags struct {
	processes int
	// tiers are the trust tiers given processes of their own (--tier NAME=K).
	tiers tierFlag
	// socket and index are set in a runtime process: it serves HTTP on the Unix socket instead
	// of --listen (which names the supervisor's public address) and is process index of the
	// layout's (see layout).
	socket string
	index  int
	// platform is set by check for a platform node (no --config): its layout has a quarantine
	// process besides the --processes ones (supervisor.QuarantineTier).
	platform bool
}

func (f *processFlags) add(cmd *cobra.Command) {
	cmd.Flags().IntVar(&f.processes, "processes", 0, "run the workers in this many runtime processes under a supervisor that runs no V8, so a crash takes down only one process's workers; 1 runs them in this process (default: 2 for a platform node, whose tenants' code must not be able to end the node, which then runs one more for workers whose process died under them; 1 with --config)")
	cmd.Flags().Var(&f.tiers, "tier", "give trust tier NAME (a worker's tier key in islet.toml) K runtime processes of its own, besides the --processes ones (repeatable; needs --config)")
	cmd.Flags().StringVar(&f.socket, "child-socket", "", "serve on this Unix socket as a runtime process of a supervisor (internal)")
	cmd.Flags().IntVar(&f.index, "child-index", 0, "this runtime process's index (internal)")
	cmd.Flags().MarkHidden("child-socket")
	cmd.Flags().MarkHidden("child-index")
}

// defaultPlatformProcesses is --processes for a platform node when it is not given: tenants'
// code runs in runtime processes, so that a V8 abort no bound in islet prevents costs one
// runtime process (restarted by the supervisor) and never the node.
const defaultPlatformProcesses = 2

// check validates the flags of a serve in --config mode or not (platform), first settling
// --processes' default.
func (f *processFlags) check(config bool) error {
	f.platform = !config
	if f.processes == 0 {
		f.processes = defaultPlatformProcesses
		if config {
			f.processes = 1
		}
	}
	if f.processes < 1 {
		return fmt.Errorf("serve: --processes %d; need at least 1", f.processes)
	}
	if len(f.tiers) > 0 && !config {
		return errors.New("serve: --tier needs --config (tiers are set in islet.toml)")
	}
	l, err := f.layout()
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if f.socket != "" && (f.index < 0 || f.index >= l.Total()) {
		return fmt.Errorf("serve: --child-index %d is not below the %d runtime processes", f.index, l.Total())
	}
	return nil
}

// layout is the assignment of workers to runtime processes that --processes and --tier give,
// and for a platform node of 2 or more processes one more, the quarantine process, for workers
// whose process died under them (see supervisor.QuarantineTier); the supervisor and its runtime
// processes compute it from the same flags.
func (f *processFlags) layout() (*supervisor.Layout, error) {
	if f.platform && f.processes >= 2 {
		return supervisor.NewLayout(f.processes, map[string]int{supervisor.QuarantineTier: 1})
	}
	return supervisor.NewLayout(f.processes, f.tiers)
}

// total is the number of runtime processes (--processes and every --tier's); check has passed.
func (f *processFlags) total() int {
	l, err := f.layout()
	if err != nil {
		return f.processes
	}
	return l.Total()
}

// supervises reports whether this process is the supervisor of several runtime processes.
func (f *processFlags) supervises() bool { return f.total() > 1 && f.socket == "" }

// child reports whether this process is a runtime process of a supervisor.
func (f *processFlags) child() bool { return f.socket != "" }

// logger tags a runtime process's log lines with its index.
func (f *processFlags) logger(log *slog.Logger) *slog.Logger {
	if !f.child() {
		return log
	}
	return log.With("process", f.index)
}

// listen opens the node's listener: TCP on listen (TLS with tlsCfg, when set), or in a runtime
// process its Unix socket, replacing a stale one left by a killed predecessor (its supervisor
// terminates TLS). In a runtime process, listen is the supervisor's public address, which the
// workers' outbound fetch may not reach either; the returned release undoes that (call it when
// the listener closes).
func (f *processFlags) listen(listen string, tlsCfg *tls.Config) (ln net.Listener, release func(), err error) {
	if !f.child() {
		ln, err = gateway.ListenTLS(listen, tlsCfg)
		return ln, func() {}, err
	}
	os.Remove(f.socket)
	ln, err = net.Listen("unix", f.socket)
	if err != nil {
		return nil, nil, fmt.Errorf("runtime process %d: %w", f.index, err)
	}
	release = func() {}
	if addr, err := net.ResolveTCPAddr("tcp", listen); err == nil {
		release = egress.AddOwnListener(addr)
	}
	return ln, release, nil
}

// mine keeps the specs whose workers this process serves (all of them outside a supervisor),
// so that each runtime process checks only its own workers at start-up and their errors are
// logged once. tiers maps worker names to their trust tiers (see supervisor.Layout).
func (f *processFlags) mine(specs []*worker.Spec, tiers map[string]string) []*worker.Spec {
	if !f.child() {
		return specs
	}
	l, err := f.layout()
	if err != nil { // refused by check before any worker loads
		return specs
	}
	var out []*worker.Spec
	for _, s := range specs {
		if l.Pick(s.Name, tiers[s.Name]) == f.index {
			out = append(out, s)
		}
	}
	return out
}

// runSupervisor serves the workers of the config file at cfgPath through the runtime processes
// of this binary that f's layout gives (--processes and --tier) (see package supervisor) until SIGINT or SIGTERM. Each runtime
// process gets this process's arguments (args, without the program name) followed by the
// resolved public address and its socket.
func runSupervisor(ctx context.Context, flags nodeFlags, f processFlags, cfgPath string, workers int, args []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := flags.logger()
	exe, err := selfExecutable()
	if err != nil {
		return fmt.Errorf("serve: find the islet binary for the runtime processes: %w", err)
	}
	ln, err := gateway.ListenTLS(flags.listen, flags.tls.https)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	layout, err := f.layout()
	if err != nil {
		ln.Close()
		return fmt.Errorf("serve: %w", err)
	}
	return supervisor.Run(ctx, supervisor.Options{
		Layout:     layout,
		Executable: exe,
		Listener:   ln,
		Logger:     log,
		Routes:     supervisor.ConfigTables(cfgPath, time.Second, log),
		Args: func(index int, socket string) []string {
			// The last value of a flag wins, so these override the user's.
			return append(append([]string(nil), args...),
				"--listen="+addr, "--child-socket="+socket, "--child-index="+strconv.Itoa(index))
		},
		Ready: func() {
			fmt.Fprintf(os.Stderr, "islet serve: %d workers on %s://%s (each at %[2]s://<name>.localhost:%[4]s/), %[5]d runtime processes\n",
				workers, flags.tls.scheme(), addr, port, layout.Total())
		},
	})
}

// runPlatformSupervisor runs a control-plane node (see runPlatform) as a supervisor of
// --processes runtime processes until SIGINT or SIGTERM; args are theirs (runtimeArgs). The supervisor runs no V8: it starts
// the embedded NATS server (none with --nats), writes the secret key and the bootstrap token,
// serves the admin API (unless --admin ""; uploads are validated in a child process), follows
// the workers' records, opens their secrets, routes by them and sends each runtime process the
// workers routed to it and nothing else (feedTables, package feed). Each runtime process gets
// args followed by the public address, its socket and index: it connects to no NATS and
// never sees the key, a NATS credential, or another process's workers' code and secrets. With
// --nats the supervisor keeps the node cache (--cache-dir) and feeds and routes by it while
// NATS does not answer at start.
func runPlatformSupervisor(ctx context.Context, flags nodeFlags, pf platformFlags, args []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := flags.logger()
	layout, err := flags.proc.layout()
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	exe, err := selfExecutable()
	if err != nil {
		return fmt.Errorf("serve: find the islet binary for the runtime processes: %w", err)
	}
	// A --nats that does not answer in time: route by the cache until it does (offlineTables);
	// the runtime processes serve the same cache meanwhile. One that answers is connected
	// before any runtime process starts, so the bootstrap token is the supervisor's.
	cp, later, err := openControlPlaneOrLater(ctx, pf, natsAnswerWait, log)
	if err != nil {
		return err
	}
	defer cp.Close()
	ln, err := gateway.ListenTLS(flags.listen, flags.tls.https)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	// The supervisor connects its runtime processes' outbound fetches (package egress), under
	// the node's rules, and never to its own listeners (the admin API adds itself).
	egress.SetAllowPrivate(flags.privateNet)
	egress.SetNodeRules(flags.egressAllow)
	defer egress.AddOwnListener(ln.Addr())()
	for _, a := range []string{pf.natsListen, pf.clusterListen} {
		if tcp, err := net.ResolveTCPAddr("tcp", a); err == nil && a != "" {
			defer egress.AddOwnListener(tcp)()
		}
	}
	if pf.servesAdmin() {
		// With a NATS that has not answered yet, the API starts once it does.
		start := func(c *controlPlane) (*adminAPI, error) {
			return startAdminAPI(flags, pf, c.store, c.sealer, port, log)
		}
		var stopAdmin func()
		if later, stopAdmin, err = serveAdminOn(ctx, cp, later, start, log); err != nil {
			ln.Close()
			return err
		}
		defer stopAdmin()
	}
	cache, err := pf.cache.open(pf)
	if err != nil {
		ln.Close()
		return err
	}
	hub := feed.NewHub()
	return supervisor.Run(ctx, supervisor.Options{
		Layout:     layout,
		Executable: exe,
		Listener:   ln,
		Logger:     log,
		Routes:     feedTables(cp, later, pf.natsURL, cache, hub, log),
		Feed:       hub,
		Args: func(index int, socket string) []string {
			// The last value of a flag wins, so these override the user's.
			return append(append([]string(nil), args...),
				"--listen="+addr, "--child-socket="+socket, "--child-index="+strconv.Itoa(index))
		},
		Ready: func() {
			adminAt := "no admin API"
			if pf.servesAdmin() {
				adminAt = "admin API on " + flags.tls.scheme() + "://" + pf.admin
			}
			fmt.Fprintf(os.Stderr, "islet serve: workers on %s://%s (each at %[1]s://<name>.localhost:%[3]s/), %d runtime processes, %s\n",
				flags.tls.scheme(), addr, port, layout.Total(), adminAt)
		},
	})
}

// runtimeFlags are the flags of `islet serve` that a platform supervisor passes on to its
// runtime processes: those that shape how workers run (--egress-allow names the node's rules,
// which the egress policies' keys include; the supervisor enforces them). Everything else
// (the data directory, the key, NATS credentials, TLS files, cluster settings) stays with the
// supervisor.
var runtimeFlags = []string{"executors", "memory-budget-mb", "heap-limit-mb", "blank-isolates", "log-level",
	"v8-flags", "allow-private-egress", "egress-allow", "cpu-limit-ms", "processes"}

// runtimeArgs are the arguments of a platform supervisor's runtime processes (before the ones
// runPlatformSupervisor adds): serve, and each of runtimeFlags that cmd was given.
func runtimeArgs(cmd *cobra.Command) []string {
	out := []string{"serve"}
	for _, name := range runtimeFlags {
		if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
			out = append(out, "--"+name+"="+f.Value.String())
		}
	}
	return out
}

// selfExecutable is the program that starts another islet process: the launcher of a `make dist`
// bundle when this process was started through one (it sets ISLET_EXECUTABLE), else this binary.
func selfExecutable() (string, error) {
	if exe := os.Getenv("ISLET_EXECUTABLE"); exe != "" {
		return exe, nil
	}
	return os.Executable()
}
