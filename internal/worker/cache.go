package worker

import "strings"

// CachePartition is the part of the process's Cache API storage the worker's entries live in
// (cache.Host): its account's, or for a worker of no account, its own.
func (inst *Instance) CachePartition() string {
	if inst.spec.Account != "" {
		return "account " + inst.spec.Account
	}
	base, _, _ := strings.Cut(inst.spec.Name, "@")
	return "worker " + base
}
