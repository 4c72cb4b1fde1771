package supervisor

import (
	"fmt"
	"testing"
)

func mustLayout(t *testing.T, defaults int, tiers map[string]int) *Layout {
	t.Helper()
	l, err := NewLayout(defaults, tiers)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLayoutPick(t *testing.T) {
	// Default processes 0-1, then tier "gold" 2 (one process), then "untrusted" 3-5.
	l := mustLayout(t, 2, map[string]int{"untrusted": 3, "gold": 1})
	if l.Total() != 6 || l.Default() != 2 {
		t.Fatalf("total %d default %d", l.Total(), l.Default())
	}
	for _, c := range []struct {
		name, tier string
		want       int
	}{
		{"w0", "", Pick("w0", 2)},
		{"w1", "", Pick("w1", 2)},
		{"w0", "gold", 2},
		{"api", "gold", 2},
		{"w0", "untrusted", 3 + Pick("w0", 3)},
		{"shop", "untrusted", 3 + Pick("shop", 3)},
		// A tier without processes runs in the default ones.
		{"w0", "bronze", Pick("w0", 2)},
		{"shop", "bronze", Pick("shop", 2)},
	} {
		if got := l.Pick(c.name, c.tier); got != c.want {
			t.Errorf("Pick(%q, %q) = %d, want %d", c.name, c.tier, got, c.want)
		}
	}
	for i, want := range []string{"", "", "gold", "untrusted", "untrusted", "untrusted", ""} {
		if got := l.TierOf(i); got != want {
			t.Errorf("TierOf(%d) = %q, want %q", i, got, want)
		}
	}
	if !l.HasTier("gold") || l.HasTier("bronze") || l.HasTier("") {
		t.Error("HasTier")
	}
	if n := testing.AllocsPerRun(100, func() { l.Pick("some-worker", "untrusted") }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func TestLayoutStableWhenDefaultsChange(t *testing.T) {
	// Adding default processes moves no tiered worker to another process of its tier, and default
	// workers only to the added processes.
	a := mustLayout(t, 2, map[string]int{"untrusted": 2})
	b := mustLayout(t, 3, map[string]int{"untrusted": 2})
	for i := 0; i < 1000; i++ {
		name := fmt.Sprintf("w%d", i)
		if x, y := a.Pick(name, "untrusted")-a.Default(), b.Pick(name, "untrusted")-b.Default(); x != y {
			t.Fatalf("tiered %s moved within its tier: %d to %d", name, x, y)
		}
		if x, y := a.Pick(name, ""), b.Pick(name, ""); x != y && y != 2 {
			t.Fatalf("default %s moved from %d to %d", name, x, y)
		}
	}
	// Without tiers the layout is plain Pick.
	l := mustLayout(t, 4, nil)
	for _, name := range []string{"w0", "api", "shop"} {
		if l.Pick(name, "") != Pick(name, 4) || l.Pick(name, "x") != Pick(name, 4) {
			t.Fatalf("%s", name)
		}
	}
}

func TestLayoutRefusesBadTiers(t *testing.T) {
	for _, c := range []struct {
		defaults int
		tiers    map[string]int
	}{{0, nil}, {1, map[string]int{"gold": 0}}, {1, map[string]int{"Gold": 1}}, {1, map[string]int{"": 1}}} {
		if _, err := NewLayout(c.defaults, c.tiers); err == nil {
			t.Errorf("NewLayout(%d, %v) accepted", c.defaults, c.tiers)
		}
	}
}
