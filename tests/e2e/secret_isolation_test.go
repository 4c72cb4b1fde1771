package e2e

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"islet/internal/control"
)

// TestRuntimeProcessHoldsOnlyItsOwnWorkers is the issue's "a runtime process holds every
// tenant's secrets": two workers with secrets, one on each runtime process of a platform node.
// Each process's memory holds its own worker's secret (the scan works) and not the other's;
// neither holds the secret key, the fleet's NATS secret or a NATS role's password, and neither
// names a key or credential on its command line or in its environment.
func TestRuntimeProcessHoldsOnlyItsOwnWorkers(t *testing.T) {
	pp := startProcessesPlatform(t)
	pl := pp.pl
	dir := t.TempDir()
	write(t, filepath.Join(dir, "index.js"), `export default {
	fetch(req, env) { return new Response(env.NAME + " " + env.TOKEN); },
};`)
	secrets := make([]string, len(pp.byProc))
	for k, name := range pp.byProc {
		secrets[k] = fmt.Sprintf("pl41n-%s-%d-7f3e9c", name, k)
		write(t, filepath.Join(dir, "wrangler.toml"), fmt.Sprintf("name = %q\nmain = \"index.js\"\n[vars]\nNAME = %q\n", name, name))
		pl.mustCLI(t, dir, "", "deploy")
		pl.mustCLI(t, dir, secrets[k]+"\n", "secret", "put", name, "TOKEN")
	}
	for k, name := range pp.byProc {
		pollBody(t, pl.node.addr, name+".localhost", name+" "+secrets[k])
	}

	keyHex := strings.TrimSpace(string(mustRead(t, filepath.Join(pl.data, "secret-key"))))
	key, err := hex.DecodeString(keyHex)
	if err != nil {
		t.Fatalf("secret key: %v", err)
	}
	natsSecret := strings.TrimSpace(string(mustRead(t, filepath.Join(pl.data, "nats-secret"))))
	never := map[string][]byte{"the secret key (hex)": []byte(keyHex), "the secret key": key,
		"the NATS secret": []byte(natsSecret)}
	for _, role := range []control.Role{control.RoleAdmin, control.RoleNode} {
		never["the NATS password of "+string(role)] = []byte(control.RolePassword(natsSecret, role))
	}
	for k, pid := range pp.pids {
		own, other := secrets[k], secrets[1-k]
		needles := map[string][]byte{"own": []byte(own), "other": []byte(other)}
		for what, b := range never {
			needles[what] = b
		}
		found, scanned := scanMemory(t, pid, needles)
		t.Logf("runtime process %d (pid %d): scanned %d MiB", k, pid, scanned>>20)
		if found["own"] == 0 {
			t.Errorf("runtime process %d: its own worker's secret is not in its memory (the scan is broken)", k)
		}
		for what, n := range found {
			if what != "own" && n > 0 {
				t.Errorf("runtime process %d holds %s (%d copies)", k, what, n)
			}
		}
		env := mustRead(t, fmt.Sprintf("/proc/%d/environ", pid))
		cmdline := mustRead(t, fmt.Sprintf("/proc/%d/cmdline", pid))
		for _, held := range []string{"--secret-key-file", "--nats-secret-file", "--data", "ISLET_NATS_CREDENTIAL", keyHex, natsSecret} {
			if bytes.Contains(env, []byte(held)) || bytes.Contains(cmdline, []byte(held)) {
				t.Errorf("runtime process %d: its command line or environment holds %q", k, held)
			}
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// scanMemory counts the occurrences of each needle in the readable memory of process pid
// (through /proc/PID/mem, which needs the right to ptrace it; the test skips without it) and
// returns the counts and how many bytes it read. Pages that cannot be read are skipped.
func scanMemory(t *testing.T, pid int, needles map[string][]byte) (found map[string]int, scanned int64) {
	t.Helper()
	maps, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer maps.Close()
	mem, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		t.Skipf("cannot read the memory of pid %d: %v", pid, err)
	}
	defer mem.Close()
	longest := 0
	for _, n := range needles {
		longest = max(longest, len(n))
	}
	found = map[string]int{}
	const chunk = 1 << 20
	buf := make([]byte, chunk+longest)
	lines := bufio.NewScanner(maps)
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		if len(fields) < 2 || !strings.HasPrefix(fields[1], "r") {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if !ok || err1 != nil || err2 != nil {
			continue
		}
		for at := start; at < end; at += chunk {
			n := int(min(uint64(chunk+longest), end-at))
			got, err := mem.ReadAt(buf[:n], int64(at))
			if err != nil && err != io.EOF && got == 0 {
				continue // an unreadable page
			}
			scanned += int64(min(got, chunk))
			window := buf[:got]
			for what, needle := range needles {
				// Count only matches that start in this chunk; the overlap is the next one's.
				for i := 0; ; {
					j := bytes.Index(window[i:], needle)
					if j < 0 || i+j >= chunk {
						break
					}
					found[what]++
					i += j + 1
				}
			}
		}
	}
	return found, scanned
}
