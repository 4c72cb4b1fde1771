package wpt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Expectations are the subtests expected not to pass: test run ID ("url/a.any.js?variant") →
// subtest name → a one-line reason. A file's harness status counts as the subtest
// HarnessSubtest. A reason that starts with "flaky" accepts a pass too.
type Expectations map[string]map[string]string

// Triage is the reason -update gives a new expected failure.
const Triage = "TODO: triage"

// DefaultExpectationsDir finds tests/conformance/expectations: under the module root above the working
// directory, or else next to this source file.
func DefaultExpectationsDir() string {
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && bytes.HasPrefix(b, []byte("module islet\n")) {
				return filepath.Join(d, "tests", "conformance", "expectations")
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "expectations")
}

// LoadExpectations reads every <area>.json in dir into one map.
func LoadExpectations(dir string) (Expectations, error) {
	out := Expectations{}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		m, err := readArea(f)
		if err != nil {
			return nil, err
		}
		for id, subs := range m {
			out[id] = subs
		}
	}
	return out, nil
}

func readArea(file string) (Expectations, error) {
	m := Expectations{}
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return m, nil
}

// Mismatch is one subtest whose result differs from the expectations.
type Mismatch struct {
	ID, Subtest, Status, Message, Reason string
}

// Comparison lists how results differ from the expectations.
type Comparison struct {
	UnexpectedFail []Mismatch // not passing, not expected to fail
	UnexpectedPass []Mismatch // passing, expected to fail
	Stale          []Mismatch // expected to fail, not seen in the run
}

// Compare compares results with the expectations.
func (e Expectations) Compare(results []Result) Comparison {
	var c Comparison
	for _, r := range results {
		id := r.Test.ID()
		exp := e[id]
		seen := map[string]bool{}
		for _, s := range r.Outcomes() {
			seen[s.Name] = true
			reason, expected := exp[s.Name]
			switch {
			case s.Status != Pass && !expected:
				c.UnexpectedFail = append(c.UnexpectedFail, Mismatch{id, s.Name, s.Status, s.Message, ""})
			case s.Status == Pass && expected && !strings.HasPrefix(strings.ToLower(reason), "flaky"):
				c.UnexpectedPass = append(c.UnexpectedPass, Mismatch{id, s.Name, s.Status, s.Message, reason})
			}
		}
		names := make([]string, 0, len(exp))
		for name := range exp {
			if !seen[name] {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, name := range names {
			c.Stale = append(c.Stale, Mismatch{ID: id, Subtest: name, Reason: exp[name]})
		}
	}
	return c
}

// Update rewrites the expectation files of the areas the results cover: each run's expected
// failures become the subtests that did not pass, keeping the reasons already written and
// giving new ones Triage. When complete is true the results cover their areas entirely, and
// entries of runs not among them are dropped.
func Update(dir string, results []Result, complete bool) ([]string, error) {
	byArea := map[string][]Result{}
	for _, r := range results {
		byArea[r.Test.Area()] = append(byArea[r.Test.Area()], r)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var written []string
	areas := make([]string, 0, len(byArea))
	for a := range byArea {
		areas = append(areas, a)
	}
	sort.Strings(areas)
	for _, area := range areas {
		file := filepath.Join(dir, AreaFile(area))
		old, err := readArea(file)
		if err != nil {
			return written, err
		}
		next := Expectations{}
		if !complete {
			for id, subs := range old {
				next[id] = subs
			}
		}
		for _, r := range byArea[area] {
			id := r.Test.ID()
			delete(next, id)
			subs := map[string]string{}
			for _, s := range r.Outcomes() {
				if s.Status == Pass {
					if reason, ok := old[id][s.Name]; ok && strings.HasPrefix(strings.ToLower(reason), "flaky") {
						subs[s.Name] = reason
					}
					continue
				}
				reason := old[id][s.Name]
				if reason == "" {
					reason = Triage
				}
				subs[s.Name] = reason
			}
			if len(subs) > 0 {
				next[id] = subs
			}
		}
		if err := writeArea(file, next); err != nil {
			return written, err
		}
		written = append(written, file)
	}
	return written, nil
}

func writeArea(file string, m Expectations) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return err
	}
	return os.WriteFile(file, buf.Bytes(), 0o644)
}
