package wpt

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseMeta(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want Meta
	}{
		{"none", "test(() => {});\n", Meta{}},
		{"all keys", "// META: title=URL: constructor\n// META: global=window,worker\n// META: script=/common/subset-tests-by-key.js\n" +
			"// META: script=resources/helper.js\n// META: variant=?include=file\n// META: variant=?exclude=(file|javascript)\n// META: timeout=long\n\ntest(() => {});\n",
			Meta{
				Title:    "URL: constructor",
				Scripts:  []string{"/common/subset-tests-by-key.js", "resources/helper.js"},
				Globals:  []string{"window", "worker"},
				Variants: []string{"?include=file", "?exclude=(file|javascript)"},
				Long:     true,
			}},
		{"spacing and CRLF", "//META:  script=a.js  \r\n//   META: global= dedicatedworker , shadowrealm\r\n",
			Meta{Scripts: []string{"a.js"}, Globals: []string{"dedicatedworker", "shadowrealm"}}},
		{"other comments are skipped", "// Copyright\n// META: script=a.js\n// more\n// META: timeout=long\n",
			Meta{Scripts: []string{"a.js"}, Long: true}},
		{"stops at the first code line", "// META: script=a.js\n'use strict';\n// META: script=b.js\n",
			Meta{Scripts: []string{"a.js"}}},
		{"stops at a blank line", "// META: script=a.js\n\n// META: script=b.js\n", Meta{Scripts: []string{"a.js"}}},
		{"BOM", "\ufeff// META: timeout=long\n", Meta{Long: true}},
		{"timeout other than long", "// META: timeout=short\n", Meta{}},
		{"not META", "// METADATA: script=a.js\n// META script=b.js\n", Meta{}},
		{"empty script ignored", "// META: script=\n", Meta{}},
		{"variant with hash", "// META: variant=#x\n", Meta{Variants: []string{"#x"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseMeta(tc.src); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestRunsInWorker(t *testing.T) {
	tests := []struct {
		globals []string
		want    bool
	}{
		{nil, true},
		{[]string{"window"}, false},
		{[]string{"window", "worker"}, true},
		{[]string{"window", "dedicatedworker"}, true},
		{[]string{"window", "serviceworker"}, true},
		{[]string{"dedicatedworker", "sharedworker"}, true},
		{[]string{"shadowrealm"}, true},
		{[]string{"window", "shadowrealm-in-window"}, true},
		{[]string{"jsshell"}, true},
		{[]string{"dedicatedworker-module"}, true},
		{[]string{"window", "sharedworker"}, true},
		{[]string{"worklet"}, false},
	}
	for _, tc := range tests {
		if got := RunsInWorker(tc.globals); got != tc.want {
			t.Errorf("RunsInWorker(%q) = %v, want %v", tc.globals, got, tc.want)
		}
	}
}

func TestTestURL(t *testing.T) {
	tests := []struct{ rel, variant, want string }{
		{"url/url-constructor.any.js", "", "http://web-platform.test:8000/url/url-constructor.any.js"},
		{"url/url-setters.any.js", "?include=file", "http://web-platform.test:8000/url/url-setters.any.js?include=file"},
		{"WebCryptoAPI/digest/digest.https.any.js", "", "https://web-platform.test:8443/WebCryptoAPI/digest/digest.https.any.js"},
		{"/x/y.any.js", "#frag", "http://web-platform.test:8000/x/y.any.js#frag"},
	}
	for _, tc := range tests {
		if got := TestURL(tc.rel, tc.variant); got != tc.want {
			t.Errorf("TestURL(%q, %q) = %q, want %q", tc.rel, tc.variant, got, tc.want)
		}
	}
}

func TestResolveScript(t *testing.T) {
	base := "http://web-platform.test:8000/fetch/api/request/request-init.any.js?v=1"
	tests := []struct{ script, want, err string }{
		{"/common/utils.js", "common/utils.js", ""},
		{"resources/request-error.js", "fetch/api/request/resources/request-error.js", ""},
		{"../resources/utils.js", "fetch/api/resources/utils.js", ""},
		{"../../../../../../common/utils.js", "common/utils.js", ""},
		{"/resources/WebIDLParser.js", "resources/webidl2/lib/webidl2.js", ""},
		{"/resources/idlharness.js?pipe=x", "resources/idlharness.js", ""},
		{"http://example.com/a.js", "", "not on the test's origin"},
		{"https://web-platform.test:8000/a.js", "", "not on the test's origin"},
	}
	for _, tc := range tests {
		got, err := ResolveScript(base, tc.script)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ResolveScript(%q) = %q, %v; want error %q", tc.script, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ResolveScript(%q) = %q, %v; want %q", tc.script, got, err, tc.want)
		}
	}
}

func TestArea(t *testing.T) {
	tests := []struct{ rel, want string }{
		{"url/url-constructor.any.js", "url"},
		{"encoding/streams/decode-utf8.any.js", "encoding"},
		{"fetch/api/headers/headers-basic.any.js", "fetch/api/headers"},
		{"fetch/api/request/deep/x.any.js", "fetch/api/request"},
		{"fetch/api/idl.any.js", "fetch/api"},
		{"streams/readable-streams/tee.any.js", "streams"},
		{"dom/events/Event-constructors.any.js", "dom/events"},
		{"html/webappapis/timers/negative-settimeout.any.js", "html/webappapis/timers"},
		{"html/webappapis/structured-clone/structured-clone.any.js", "html/webappapis/structured-clone"},
		{"FileAPI/blob/Blob-text.any.js", "FileAPI/blob"},
		{"FileAPI/idlharness.any.js", "FileAPI"},
		{"xhr/formdata/append.any.js", "xhr/formdata"},
		{"WebCryptoAPI/digest/digest.https.any.js", "WebCryptoAPI"},
		{"top.any.js", "."},
	}
	for _, tc := range tests {
		if got := Area(tc.rel); got != tc.want {
			t.Errorf("Area(%q) = %q, want %q", tc.rel, got, tc.want)
		}
	}
	if got := AreaFile("fetch/api/headers"); got != "fetch-api-headers.json" {
		t.Errorf("AreaFile = %q", got)
	}
}

func TestMatchArea(t *testing.T) {
	tests := []struct {
		area   string
		wanted []string
		want   bool
	}{
		{"url", nil, true},
		{"url", []string{"url"}, true},
		{"urlpattern", []string{"url"}, false},
		{"fetch/api/headers", []string{"fetch"}, true},
		{"fetch/api/headers", []string{"fetch/api/"}, true},
		{"fetch/api/headers", []string{"fetch/api/request"}, false},
		{"html/webappapis/atob", []string{"url", "html/webappapis/atob"}, true},
	}
	for _, tc := range tests {
		if got := MatchArea(tc.area, tc.wanted); got != tc.want {
			t.Errorf("MatchArea(%q, %q) = %v, want %v", tc.area, tc.wanted, got, tc.want)
		}
	}
}

func TestCompareAndUpdate(t *testing.T) {
	r := Result{Test: Test{Path: "url/a.any.js"}, Harness: HarnessOK, Subtests: []Subtest{
		{Name: "ok", Status: Pass},
		{Name: "known", Status: Fail},
		{Name: "new", Status: Timeout},
		{Name: "fixed", Status: Pass},
		{Name: "flaky", Status: Pass},
	}}
	exp := Expectations{"url/a.any.js": {"known": "no Blob", "fixed": "no Blob", "flaky": "flaky: timing", "gone": "x"}}
	c := exp.Compare([]Result{r})
	if len(c.UnexpectedFail) != 1 || c.UnexpectedFail[0].Subtest != "new" {
		t.Errorf("unexpected failures %+v", c.UnexpectedFail)
	}
	if len(c.UnexpectedPass) != 1 || c.UnexpectedPass[0].Subtest != "fixed" {
		t.Errorf("unexpected passes %+v", c.UnexpectedPass)
	}
	if len(c.Stale) != 1 || c.Stale[0].Subtest != "gone" {
		t.Errorf("stale %+v", c.Stale)
	}

	dir := t.TempDir()
	if err := writeArea(dir+"/url.json", Expectations{"url/a.any.js": exp["url/a.any.js"], "url/b.any.js": {"x": "y"}}); err != nil {
		t.Fatal(err)
	}
	r.Harness, r.Message = HarnessError, "boom"
	if _, err := Update(dir, []Result{r}, false); err != nil {
		t.Fatal(err)
	}
	got, err := LoadExpectations(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := Expectations{
		"url/a.any.js": {"known": "no Blob", "new": Triage, "flaky": "flaky: timing", HarnessSubtest: Triage},
		"url/b.any.js": {"x": "y"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after Update: %v\nwant %v", got, want)
	}
	if _, err := Update(dir, []Result{r}, true); err != nil {
		t.Fatal(err)
	}
	got, _ = LoadExpectations(dir)
	if _, ok := got["url/b.any.js"]; ok {
		t.Errorf("a complete update kept a run it did not see: %v", got)
	}
}

func TestSubstitute(t *testing.T) {
	in := "{{host}} {{domains[www2]}} {{domains[]}} {{hosts[alt][]}} {{hosts[alt][www2]}} {{hosts[][www]}} " +
		"{{ports[http][0]}} {{ports[http][1]}} {{ports[https][0]}} {{ports[wss][0]}} {{ports[http][7]}} {{GET[x]}}"
	want := "web-platform.test www2.web-platform.test web-platform.test not-web-platform.test www2.not-web-platform.test " +
		"www.web-platform.test 8000 8001 8443 8667 {{ports[http][7]}} {{GET[x]}}"
	if got := Substitute(in); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if !IsSubstituted("common/get-host-info.sub.js") || IsSubstituted("common/utils.js") {
		t.Error("IsSubstituted")
	}
}
