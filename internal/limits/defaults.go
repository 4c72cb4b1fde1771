package limits

// Workers' default limits, in the units a worker declares them in (islet.toml's
// [worker.limits], a deploy's metadata). The runtime's defaults and an account's default plan
// both read these; nothing else spells the numbers.
const (
	// DefaultCPUMillis is the CPU time one request may use, in milliseconds.
	DefaultCPUMillis = 50
	// DefaultMemoryMB is an isolate's heap limit in MiB.
	DefaultMemoryMB = 128
	// DefaultSubrequests is how many outbound fetches one request may make.
	DefaultSubrequests = 50
	// DefaultTenantRequests is how many requests one tenant (an account, or a worker of none)
	// may have in flight on one node; past it the node sheds the tenant's requests with a 503
	// that names this limit, before its neighbours suffer.
	DefaultTenantRequests = 1000
)
