package v8

import (
	"testing"
)

// TestIsolateCeiling proves MaxIsolates on the V8 islet runs: that many isolates live at once
// each still run JS, and once they are disposed the next one starts as usual. V8 13.6 aborts
// the process at about 4,070 (see MaxIsolates), so a lower V8 ceiling fails here, not in
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
