package limits

// Workers' default limits, in the units a worker declares them in (islet.toml's
// [worker.limits], a deploy's metadata). Table, the runtime's defaults and an account's default
// plan read these; nothing else spells the numbers.
const (
	// DefaultCPUMillis is the CPU time one request may use, in milliseconds.
	DefaultCPUMillis = 50
	// DefaultMemoryMB is an isolate's heap limit in MiB.
	DefaultMemoryMB = 128
	// DefaultSubrequests is how many outbound fetches one request may make.
	DefaultSubrequests = 50
	// DefaultRequestBodyMB bounds an incoming request's body in MiB (Workers' 100 MB).
	DefaultRequestBodyMB = 100
	// DefaultWaitUntilMillis is how long waitUntil work may run after the response, and the
	// most a worker may declare, in milliseconds.
	DefaultWaitUntilMillis = 30_000
	// DefaultConsoleKB bounds one request's console output in KiB.
	DefaultConsoleKB = 256
	// DefaultTenantRequests is how many requests one tenant (an account, or a worker of none)
	// may have in flight on one node; past it the node sheds the tenant's requests with a 503
	// that names this limit, before its neighbours suffer.
	DefaultTenantRequests = 1000
)
