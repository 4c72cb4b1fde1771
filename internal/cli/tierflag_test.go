package cli

import (
	"testing"

	"islet/internal/worker"
)

func TestTierFlag(t *testing.T) {
	var f tierFlag
	for _, v := range []string{"untrusted=2", "gold=1,bronze=3"} {
		if err := f.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.String(); got != "bronze=3,gold=1,untrusted=2" {
		t.Fatalf("%q", got)
	}
	for _, bad := range []string{"gold=1", "x", "Gold=1", "y=0", "y=-1", "y=two", "=1"} {
		if err := f.Set(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestMineFollowsTheLayout(t *testing.T) {
	specs := []*worker.Spec{{Name: "sandbox"}, {Name: "plain"}, {Name: "other"}}
	tiers := map[string]string{"sandbox": "untrusted", "other": "bronze"}
	names := func(f processFlags) (out []string) {
		for _, s := range f.mine(specs, tiers) {
			out = append(out, s.Name)
		}
		return out
	}
	f := processFlags{processes: 1, tiers: tierFlag{"untrusted": 1}, socket: "s", index: 0}
	if got := names(f); len(got) != 2 || got[0] != "plain" || got[1] != "other" {
		t.Fatalf("default process: %v", got)
	}
	f.index = 1
	if got := names(f); len(got) != 1 || got[0] != "sandbox" {
		t.Fatalf("untrusted process: %v", got)
	}
	if err := f.check(true); err != nil {
		t.Fatal(err)
	}
	f.index = 2
	if err := f.check(true); err == nil {
		t.Fatal("--child-index 2 of 2 processes accepted")
	}
	if err := (&processFlags{processes: 1, tiers: tierFlag{"x": 1}}).check(false); err == nil {
		t.Fatal("--tier without --config accepted")
	}
}
