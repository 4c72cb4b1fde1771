package supervisor

import (
	"fmt"
	"sort"

	"islet/internal/config"
)

// Layout assigns workers to runtime processes by trust tier and name. Processes 0 to
// Default()-1 are the default ones; each configured tier follows with a block of its own, the
// tiers in name order. A worker of a configured tier is served by the process its name hashes
// to (Pick) within its tier's block; every other worker (no tier, or a tier with no processes)
// by the one it hashes to among the default processes. The supervisor and every runtime process
// build the same Layout from the same flags, so they agree on every assignment. A Layout is
// immutable and safe for concurrent use.
type Layout struct {
	defaults int
	blocks   []tierBlock
}

// tierBlock is the processes first to first+n-1 of the tier named name.
type tierBlock struct {
	name     string
	first, n int
}

// NewLayout returns the layout of defaults default processes (at least 1) and tiers, which
// maps each tier's name (valid by config.ValidateTier) to its process count (at least 1).
func NewLayout(defaults int, tiers map[string]int) (*Layout, error) {
	if defaults < 1 {
		return nil, fmt.Errorf("layout: %d default processes; need at least 1", defaults)
	}
	names := make([]string, 0, len(tiers))
	for name := range tiers {
		names = append(names, name)
	}
	sort.Strings(names)
	l := &Layout{defaults: defaults}
	next := defaults
	for _, name := range names {
		if err := config.ValidateTier(name); err != nil {
			return nil, fmt.Errorf("layout: %w", err)
		}
		n := tiers[name]
		if n < 1 {
			return nil, fmt.Errorf("layout: tier %q has %d processes; need at least 1", name, n)
		}
		l.blocks = append(l.blocks, tierBlock{name: name, first: next, n: n})
		next += n
	}
	return l, nil
}

// Total is the number of runtime processes: the default ones and every tier's.
func (l *Layout) Total() int {
	if len(l.blocks) == 0 {
		return l.defaults
	}
	last := l.blocks[len(l.blocks)-1]
	return last.first + last.n
}

// Default is the number of default processes.
func (l *Layout) Default() int { return l.defaults }

// HasTier reports whether tier has processes of its own.
func (l *Layout) HasTier(tier string) bool { return l.block(tier) != nil }

// TierOf returns the tier whose block holds process index, "" for a default process.
func (l *Layout) TierOf(index int) string {
	for i := range l.blocks {
		if b := &l.blocks[i]; index >= b.first && index < b.first+b.n {
			return b.name
		}
	}
	return ""
}

// Pick returns the process (0 to Total()-1) that serves the worker named name of tier ("" for
// none); see Layout. It does not allocate.
func (l *Layout) Pick(name, tier string) int {
	if b := l.block(tier); b != nil {
		return b.first + Pick(name, b.n)
	}
	return Pick(name, l.defaults)
}

func (l *Layout) block(tier string) *tierBlock {
	if tier == "" {
		return nil
	}
	for i := range l.blocks {
		if l.blocks[i].name == tier {
			return &l.blocks[i]
		}
	}
	return nil
}
