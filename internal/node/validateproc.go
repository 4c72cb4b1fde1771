package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"islet/internal/deploy"
)

// ProcessValidator validates uploads (admin.Validator) in a child process, so a worker whose
// start-up ends its process (a V8 fatal error: "Fatal JavaScript out of memory", "invalid
// size error") costs a refused deploy, never the node that serves every other tenant. The
// child is `Executable validate-upload` (see ServeValidation): it reads one ValidationRequest
// on stdin and writes one ValidationResult on stdout. Each deploy starts a fresh child, so
// nothing one upload did is left for the next.
type ProcessValidator struct {
	// Executable is the islet binary (or the launcher of a dist bundle).
	Executable string
	// Args are extra arguments after "validate-upload" (for example --egress-allow).
	Args []string
	// Limit bounds one validation's wall time, start-up of the child included (default 30 s).
	Limit time.Duration
}

// ValidationRequest is what the validating child reads.
type ValidationRequest struct {
	Name     string            `json:"name"`
	Metadata deploy.Metadata   `json:"metadata"`
	Modules  map[string][]byte `json:"modules"`
	// WaitMs bounds the top level's await.
	WaitMs int `json:"wait_ms"`
}

// ValidationResult is what the validating child writes: no error, or the refusal.
type ValidationResult struct {
	Error *deploy.Error `json:"error,omitempty"`
	// Status is the refusal's HTTP status (deploy.Error does not encode it).
	Status int `json:"status,omitempty"`
}

// childCPUSeconds bounds the validating child's CPU time (RLIMIT_CPU): its own start-up plus
// the worker's, which the worker's start-up limit (1 s) bounds far below this.
const childCPUSeconds = 20

// Validate implements admin.Validator.
func (p *ProcessValidator) Validate(ctx context.Context, name string, up *deploy.Upload) error {
	limit := p.Limit
	if limit <= 0 {
		limit = 30 * time.Second
	}
	if d, ok := ctx.Deadline(); ok && time.Until(d) < limit {
		limit = time.Until(d)
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	req, err := json.Marshal(ValidationRequest{Name: name, Metadata: up.Metadata, Modules: up.Modules,
		WaitMs: int(min(5*time.Second, limit/2) / time.Millisecond)})
	if err != nil {
		return fmt.Errorf("validate: encode the upload: %w", err)
	}
	cmd := exec.CommandContext(ctx, p.Executable, append([]string{"validate-upload"}, p.Args...)...)
	cmd.Stdin = bytes.NewReader(req)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &limitedBuffer{b: &stderr, left: 64 << 10}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return deploy.Errorf(deploy.CodeValidationFailed, "start the validating process: %v", err)
	}
	// The limit applies to the child alone, set before it runs the upload's code.
	setCPULimit(cmd.Process.Pid, childCPUSeconds)
	werr := cmd.Wait()
	var res ValidationResult
	if jerr := json.Unmarshal(stdout.Bytes(), &res); werr == nil && jerr == nil {
		if res.Error != nil {
			res.Error.Status = res.Status
			return res.Error
		}
		return nil
	}
	if ctx.Err() != nil {
		return deploy.Errorf(deploy.CodeStartupLimit, "validating the worker took longer than %v", limit)
	}
	return deploy.Errorf(deploy.CodeStartupFatal, "starting the worker ended the process that validated it (%v)%s; nothing was deployed",
		exitDescription(werr), fatalLine(stderr.String()))
}

// fatalLine picks V8's fatal message out of the child's output (": Fatal JavaScript …"), or "".
func fatalLine(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if l := strings.TrimSpace(strings.TrimLeft(line, "# ")); strings.HasPrefix(l, "Fatal") {
			return ": " + l
		}
	}
	return ""
}

func exitDescription(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "signal " + ws.Signal().String()
		}
		return ee.String()
	}
	if err == nil {
		return "no answer"
	}
	return err.Error()
}

// setCPULimit sets RLIMIT_CPU of process pid (prlimit); a failure only loses the bound.
func setCPULimit(pid int, seconds uint64) {
	lim := unix.Rlimit{Cur: seconds, Max: seconds}
	_ = unix.Prlimit(pid, unix.RLIMIT_CPU, &lim, nil)
}

// limitedBuffer keeps the first left bytes written to it and drops the rest.
type limitedBuffer struct {
	b    *bytes.Buffer
	left int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) > l.left {
		p = p[:l.left]
	}
	l.b.Write(p)
	l.left -= len(p)
	return n, nil
}

var _ io.Writer = (*limitedBuffer)(nil)

// ServeValidation is the validating child's side: it reads one ValidationRequest from in,
// validates it as Node.Validate does, and writes the ValidationResult to out.
func ServeValidation(in io.Reader, out io.Writer, opts Options) error {
	var req ValidationRequest
	if err := json.NewDecoder(io.LimitReader(in, deploy.MaxUploadBytes*2)).Decode(&req); err != nil {
		return fmt.Errorf("validate-upload: read the request: %w", err)
	}
	opts.Sched.BlankPool = -1
	opts.Sched.Executors = 1
	n, err := New(opts)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(req.WaitMs)*time.Millisecond+5*time.Second)
	defer cancel()
	var res ValidationResult
	if err := n.Validate(ctx, req.Name, &deploy.Upload{Metadata: req.Metadata, Modules: req.Modules}); err != nil {
		var de *deploy.Error
		if !errors.As(err, &de) {
			de = deploy.Errorf(deploy.CodeValidationFailed, "%v", err)
		}
		res.Error, res.Status = de, de.Status
	}
	return json.NewEncoder(out).Encode(res)
}
