package sandbox

import (
	"crypto/x509"
	"fmt"
	"os"
	"sync"
	"time"
)

var (
	entered sync.Once
	// prepared is the filesystem step's outcome once Prepare or Enter ran it.
	prepareOnce sync.Once
	prepared    struct {
		landlock int
		err      error
		start    time.Time
		took     time.Duration
	}
)

// Prepare restricts the filesystem now (the Landlock step of Enter, with the TLS roots loaded
// and /proc fixed first), for a process about to start threads Go does not know: V8's platform
// threads, made by v8.Init. A thread inherits the restriction of the thread that creates it,
// while Go-Landlock can reach only Go's own threads, so a process that calls Prepare before
// v8.Init has every thread restricted. Enter, later and with the same Options, then installs
// the seccomp filters and does not restrict the filesystem again. Only the first call does
// anything; with ISLET_NO_SANDBOX=1 nothing does.
func Prepare(o Options) error {
	if disabled() {
		return nil
	}
	prepareOnce.Do(func() { prepareFS(o) })
	return prepared.err
}

func prepareFS(o Options) {
	log := logger(o)
	prepared.start = time.Now()
	defer func() { prepared.took = time.Since(prepared.start) }()
	// Go loads the system roots once, on the first TLS handshake; after Landlock the files
	// might not be readable, so load them now.
	if _, err := x509.SystemCertPool(); err != nil {
		log.Warn("sandbox: no system TLS roots", "err", err)
	}
	if perr := ownProc(); perr != nil {
		// Without a /proc of its PID namespace, Go-Landlock could not reach every thread.
		log.Warn("sandbox: Landlock skipped; the filesystem is not restricted", "err", perr)
		return
	}
	abi, err := enterLandlock(o)
	if err != nil {
		prepared.err = fmt.Errorf("sandbox: %w", err)
		return
	}
	prepared.landlock = abi
}

// Enter confines the calling process for the rest of its life (see the package doc): unless
// Prepare did it already, it loads the TLS roots outbound fetch will need, mounts a /proc of
// its own when it is in a PID namespace of its own (see ownProc) and restricts the filesystem
// with Landlock (best effort: a kernel without it, or a /proc it cannot fix, is logged, not
// refused); then it installs the seccomp filters on every thread. It logs one line saying
// what is enforced and how long it took. A failure to install seccomp is an error: the caller
// must not serve tenant code then. With ISLET_NO_SANDBOX=1 it does nothing; with
// ISLET_SANDBOX_SELFTEST=1 it runs SelfTest afterwards and logs each probe. Only the first
// call does anything.
func Enter(o Options) (Report, error) {
	var r Report
	var err error
	ran := false
	entered.Do(func() { ran = true; r, err = enter(o) })
	if !ran {
		return Report{}, fmt.Errorf("sandbox: already entered")
	}
	return r, err
}

func enter(o Options) (Report, error) {
	log := logger(o)
	if disabled() {
		log.Warn("sandbox: disabled (" + DisableEnv + "=1); the runtime process runs unconfined")
		return Report{}, nil
	}
	early := true
	prepareOnce.Do(func() { early = false; prepareFS(o) })
	if prepared.err != nil {
		return Report{}, prepared.err
	}
	start := time.Now()
	r := Report{Landlock: prepared.landlock}
	var err error
	if r.Rules, r.Allowed, err = installSeccomp(o.NoSockets); err != nil {
		return r, fmt.Errorf("sandbox: %w", err)
	}
	r.Seccomp = true
	landlockAt := fmt.Sprintf("ABI %d", r.Landlock)
	if r.Landlock == 0 {
		landlockAt = "not available in this kernel; filesystem unrestricted"
	}
	log.Info("sandbox: entered", "landlock", landlockAt, "landlock_before_v8", early,
		"seccomp_rules", r.Rules, "seccomp_allowed", r.Allowed, "seccomp", "allowlist and denylist on every thread (TSYNC)",
		"read_only", o.ReadOnly, "read_write", o.ReadWrite, "new_sockets", !o.NoSockets,
		"took", (prepared.took + time.Since(start)).Round(time.Microsecond))
	if os.Getenv(selfTestEnv) == "1" {
		for _, p := range SelfTest(o) {
			log.Info("sandbox self-test", "probe", p.Name, "refused", p.Refused, "err", fmt.Sprint(p.Err))
		}
	}
	return r, nil
}
