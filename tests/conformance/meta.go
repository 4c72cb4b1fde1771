// Package wpt runs Web-Platform-Tests `.any.js` files inside islet isolates with the
// testharness.js contract, and compares the results with the project's expectation files.
// The WPT files are read from a directory (the WPT_DIR environment variable); they are never
// part of this repository.
package wpt

import (
	"bufio"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
)

// Origin is the origin the tests run at, as the WPT server's default host and port.
const (
	Origin       = "http://web-platform.test:8000"
	SecureOrigin = "https://web-platform.test:8443"
)

// Meta is what a test file's `// META:` lines say.
type Meta struct {
	Title    string
	Scripts  []string // as written: relative to the test file, or absolute from the WPT root
	Globals  []string // empty: the default (window and dedicatedworker)
	Variants []string // "?..." or "#..."; empty: one run without a variant
	Long     bool     // timeout=long
}

var metaLine = regexp.MustCompile(`^//\s*META:\s*(\w*)=(.*)$`)

// ParseMeta reads the `// META: key=value` lines at the top of a test file. Like WPT's own
// reader, it looks at the leading run of `//` comment lines and stops at the first other line.
func ParseMeta(src string) Meta {
	var m Meta
	sc := bufio.NewScanner(strings.NewReader(strings.TrimPrefix(src, "\ufeff")))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if !strings.HasPrefix(line, "//") {
			break
		}
		g := metaLine.FindStringSubmatch(line)
		if g == nil {
			continue
		}
		key, val := g[1], strings.TrimSpace(g[2])
		switch key {
		case "title":
			m.Title = val
		case "script":
			if val != "" {
				m.Scripts = append(m.Scripts, val)
			}
		case "global":
			for _, s := range strings.Split(val, ",") {
				if s = strings.TrimSpace(s); s != "" {
					m.Globals = append(m.Globals, s)
				}
			}
		case "variant":
			m.Variants = append(m.Variants, val)
		case "timeout":
			m.Long = val == "long"
		}
	}
	return m
}

// RunsInWorker reports whether a test with these `global=` values runs in a worker-like scope,
// which is what an islet isolate is. The default (no global= line) includes dedicatedworker.
func RunsInWorker(globals []string) bool {
	if len(globals) == 0 {
		return true
	}
	for _, g := range globals {
		switch {
		case g == "worker", g == "jsshell",
			strings.HasPrefix(g, "dedicatedworker"), strings.HasPrefix(g, "sharedworker"),
			strings.HasPrefix(g, "serviceworker"), strings.HasPrefix(g, "shadowrealm"):
			return true
		}
	}
	return false
}

// TestURL is the URL a test file runs at: `rel` is its path under the WPT root ("url/a.any.js"),
// variant a "?…" or "#…" suffix or "". Files named *.https.* run on the secure origin.
func TestURL(rel, variant string) string {
	origin := Origin
	if strings.Contains(path.Base(rel), ".https.") {
		origin = SecureOrigin
	}
	return origin + "/" + strings.TrimPrefix(rel, "/") + variant
}

// ResolveScript resolves a `script=` value against the test's URL and returns the path of the
// file under the WPT root ("common/utils.js"). Only URLs of the test's origin resolve.
func ResolveScript(testURL, script string) (string, error) {
	base, err := url.Parse(testURL)
	if err != nil {
		return "", err
	}
	ref, err := url.Parse(script)
	if err != nil {
		return "", fmt.Errorf("script %q: %v", script, err)
	}
	u := base.ResolveReference(ref)
	if u.Scheme != base.Scheme || u.Host != base.Host {
		return "", fmt.Errorf("script %q is not on the test's origin", script)
	}
	return FilePath(u.Path), nil
}

// aliases are the WPT server's routes to files at other paths.
var aliases = map[string]string{
	"resources/WebIDLParser.js": "resources/webidl2/lib/webidl2.js",
}

// FilePath maps a URL path of the test origin to a slash-separated path under the WPT root,
// following the WPT server's aliases.
func FilePath(urlPath string) string {
	p := strings.TrimPrefix(path.Clean("/"+urlPath), "/")
	if a, ok := aliases[p]; ok {
		return a
	}
	return p
}

// DefaultAreas are the parts of WPT that test islet's Web APIs (the WPT subset the project
// uses): what the command runs unless told otherwise.
var DefaultAreas = []string{
	"url", "urlpattern", "encoding", "fetch/api", "streams", "WebCryptoAPI", "compression",
	"html/webappapis", "dom/events", "dom/abort", "FileAPI", "xhr/formdata",
}

// areaDepth is how many path components name an area under each top-level directory; other
// directories are one area each.
var areaDepth = map[string]int{
	"fetch":   3, // fetch/api/headers
	"html":    3, // html/webappapis/timers
	"dom":     2, // dom/events
	"FileAPI": 2, // FileAPI/blob
	"xhr":     2, // xhr/formdata
}

// Area maps a test file's path under the WPT root to its area: "url", "fetch/api/headers",
// "html/webappapis/timers", … A file that sits above the area depth belongs to its directory
// ("FileAPI/idlharness.any.js" → "FileAPI").
func Area(rel string) string {
	parts := strings.Split(path.Dir(strings.TrimPrefix(rel, "/")), "/")
	if len(parts) == 0 || parts[0] == "." {
		return "."
	}
	depth := areaDepth[parts[0]]
	if depth == 0 {
		depth = 1
	}
	if len(parts) > depth {
		parts = parts[:depth]
	}
	return strings.Join(parts, "/")
}

// AreaFile is the expectation file name of an area: "fetch/api/headers" → "fetch-api-headers.json".
func AreaFile(area string) string {
	return strings.ReplaceAll(area, "/", "-") + ".json"
}

// MatchArea reports whether a test file's area is one of the wanted ones; a wanted name also
// selects the areas below it ("fetch" selects "fetch/api/headers"). No wanted names selects all.
func MatchArea(area string, wanted []string) bool {
	if len(wanted) == 0 {
		return true
	}
	for _, w := range wanted {
		w = strings.Trim(w, "/")
		if w == area || strings.HasPrefix(area, w+"/") {
			return true
		}
	}
	return false
}

// IsSubstituted reports whether the WPT server fills in `{{…}}` templates in a file: files
// named *.sub.* (such as common/get-host-info.sub.js).
func IsSubstituted(rel string) bool { return strings.Contains(path.Base(rel), ".sub.") }

var template = regexp.MustCompile(`\{\{([^{}]*)\}\}`)

// Substitute fills in the WPT server's `{{…}}` templates the tests use: host, domains[x],
// hosts[alt][x], ports[scheme][i]. Unknown templates are left as they are.
func Substitute(src string) string {
	const host, alt = "web-platform.test", "not-web-platform.test"
	ports := map[string][]string{
		"http": {"8000", "8001"}, "https": {"8443", "8444"}, "ws": {"8666"}, "wss": {"8667"}, "h2": {"9000"},
	}
	sub := func(name, base string) string {
		if name == "" {
			return base
		}
		return name + "." + base
	}
	return template.ReplaceAllStringFunc(src, func(m string) string {
		key := strings.TrimSpace(m[2 : len(m)-2])
		var a, b string
		switch {
		case key == "host":
			return host
		case scan(key, "domains[", &a, nil):
			return sub(a, host)
		case scan(key, "hosts[", &a, &b):
			if a == "alt" {
				return sub(b, alt)
			}
			return sub(b, host)
		case scan(key, "ports[", &a, &b):
			if list, ok := ports[a]; ok {
				for i, p := range list {
					if b == fmt.Sprint(i) {
						return p
					}
				}
			}
		}
		return m
	})
}

// scan matches key against prefix + "a]" or prefix + "a][b]".
func scan(key, prefix string, a, b *string) bool {
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok || !strings.HasSuffix(rest, "]") {
		return false
	}
	rest = strings.TrimSuffix(rest, "]")
	first, second, two := strings.Cut(rest, "][")
	if two != (b != nil) {
		return false
	}
	*a = first
	if b != nil {
		*b = second
	}
	return true
}
