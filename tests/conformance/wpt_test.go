package wpt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// wptDir returns $WPT_DIR or skips the test.
func wptDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("WPT_DIR")
	if dir == "" {
		t.Skip("WPT_DIR is not set")
	}
	if _, err := os.Stat(filepath.Join(dir, "resources", "testharness.js")); err != nil {
		t.Skipf("WPT_DIR has no resources/testharness.js: %v", err)
	}
	return dir
}

// TestAreas runs a few quick areas of the WPT checkout against the committed expectations.
func TestAreas(t *testing.T) {
	dir := wptDir(t)
	tests, err := Discover(dir, []string{"url", "dom/events", "html/webappapis/atob"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(tests) == 0 {
		t.Skip("no url, dom/events or atob tests under WPT_DIR")
	}
	exp, err := LoadExpectations("expectations")
	if err != nil {
		t.Fatal(err)
	}
	results := Run(Options{Dir: dir}, tests)
	c := exp.Compare(results)
	for _, m := range c.UnexpectedFail {
		t.Errorf("unexpected failure: %s :: %s: %s %s", m.ID, m.Subtest, m.Status, m.Message)
	}
	for _, m := range c.UnexpectedPass {
		t.Logf("unexpected pass (update the expectations): %s :: %s", m.ID, m.Subtest)
	}
}

// TestRunnerContract runs made-up test files with the checkout's testharness.js: results,
// variants and location, META scripts, the test fetch, a throwing script, a file that never
// finishes, an endless loop and an isolate that runs out of memory.
func TestRunnerContract(t *testing.T) {
	wpt := wptDir(t)
	dir := t.TempDir()
	harness, err := os.ReadFile(filepath.Join(wpt, "resources", "testharness.js"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"resources/testharness.js": string(harness),
		"common/helper.js":         "self.helperLoaded = 'yes';\n",
		"area/resources/data.json": `{"a": 1}`,
		"area/pass-fail.any.js": "// META: title=Contract\n// META: script=/common/helper.js\n" +
			"test(() => {}, 'passes');\n" +
			"test(() => { assert_equals(1, 2); }, 'fails');\n" +
			"promise_test(async () => { await new Promise((r) => setTimeout(r, 5)); }, 'async passes');\n" +
			"test(() => { assert_equals(self.helperLoaded, 'yes'); }, 'META script ran');\n" +
			"test(() => { assert_false(GLOBAL.isWindow()); assert_true(GLOBAL.isWorker()); }, 'GLOBAL');\n",
		"area/variant.any.js": "// META: variant=?a=1\n// META: variant=#frag\n" +
			"test(() => { assert_equals(location.href, 'http://web-platform.test:8000/area/variant.any.js' + location.search + location.hash); }, 'location');\n" +
			"test(() => { assert_true(location.search === '?a=1' || location.hash === '#frag'); }, 'variant');\n",
		"area/fetch.any.js": "promise_test(async () => { const r = await fetch('resources/data.json'); assert_equals(r.status, 200);\n" +
			"  assert_equals(r.headers.get('content-type'), 'application/json'); assert_equals((await r.json()).a, 1); }, 'same origin');\n" +
			"promise_test(async (t) => { await promise_rejects_js(t, TypeError, fetch('http://example.com/')); }, 'other origin');\n" +
			"promise_test(async () => { assert_equals((await fetch('/nope.txt')).status, 404); }, 'missing');\n" +
			"promise_test(async (t) => { const c = new AbortController(); const p = fetch('resources/data.json', { signal: c.signal }); c.abort();\n" +
			"  await promise_rejects_dom(t, 'AbortError', p); }, 'abort');\n",
		"area/throws.any.js":         "test(() => {}, 'before');\nthrow new TypeError('boom');\n",
		"area/missing-script.any.js": "// META: script=/common/nope.js\ntest(() => {}, 'never defined');\n",
		"area/hangs.any.js":          "test(() => {}, 'quick');\npromise_test(() => new Promise(() => {}), 'never settles');\npromise_test(async () => {}, 'queued');\n",
		"area/loops.any.js":          "test(() => {}, 'quick');\nasync_test((t) => { setTimeout(() => { for (;;) {} }, 0); }, 'spins');\n",
		"area/top-loop.any.js":       "for (;;) {}\n",
		"area/oom.any.js":            "test(() => { const a = []; for (;;) a.push(new Array(1e6).fill(1.5)); }, 'grows');\n",
		"area/window-only.any.js":    "// META: global=window\ntest(() => {}, 'x');\n",
	}
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests, err := Discover(dir, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	results := Run(Options{Dir: dir, Timeout: 2 * time.Second, HeapLimit: 64 << 20}, tests)
	t.Logf("%d runs in %v", len(results), time.Since(start))
	for _, r := range results {
		t.Logf("%s: %s %q %d/%d %v", r.Test.ID(), r.Harness, r.Message, r.Passed(), len(r.Outcomes()), r.Duration)
	}

	got := map[string]Result{}
	for _, r := range results {
		got[r.Test.ID()] = r
	}
	if _, ok := got["area/window-only.any.js"]; ok {
		t.Error("a window-only test was run")
	}
	status := func(id, sub string) string {
		for _, s := range got[id].Outcomes() {
			if s.Name == sub {
				return s.Status
			}
		}
		return "(missing)"
	}
	want := []struct{ id, sub, status string }{
		{"area/pass-fail.any.js", "passes", Pass},
		{"area/pass-fail.any.js", "fails", Fail},
		{"area/pass-fail.any.js", "async passes", Pass},
		{"area/pass-fail.any.js", "META script ran", Pass},
		{"area/pass-fail.any.js", "GLOBAL", Pass},
		{"area/pass-fail.any.js", HarnessSubtest, "(missing)"},
		{"area/variant.any.js?a=1", "location", Pass},
		{"area/variant.any.js?a=1", "variant", Pass},
		{"area/variant.any.js#frag", "location", Pass},
		{"area/variant.any.js#frag", "variant", Pass},
		{"area/fetch.any.js", "same origin", Pass},
		{"area/fetch.any.js", "other origin", Pass},
		{"area/fetch.any.js", "missing", Pass},
		{"area/fetch.any.js", "abort", Pass},
		{"area/throws.any.js", "before", Pass},
		{"area/throws.any.js", HarnessSubtest, HarnessError},
		{"area/missing-script.any.js", HarnessSubtest, HarnessError},
		{"area/hangs.any.js", "quick", Pass},
		{"area/hangs.any.js", "never settles", Timeout},
		{"area/hangs.any.js", "queued", Timeout},
		{"area/hangs.any.js", HarnessSubtest, HarnessTimeout},
		{"area/loops.any.js", "quick", Pass},
		{"area/loops.any.js", HarnessSubtest, HarnessTimeout},
		{"area/top-loop.any.js", HarnessSubtest, HarnessTimeout},
		{"area/oom.any.js", HarnessSubtest, HarnessCrash},
	}
	for _, w := range want {
		if s := status(w.id, w.sub); s != w.status {
			t.Errorf("%s :: %s: %s, want %s (harness %s: %s; logs %s)", w.id, w.sub, s, w.status,
				got[w.id].Harness, got[w.id].Message, strings.Join(got[w.id].Logs, " | "))
		}
	}
	if r := got["area/pass-fail.any.js"]; r.Passed() != 4 || len(r.Outcomes()) != 5 {
		t.Errorf("pass-fail: %d/%d", r.Passed(), len(r.Outcomes()))
	}
	// Every file ends within its timeout plus the grace period (and some slack).
	for _, r := range results {
		if r.Duration > 2*time.Second+graceFor(2*time.Second)*2+2*time.Second {
			t.Errorf("%s took %v", r.Test.ID(), r.Duration)
		}
	}
}
