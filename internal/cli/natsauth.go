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
// that should hold only those roles (a gateway node, --admin "": node).
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
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&roles, "role", []string{"node"}, "admin or node (repeatable; a gateway node, --admin \"\", needs node only, with --processes too)")
	cmd.Flags().StringVar(&secretFile, "nats-secret-file", "", "file with the fleet's NATS secret")
	return cmd
}
