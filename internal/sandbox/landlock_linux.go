package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/landlock-lsm/go-landlock/landlock"
	llsys "github.com/landlock-lsm/go-landlock/landlock/syscall"
)

// systemReadOnly are the system files a runtime process may still read once it serves:
// time zones (Go's time package and ICU load them on first use), the resolver's
// configuration (the DNS lookups of a config file's runtime processes' outbound fetch), TLS
// roots (preloaded by Enter, listed for the other stores a library may look in), randomness,
// its own /proc entry (V8 and the Go runtime read /proc/self/maps and friends) and the memory
// facts the scheduler sizes itself by.
var systemReadOnly = []string{
	"/etc/localtime", "/usr/share/zoneinfo", "/usr/share/zoneinfo-icu",
	"/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf", "/etc/services",
	"/etc/ssl", "/etc/pki", "/etc/ca-certificates",
	"/dev/urandom", "/dev/random",
	"/proc/self",
	"/proc/sys/vm/max_map_count", "/proc/meminfo", // the scheduler sizes its isolate cap and memory budget by them
	"/sys/devices/system/cpu",
}

// systemReadWrite are the system files a runtime process may still write.
var systemReadWrite = []string{"/dev/null"}

// landlockConfig handles every filesystem right Go-Landlock knows, TCP bind (a runtime process
// listens only on its Unix socket, opened before Enter) and every IPC scope (no signal to, and
// no abstract Unix socket of, a process outside the sandbox). TCP connect is not handled: a
// config file's runtime processes connect their workers' outbound fetch themselves (a
// platform node's open no socket at all, Options.NoSockets).
func landlockConfig() landlock.Config {
	return landlock.Config{
		HandledAccessFS:  landlock.V11.HandledAccessFS,
		HandledAccessNet: llsys.AccessNetBindTCP,
		Scoped:           landlock.V11.Scoped,
	}.BestEffort()
}

// enterLandlock restricts the process to systemReadOnly, systemReadWrite, the directories of
// the shared libraries it has mapped (a lazily loaded sibling, such as an NSS module of the
// cgo resolver, keeps working) and o's paths, and returns the Landlock ABI version enforced
// (0: the kernel has no Landlock, and nothing is restricted).
func enterLandlock(o Options) (int, error) {
	abi, err := enterLandlockABI()
	if err != nil {
		return 0, nil // no Landlock in this kernel: best effort restricts nothing
	}
	libs, err := libraryDirs()
	if err != nil {
		return 0, err
	}
	var rules []landlock.Rule
	add := func(paths []string, dir, file func(...string) landlock.FSRule) error {
		for _, p := range paths {
			st, err := os.Stat(p)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return fmt.Errorf("landlock: %w", err)
			}
			if st.IsDir() {
				rules = append(rules, dir(p))
			} else {
				rules = append(rules, file(p))
			}
		}
		return nil
	}
	ro := append(append(append([]string(nil), systemReadOnly...), libs...), o.ReadOnly...)
	if err := add(ro, landlock.RODirs, landlock.ROFiles); err != nil {
		return 0, err
	}
	rw := append(append([]string(nil), systemReadWrite...), o.ReadWrite...)
	if err := add(rw, landlock.RWDirs, landlock.RWFiles); err != nil {
		return 0, err
	}
	if err := landlockConfig().Restrict(rules...); err != nil {
		return 0, fmt.Errorf("landlock: %w", err)
	}
	return abi, nil
}

// libraryDirs are the directories of the files mapped into the process (its executable, the
// dynamic linker, the shared libraries).
func libraryDirs() ([]string, error) {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil, fmt.Errorf("landlock: list the mapped libraries: %w", err)
	}
	defer f.Close()
	seen := map[string]bool{}
	var dirs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || !strings.HasPrefix(fields[5], "/") {
			continue
		}
		d := filepath.Dir(fields[5])
		if !seen[d] && !strings.HasPrefix(d, "/dev") && !strings.HasPrefix(d, "/memfd") {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("landlock: list the mapped libraries: %w", err)
	}
	return dirs, nil
}

// enterLandlockABI is the kernel's Landlock ABI version, capped at the newest Go-Landlock knows.
func enterLandlockABI() (int, error) {
	abi, err := llsys.LandlockGetABIVersion()
	if err != nil {
		return 0, err
	}
	return min(abi, 11), nil
}
