package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"islet/internal/adminclient"
)

// accountPlan is an account's plan as the admin API shows and takes it.
type accountPlan struct {
	CPUMsMax       int `json:"cpu_ms_max,omitempty"`
	MemoryMBMax    int `json:"memory_mb_max,omitempty"`
	SubrequestsMax int `json:"subrequests_max,omitempty"`
	WorkersMax     int `json:"workers_max,omitempty"`
}

// accountView is GET /v1/accounts/{name}.
type accountView struct {
	Name        string      `json:"name"`
	Plan        accountPlan `json:"plan"`
	Effective   accountPlan `json:"effective_plan"`
	Zones       []string    `json:"zones"`
	EgressAllow []string    `json:"egress_allow"`
	Workers     int         `json:"workers"`
}

// accountFlags are what `islet account create|set` can give an account.
type accountFlags struct {
	plan   accountPlan
	zones  []string
	egress []string
}

func (f *accountFlags) add(cmd *cobra.Command) {
	cmd.Flags().IntVar(&f.plan.CPUMsMax, "cpu-ms-max", 0, "most CPU time per request a worker may declare (limits.cpu_ms); 0: the default, 50")
	cmd.Flags().IntVar(&f.plan.MemoryMBMax, "memory-mb-max", 0, "largest isolate heap a worker may declare in MiB (limits.memory_mb); 0: the default, 128")
	cmd.Flags().IntVar(&f.plan.SubrequestsMax, "subrequests-max", 0, "most subrequests per request a worker may declare (limits.subrequests); 0: the default, 50")
	cmd.Flags().IntVar(&f.plan.WorkersMax, "workers-max", 0, "how many workers the account may have; 0: the default, 100")
	cmd.Flags().StringArrayVar(&f.zones, "zone", nil, "a domain the account may route (it and every name under it); repeat for more")
	cmd.Flags().StringArrayVar(&f.egress, "egress", nil, "a private destination its workers may open with egress_allow (CIDR, address[:port], host[:port]); repeat for more")
}

// body is the API body: the flags given on top of cur (nil for a new account).
func (f *accountFlags) body(cmd *cobra.Command, cur *accountView) map[string]any {
	plan, zones, egress := accountPlan{}, []string{}, []string{}
	if cur != nil {
		plan, zones, egress = cur.Plan, append(zones, cur.Zones...), append(egress, cur.EgressAllow...)
	}
	set := func(flag string, dst *int, v int) {
		if cmd.Flags().Changed(flag) {
			*dst = v
		}
	}
	set("cpu-ms-max", &plan.CPUMsMax, f.plan.CPUMsMax)
	set("memory-mb-max", &plan.MemoryMBMax, f.plan.MemoryMBMax)
	set("subrequests-max", &plan.SubrequestsMax, f.plan.SubrequestsMax)
	set("workers-max", &plan.WorkersMax, f.plan.WorkersMax)
	if cmd.Flags().Changed("zone") {
		zones = f.zones
	}
	if cmd.Flags().Changed("egress") {
		egress = f.egress
	}
	return map[string]any{"plan": plan, "zones": zones, "egress_allow": egress}
}

func accountCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "account", Short: "accounts' plans, zones and egress grants (changing them needs an admin token)"}
	var cf accountFlags
	var create, set *cobra.Command // the closures read their own command's flags
	create = clientCmd("create <account>", "give a new account its plan, zones and egress grant", cobra.ExactArgs(1), func(ctx context.Context, c *adminclient.Client, args []string) error {
		b := cf.body(create, nil)
		b["name"] = args[0]
		var out accountView
		if err := c.Do(ctx, "POST", "/v1/accounts", b, "", &out); err != nil {
			return err
		}
		return printAccount(&out)
	})
	cf.add(create)
	var sf accountFlags
	set = clientCmd("set <account>", "change what an account has: only the flags given change (--zone and --egress replace the lists)", cobra.ExactArgs(1), func(ctx context.Context, c *adminclient.Client, args []string) error {
		path := "/v1/accounts/" + url.PathEscape(args[0])
		var cur accountView
		if err := c.Do(ctx, "GET", path, nil, "", &cur); err != nil {
			return err
		}
		var out accountView
		if err := c.Do(ctx, "PUT", path, sf.body(set, &cur), "", &out); err != nil {
			return err
		}
		return printAccount(&out)
	})
	sf.add(set)
	var asJSON bool
	show := clientCmd("show <account>", "show an account's plan, zones, egress grant and worker count", cobra.ExactArgs(1), func(ctx context.Context, c *adminclient.Client, args []string) error {
		var out accountView
		if err := c.Do(ctx, "GET", "/v1/accounts/"+url.PathEscape(args[0]), nil, "", &out); err != nil {
			return err
		}
		if asJSON {
			return printJSON(out)
		}
		return printAccount(&out)
	})
	show.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	list := clientCmd("list", "list the accounts you may see", cobra.NoArgs, func(ctx context.Context, c *adminclient.Client, _ []string) error {
		var out struct {
			Accounts []accountView `json:"accounts"`
		}
		if err := c.Do(ctx, "GET", "/v1/accounts", nil, "", &out); err != nil {
			return err
		}
		if asJSON {
			return printJSON(out)
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACCOUNT\tWORKERS\tCPU_MS_MAX\tMEMORY_MB_MAX\tSUBREQUESTS_MAX\tWORKERS_MAX\tZONES\tEGRESS\t")
		for _, a := range out.Accounts {
			e := a.Effective
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t\n", a.Name, a.Workers, e.CPUMsMax, e.MemoryMBMax, e.SubrequestsMax, e.WorkersMax,
				orNone(a.Zones), orNone(a.EgressAllow))
		}
		return tw.Flush()
	})
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(create, set, show, list)
	return cmd
}

func printAccount(a *accountView) error {
	e := a.Effective
	fmt.Printf("account %s: %d workers\n", a.Name, a.Workers)
	fmt.Printf("  plan: cpu_ms_max %d, memory_mb_max %d, subrequests_max %d, workers_max %d\n", e.CPUMsMax, e.MemoryMBMax, e.SubrequestsMax, e.WorkersMax)
	fmt.Printf("  zones: %s\n", orNone(a.Zones))
	fmt.Printf("  egress grant: %s\n", orNone(a.EgressAllow))
	return nil
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
