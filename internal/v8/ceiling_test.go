package v8

import (
	"fmt"
	"strings"
	"testing"
)

// TestIsolateCeiling proves MaxIsolates on the V8 islet runs: that many isolates live at once
// each still run JS, and once they are disposed the next one starts as usual. V8 13.6 aborts
// the process at about 4,070 (see DispatchSegments), so a lower V8 ceiling fails here, not in
// production. It holds about 4.5 GiB for a few seconds, so the race pass skips it.
func TestIsolateCeiling(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("holds MaxIsolates isolates (about 4.5 GiB); not under -race or -short")
	}
	snap := snapshot(t)
	base := LiveIsolates()
	isos := make([]*Isolate, 0, MaxIsolates)
	defer func() {
		for _, iso := range isos {
			iso.Dispose()
		}
	}()
	for len(isos) < MaxIsolates-base {
		isos = append(isos, NewIsolate(snap, Options{}, Callbacks{}))
	}
	if n := LiveIsolates(); n != MaxIsolates {
		t.Fatalf("LiveIsolates = %d, want %d", n, MaxIsolates)
	}
	for _, i := range []int{0, len(isos) / 2, len(isos) - 1} {
		v, err := isos[i].RunScript("ceiling.js", "6 * 7")
		if err != nil || v.Num != 42 {
			t.Fatalf("isolate %d: %v, %v", i, v, err)
		}
	}
	for _, iso := range isos {
		iso.Dispose()
	}
	isos = isos[:0]
	if n := LiveIsolates(); n != base {
		t.Fatalf("LiveIsolates after Dispose = %d, want %d", n, base)
	}
	iso := NewIsolate(snap, Options{}, Callbacks{})
	defer iso.Dispose()
	if v, err := iso.RunScript("after.js", "1 + 1"); err != nil || v.Num != 2 {
		t.Fatalf("an isolate after the others were disposed: %v, %v", v, err)
	}
}

// TestDispatchSegmentsOfFunctions proves the rule DispatchSegments states for isolates with
// functions of their own: an isolate whose code instantiates a segment's worth of function
// literals takes two segments, no more, so half of MaxIsolates such isolates live at once (if
// each took three, the process would abort here, at about 1,360). About 4 GiB for a few
// seconds, so the race pass skips it.
func TestDispatchSegmentsOfFunctions(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("holds MaxIsolates/2 isolates with 4,096 functions each (about 4 GiB); not under -race or -short")
	}
	snap := snapshot(t)
	var b strings.Builder
	b.WriteString("globalThis.fs = [")
	for i := 0; i < DispatchSegmentEntries-1; i++ { // with the script's own function: a segment's worth
		fmt.Fprintf(&b, "function f%d() { return %d; },", i, i)
	}
	b.WriteString("]; fs.length")
	src := b.String()
	want := MaxIsolates/2 - LiveIsolates()
	isos := make([]*Isolate, 0, want)
	defer func() {
		for _, iso := range isos {
			iso.Dispose()
		}
	}()
	for len(isos) < want {
		iso := NewIsolate(snap, Options{}, Callbacks{})
		isos = append(isos, iso)
		if v, err := iso.RunScript("functions.js", src); err != nil || v.Num != DispatchSegmentEntries-1 {
			t.Fatalf("isolate %d: %v, %v", len(isos), v, err)
		}
	}
	if v, err := isos[0].RunScript("call.js", "fs[7]()"); err != nil || v.Num != 7 {
		t.Fatalf("the first isolate after the others: %v, %v", v, err)
	}
}
