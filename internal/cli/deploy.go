package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"islet/internal/adminclient"
	"islet/internal/bundle"
	"islet/internal/config"
	"islet/internal/deploy"
	"islet/internal/worker"
)

func deployCmd() *cobra.Command {
	var name, message, env string
	var minify, ignoreUnsupported bool
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "deploy [entry.ts|entry.js|dir] [--name N]",
		Short: "bundle a worker (islet.toml, wrangler.toml/jsonc, or one entry file) and deploy it",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			arg := "."
			if len(args) == 1 {
				arg = args[0]
			}
			workers, err := deployTargets(arg, name, env, ignoreUnsupported)
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			for _, w := range workers {
				if err := deployOne(ctx, c, w, message, minify); err != nil {
					return err
				}
			}
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&name, "name", "", "worker name (default: from the config, else the entry file's name)")
	cmd.Flags().StringVar(&message, "message", "", "a note for the version history")
	cmd.Flags().StringVarP(&env, "env", "e", "", "deploy this [env.NAME] of the wrangler config (as the worker <name>-<env>, unless the section names it)")
	cmd.Flags().BoolVar(&minify, "minify", false, "minify the bundle")
	cmd.Flags().BoolVar(&ignoreUnsupported, "ignore-unsupported", false, "deploy without the bindings, triggers and flags islet does not support, instead of refusing")
	return cmd
}

// deployTargets reads what to deploy: an entry file, or a folder's islet.toml,
// wrangler.jsonc, wrangler.json or wrangler.toml (the first found), or a config file named
// directly; for env, that environment of the wrangler config. A wrangler config that declares
// what islet cannot honour is refused, unless ignoreUnsupported is set: then each such item is
// printed as a warning.
func deployTargets(arg, name, env string, ignoreUnsupported bool) ([]config.Worker, error) {
	info, err := os.Stat(arg)
	if err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	cfgFile := ""
	if info.IsDir() {
		for _, n := range []string{"islet.toml", "wrangler.jsonc", "wrangler.json", "wrangler.toml"} {
			if _, err := os.Stat(filepath.Join(arg, n)); err == nil {
				cfgFile = filepath.Join(arg, n)
				break
			}
		}
		if cfgFile == "" {
			return nil, fmt.Errorf("deploy: %s has no islet.toml or wrangler.toml/jsonc; name an entry file instead (islet deploy src/index.ts --name N)", arg)
		}
	} else if slices.Contains([]string{"islet.toml", "wrangler.jsonc", "wrangler.json", "wrangler.toml"}, filepath.Base(arg)) {
		cfgFile = arg
	}
	if env != "" && (cfgFile == "" || filepath.Base(cfgFile) == "islet.toml") {
		return nil, fmt.Errorf("deploy: --env %s selects an [env.NAME] section of a wrangler config, and %s is not one", env, arg)
	}
	if cfgFile == "" {
		if name == "" {
			name = config.DevName(arg)
		}
		abs, err := filepath.Abs(arg)
		if err != nil {
			return nil, err
		}
		return []config.Worker{{Name: name, Main: abs, Vars: map[string]any{}}}, nil
	}
	var cfg *config.Config
	if filepath.Base(cfgFile) == "islet.toml" {
		cfg, err = config.Load(cfgFile)
	} else {
		var report config.Report
		cfg, report, err = config.LoadWrangler(cfgFile, env)
		if err == nil {
			if err = report.Refuse(ignoreUnsupported); err != nil {
				return nil, fmt.Errorf("deploy: %w", err)
			}
			for _, w := range report.Warnings {
				fmt.Fprintf(os.Stderr, "warning: %s\n", w)
			}
			for _, u := range report.Unsupported {
				fmt.Fprintf(os.Stderr, "warning: deployed without %s\n", u)
			}
			if len(report.NoEffect) > 0 {
				fmt.Fprintf(os.Stderr, "note: %s keys that change nothing on islet: %s\n", filepath.Base(cfgFile), strings.Join(report.NoEffect, ", "))
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if name != "" {
		if len(cfg.Workers) != 1 {
			return nil, errors.New("deploy: --name needs a config with exactly one worker")
		}
		cfg.Workers[0].Name = name
	}
	return cfg.Workers, nil
}

// deployOne bundles one worker and uploads it, printing progress.
func deployOne(ctx context.Context, c *adminclient.Client, w config.Worker, message string, minify bool) error {
	start := time.Now()
	fmt.Fprintf(os.Stderr, "%s: bundling %s …\n", w.Name, relPath(w.Main))
	b, err := bundle.Build(w.Main, bundle.Options{Minify: minify})
	if err != nil {
		return err
	}
	for _, warn := range b.Warnings {
		fmt.Fprintln(os.Stderr, "warning:", warn)
	}
	up := &deploy.Upload{Modules: b.Modules, Metadata: deploy.Metadata{
		CompatibilityDate: w.CompatibilityDate, Vars: w.Vars, Routes: w.Routes, Message: message,
		Limits: w.Limits, EgressAllow: w.EgressAllow, Bindings: deploy.ConfigServices(w.Services),
	}}
	if worker.DetectFormat(string(b.Modules[b.Main])) == worker.FormatModule {
		up.Metadata.MainModule = b.Main
	} else {
		up.Metadata.BodyPart = b.Main
	}
	if err := up.Validate(); err != nil {
		return fmt.Errorf("%s: %w", w.Name, err)
	}
	size := 0
	for _, m := range b.Modules {
		size += len(m)
	}
	fmt.Fprintf(os.Stderr, "%s: uploading %.1f KiB and validating …\n", w.Name, float64(size)/1024)
	res, err := c.Deploy(ctx, w.Name, up)
	if err != nil {
		return fmt.Errorf("%s: deploy refused: %w", w.Name, err)
	}
	state := "deployed"
	if res.Unchanged {
		state = "unchanged"
	}
	fmt.Printf("%s %s: version %s (%s)\n", w.Name, state, res.Version, time.Since(start).Round(time.Millisecond))
	for _, u := range res.URLs {
		fmt.Printf("  %s\n", u)
	}
	return nil
}

func relPath(p string) string {
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, p); err == nil {
			return r
		}
	}
	return p
}

func readAllLimited(r io.Reader, n int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, n))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) >= n {
		return nil, fmt.Errorf("the value is over %d bytes", n-1)
	}
	return b, nil
}
