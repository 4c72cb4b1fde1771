package cli

import (
	"strings"

	"islet/internal/limits"
)

// egressFlag is --egress-allow: a repeatable, comma-separated list of egress rules (CIDRs,
// addresses and host names, each with an optional port) checked when the flag is parsed.
type egressFlag []limits.EgressRule

func (f *egressFlag) String() string {
	parts := make([]string, len(*f))
	for i, r := range *f {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

func (f *egressFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		r, err := limits.ParseEgressRule(s)
		if err != nil {
			return err
		}
		*f = append(*f, r)
	}
	return nil
}

func (f *egressFlag) Type() string { return "rules" }
