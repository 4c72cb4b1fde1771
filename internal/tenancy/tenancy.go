// Package tenancy decides what an account may ask of the platform: the hosts it may route (its
// zones), the limits its workers may declare (its plan) and the private destinations they may
// reach (its egress grant). Only an operator, holding an admin token, sets an account's zones,
// plan and grant; the admin API asks this package before it stores anything a tenant sent.
// It is pure Go and knows nothing of storage.
package tenancy

import (
	"fmt"
	"strings"

	"islet/internal/config"
	"islet/internal/limits"
)

// Plan bounds what an account's workers may declare. A zero field takes the default plan's
// value (DefaultPlan), so an account nobody gave a plan can use Workers' defaults and no more.
type Plan struct {
	// CPUMsMax bounds limits.cpu_ms.
	CPUMsMax int `json:"cpu_ms_max,omitempty"`
	// MemoryMBMax bounds limits.memory_mb.
	MemoryMBMax int `json:"memory_mb_max,omitempty"`
	// SubrequestsMax bounds limits.subrequests.
	SubrequestsMax int `json:"subrequests_max,omitempty"`
	// WorkersMax is how many workers the account may have.
	WorkersMax int `json:"workers_max,omitempty"`
}

// DefaultPlan is the plan of an account without one: Workers' default limits and 100 workers
// (the Workers free plan's script count).
var DefaultPlan = Plan{
	CPUMsMax:       limits.DefaultCPUMillis,
	MemoryMBMax:    limits.DefaultMemoryMB,
	SubrequestsMax: limits.DefaultSubrequests,
	WorkersMax:     100,
}

// planField is one field of a plan: the limit it bounds (a row of limits.Table, or "" for a
// field that bounds no limit) and, for one that does not, its own range.
type planField struct {
	key, limit string
	min, max   int
	get        func(*Plan) *int
}

// planFields is the one table of a plan's fields. A field that bounds a limit takes that
// limit's range from limits.Table.
var planFields = []planField{
	{key: "cpu_ms_max", limit: "cpu_ms", get: func(p *Plan) *int { return &p.CPUMsMax }},
	{key: "memory_mb_max", limit: "memory_mb", get: func(p *Plan) *int { return &p.MemoryMBMax }},
	{key: "subrequests_max", limit: "subrequests", get: func(p *Plan) *int { return &p.SubrequestsMax }},
	{key: "workers_max", min: 1, max: 100_000, get: func(p *Plan) *int { return &p.WorkersMax }},
}

// bounds is the field's range: its limit's, or its own.
func (f planField) bounds() (min, max int) {
	if l, ok := limits.Lookup(f.limit); ok {
		return l.Min, l.Max
	}
	return f.min, f.max
}

// Validate checks each field that is set against its range.
func (p Plan) Validate() error {
	for _, f := range planFields {
		v := *f.get(&p)
		if min, max := f.bounds(); v != 0 && (v < min || v > max) {
			return fmt.Errorf("%s: %d is outside %d to %d", f.key, v, min, max)
		}
	}
	return nil
}

// Effective returns p with every unset field taken from DefaultPlan.
func (p Plan) Effective() Plan {
	d := DefaultPlan
	for _, f := range planFields {
		if *f.get(&p) == 0 {
			*f.get(&p) = *f.get(&d)
		}
	}
	return p
}

// CheckLimits refuses limits a worker declares above the plan; the error names the limit, the
// value asked for and the plan's bound. An undeclared limit (0) takes the node's default,
// which no plan is below.
func (p Plan) CheckLimits(l config.Limits) error {
	e := p.Effective()
	for _, f := range planFields {
		if f.limit == "" {
			continue
		}
		lim, _ := limits.Lookup(f.limit)
		if v, max := lim.Declared(l), *f.get(&e); v > max {
			return fmt.Errorf("limits.%s = %d is over the account's plan (%s = %d)", f.limit, v, f.key, max)
		}
	}
	return nil
}

// CheckWorkers refuses a new worker when the account already has as many as its plan allows.
func (p Plan) CheckWorkers(existing int) error {
	if max := p.Effective().WorkersMax; existing >= max {
		return fmt.Errorf("the account has %d workers, as many as its plan allows (workers_max = %d)", existing, max)
	}
	return nil
}

// CheckEgress refuses an egress_allow entry that the account's grant does not cover. A
// tenant's deploy may narrow what the operator granted, never widen it.
func CheckEgress(requested, granted []string) error {
	grants, err := limits.ParseEgressRules(granted)
	if err != nil {
		return fmt.Errorf("the account's egress grant: %w", err)
	}
	rules, err := limits.ParseEgressRules(requested)
	if err != nil {
		return err
	}
next:
	for i, r := range rules {
		for _, g := range grants {
			if r.Within(g) {
				continue next
			}
		}
		return fmt.Errorf("egress_allow %q is not in the account's egress grant (%s); an operator grants private destinations",
			requested[i], describe(granted))
	}
	return nil
}

func describe(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
