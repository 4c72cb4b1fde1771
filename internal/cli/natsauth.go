package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"islet/internal/control"
)

const natsSecretFlagHelp = "file with the fleet's 64-hex-digit NATS secret, from which every role's NATS password derives (default DATA/nats-secret, created for a server this command starts; every node and NATS server of a fleet needs the same one), or with one role's credential (islet nats credential)"

// natsAuth reads what this process authenticates to NATS with: the file given, else DATA/nats-secret,
// creating that one when create is set (a process that starts a server). A process joining an
// external NATS without either file has nothing, and a server that demands credentials says
// so.
func natsAuth(file, data string, create bool, log *slog.Logger) (control.Auth, error) {
	path := file
	if path == "" {
		path = filepath.Join(data, "nats-secret")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && !create {
			return control.Auth{}, nil
		}
	}
	auth, created, err := control.LoadAuth(path, create && file == "")
	if err != nil {
		return control.Auth{}, err
	}
	if created {
		log.Info("wrote a new NATS secret; every node and NATS server of this fleet needs it (--nats-secret-file)", "path", path)
	}
	return auth, nil
}

// natsRole is the NATS role of a node: a process that serves the admin API is admin, any other
// node (--admin "") is node. (A supervisor's runtime processes do not connect to NATS.)
func (f *platformFlags) natsRole() control.Role {
	if f.servesAdmin() {
		return control.RoleAdmin
	}
	return control.RoleNode
}

// servesAdmin reports whether this process serves the admin API.
func (f *platformFlags) servesAdmin() bool { return f.admin != "" }

// natsCredentialCmd prints roles' credentials, derived from the fleet's secret, for a process
// that should hold only those roles (a gateway node, --admin "": node); during a rotation, each
// role's credential under the previous secret follows its current one.
func natsCredentialCmd() *cobra.Command {
	var roles []string
	var secretFile string
	cmd := &cobra.Command{
		Use:   "credential --role admin|node… --nats-secret-file FILE",
		Short: "print NATS roles' credentials, one a line, for the --nats-secret-file of a node that should hold only those roles",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if secretFile == "" {
				return errors.New("nats credential: --nats-secret-file (the fleet's secret) is required")
			}
			auth, _, err := control.LoadAuth(secretFile, false)
			if err != nil {
				return err
			}
			if auth.Secret == "" {
				return fmt.Errorf("nats credential: %s holds a credential, not the fleet's secret", secretFile)
			}
			for _, name := range roles {
				r, err := control.ParseRole(name)
				if err != nil {
					return fmt.Errorf("nats credential: --role: %w", err)
				}
				c, err := auth.For(r)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), c.String())
				for _, prev := range auth.Fallbacks(r) { // during a rotation: the previous secret's too
					fmt.Fprintln(cmd.OutOrStdout(), prev.String())
				}
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&roles, "role", []string{"node"}, "admin or node (repeatable; a gateway node, --admin \"\", needs node only, with --processes too)")
	cmd.Flags().StringVar(&secretFile, "nats-secret-file", "", "file with the fleet's NATS secret")
	return cmd
}

// natsRotateCmd rotates the fleet's NATS secret in two steps (control.RotateSecret), so that no
// node or server is ever refused while the new file reaches them one at a time.
func natsRotateCmd() *cobra.Command {
	var secretFile string
	var finish bool
	cmd := &cobra.Command{
		Use:   "rotate --nats-secret-file FILE [--finish]",
		Short: "rotate the fleet's NATS secret: start (a new secret, the old one still accepted), then --finish (only the new one)",
		Long: `Rotating the fleet's NATS secret takes two steps, so that nothing is refused midway:

  1. islet nats rotate --nats-secret-file FILE
     FILE now holds a new secret and, after it, the old one. Give it to every NATS server and
     node of the fleet and restart them one at a time (gateway nodes' credential files: print
     them again with islet nats credential, which now prints both). Servers accept both
     secrets; nodes log in with the new one and fall back to the old one on a server that has
     not been restarted yet.
  2. islet nats rotate --nats-secret-file FILE --finish
     once every server and node runs with the rotated file: FILE keeps only the new secret.
     Give it to every server and node again and restart them; the old secret is refused.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if secretFile == "" {
				return errors.New("nats rotate: --nats-secret-file (the fleet's secret) is required")
			}
			secrets, err := control.RotateSecret(secretFile, finish)
			if err != nil {
				return fmt.Errorf("nats %w", err)
			}
			if finish {
				fmt.Fprintf(cmd.OutOrStdout(), "%s holds only the new secret: give it to every NATS server and node and restart them; the old secret is refused from then on\n", secretFile)
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s holds a new secret and the previous one (%d secrets): give it to every NATS server and node and restart them one at a time, then run islet nats rotate --finish\n",
				secretFile, len(secrets))
			return nil
		},
	}
	cmd.Flags().StringVar(&secretFile, "nats-secret-file", "", "file with the fleet's NATS secret")
	cmd.Flags().BoolVar(&finish, "finish", false, "end the rotation: keep only the new secret")
	return cmd
}
