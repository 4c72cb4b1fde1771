package supervisor

// Pick returns which of n runtime processes (0 to n-1) serves the worker named name. It is the
// rendezvous (highest random weight) hash of the name over the process indexes: stable across
// runs and processes (the supervisor and every runtime process compute the same answer), and
// when n changes only the workers of the added or removed process move. n ≤ 1 gives 0. It does
// not allocate.
func Pick(name string, n int) int {
	best, bestWeight := 0, uint64(0)
	for i := 0; i < n; i++ {
		if w := weight(name, i); i == 0 || w > bestWeight {
			best, bestWeight = i, w
		}
	}
	return best
}

// weight is the score of process i for name: FNV-1a over the name and the index, finished with
// the SplitMix64 mixer so that nearby indexes give unrelated scores.
func weight(name string, i int) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for j := 0; j < len(name); j++ {
		h = (h ^ uint64(name[j])) * prime
	}
	h = (h ^ 0xff) * prime // separates the name from the index
	for k := 0; k < 4; k++ {
		h = (h ^ uint64(byte(i>>(8*k)))) * prime
	}
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}
