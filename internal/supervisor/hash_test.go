package supervisor

import (
	"fmt"
	"testing"
)

func TestPickIsStableAndSpreads(t *testing.T) {
	// Fixed values: the supervisor and its runtime processes (and later versions) must agree.
	for _, c := range []struct {
		name    string
		n, want int
	}{{"w0", 4, 2}, {"w1", 4, 2}, {"api", 4, 0}, {"shop", 4, 2}, {"w0", 2, 0}, {"w1", 2, 1}} {
		if got := Pick(c.name, c.n); got != c.want {
			t.Errorf("Pick(%q, %d) = %d, want %d", c.name, c.n, got, c.want)
		}
	}
	if Pick("x", 0) != 0 || Pick("x", 1) != 0 {
		t.Fatal("n ≤ 1 must give 0")
	}
	const n, names = 4, 4000
	count := make([]int, n)
	for i := 0; i < names; i++ {
		count[Pick(fmt.Sprintf("worker-%d", i), n)]++
	}
	for k, c := range count {
		if c < names/n*8/10 || c > names/n*12/10 {
			t.Fatalf("process %d got %d of %d workers: %v", k, c, names, count)
		}
	}
}

func TestPickMovesOnlyWhatItMust(t *testing.T) {
	// Going from 3 to 4 processes moves workers only to the new process.
	for i := 0; i < 2000; i++ {
		name := fmt.Sprintf("w%d", i)
		if a, b := Pick(name, 3), Pick(name, 4); a != b && b != 3 {
			t.Fatalf("%s moved from %d to %d", name, a, b)
		}
	}
}

func TestPickDoesNotAllocate(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { Pick("some-worker", 8) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}
