// Command wpt runs the Web-Platform-Tests under $WPT_DIR in islet isolates and compares the
// results with tests/conformance/expectations.
//
//	go run ./tests/conformance/cmd/wpt [-area url,encoding,...] [-run substr] [-update] [-v]
//
// It prints each file's pass count, a table per area, and the subtests whose results differ
// from the expectations; it exits 1 when a subtest fails unexpectedly. -update rewrites the
// expectation files of the areas run instead (new failures get the reason "TODO: triage").
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
	"unicode"

	"islet/internal/v8"
	"islet/tests/conformance"
)

func main() {
	os.Exit(run())
}

func run() int {
	var (
		areas    = flag.String("area", strings.Join(wpt.DefaultAreas, ","), "comma-separated areas to run; a prefix selects the areas below it (fetch, html/webappapis); \"all\" runs every .any.js file")
		filter   = flag.String("run", "", "run only the files whose path contains this")
		update   = flag.Bool("update", false, "rewrite the expectation files of the areas run")
		verbose  = flag.Bool("v", false, "print every file as it finishes, with its failing subtests")
		parallel = flag.Int("j", 0, "files run at once (default GOMAXPROCS)")
		timeout  = flag.Duration("timeout", 10*time.Second, "per-file timeout")
		long     = flag.Duration("long-timeout", 60*time.Second, "per-file timeout for timeout=long")
		dir      = flag.String("wpt", os.Getenv("WPT_DIR"), "the WPT checkout (default $WPT_DIR)")
		expDir   = flag.String("expectations", "", "the expectations directory (default tests/conformance/expectations)")
		jsonOut  = flag.String("json", "", "also write every result to this file as JSON")
		v8Flags  = flag.String("v8-flags", "", "extra V8 flags, space-separated (for experiments: the runtime's defaults are what counts)")
	)
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "wpt: set WPT_DIR (or -wpt) to a WPT checkout")
		return 2
	}
	if *expDir == "" {
		*expDir = wpt.DefaultExpectationsDir()
	}
	var wanted []string
	for _, a := range strings.Split(*areas, ",") {
		if a = strings.TrimSpace(a); a != "" && a != "all" {
			wanted = append(wanted, a)
		}
	}
	tests, err := wpt.Discover(*dir, wanted, *filter)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wpt:", err)
		return 2
	}
	if len(tests) == 0 {
		fmt.Fprintln(os.Stderr, "wpt: no tests found")
		return 2
	}
	exp, err := wpt.LoadExpectations(*expDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wpt:", err)
		return 2
	}
	if *v8Flags != "" {
		v8.Init(append(append([]string(nil), v8.DefaultFlags...), strings.Fields(*v8Flags)...)...)
	}
	if _, err := wpt.Snapshot(); err != nil {
		fmt.Fprintln(os.Stderr, "wpt: snapshot:", err)
		return 2
	}

	start := time.Now()
	opts := wpt.Options{Dir: *dir, Timeout: *timeout, LongTimeout: *long, Parallel: *parallel}
	if *verbose {
		n := 0
		opts.Progress = func(r wpt.Result) {
			n++
			fmt.Printf("[%d/%d] %s\n", n, len(tests), fileLine(r))
			for _, s := range r.Outcomes() {
				if s.Status != wpt.Pass {
					fmt.Printf("    %s %s: %s\n", s.Status, oneLine(s.Name, 200), oneLine(s.Message, 300))
				}
			}
			if r.Harness != wpt.HarnessOK {
				for _, l := range r.Logs {
					fmt.Printf("    log: %s\n", oneLine(l, 300))
				}
			}
		}
	}
	results := wpt.Run(opts, tests)
	elapsed := time.Since(start)

	if *jsonOut != "" {
		b, err := json.MarshalIndent(results, "", " ")
		if err == nil {
			err = os.WriteFile(*jsonOut, b, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "wpt:", err)
			return 2
		}
	}
	if !*verbose {
		for _, r := range results {
			fmt.Println(fileLine(r))
		}
	}
	fmt.Println()
	printTable(results)
	fmt.Printf("\n%d runs in %v\n", len(results), elapsed.Round(100*time.Millisecond))

	if *update {
		files, err := wpt.Update(*expDir, results, *filter == "")
		if err != nil {
			fmt.Fprintln(os.Stderr, "wpt:", err)
			return 2
		}
		fmt.Printf("updated %d expectation files in %s\n", len(files), *expDir)
		return 0
	}

	c := exp.Compare(results)
	if len(c.UnexpectedPass) > 0 {
		fmt.Printf("\nunexpected passes (%d): remove them from the expectations\n", len(c.UnexpectedPass))
		for _, m := range c.UnexpectedPass {
			fmt.Printf("  %s :: %s (expected: %s)\n", m.ID, oneLine(m.Subtest, 200), m.Reason)
		}
	}
	if *verbose && len(c.Stale) > 0 {
		fmt.Printf("\nexpected failures not seen (%d)\n", len(c.Stale))
		for _, m := range c.Stale {
			fmt.Printf("  %s :: %s\n", m.ID, oneLine(m.Subtest, 200))
		}
	}
	if len(c.UnexpectedFail) > 0 {
		fmt.Printf("\nunexpected failures (%d)\n", len(c.UnexpectedFail))
		for _, m := range c.UnexpectedFail {
			fmt.Printf("  %s :: %s: %s %s\n", m.ID, oneLine(m.Subtest, 200), m.Status, oneLine(m.Message, 300))
		}
		return 1
	}
	fmt.Printf("\nno unexpected failures (%d unexpected passes)\n", len(c.UnexpectedPass))
	return 0
}

func fileLine(r wpt.Result) string {
	h := ""
	if r.Harness != wpt.HarnessOK {
		h = " [" + r.Harness + ": " + oneLine(r.Message, 120) + "]"
	}
	return fmt.Sprintf("%5d/%-5d %s (%v)%s", r.Passed(), len(r.Outcomes()), r.Test.ID(), r.Duration.Round(time.Millisecond), h)
}

// printTable prints one row per area: its files (variants of a file count once), and its
// subtests passed out of all (a file's harness status counts as one more when it is not OK).
func printTable(results []wpt.Result) {
	type row struct {
		files         map[string]bool
		passed, total int
	}
	rows := map[string]*row{}
	total := row{files: map[string]bool{}}
	for _, r := range results {
		a := r.Test.Area()
		if rows[a] == nil {
			rows[a] = &row{files: map[string]bool{}}
		}
		n, p := len(r.Outcomes()), r.Passed()
		rows[a].files[r.Test.Path] = true
		rows[a].passed += p
		rows[a].total += n
		total.files[r.Test.Path] = true
		total.passed += p
		total.total += n
	}
	names := make([]string, 0, len(rows))
	for a := range rows {
		names = append(names, a)
	}
	sort.Strings(names)
	width := len("total")
	for _, a := range names {
		width = max(width, len(a))
	}
	fmt.Printf("%-*s  %5s  %15s  %6s\n", width, "area", "files", "passed / total", "%")
	line := func(name string, r row) {
		pct := 0.0
		if r.total > 0 {
			pct = 100 * float64(r.passed) / float64(r.total)
		}
		fmt.Printf("%-*s  %5d  %15s  %6.1f\n", width, name, len(r.files), fmt.Sprintf("%d / %d", r.passed, r.total), pct)
	}
	for _, a := range names {
		line(a, *rows[a])
	}
	line("total", total)
}

// oneLine shows s on one line: runs of white space become one space, other control
// characters are escaped, and it is cut after max characters.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}
