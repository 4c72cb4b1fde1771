package wpt

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"islet/internal/egress"
	"islet/internal/ext/fetch"
	"islet/internal/limits"
	"islet/internal/op"
	"islet/internal/v8"
)

// Test is one run of a test file: its path under the WPT root and a variant.
type Test struct {
	Path    string // slash-separated, under the WPT root: "url/url-constructor.any.js"
	Variant string // "" or the META variant ("?include=file")
	Meta    Meta
}

// ID names the run: the path plus the variant.
func (t Test) ID() string { return t.Path + t.Variant }

// Area is the run's area (see Area).
func (t Test) Area() string { return Area(t.Path) }

// Subtest statuses, as testharness.js names them, and the harness statuses of a file. CRASH is
// the runner's: the isolate ran out of memory or could not be set up.
const (
	Pass               = "PASS"
	Fail               = "FAIL"
	Timeout            = "TIMEOUT"
	NotRun             = "NOTRUN"
	PreconditionFailed = "PRECONDITION_FAILED"

	HarnessOK      = "OK"
	HarnessError   = "ERROR"
	HarnessTimeout = "TIMEOUT"
	HarnessCrash   = "CRASH"
)

// HarnessSubtest is the name under which a file's harness status counts as a subtest when it
// is not OK (a file that throws while loading, times out or crashes).
const HarnessSubtest = "(harness)"

// Subtest is one subtest's result.
type Subtest struct {
	Name    string
	Status  string
	Message string
}

// Result is one test run's result.
type Result struct {
	Test     Test
	Harness  string // OK, ERROR, TIMEOUT, PRECONDITION_FAILED, CRASH
	Message  string // the harness message
	Subtests []Subtest
	Duration time.Duration
	Logs     []string // console output and runner notes, capped
}

// Outcomes lists the subtests with, when the harness status is not OK, a HarnessSubtest entry
// carrying it.
func (r Result) Outcomes() []Subtest {
	out := r.Subtests
	if r.Harness != HarnessOK {
		out = append(append([]Subtest(nil), out...), Subtest{Name: HarnessSubtest, Status: r.Harness, Message: r.Message})
	}
	return out
}

// Passed counts the passing outcomes.
func (r Result) Passed() int {
	n := 0
	for _, s := range r.Outcomes() {
		if s.Status == Pass {
			n++
		}
	}
	return n
}

// Options configure a run.
type Options struct {
	Dir         string        // the WPT root (WPT_DIR)
	Timeout     time.Duration // per file; default 10 s
	LongTimeout time.Duration // per file with timeout=long; default 60 s
	Parallel    int           // files at once; default GOMAXPROCS
	HeapLimit   uint64        // per isolate; default 512 MiB
	// Progress, when set, is called with each result as its file finishes (one at a time).
	Progress func(Result)
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.LongTimeout <= 0 {
		o.LongTimeout = 60 * time.Second
	}
	if o.Parallel <= 0 {
		o.Parallel = runtime.GOMAXPROCS(0)
	}
	if o.HeapLimit == 0 {
		o.HeapLimit = 512 << 20
	}
	return o
}

// Support files, not tests: directories with these names anywhere, and these top-level ones.
var (
	skipDirs    = map[string]bool{"resources": true, "support": true}
	skipTopDirs = map[string]bool{"common": true, "interfaces": true, "tools": true, "docs": true}
)

// Discover lists the test runs under dir: every *.any.js file of the wanted areas (all when none)
// whose globals include a worker-like scope, one run per variant, sorted by ID. filter, when
// not empty, keeps the files whose path contains it.
func Discover(dir string, areas []string, filter string) ([]Test, error) {
	var tests []Test
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p == dir {
				return nil
			}
			top := filepath.Dir(p) == filepath.Clean(dir)
			if skipDirs[d.Name()] || (top && skipTopDirs[d.Name()]) || strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(d.Name(), ".any.js") {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !MatchArea(Area(rel), areas) || (filter != "" && !strings.Contains(rel, filter)) {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		m := ParseMeta(string(src))
		if !RunsInWorker(m.Globals) {
			return nil
		}
		variants := m.Variants
		if len(variants) == 0 {
			variants = []string{""}
		}
		for _, v := range variants {
			tests = append(tests, Test{Path: rel, Variant: v, Meta: m})
		}
		return nil
	})
	sort.Slice(tests, func(i, j int) bool { return tests[i].ID() < tests[j].ID() })
	return tests, err
}

// Run runs the tests, at most opts.Parallel at once, each in a fresh isolate, and returns the
// results in the tests' order.
func Run(opts Options, tests []Test) []Result {
	opts = opts.withDefaults()
	results := make([]Result, len(tests))
	sem := make(chan struct{}, opts.Parallel)
	var wg sync.WaitGroup
	var progress sync.Mutex
	for i, t := range tests {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i] = RunTest(opts, t)
			if opts.Progress != nil {
				progress.Lock()
				opts.Progress(results[i])
				progress.Unlock()
			}
		}()
	}
	wg.Wait()
	return results
}

// graceFor is how long a file may take, after its timeout asked testharness.js to finish,
// before its JavaScript is terminated: half the timeout, at most 5 s.
func graceFor(timeout time.Duration) time.Duration {
	return min(timeout/2, 5*time.Second)
}

const maxLogs = 200

// fileRun is the state of one test run: its isolate and event loop. Ops, console output and
// the rejection callback run on the goroutine that drives the loop; timers and async op
// completions post to the queue from any goroutine.
type fileRun struct {
	dir    string
	iso    *v8.Isolate
	server *wptServer

	fetches fetch.Resources // the run's outbound fetches (fetch.Host)

	mu     sync.Mutex
	queue  []func()
	wake   chan struct{}
	timers map[int]*time.Timer
	closed bool

	partial  []Subtest // from result callbacks
	final    []Subtest // from the completion callback
	done     bool
	harness  string
	message  string
	logs     []string
	failed   bool // a script threw: the remaining scripts and done() are skipped
	crashMsg string
}

func (r *fileRun) post(f func()) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.queue = append(r.queue, f)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *fileRun) log(s string) {
	if len(r.logs) < maxLogs {
		r.logs = append(r.logs, s)
	} else if len(r.logs) == maxLogs {
		r.logs = append(r.logs, "… (more output dropped)")
	}
}

func (r *fileRun) result(s Subtest, final bool) {
	if final {
		r.final = append(r.final, s)
	} else {
		r.partial = append(r.partial, s)
	}
}

func (r *fileRun) complete(status, msg string) {
	if r.done {
		return
	}
	r.done, r.harness, r.message = true, status, msg
}

// ConsoleLog records console output (console.Sink).
func (r *fileRun) ConsoleLog(level int, msg string) {
	r.log(fmt.Sprintf("console[%d]: %s", level, msg))
}

// StartTimer arms a timer (timers.Host).
func (r *fileRun) StartTimer(id int, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	if old, ok := r.timers[id]; ok {
		old.Stop()
	}
	var tm *time.Timer
	tm = time.AfterFunc(d, func() {
		r.post(func() {
			r.mu.Lock()
			cur, ok := r.timers[id]
			if ok && cur == tm {
				delete(r.timers, id)
			}
			r.mu.Unlock()
			if ok && cur == tm {
				r.call("timerFired", op.Int(id))
			}
		})
	})
	r.timers[id] = tm
	return nil
}

// CancelTimer disarms a timer (timers.Host).
func (r *fileRun) CancelTimer(id int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if tm, ok := r.timers[id]; ok {
		tm.Stop()
		delete(r.timers, id)
	}
}

// BeginSubrequest counts an outbound fetch (fetch.Host): runs have no subrequest limit.
func (r *fileRun) BeginSubrequest() (int, error) { return 0, nil }

// FetchResources is the run's table of fetches (fetch.Host).
func (r *fileRun) FetchResources() *fetch.Resources { return &r.fetches }

// EgressPolicy opens the WPT server's loopback address to the run's fetches (fetch.EgressHost).
func (r *fileRun) EgressPolicy() *egress.Policy {
	if r.server == nil {
		return nil
	}
	return egress.For([]limits.EgressRule{{Prefix: netip.PrefixFrom(r.server.addr, 32)}})
}

// call runs rt.host[name](args...) as one turn. A terminated or condemned isolate is noted.
func (r *fileRun) call(name string, args ...op.Value) error {
	v, err := r.iso.CallHost(name, args...)
	if v.Kind == op.KindHandle {
		r.iso.Release(v8.Handle(v.Num))
	}
	r.note(name, err)
	return err
}

func (r *fileRun) note(what string, err error) {
	switch {
	case err == nil:
	case v8.IsKind(err, v8.OutOfMemory):
		if r.crashMsg == "" {
			r.crashMsg = "the isolate ran out of memory"
		}
	case v8.IsKind(err, v8.Terminated):
		r.log(what + ": terminated")
	case v8.IsKind(err, v8.Exception):
		r.log(fmt.Sprintf("%s: uncaught %s", what, err))
	default:
		r.log(fmt.Sprintf("%s: %v", what, err))
	}
}

// runScript runs the file at rel (under the WPT root) as a classic script; an exception it
// throws is reported to testharness.js as an uncaught error.
func (r *fileRun) runScript(rel, url string) {
	if r.failed || r.crashMsg != "" {
		return
	}
	src, err := os.ReadFile(filepath.Join(r.dir, filepath.FromSlash(rel)))
	if err != nil {
		r.failed = true
		msg := fmt.Sprintf("failed to load script %s: %v", url, errors.Unwrap(err))
		r.call("wptError", op.String(msg), op.String(msg))
		return
	}
	code := string(src)
	if IsSubstituted(rel) {
		code = Substitute(code)
	}
	v, err := r.iso.RunScript(url, code)
	if v.Kind == op.KindHandle {
		r.iso.Release(v8.Handle(v.Num))
	}
	if err == nil {
		return
	}
	r.failed = true
	var ve *v8.Error
	if errors.As(err, &ve) && ve.Kind == v8.Exception {
		r.call("wptError", op.String(ve.Message), op.String(ve.Stack))
		return
	}
	r.note(url, err)
}

// RunTest runs one test in a fresh isolate.
func RunTest(opts Options, t Test) Result {
	opts = opts.withDefaults()
	start := time.Now()
	res := runTest(opts, t)
	res.Duration = time.Since(start)
	return res
}

func runTest(opts Options, t Test) Result {
	res := Result{Test: t}
	snap, err := Snapshot()
	if err != nil {
		res.Harness, res.Message = HarnessCrash, fmt.Sprintf("snapshot: %v", err)
		return res
	}
	server, err := startServer(opts.Dir)
	if err != nil {
		res.Harness, res.Message = HarnessCrash, err.Error()
		return res
	}
	r := &fileRun{dir: opts.Dir, server: server, wake: make(chan struct{}, 1), timers: map[int]*time.Timer{}}
	r.iso = v8.NewIsolate(snap, v8.Options{HeapLimit: opts.HeapLimit}, v8.Callbacks{
		Host: r,
		Complete: func(id int, v op.Value, err error) {
			r.post(func() {
				if err != nil {
					var oe *op.Error
					if !errors.As(err, &oe) {
						oe = &op.Error{Class: op.ClassError, Message: err.Error()}
					}
					r.call("opComplete", op.Int(id), op.Bool(false), op.String(oe.Message), op.Int(int(oe.Class)), op.String(oe.Name))
					return
				}
				r.call("opComplete", op.Int(id), op.Bool(true), v)
			})
		},
		UnhandledRejection: func(msg, stack string) {
			r.post(func() { r.call("wptRejection", op.String(msg), op.String(stack)) })
		},
	})

	timeout := opts.Timeout
	if t.Meta.Long {
		timeout = opts.LongTimeout
	}
	grace := graceFor(timeout)
	soft := time.NewTimer(timeout)
	hard := time.NewTimer(timeout + grace)
	// The watchdog stops JavaScript that keeps the loop's goroutine busy past the deadline
	// (an endless loop in a script or a callback); the loop then sees the hard deadline.
	var stopped sync.Mutex
	watchdogDone := false
	watchdog := time.AfterFunc(timeout+grace, func() {
		stopped.Lock()
		defer stopped.Unlock()
		if !watchdogDone {
			r.iso.Terminate()
		}
	})
	defer func() {
		stopped.Lock()
		watchdogDone = true
		stopped.Unlock()
		watchdog.Stop()
		soft.Stop()
		hard.Stop()
		r.mu.Lock()
		r.closed = true
		for _, tm := range r.timers {
			tm.Stop()
		}
		r.timers = nil
		r.queue = nil
		r.mu.Unlock()
		r.fetches.CloseAll()
		r.iso.Dispose()
	}()

	href := TestURL(t.Path, t.Variant)
	origin := originOf(href)
	if err := r.call("wptSetup", op.String(href), op.String(t.Meta.Title)); err != nil {
		res.Harness, res.Message = HarnessCrash, fmt.Sprintf("setup: %v", err)
		return res
	}
	harnessURL := origin + "/resources/testharness.js"
	if _, err := os.Stat(filepath.Join(r.dir, "resources", "testharness.js")); err != nil {
		res.Harness, res.Message = HarnessCrash, fmt.Sprintf("no resources/testharness.js under %s", r.dir)
		return res
	}
	v, err := r.iso.RunScript(harnessURL, mustRead(filepath.Join(r.dir, "resources", "testharness.js")))
	if v.Kind == op.KindHandle {
		r.iso.Release(v8.Handle(v.Num))
	}
	if err == nil {
		err = r.call("wptReporter")
	}
	if err != nil {
		res.Harness, res.Message = HarnessCrash, fmt.Sprintf("testharness.js: %v", err)
		return res
	}
	for _, s := range t.Meta.Scripts {
		rel, err := ResolveScript(href, s)
		if err != nil {
			r.failed = true
			msg := err.Error()
			r.call("wptError", op.String(msg), op.String(msg))
			break
		}
		r.runScript(rel, origin+"/"+rel)
	}
	r.runScript(t.Path, origin+"/"+t.Path)
	if !r.failed && r.crashMsg == "" {
		r.call("wptDone")
	}

	timedOut := false
loop:
	for !r.done && r.crashMsg == "" {
		r.mu.Lock()
		q := r.queue
		r.queue = nil
		r.mu.Unlock()
		if len(q) == 0 {
			select {
			case <-r.wake:
			case <-soft.C:
				if !timedOut {
					timedOut = true
					r.log(fmt.Sprintf("runner: timed out after %v", timeout))
					r.call("wptTimeout")
				}
			case <-hard.C:
				break loop
			}
			continue
		}
		for _, f := range q {
			f()
			if r.done || r.crashMsg != "" {
				break
			}
			select {
			case <-hard.C:
				break loop
			default:
			}
		}
	}
	if !r.done && r.crashMsg == "" {
		// The harness did not finish after timeout(): stop the JavaScript and ask once more, with
		// a watchdog of its own, for the list of subtests.
		r.log("runner: the file did not finish; its JavaScript was terminated")
		last := time.AfterFunc(grace, r.iso.Terminate)
		r.call("wptTimeout")
		last.Stop()
	}

	res.Logs = r.logs
	switch {
	case r.done:
		res.Harness, res.Message, res.Subtests = r.harness, r.message, r.final
		if timedOut && res.Harness == HarnessOK {
			res.Harness = HarnessTimeout
		}
	case r.crashMsg != "":
		res.Harness, res.Message, res.Subtests = HarnessCrash, r.crashMsg, dedupe(r.partial)
	default:
		res.Harness, res.Message, res.Subtests = HarnessTimeout, "the file did not finish and was terminated", dedupe(r.partial)
	}
	if res.Harness == HarnessTimeout {
		if res.Message == "" {
			res.Message = fmt.Sprintf("the file timed out after %v", timeout)
		}
		for i := range res.Subtests {
			if res.Subtests[i].Status == NotRun {
				res.Subtests[i].Status = Timeout
			}
		}
	}
	return res
}

func mustRead(file string) string {
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Sprintf("throw new Error(%q)", err.Error())
	}
	return string(b)
}

// dedupe keeps the last result of each subtest name, in first-seen order.
func dedupe(list []Subtest) []Subtest {
	idx := map[string]int{}
	var out []Subtest
	for _, s := range list {
		if i, ok := idx[s.Name]; ok {
			out[i] = s
			continue
		}
		idx[s.Name] = len(out)
		out = append(out, s)
	}
	return out
}

// originOf returns the scheme and host of an absolute URL.
func originOf(href string) string {
	u, err := url.Parse(href)
	if err != nil {
		return Origin
	}
	return u.Scheme + "://" + u.Host
}
