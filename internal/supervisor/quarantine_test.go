package supervisor

import (
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"
)

// TestQuarantineMovesSuspects: a death's suspects are quarantined for QuarantineFor (a later
// death extends it), a death with more than maxSuspects in flight moves nobody, and every
// change calls changed.
func TestQuarantineMovesSuspects(t *testing.T) {
	now := time.Unix(1000, 0)
	changes := 0
	q := newQuarantine(slog.New(slog.DiscardHandler), func() { changes++ })
	q.now = func() time.Time { return now }
	q.died(0, []string{"bad"})
	if !q.has("bad") || q.has("good") || changes != 1 {
		t.Fatalf("after one death: bad %v, good %v, changes %d", q.has("bad"), q.has("good"), changes)
	}
	now = now.Add(QuarantineFor / 2)
	q.died(2, []string{"bad"}) // it kills the quarantine process too: it stays longer
	if changes != 1 {
		t.Errorf("a worker already there changed the set (%d changes)", changes)
	}
	now = now.Add(QuarantineFor - time.Second)
	if !q.has("bad") {
		t.Error("bad left before QuarantineFor after its last death")
	}
	var many []string
	for i := 0; i <= maxSuspects; i++ {
		many = append(many, fmt.Sprintf("w%d", i))
	}
	q.died(1, many)
	if q.has("w0") {
		t.Errorf("a death with %d workers in flight quarantined one", len(many))
	}
	var nilQ *quarantine
	if nilQ.has("bad") {
		t.Error("a nil quarantine holds a worker")
	}
}

// TestInflightSuspects: the suspects are the workers of requests handed over before the cutoff
// and still in the process, or broken within suspectWindow of the death; a request sent after
// the cutoff (to a process that had stopped answering) is a victim, not a suspect; failures
// are forgotten once taken.
func TestInflightSuspects(t *testing.T) {
	var f inflight
	idA1, _ := f.begin("a")
	idA2, _ := f.begin("a")
	idB, _ := f.begin("b")
	f.end(idB)
	idC, c := f.begin("c")
	f.fail(c, time.Now())
	f.end(idC) // a broken request's handler ends at once
	idD, d := f.begin("d")
	f.fail(d, time.Now().Add(-suspectWindow-time.Second)) // broken long before the death
	f.end(idD)
	cutoff := time.Now().Add(time.Millisecond)
	time.Sleep(2 * time.Millisecond) // after the cutoff, on every clock
	idLate, _ := f.begin("late")
	death := time.Now()
	got := f.suspects(death, cutoff)
	slices.Sort(got)
	if !slices.Equal(got, []string{"a", "c"}) {
		t.Fatalf("suspects %v, want [a c]", got)
	}
	f.end(idA1)
	f.end(idA2)
	f.end(idLate)
	if got := f.suspects(death, death); len(got) != 0 {
		t.Fatalf("suspects after everything ended and failures were taken: %v", got)
	}
}
