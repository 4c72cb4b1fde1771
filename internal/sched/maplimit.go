package sched

import (
	"log/slog"
	"os"
	"strconv"
	"strings"

	"islet/internal/v8"
)

// mappingsPerIsolate is what one isolate with a loaded worker costs in memory mappings,
// measured at 12 with V8 10.2; the rest is headroom.
const mappingsPerIsolate = 16

// maxLiveFromMapCount derives the cap on live isolates from vm.max_map_count, keeping 8192
// mappings for everything else in the process.
func maxLiveFromMapCount(log *slog.Logger) int {
	b, err := os.ReadFile("/proc/sys/vm/max_map_count")
	if err != nil {
		return 4000
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n <= 8192 {
		return 256
	}
	max := (n - 8192) / mappingsPerIsolate
	if max < 10000 {
		log.Info("live isolates are capped by the kernel's memory-mapping limit; raise it for more",
			"max_live", max, "vm.max_map_count", n, "hint", "sysctl -w vm.max_map_count=262144")
	}
	return max
}

// scratchIsolates is how many isolates besides instances and the blank pool a node may hold
// at once: validation (one at a time), start-up checks (one), the snapshot and margin.
const scratchIsolates = 32

// maxLiveIsolates is the most instances that fit under V8's per-process isolate ceiling.
func maxLiveIsolates(blankPool int) int { return v8.MaxIsolates - blankPool - scratchIsolates }

// defaultMemoryBudget is three quarters of the machine's memory (MemTotal), or 8 GiB when it
// cannot be read.
func defaultMemoryBudget() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil && kb > 0 {
					return kb * 1024 / 4 * 3
				}
			}
		}
	}
	return 8 << 30
}
