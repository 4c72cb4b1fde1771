package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"islet/internal/control/tmpfstest"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bigHello is a worker answering tag whose script carries 64 KiB of random hex, so that
// storing it needs fresh pages of the filesystem.
func bigHello(tag string) map[string]string {
	noise := make([]byte, 32<<10)
	rand.Read(noise)
	return map[string]string{"index.js": hello(tag) + "\n// " + hex.EncodeToString(noise) + "\n"}
}

// slowClient waits for an answer as long as the admin API may take (its own deadline is 60 s),
// as the CLI does; e2e's client gives up after 20 s.
var slowClient = &http.Client{Timeout: 2 * time.Minute}

// slowDeploy uploads script as worker name's main module with slowClient.
func slowDeploy(t *testing.T, api, token, name, script string) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("metadata", `{"main_module":"index.js"}`)
	mw.WriteField("index.js", script)
	mw.Close()
	req, err := http.NewRequest("PUT", "http://"+api+"/v1/workers/"+name, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := slowClient.Do(req)
	if err != nil {
		t.Fatalf("deploy %s: %v", name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// diskFullOutage fills the disk under the control plane of the node at addr (admin API api),
// checks that a deploy fails with store_unavailable while the last version keeps serving,
// frees the disk and waits (bounded) until deploys succeed again and the node serves them.
// It returns how long after the space returned the first deploy succeeded.
func diskFullOutage(t *testing.T, disk, addr, api, token string) time.Duration {
	t.Helper()
	deployAs := func(tag string) (int, string) {
		return slowDeploy(t, api, token, "hello", bigHello(tag)["index.js"])
	}
	if code, body := deployAs("one"); code != 201 {
		t.Fatalf("first deploy: %d %s", code, body)
	}
	pollBody(t, addr, "hello.localhost", "one")

	filler := filepath.Join(disk, "filler")
	tmpfstest.Fill(t, filler)
	start := time.Now()
	code, body := deployAs("two")
	refused(t, "deploy on a full disk", code, body, 503, "store_unavailable", "store")
	t.Logf("deploy on a full disk answered in %v: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(body))
	if code, _, got := get(t, addr, "hello.localhost", "/"); code != 200 || got != "one" {
		t.Errorf("during the outage the node answers %d %q, want the last version", code, got)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	for {
		code, body := deployAs("three")
		if code == 201 {
			break
		}
		if time.Since(freed) > 90*time.Second {
			t.Fatalf("deploys still fail %v after the space returned: %d %s", time.Since(freed).Round(time.Second), code, body)
		}
	}
	took := time.Since(freed)
	pollBody(t, addr, "hello.localhost", "three")
	return took
}

// TestServeRecoversWhenDiskFrees: `islet serve --data` on a disk that fills and frees again
// needs no restart to take deploys again.
func TestServeRecoversWhenDiskFrees(t *testing.T) {
	disk := tmpfstest.Mount(t, "64m")
	api := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	data := filepath.Join(disk, "data")
	node := start(t, "serve", "--data", data, "--listen", "127.0.0.1:0", "--admin", api)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("node output:\n%s", node.output())
		}
	})
	tok, err := os.ReadFile(filepath.Join(data, "admin-token"))
	if err != nil {
		t.Fatalf("no bootstrap token: %v", err)
	}
	took := diskFullOutage(t, disk, node.addr, api, strings.TrimSpace(string(tok)))
	t.Logf("a deploy succeeded %v after the space returned", took.Round(time.Millisecond))
	node.waitFor(t, "store unavailable: ")
	node.waitFor(t, "store recovered")
}

// TestNATSServerRecoversWhenDiskFrees: the same with the control plane in an `islet nats`
// server whose disk fills, and a node on another disk.
func TestNATSServerRecoversWhenDiskFrees(t *testing.T) {
	disk := tmpfstest.Mount(t, "64m")
	base := t.TempDir()
	secret := filepath.Join(base, "nats-secret")
	write(t, secret, strings.Repeat("cd", 32)+"\n")
	natsAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	ns := startWaiting(t, "clients on", binary, "nats", "--data", filepath.Join(disk, "nats"), "--listen", natsAddr,
		"--nats-secret-file", secret)
	api := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	data := filepath.Join(base, "node")
	node := start(t, "serve", "--data", data, "--nats", "nats://"+natsAddr, "--nats-secret-file", secret,
		"--listen", "127.0.0.1:0", "--admin", api)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("nats output:\n%s\nnode output:\n%s", ns.output(), node.output())
		}
	})
	tok, err := os.ReadFile(filepath.Join(data, "admin-token"))
	if err != nil {
		t.Fatalf("no bootstrap token: %v", err)
	}
	took := diskFullOutage(t, disk, node.addr, api, strings.TrimSpace(string(tok)))
	t.Logf("a deploy succeeded %v after the space returned", took.Round(time.Millisecond))
	ns.waitFor(t, "store unavailable: ")
	ns.waitFor(t, "store recovered")
}
