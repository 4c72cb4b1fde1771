package urlpattern_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"islet/internal/ext/exttest"
)

// wptData is the WPT URLPattern data file, shared between worktrees.
const wptData = "../../../../shared/wpt-data/urlpattern/urlpatterntestdata.json"

// minPass is the number of wptData entries known to pass; the test fails below it.
const minPass = 358

// runner checks every entry the way WPT's urlpatterntests.js does and returns
// "passed/total" followed by the failures, one a line.
const runner = `
(() => {
  const kComponents = ['protocol', 'username', 'password', 'hostname', 'port', 'pathname', 'search', 'hash'];
  const EARLIER = { protocol: [], hostname: ['protocol'], port: ['protocol', 'hostname'], username: [],
    password: [], pathname: ['protocol', 'hostname', 'port'], search: ['protocol', 'hostname', 'port', 'pathname'],
    hash: ['protocol', 'hostname', 'port', 'pathname', 'search'] };
  const fail = (m) => { throw new Error(m); };
  const eq = (a, b, m) => { if (a !== b) fail(m + ': got ' + JSON.stringify(a) + ', want ' + JSON.stringify(b)); };
  const throwsType = (f, m) => {
    try { f(); } catch (e) { if (!(e instanceof TypeError)) fail(m + ': threw ' + e); return; }
    fail(m + ': did not throw');
  };
  function check(entry) {
    if (entry.expected_obj === 'error') {
      throwsType(() => new URLPattern(...entry.pattern), 'constructor');
      return;
    }
    const pattern = new URLPattern(...entry.pattern);
    const eo = entry.expected_obj || {};
    for (const component of kComponents) {
      let expected = eo[component];
      if (expected == undefined) {
        let baseURL = null;
        if (entry.pattern.length > 0 && entry.pattern[0].baseURL) baseURL = new URL(entry.pattern[0].baseURL);
        else if (entry.pattern.length > 1 && typeof entry.pattern[1] === 'string') baseURL = new URL(entry.pattern[1]);
        if (entry.exactly_empty_components && entry.exactly_empty_components.includes(component)) expected = '';
        else if (typeof entry.pattern[0] === 'object' && entry.pattern[0][component]) expected = entry.pattern[0][component];
        else if (typeof entry.pattern[0] === 'object' && EARLIER[component].some((c) => c in entry.pattern[0])) expected = '*';
        else if (baseURL && component !== 'username' && component !== 'password') {
          let v = baseURL[component];
          if (component === 'protocol') v = v.substring(0, v.length - 1);
          else if (component === 'search' || component === 'hash') v = v.substring(1);
          expected = v;
        } else expected = '*';
      }
      eq(pattern[component], expected, 'property ' + component);
    }
    if (entry.expected_match === 'error') {
      throwsType(() => pattern.test(...entry.inputs), 'test()');
      throwsType(() => pattern.exec(...entry.inputs), 'exec()');
      return;
    }
    eq(pattern.test(...entry.inputs), !!entry.expected_match, 'test()');
    const r = pattern.exec(...entry.inputs);
    if (!entry.expected_match || typeof entry.expected_match !== 'object') {
      eq(r, entry.expected_match, 'exec() failed match');
      return;
    }
    const em = entry.expected_match;
    const inputs = em.inputs || entry.inputs;
    eq(r.inputs.length, inputs.length, 'inputs.length');
    for (let i = 0; i < r.inputs.length; i++) {
      if (typeof r.inputs[i] === 'string') { eq(r.inputs[i], inputs[i], 'inputs[' + i + ']'); continue; }
      for (const c of kComponents) eq(r.inputs[i][c], inputs[i][c], 'inputs[' + i + '].' + c);
    }
    for (const c of kComponents) {
      let want = em[c];
      if (!want) {
        want = { input: '', groups: {} };
        if (!entry.exactly_empty_components || !entry.exactly_empty_components.includes(c)) want.groups['0'] = '';
      }
      const got = r[c];
      eq(got.input, want.input, 'exec().' + c + '.input');
      const gk = Object.keys(got.groups), wk = Object.keys(want.groups);
      eq(gk.join(','), wk.join(','), 'exec().' + c + ' group names');
      for (const k of wk) eq(got.groups[k], want.groups[k] === null ? undefined : want.groups[k], 'exec().' + c + '.groups.' + k);
    }
  }
  let passed = 0;
  const failures = [];
  for (const entry of DATA) {
    try { check(entry); passed++; } catch (e) {
      failures.push(JSON.stringify(entry.pattern) + ' ' + JSON.stringify(entry.inputs) + ': ' + e.message);
    }
  }
  return passed + '/' + DATA.length + '\n' + failures.join('\n');
})()
`

func TestWPTData(t *testing.T) {
	data, err := os.ReadFile(wptData)
	if err != nil {
		t.Skipf("no WPT data: %v", err)
	}
	env := exttest.New(t)
	got, err := env.Eval("const DATA = " + string(data) + ";\n" + runner)
	if err != nil {
		t.Fatal(err)
	}
	head, rest, _ := strings.Cut(got, "\n")
	passed, _ := strconv.Atoi(strings.SplitN(head, "/", 2)[0])
	t.Logf("passed %s", head)
	if testing.Verbose() && rest != "" {
		t.Logf("failures:\n%s", rest)
	}
	if passed < minPass {
		t.Fatalf("passed %s, want at least %d; failures:\n%s", head, minPass, rest)
	}
}

func TestBasics(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Script: `new URLPattern({pathname: '/books/:id'}).exec('https://example.com/books/123').pathname.groups.id`, Want: "123"},
		{Script: `new URLPattern('https://example.com/:a*').test('https://example.com/x/y')`, Want: "true"},
		{Script: `new URLPattern({pathname: '/a/(\\d+)'}).hasRegExpGroups`, Want: "true"},
		{Script: `new URLPattern({pathname: '/FOO'}, {ignoreCase: true}).test({pathname: '/foo'})`, Want: "true"},
		{Script: `new URLPattern({pathname: '(('})`, WantErr: "TypeError"},
		{Script: `new URLPattern('/foo')`, WantErr: "TypeError"},
		{Script: `String(new URLPattern('/foo', 'https://example.com').hostname)`, Want: "example.com"},
		{Script: `new URLPattern({hostname: 'café.com'}).hostname`, Want: "xn--caf-dma.com"},
		{Script: `new URLPattern({pathname: '/:a/:b'}).generate('pathname', {a: 'x y', b: 'z'})`, Want: "/x%20y/z"},
		{Script: `new URLPattern({pathname: '/*'}).generate('pathname', {})`, WantErr: "TypeError"},
		{Script: `URLPattern.compareComponent('pathname', new URLPattern({pathname: '/a/:x'}), new URLPattern({pathname: '/a/*'}))`, Want: "1"},
	})
}
