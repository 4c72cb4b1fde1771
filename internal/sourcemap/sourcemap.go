// Package sourcemap reads source maps (revision 3, https://tc39.es/ecma426/) and maps positions
// in generated code back to the original sources, so the stack traces of bundled workers point
// at the user's files.
package sourcemap

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
)

// Map is a parsed source map. It is immutable and safe for concurrent use.
type Map struct {
	sources []string
	lines   [][]segment // by generated line (0-based), sorted by column
}

type segment struct {
	genCol  int
	src     int // -1: no source
	srcLine int
	srcCol  int
}

// Parse reads a source map's JSON. Index maps (with "sections") are not supported.
func Parse(data []byte) (*Map, error) {
	var raw struct {
		Version    int      `json:"version"`
		Sources    []string `json:"sources"`
		SourceRoot string   `json:"sourceRoot"`
		Mappings   string   `json:"mappings"`
		Sections   []any    `json:"sections"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("source map: %w", err)
	}
	if raw.Version != 3 {
		return nil, fmt.Errorf("source map: version %d, want 3", raw.Version)
	}
	if raw.Sections != nil {
		return nil, errors.New("source map: index maps are not supported")
	}
	m := &Map{sources: make([]string, len(raw.Sources))}
	for i, s := range raw.Sources {
		m.sources[i] = raw.SourceRoot + s
	}
	var line []segment
	var genCol, src, srcLine, srcCol int
	fields := make([]int, 0, 5)
	for i := 0; i <= len(raw.Mappings); {
		if i == len(raw.Mappings) || raw.Mappings[i] == ';' {
			m.lines = append(m.lines, line)
			line, genCol = nil, 0
			i++
			if i > len(raw.Mappings) {
				break
			}
			continue
		}
		if raw.Mappings[i] == ',' {
			i++
			continue
		}
		fields = fields[:0]
		for i < len(raw.Mappings) && raw.Mappings[i] != ',' && raw.Mappings[i] != ';' {
			v, n, err := vlq(raw.Mappings[i:])
			if err != nil {
				return nil, fmt.Errorf("source map: mappings at %d: %w", i, err)
			}
			fields = append(fields, v)
			i += n
		}
		switch len(fields) {
		case 1, 4, 5:
		default:
			return nil, fmt.Errorf("source map: a segment of %d fields", len(fields))
		}
		genCol += fields[0]
		seg := segment{genCol: genCol, src: -1}
		if len(fields) >= 4 {
			src += fields[1]
			srcLine += fields[2]
			srcCol += fields[3]
			if src < 0 || src >= len(m.sources) {
				return nil, fmt.Errorf("source map: source index %d out of range", src)
			}
			seg = segment{genCol: genCol, src: src, srcLine: srcLine, srcCol: srcCol}
		}
		line = append(line, seg)
	}
	for _, l := range m.lines {
		sort.SliceStable(l, func(a, b int) bool { return l[a].genCol < l[b].genCol })
	}
	return m, nil
}

const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

var b64Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(b64); i++ {
		t[b64[i]] = int8(i)
	}
	return
}()

// vlq decodes one base64 VLQ value and returns it and the bytes it used.
func vlq(s string) (int, int, error) {
	var v, shift int
	for i := 0; i < len(s); i++ {
		d := b64Index[s[i]]
		if d < 0 {
			return 0, 0, fmt.Errorf("invalid base64 character %q", s[i])
		}
		if shift > 60 {
			return 0, 0, errors.New("VLQ value too long")
		}
		v |= int(d&31) << shift
		shift += 5
		if d&32 == 0 {
			neg := v&1 == 1
			v >>= 1
			if neg {
				v = -v
			}
			return v, i + 1, nil
		}
	}
	return 0, 0, errors.New("truncated VLQ value")
}

// Lookup maps a generated position (1-based line and column, as in stack traces) to the
// original source, 1-based line and column.
func (m *Map) Lookup(line, col int) (source string, srcLine, srcCol int, ok bool) {
	if line < 1 || line > len(m.lines) {
		return "", 0, 0, false
	}
	segs := m.lines[line-1]
	i := sort.Search(len(segs), func(i int) bool { return segs[i].genCol > col-1 }) - 1
	if i < 0 || segs[i].src < 0 {
		return "", 0, 0, false
	}
	s := segs[i]
	return m.sources[s.src], s.srcLine + 1, s.srcCol + 1, true
}

var position = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^\s()]+?):(\d+):(\d+)`)

// RemapStack rewrites every "url:line:column" in a stack trace for which maps returns a map
// (nil: leave it) into the original "source:line:column".
func RemapStack(stack string, maps func(url string) *Map) string {
	return position.ReplaceAllStringFunc(stack, func(m string) string {
		p := position.FindStringSubmatch(m)
		sm := maps(p[1])
		if sm == nil {
			return m
		}
		line, _ := strconv.Atoi(p[2])
		col, _ := strconv.Atoi(p[3])
		src, l, c, ok := sm.Lookup(line, col)
		if !ok {
			return m
		}
		return fmt.Sprintf("%s:%d:%d", src, l, c)
	})
}
