package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"islet/internal/adminclient"
)

// clientFlags find the admin API and token: flags, else ISLET_API / ISLET_TOKEN, else what
// `islet login` stored.
type clientFlags struct {
	api   string
	token string
}

func (f *clientFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.api, "api", "", "admin API URL (default $ISLET_API, else from islet login, else http://127.0.0.1:8788)")
	cmd.Flags().StringVar(&f.token, "token", "", "API token (default $ISLET_TOKEN, else from islet login)")
}

// credentials is what `islet login` stores.
type credentials struct {
	API   string `json:"api"`
	Token string `json:"token"`
}

func credentialsPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("config directory: %w", err)
	}
	return filepath.Join(dir, "islet", "credentials.json"), nil
}

func (f *clientFlags) client() (*adminclient.Client, error) {
	api, token := f.api, f.token
	if api == "" {
		api = os.Getenv("ISLET_API")
	}
	if token == "" {
		token = os.Getenv("ISLET_TOKEN")
	}
	if api == "" || token == "" {
		if p, err := credentialsPath(); err == nil {
			if b, err := os.ReadFile(p); err == nil {
				var c credentials
				if json.Unmarshal(b, &c) == nil {
					if api == "" {
						api = c.API
					}
					if token == "" {
						token = c.Token
					}
				}
			}
		}
	}
	if api == "" {
		api = "http://127.0.0.1:8788"
	}
	if token == "" {
		return nil, errors.New("no API token: pass --token, set ISLET_TOKEN, or run islet login (a node's bootstrap token is in DATA/admin-token)")
	}
	return adminclient.New(api, token), nil
}

func addClientCommands(root *cobra.Command) {
	root.AddCommand(deployCmd(), loginCmd(), versionsCmd(), rollbackCmd(), rolloutCmd(), deleteCmd(), listCmd(), secretCmd(), tokenCmd(), accountCmd())
}

// clientCmd builds a command that calls the admin API.
func clientCmd(use, short string, args cobra.PositionalArgs, run func(ctx context.Context, c *adminclient.Client, args []string) error) *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{Use: use, Short: short, Args: args,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			return run(ctx, c, args)
		}}
	f.add(cmd)
	return cmd
}

func loginCmd() *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "login --token T [--api URL]",
		Short: "check an API token and store it for the other commands",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			var who struct {
				Account string `json:"account"`
				Admin   bool   `json:"admin"`
			}
			if err := c.Do(context.Background(), "GET", "/v1/whoami", nil, "", &who); err != nil {
				return fmt.Errorf("login: %w", err)
			}
			p, err := credentialsPath()
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				return err
			}
			b, _ := json.MarshalIndent(credentials{API: c.API, Token: c.Token}, "", "  ")
			if err := os.WriteFile(p, b, 0o600); err != nil {
				return fmt.Errorf("store credentials: %w", err)
			}
			fmt.Printf("logged in to %s as account %q; credentials in %s\n", c.API, who.Account, p)
			return nil
		},
	}
	f.add(cmd)
	return cmd
}

func versionsCmd() *cobra.Command {
	return clientCmd("versions <worker>", "list a worker's versions", cobra.ExactArgs(1), func(ctx context.Context, c *adminclient.Client, args []string) error {
		var out struct {
			Versions []struct {
				ID      string    `json:"id"`
				Created time.Time `json:"created"`
				Message string    `json:"message"`
				Current bool      `json:"current"`
			} `json:"versions"`
		}
		if err := c.Do(ctx, "GET", "/v1/workers/"+url.PathEscape(args[0])+"/versions", nil, "", &out); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tCREATED\tMESSAGE\t")
		for _, v := range out.Versions {
			mark := ""
			if v.Current {
				mark = "(current)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.ID, v.Created.Local().Format(time.DateTime), v.Message, mark)
		}
		return tw.Flush()
	})
}

func rollbackCmd() *cobra.Command {
	return clientCmd("rollback <worker> [version]", "serve an earlier version (default: the one before the current)", cobra.RangeArgs(1, 2), func(ctx context.Context, c *adminclient.Client, args []string) error {
		body := map[string]string{}
		if len(args) == 2 {
			body["version"] = args[1]
		}
		var out struct {
			Current string `json:"current"`
		}
		if err := c.Do(ctx, "POST", "/v1/workers/"+url.PathEscape(args[0])+"/rollback", body, "", &out); err != nil {
			return err
		}
		fmt.Printf("%s now serves version %s\n", args[0], out.Current)
		return nil
	})
}

func rolloutCmd() *cobra.Command {
	return clientCmd("rollout <worker> <version> <percent>", "send a percentage of requests to another version (0 ends it, 100 makes it current)", cobra.ExactArgs(3), func(ctx context.Context, c *adminclient.Client, args []string) error {
		var pct int
		if _, err := fmt.Sscan(args[2], &pct); err != nil {
			return fmt.Errorf("percent %q: %w", args[2], err)
		}
		if err := c.Do(ctx, "POST", "/v1/workers/"+url.PathEscape(args[0])+"/rollout", map[string]any{"version": args[1], "percent": pct}, "", nil); err != nil {
			return err
		}
		fmt.Printf("%s: %d%% of requests go to version %s\n", args[0], pct, args[1])
		return nil
	})
}

func deleteCmd() *cobra.Command {
	return clientCmd("delete <worker>", "delete a worker and its versions", cobra.ExactArgs(1), func(ctx context.Context, c *adminclient.Client, args []string) error {
		if err := c.Do(ctx, "DELETE", "/v1/workers/"+url.PathEscape(args[0]), nil, "", nil); err != nil {
			return err
		}
		fmt.Printf("deleted %s\n", args[0])
		return nil
	})
}

func listCmd() *cobra.Command {
	return clientCmd("list", "list your workers", cobra.NoArgs, func(ctx context.Context, c *adminclient.Client, _ []string) error {
		var out struct {
			Workers []struct {
				Name    string   `json:"name"`
				Current string   `json:"current"`
				Routes  []string `json:"routes"`
				URLs    []string `json:"urls"`
			} `json:"workers"`
		}
		if err := c.Do(ctx, "GET", "/v1/workers", nil, "", &out); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "WORKER\tVERSION\tROUTES\t")
		for _, w := range out.Workers {
			fmt.Fprintf(tw, "%s\t%s\t%s\t\n", w.Name, w.Current, strings.Join(w.Routes, " "))
		}
		return tw.Flush()
	})
}

func secretCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "secret", Short: "manage a worker's secrets (write-only values, given to the worker as env bindings)"}
	put := clientCmd("put <worker> <NAME>", "set a secret; the value is read from stdin", cobra.ExactArgs(2), func(ctx context.Context, c *adminclient.Client, args []string) error {
		if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprintf(os.Stderr, "enter the value of %s, then Ctrl-D: ", args[1])
		}
		b, err := readAllLimited(os.Stdin, 5<<10+1)
		if err != nil {
			return err
		}
		value := strings.TrimRight(string(b), "\r\n")
		if err := c.Do(ctx, "PUT", "/v1/workers/"+url.PathEscape(args[0])+"/secrets/"+url.PathEscape(args[1]), map[string]string{"value": value}, "", nil); err != nil {
			return err
		}
		fmt.Printf("secret %s of %s set\n", args[1], args[0])
		return nil
	})
	list := clientCmd("list <worker>", "list a worker's secret names", cobra.ExactArgs(1), func(ctx context.Context, c *adminclient.Client, args []string) error {
		var out struct {
			Secrets []string `json:"secrets"`
		}
		if err := c.Do(ctx, "GET", "/v1/workers/"+url.PathEscape(args[0])+"/secrets", nil, "", &out); err != nil {
			return err
		}
		for _, s := range out.Secrets {
			fmt.Println(s)
		}
		return nil
	})
	del := clientCmd("delete <worker> <NAME>", "delete a secret", cobra.ExactArgs(2), func(ctx context.Context, c *adminclient.Client, args []string) error {
		if err := c.Do(ctx, "DELETE", "/v1/workers/"+url.PathEscape(args[0])+"/secrets/"+url.PathEscape(args[1]), nil, "", nil); err != nil {
			return err
		}
		fmt.Printf("secret %s of %s deleted\n", args[1], args[0])
		return nil
	})
	cmd.AddCommand(put, list, del)
	return cmd
}

func tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "manage API tokens (needs an admin token)"}
	var admin bool
	var name string
	var expires time.Duration
	create := clientCmd("create <account>", "create a token scoped to an account and print it", cobra.ExactArgs(1), func(ctx context.Context, c *adminclient.Client, args []string) error {
		var out struct {
			Token string `json:"token"`
		}
		body := map[string]any{"account": args[0], "admin": admin, "name": name}
		if expires > 0 {
			body["expires_in"] = expires.String()
		}
		if err := c.Do(ctx, "POST", "/v1/tokens", body, "", &out); err != nil {
			return err
		}
		fmt.Println(out.Token)
		return nil
	})
	create.Flags().BoolVar(&admin, "admin", false, "the token may also create tokens and act on every account")
	create.Flags().StringVar(&name, "name", "", "a note to tell tokens apart")
	create.Flags().DurationVar(&expires, "expires", 0, "the token stops working after this long (for example 720h); 0: never")
	list := clientCmd("list", "list the tokens you may see (IDs, never the tokens)", cobra.NoArgs, func(ctx context.Context, c *adminclient.Client, _ []string) error {
		var out struct {
			Tokens []struct {
				ID       string     `json:"id"`
				Account  string     `json:"account"`
				Admin    bool       `json:"admin"`
				Name     string     `json:"name"`
				Created  time.Time  `json:"created"`
				Expires  *time.Time `json:"expires"`
				LastUsed *time.Time `json:"last_used"`
			} `json:"tokens"`
		}
		if err := c.Do(ctx, "GET", "/v1/tokens", nil, "", &out); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tACCOUNT\tADMIN\tNAME\tCREATED\tEXPIRES\tLAST USED\t")
		when := func(t *time.Time) string {
			if t == nil {
				return "-"
			}
			return t.Local().Format(time.DateTime)
		}
		for _, t := range out.Tokens {
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\t%s\t\n", t.ID, t.Account, t.Admin, t.Name, t.Created.Local().Format(time.DateTime), when(t.Expires), when(t.LastUsed))
		}
		return tw.Flush()
	})
	revoke := clientCmd("revoke <id>", "revoke a token by its ID (from islet token list)", cobra.ExactArgs(1), func(ctx context.Context, c *adminclient.Client, args []string) error {
		if err := c.Do(ctx, "DELETE", "/v1/tokens/"+url.PathEscape(args[0]), nil, "", nil); err != nil {
			return err
		}
		fmt.Printf("token %s revoked\n", args[0])
		return nil
	})
	cmd.AddCommand(create, list, revoke)
	return cmd
}
