package cli

import (
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"islet/internal/egress"
	"islet/internal/node"
	"islet/internal/sandbox"
	"islet/internal/v8"
)

// validateUploadCmd is the child process of node.ProcessValidator: one upload on stdin, its
// verdict on stdout. A V8 fatal error while the worker starts ends only this process, and the
// worker's top-level code runs in the sandbox (package sandbox: no file of the node's data
// directory or any other, no new socket, no exec): the admin API's process that starts
// it holds the secret key and the NATS secret.
func validateUploadCmd() *cobra.Command {
	var flags nodeFlags
	cmd := &cobra.Command{
		Use:    "validate-upload",
		Short:  "validate one deploy upload read from stdin (internal: the admin API runs it)",
		Args:   cobra.NoArgs,
		Hidden: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := flags.logger()
			box := sandbox.Options{NoSockets: true, Log: log}
			if err := sandbox.Prepare(box); err != nil { // before V8 starts its threads
				return err
			}
			v8.Init(append(append([]string(nil), v8.DefaultFlags...), strings.Fields(flags.v8Flags)...)...)
			egress.SetAllowPrivate(flags.privateNet)
			if _, err := sandbox.Enter(box); err != nil {
				return err
			}
			return node.ServeValidation(os.Stdin, os.Stdout, flags.options(log, false))
		},
	}
	flags.add(cmd, "", false)
	return cmd
}

// validatorArgs passes the flags that decide how a worker starts to the validating child.
func validatorArgs(flags nodeFlags) []string {
	args := []string{"--log-level=error", "--heap-limit-mb=" + strconv.Itoa(flags.heapMB),
		"--cpu-limit-ms=" + strconv.Itoa(flags.cpuMillis)}
	if flags.v8Flags != "" {
		args = append(args, "--v8-flags="+flags.v8Flags)
	}
	if flags.privateNet {
		args = append(args, "--allow-private-egress")
	}
	if len(flags.egressAllow) > 0 {
		args = append(args, "--egress-allow="+flags.egressAllow.String())
	}
	return args
}
