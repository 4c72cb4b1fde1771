// Package golden runs the worker behaviour cases under testdata/: each folder is a worker
// (index.js plus any modules, optional vars.json), a request and the expected response. All
// cases are served by one node, each worker at <folder>.localhost, through a real HTTP listener.
//
// request:  "METHOD /path" then header lines, a blank line, and the body.
// response: "STATUS" then header lines that must be present with these values, a blank line,
//
//	and the exact body, where {{any}} matches any text.
package golden

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"islet/internal/config"
	"islet/internal/node"
)

func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	cfg := &config.Config{}
	for _, d := range dirs {
		abs, _ := filepath.Abs(d)
		w := config.Worker{Name: filepath.Base(d), Main: filepath.Join(abs, "index.js"), Vars: map[string]any{}}
		if b, err := os.ReadFile(filepath.Join(d, "vars.json")); err == nil {
			if err := json.Unmarshal(b, &w.Vars); err != nil {
				t.Fatalf("%s/vars.json: %v", d, err)
			}
		}
		cfg.Workers = append(cfg.Workers, w)
	}
	n, err := node.New(node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if _, err := n.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { n.Serve(ctx, ln); close(served) }()
	defer func() { cancel(); <-served }()
	client := &http.Client{Timeout: 20 * time.Second}
	for _, d := range dirs {
		d := d
		t.Run(filepath.Base(d), func(t *testing.T) {
			req := readRequest(t, d, ln.Addr().String())
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			checkResponse(t, d, resp, string(body))
		})
	}
}

func readRequest(t *testing.T, dir, addr string) *http.Request {
	f, err := os.Open(filepath.Join(dir, "request"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	line, _ := br.ReadString('\n')
	method, path, _ := strings.Cut(strings.TrimSpace(line), " ")
	hdr := http.Header{}
	for {
		l, err := br.ReadString('\n')
		l = strings.TrimRight(l, "\r\n")
		if l == "" || err != nil {
			break
		}
		k, v, _ := strings.Cut(l, ":")
		hdr.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	body, _ := io.ReadAll(br)
	var rd io.Reader
	if len(body) > 0 {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequest(method, "http://"+addr+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = hdr
	req.Host = filepath.Base(dir) + ".localhost"
	return req
}

func checkResponse(t *testing.T, dir string, resp *http.Response, body string) {
	want, err := os.ReadFile(filepath.Join(dir, "response"))
	if err != nil {
		t.Fatal(err)
	}
	head, wantBody, _ := strings.Cut(string(want), "\n\n")
	lines := strings.Split(head, "\n")
	status, _ := strconv.Atoi(strings.TrimSpace(lines[0]))
	if resp.StatusCode != status {
		t.Errorf("status %d, want %d (body %q)", resp.StatusCode, status, body)
	}
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if got := strings.Join(resp.Header.Values(k), ", "); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if !match(wantBody, body) {
		t.Errorf("body:\n%s\nwant:\n%s", body, wantBody)
	}
}

// match compares a body with a pattern in which {{any}} matches any text.
func match(pattern, s string) bool {
	parts := strings.Split(pattern, "{{any}}")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return regexp.MustCompile("(?s)^" + strings.Join(parts, ".*") + "$").MatchString(s)
}
