package htmlrewriter

import "islet/internal/v8"

// LiveRewriters is how many rewriters iso's table holds (-1: no table).
func LiveRewriters(iso *v8.Isolate) int {
	n, ok := tables.Len(iso)
	if !ok {
		return -1
	}
	return n
}

// Tables is how many isolates have a table.
func Tables() int { return tables.Count() }
