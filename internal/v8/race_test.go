//go:build race

package v8

// raceEnabled reports whether the race detector is on (tests that hold thousands of isolates skip).
const raceEnabled = true
