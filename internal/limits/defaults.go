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
)
