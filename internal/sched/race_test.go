//go:build race

package sched

// raceEnabled reports whether the race detector is on: it slows user code several times over,
// so tests whose verdict rests on a CPU budget of a few milliseconds skip under it.
const raceEnabled = true
