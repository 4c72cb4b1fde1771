//go:build !race

package worker

// raceEnabled reports whether the race detector is on (tests that hold thousands of isolates skip).
const raceEnabled = false
