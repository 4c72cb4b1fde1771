package htmlrewriter

import (
	"weak"

	"islet/internal/v8"
)

// LiveRewriters is how many rewriters iso's table holds (-1: no table).
func LiveRewriters(iso *v8.Isolate) int {
	t, ok := tables.Load(weak.Make(iso))
	if !ok {
		return -1
	}
	return t.(*table).len()
}

// Tables is how many isolates have a table.
func Tables() int {
	n := 0
	tables.Range(func(any, any) bool { n++; return true })
	return n
}
