// Package cli is islet's command line: `islet serve` (a node on the control plane, or the
// workers of a config file), `islet dev`, `islet nats`, and the admin API's client commands
// (deploy, versions, rollback, delete, secret, token, login).
package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"islet/internal/config"
	"islet/internal/egress"
	"islet/internal/node"
	"islet/internal/sched"
	"islet/internal/v8"
)

// Root returns the islet command.
func Root() *cobra.Command {
	root := &cobra.Command{
		Use:           "islet",
		Short:         "islet runs Workers-style JavaScript handlers, each in its own V8 isolate, in one process",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionLine(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(serveCmd(), devCmd(), natsCmd(), validateUploadCmd())
	addClientCommands(root)
	return root
}

// Main runs the command line and exits.
func Main() {
	if err := Root().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "islet:", err)
		os.Exit(1)
	}
}

type nodeFlags struct {
	listen       string
	executors    int
	memoryBudget int64
	heapMB       int
	pool         int
	logLevel     string
	v8Flags      string
	cpuMillis    int
	privateNet   bool
	egressAllow  egressFlag
	// proc is --processes and a runtime process's hidden flags (serve only).
	proc processFlags
	// tls is --tls-cert, --tls-key and --nats-ca (serve only).
	tls tlsFlags
}

func (f *nodeFlags) add(cmd *cobra.Command, listenDefault string, dev bool) {
	cmd.Flags().StringVar(&f.listen, "listen", listenDefault, "address to serve HTTP on")
	cmd.Flags().IntVar(&f.executors, "executors", 0, "executor threads running JavaScript (default: number of cores)")
	cmd.Flags().Int64Var(&f.memoryBudget, "memory-budget-mb", 0, "V8 memory in use by all live isolates beyond which idle ones are evicted (default: 3/4 of RAM)")
	cmd.Flags().IntVar(&f.heapMB, "heap-limit-mb", 128, "heap limit of each worker's isolate")
	cmd.Flags().IntVar(&f.pool, "blank-isolates", 4, "pre-built blank isolates kept ready for cold starts (-1 disables)")
	cmd.Flags().StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	cmd.Flags().StringVar(&f.v8Flags, "v8-flags", "", "extra V8 flags, space-separated (for experiments)")
	cmd.Flags().BoolVar(&f.privateNet, "allow-private-egress", dev, "let workers' fetch() reach loopback, private, link-local and metadata addresses")
	cmd.Flags().Var(&f.egressAllow, "egress-allow", "private destinations every worker's fetch() may reach: CIDRs, addresses and host names, each with an optional :port (comma-separated, repeatable; a worker adds its own with egress_allow)")
	cmd.Flags().IntVar(&f.cpuMillis, "cpu-limit-ms", 50, "default CPU time per request, in ms (a worker's limits.cpu_ms overrides it; 0 disables the watchdog)")
}

func (f *nodeFlags) logger() *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(f.logLevel)); err != nil {
		lv = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
}

// newNode starts the node f describes, with the Go scheduler's headroom over its executors
// (sched.Headroom).
func (f *nodeFlags) newNode(log *slog.Logger, dev bool) (*node.Node, error) {
	sched.Headroom(f.executors)
	return node.New(f.options(log, dev))
}

func (f *nodeFlags) options(log *slog.Logger, dev bool) node.Options {
	opts := node.Options{Logger: log, EgressAllow: f.egressAllow, Sched: sched.Options{
		Executors:     f.executors,
		MemoryBudget:  f.memoryBudget << 20,
		HeapLimit:     uint64(f.heapMB) << 20,
		BlankPool:     f.pool,
		ExposeErrors:  dev,
		CPUPerRequest: time.Duration(f.cpuMillis) * time.Millisecond,
		NoCPULimit:    f.cpuMillis == 0,
	}}
	if f.proc.child() {
		opts.BehindSupervisor = true
		// A runtime process whose every executor's worth of threads is lost in built-ins that
		// do not stop serves nothing well any more: it exits, and its supervisor restarts it.
		executors := f.executors
		if executors <= 0 {
			executors = sched.DefaultExecutors()
		}
		opts.Sched.OnStuck = func(stuck int) {
			if stuck >= executors {
				log.Error("every executor's thread is stuck in a built-in past its CPU limit; the runtime process exits to be restarted", "stuck", stuck)
				os.Exit(exitAllStuck)
			}
		}
	}
	return opts
}

// exitAllStuck is a runtime process's exit status when its threads are lost to stuck turns.
const exitAllStuck = 75

func serveCmd() *cobra.Command {
	var flags nodeFlags
	var pf platformFlags
	var cfgPath string
	cmd := &cobra.Command{
		Use:   "serve [--data DIR] [--listen ADDR] [--admin ADDR] [--nats URL | --cluster PEER…] | serve --config islet.toml",
		Short: "run a node of the platform (workers deployed through the admin API), or serve a config file's workers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := flags.proc.check(cfgPath != ""); err != nil {
				return err
			}
			if err := flags.tls.load(cfgPath == "" && (len(pf.cluster) > 0 || pf.clusterListen != "")); err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			pf.tls = flags.tls
			if cfgPath == "" {
				ctx := cmd.Context()
				if ctx == nil {
					ctx = context.Background()
				}
				if flags.proc.supervises() {
					return runPlatformSupervisor(ctx, flags, pf, runtimeArgs(cmd))
				}
				return runPlatform(ctx, flags, pf, flags.proc.logger(flags.logger()))
			}
			cfg, err := config.Load(cfgPath)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("listen") && cfg.Listen != "" {
				flags.listen = cfg.Listen
			}
			if flags.proc.supervises() {
				for _, w := range cfg.Workers {
					if len(w.Services) > 0 {
						return fmt.Errorf("serve: worker %s has service bindings, which call workers in process, and --processes runs "+
							"the workers in %d runtime processes; serve with --processes 1 (calls between runtime processes are not supported yet)",
							w.Name, flags.proc.total())
					}
				}
				return runSupervisor(cmd.Context(), flags, flags.proc, cfgPath, len(cfg.Workers), os.Args[1:])
			}
			log := flags.proc.logger(flags.logger())
			src := &node.FileSource{Path: cfgPath, Logger: log, Interval: time.Second,
				Load: func() (*config.Config, error) { return config.Load(cfgPath) }}
			return run(cmd.Context(), flags, log, src, false, len(cfg.Workers))
		},
	}
	flags.add(cmd, config.DefaultListen, false)
	pf.add(cmd)
	flags.proc.add(cmd)
	flags.tls.add(cmd)
	cmd.Flags().StringVar(&cfgPath, "config", "", "serve the workers of this islet.toml instead of the control plane's")
	return cmd
}

func devCmd() *cobra.Command {
	var flags nodeFlags
	var name, env string
	var ignoreUnsupported bool
	cmd := &cobra.Command{
		Use:   "dev <dir|file>",
		Short: "serve one worker and reload it when its files change",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			log := flags.logger()
			load, cfgPath, devVars, err := devLoader(args[0], name, env, flags.listen, ignoreUnsupported, log)
			if err != nil {
				return err
			}
			src := &node.FileSource{Path: cfgPath, Also: devVars, Logger: log, Load: load, WatchWorkerFiles: true}
			return run(cmd.Context(), flags, log, src, true, 1)
		},
	}
	flags.add(cmd, config.DefaultListen, true)
	cmd.Flags().StringVar(&name, "name", "", "worker name (default: from wrangler.toml, or the file or directory name)")
	cmd.Flags().StringVarP(&env, "env", "e", "", "serve this [env.NAME] of the wrangler config, with .dev.vars.<env> or .env.<env>")
	cmd.Flags().BoolVar(&ignoreUnsupported, "ignore-unsupported", false, "serve without the bindings, triggers and flags islet does not support, instead of refusing")
	return cmd
}

// devLoader returns how `islet dev` reads its one worker: from a wrangler.jsonc, wrangler.json
// or wrangler.toml (the argument, or one in the argument's directory; its path is returned to
// be watched too), else from the entry file, and the dev variables files it may read (to be
// watched as well). A wrangler config that declares what islet cannot honour is refused (at
// start-up, and on each reload) unless ignoreUnsupported is set. env selects an environment of
// the wrangler config.
func devLoader(arg, name, env, listen string, ignoreUnsupported bool, log *slog.Logger) (load func() (*config.Config, error), cfgPath string, devVars []string, err error) {
	wrangler := ""
	names := []string{"wrangler.jsonc", "wrangler.json", "wrangler.toml"}
	if info, err := os.Stat(arg); err == nil && info.IsDir() {
		for _, n := range names {
			if _, err := os.Stat(filepath.Join(arg, n)); err == nil {
				wrangler = filepath.Join(arg, n)
				break
			}
		}
	} else if slices.Contains(names, filepath.Base(arg)) {
		wrangler = arg
	}
	if wrangler != "" {
		warned := false
		return func() (*config.Config, error) {
			cfg, report, err := config.LoadWrangler(wrangler, env)
			if err != nil {
				return nil, err
			}
			if err := report.Refuse(ignoreUnsupported); err != nil {
				return nil, err
			}
			if !warned {
				warned = true
				for _, u := range report.Unsupported {
					log.Warn("serving without what islet does not support", "item", u.String())
				}
				for _, w := range report.Warnings {
					log.Warn(w)
				}
				if len(report.NoEffect) > 0 {
					log.Info("wrangler config keys that change nothing on islet", "keys", strings.Join(report.NoEffect, ","))
				}
			}
			cfg.Listen = listen
			if name != "" {
				cfg.Workers[0].Name = name
			}
			if err := applyDevVars(filepath.Dir(wrangler), env, &cfg.Workers[0], log); err != nil {
				return nil, err
			}
			// In dev the one worker answers on every host, e.g. http://127.0.0.1:8787/.
			cfg.Workers[0].Routes = append(cfg.Workers[0].Routes, "*/*")
			return cfg, nil
		}, wrangler, config.DevVarsFiles(filepath.Dir(wrangler), env), nil
	}
	if env != "" {
		return nil, "", nil, fmt.Errorf("dev: --env %s selects an [env.NAME] section of a wrangler config, and %s has none", env, arg)
	}
	main, err := findMain(arg)
	if err != nil {
		return nil, "", nil, err
	}
	projectDir := filepath.Dir(main)
	if info, err := os.Stat(arg); err == nil && info.IsDir() {
		projectDir = arg
	}
	return func() (*config.Config, error) {
		cfg, err := config.Dev(main, name, listen)
		if err != nil {
			return nil, err
		}
		if err := applyDevVars(projectDir, "", &cfg.Workers[0], log); err != nil {
			return nil, err
		}
		// In dev the one worker answers on every host, e.g. http://127.0.0.1:8787/.
		cfg.Workers[0].Routes = append(cfg.Workers[0].Routes, "*/*")
		return cfg, nil
	}, "", config.DevVarsFiles(projectDir, ""), nil
}

// applyDevVars sets a dev project's .dev.vars (or .env files) for env on its worker and logs
// the bindings the worker then has, the values of those from the files hidden, as wrangler dev
// prints them.
func applyDevVars(dir, env string, w *config.Worker, log *slog.Logger) error {
	dv, err := config.LoadDevVars(dir, env)
	if err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	fromFile := dv.Apply(w)
	for _, k := range slices.Sorted(maps.Keys(w.Vars)) {
		if slices.Contains(fromFile, k) {
			log.Info("binding", "name", "env."+k, "value", "(hidden)", "from", devVarsFiles(dv.Files))
			continue
		}
		v, _ := json.Marshal(w.Vars[k])
		log.Info("binding", "name", "env."+k, "value", string(v))
	}
	for _, s := range w.Services {
		// islet dev serves one worker: a call reaches the service only if something serves it.
		log.Info("binding", "name", "env."+s.Binding, "service", s.Service,
			"note", "islet dev serves this worker alone; serve both from an islet.toml to call it")
	}
	return nil
}

// devVarsFiles names the files dev variables came from, by base name.
func devVarsFiles(files []string) string {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
	}
	return strings.Join(names, ",")
}

// findMain picks the entry file of a directory: the first of index.js, index.mjs, worker.js,
// main.js, src/index.js.
func findMain(arg string) (string, error) {
	info, err := os.Stat(arg)
	if err != nil {
		return "", fmt.Errorf("dev: %w", err)
	}
	if !info.IsDir() {
		return arg, nil
	}
	for _, c := range []string{"index.js", "index.mjs", "worker.js", "main.js", "src/index.js"} {
		p := filepath.Join(arg, c)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("dev: %s has no index.js, index.mjs, worker.js, main.js or src/index.js; name the file", arg)
}

func run(ctx context.Context, flags nodeFlags, log *slog.Logger, src node.Source, dev bool, workers int) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if path := os.Getenv("ISLET_CPUPROFILE"); path != "" {
		// A profiling aid for benchmarks: the CPU profile of the whole run, written at exit.
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	// The listener first: a runtime process's filesystem is restricted next (a Unix socket
	// is a file), before V8 starts its threads.
	ln, release, err := flags.proc.listen(flags.listen, flags.tls.https)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", flags.listen, err)
	}
	defer release()
	defer ln.Close()
	if err := flags.proc.prepareSandbox(log, src); err != nil {
		return err
	}
	v8.Init(append(append([]string(nil), v8.DefaultFlags...), strings.Fields(flags.v8Flags)...)...)
	// islet dev talks to local services by default; a node serving tenants does not.
	egress.SetAllowPrivate(flags.privateNet)
	n, err := flags.newNode(log, dev)
	if err != nil {
		return err
	}
	defer n.Close()
	first := make(chan error, 1)
	applied := make(chan struct{})
	var appliedOnce sync.Once
	apply := func(cfg *config.Config) error {
		defer appliedOnce.Do(func() { close(applied) })
		specs, err := n.Apply(cfg)
		tiers := make(map[string]string, len(cfg.Workers))
		for _, w := range cfg.Workers {
			tiers[w.Name] = w.Tier
		}
		// Syntax errors and missing imports are reported with file:line:column without
		// delaying start-up; the failing worker answers with the same error.
		go func() {
			for _, e := range n.Check(flags.proc.mine(specs, tiers)) {
				log.Error("worker refused: " + e.Error())
				if dev {
					fmt.Fprintln(os.Stderr, e.Error())
				}
			}
		}()
		return err
	}
	go func() { first <- src.Watch(ctx, apply) }()
	// Serve only once the first set of workers is in place, so no early request gets a 404.
	select {
	case <-applied:
	case err := <-first:
		if err != nil {
			return err
		}
	}
	if err := flags.proc.enterSandbox(log, src); err != nil {
		return err
	}
	url := flags.tls.scheme() + "://" + ln.Addr().String()
	if flags.proc.child() {
		fmt.Fprintf(os.Stderr, "islet serve: runtime process %d of %d (pid %d) serving %d workers on unix socket %s\n",
			flags.proc.index, flags.proc.total(), os.Getpid(), workers, flags.proc.socket)
	} else if dev {
		fmt.Fprintf(os.Stderr, "islet dev: serving on %s/ (reloads when files change; Ctrl-C stops)\n", url)
	} else {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		execs := flags.executors
		if execs <= 0 {
			execs = sched.DefaultExecutors()
		}
		fmt.Fprintf(os.Stderr, "islet serve: %d workers on %s (each at %s://<name>.localhost:%s/), %d executors\n",
			workers, url, flags.tls.scheme(), port, execs)
	}
	errc := make(chan error, 1)
	go func() { errc <- n.Serve(ctx, ln) }()
	select {
	case err := <-first:
		if err != nil {
			return err
		}
		return <-errc
	case err := <-errc:
		if err != nil && !strings.Contains(err.Error(), "Server closed") {
			return err
		}
		return nil
	}
}
