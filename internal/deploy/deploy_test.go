package deploy

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"islet/internal/config"
)

func upload(meta Metadata, modules map[string]string) *Upload {
	u := &Upload{Metadata: meta, Modules: map[string][]byte{}}
	for p, s := range modules {
		u.Modules[p] = []byte(s)
	}
	return u
}

func TestValidate(t *testing.T) {
	ok := map[string]string{"index.js": "export default {}"}
	cases := []struct {
		name string
		up   *Upload
		code string // "" means valid
	}{
		{"module", upload(Metadata{MainModule: "index.js"}, ok), ""},
		{"script", upload(Metadata{BodyPart: "index.js"}, ok), ""},
		{"neither main nor body", upload(Metadata{}, ok), "invalid_metadata"},
		{"both", upload(Metadata{MainModule: "index.js", BodyPart: "index.js"}, ok), "invalid_metadata"},
		{"missing main", upload(Metadata{MainModule: "main.js"}, ok), "missing_main"},
		{"no modules", upload(Metadata{MainModule: "index.js"}, nil), "no_modules"},
		{"bad path", upload(Metadata{MainModule: "index.js"}, map[string]string{"index.js": "", "../x.js": ""}), "invalid_module_path"},
		{"bad date", upload(Metadata{MainModule: "index.js", CompatibilityDate: "2024/01/01"}, ok), "invalid_metadata"},
		{"bad route", upload(Metadata{MainModule: "index.js", Routes: []string{"example.com/a*b"}}, ok), "invalid_route"},
		{"good route", upload(Metadata{MainModule: "index.js", Routes: []string{"example.com/*"}}, ok), ""},
		{"cpu too high", upload(Metadata{MainModule: "index.js", Limits: config.Limits{CPUMillis: 30001}}, ok), "invalid_limits"},
		{"memory too low", upload(Metadata{MainModule: "index.js", Limits: config.Limits{MemoryMB: 1}}, ok), "invalid_limits"},
		{"bad egress rule", upload(Metadata{MainModule: "index.js", EgressAllow: []string{"10.0.0.0/99"}}, ok), "invalid_egress_allow"},
		{"good egress rule", upload(Metadata{MainModule: "index.js", EgressAllow: []string{"10.0.0.0/8"}}, ok), ""},
		{"binary js", upload(Metadata{MainModule: "index.js"}, map[string]string{"index.js": "\xff\xfe"}), "invalid_module"},
		{"wasm may be binary", upload(Metadata{MainModule: "index.js"}, map[string]string{"index.js": "", "a.wasm": "\x00asm\xff"}), ""},
		{"too large", upload(Metadata{MainModule: "index.js"}, map[string]string{"index.js": strings.Repeat("x", MaxBundleBytes+1)}), "bundle_too_large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.up.Validate()
			var de *Error
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.code != "" && (!errors.As(err, &de) || de.Code != tc.code):
				t.Fatalf("err = %v, want code %s", err, tc.code)
			}
		})
	}
}

func TestValidateName(t *testing.T) {
	for name, valid := range map[string]bool{
		"hello": true, "a": true, "my-worker-2": true, strings.Repeat("a", 63): true,
		"": false, "-a": false, "a-": false, "Hello": false, "a.b": false, "a_b": false,
		strings.Repeat("a", 64): false, "h\xffllo": false, "héllo": false,
	} {
		if err := ValidateName(name); (err == nil) != valid {
			t.Errorf("ValidateName(%q) = %v, want valid=%v", name, err, valid)
		}
	}
}

func TestUploadRoundTrip(t *testing.T) {
	in := upload(Metadata{MainModule: "src/index.js", Vars: map[string]any{"A": "1"}, Routes: []string{"example.com/*"}},
		map[string]string{"src/index.js": "import './lib.js'; export default {}", "src/lib.js": "//"})
	var buf bytes.Buffer
	ct, err := WriteUpload(&buf, in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := ParseUpload(&buf, ct)
	if err != nil {
		t.Fatal(err)
	}
	if out.Main() != "src/index.js" || string(out.Modules["src/lib.js"]) != "//" || out.Metadata.Vars["A"] != "1" || len(out.Metadata.Routes) != 1 {
		t.Fatalf("round trip = %+v", out)
	}
	if err := out.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestParseUploadRefuses(t *testing.T) {
	const b = "BOUNDARY"
	ct := "multipart/form-data; boundary=" + b
	part := func(name, body string) string {
		return "--" + b + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + body + "\r\n"
	}
	end := "--" + b + "--\r\n"
	cases := []struct{ name, ct, body, code string }{
		{"not multipart", "application/json", "{}", "unsupported_content_type"},
		{"no boundary", "multipart/form-data", "", "unsupported_content_type"},
		{"truncated", ct, part("metadata", "{}")[:20], "malformed_upload"},
		{"no metadata", ct, part("index.js", "x") + end, "invalid_metadata"},
		{"unknown field", ct, part("metadata", `{"main_module":"index.js","bogus":1}`) + end, "invalid_metadata"},
		{"bad json", ct, part("metadata", `{"main_module":`) + end, "invalid_metadata"},
		{"duplicate module", ct, part("metadata", `{}`) + part("a.js", "") + part("a.js", "") + end, "malformed_upload"},
		{"bad module path", ct, part("metadata", `{}`) + part("/etc/passwd", "") + end, "invalid_module_path"},
		{"kv binding", ct, part("metadata", `{"main_module":"a.js","bindings":[{"type":"kv_namespace","name":"KV","namespace_id":"1"}]}`) + end, "unsupported_binding"},
		{"secret in metadata", ct, part("metadata", `{"main_module":"a.js","bindings":[{"type":"secret_text","name":"S","text":"x"}]}`) + end, "unsupported_binding"},
		{"unknown binding type", ct, part("metadata", `{"main_module":"a.js","bindings":[{"type":"teleporter","name":"T"}]}`) + end, "unsupported_binding"},
		{"compatibility flag", ct, part("metadata", `{"main_module":"a.js","compatibility_flags":["nodejs_compat"]}`) + end, "unsupported_binding"},
		{"binding without name", ct, part("metadata", `{"main_module":"a.js","bindings":[{"type":"plain_text","text":"x"}]}`) + end, "invalid_metadata"},
		{"binding twice", ct, part("metadata", `{"main_module":"a.js","vars":{"A":"1"},"bindings":[{"type":"plain_text","name":"A","text":"x"}]}`) + end, "invalid_metadata"},
		{"json binding without json", ct, part("metadata", `{"main_module":"a.js","bindings":[{"type":"json","name":"J"}]}`) + end, "invalid_metadata"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseUpload(strings.NewReader(tc.body), tc.ct)
			var de *Error
			if !errors.As(err, &de) || de.Code != tc.code {
				t.Fatalf("err = %v, want code %s", err, tc.code)
			}
		})
	}
}

// TestMetadataBindings: plain_text and json bindings in Cloudflare's upload shape join the vars
// in the env, sorted by name, and a refusal names every binding islet cannot honour, with its
// type and feature.
func TestMetadataBindings(t *testing.T) {
	const b = "BOUNDARY"
	body := func(meta string) string {
		return "--" + b + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n" + meta + "\r\n--" + b + "--\r\n"
	}
	ct := "multipart/form-data; boundary=" + b
	up, err := ParseUpload(strings.NewReader(body(`{"main_module":"a.js","vars":{"V":"v"},"bindings":[
		{"type":"plain_text","name":"GREETING","text":"hi"},
		{"type":"json","name":"CONF","json":{"n":1,"list":[true]}}]}`)), ct)
	if err != nil {
		t.Fatal(err)
	}
	env, err := up.Metadata.EnvBindings()
	if err != nil {
		t.Fatal(err)
	}
	js, err := EnvJSON(env)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range env {
		names = append(names, b.Type+":"+b.Name)
	}
	if got := strings.Join(names, " "); got != "json:CONF plain_text:GREETING plain_text:V" {
		t.Errorf("env bindings %s", got)
	}
	if string(js) != `{"CONF":{"n":1,"list":[true]},"GREETING":"hi","V":"v"}` {
		t.Errorf("env %s", js)
	}
	_, err = ParseUpload(strings.NewReader(body(`{"main_module":"a.js","vars":{"V":"v"},"bindings":[{"type":"plain_text","name":"V","text":"again"}]}`)), ct)
	if err == nil || !strings.Contains(err.Error(), `binding "V" is declared twice`) {
		t.Errorf("a name in vars and bindings: %v", err)
	}
	_, err = ParseUpload(strings.NewReader(body(`{"main_module":"a.js","bindings":[
		{"type":"kv_namespace","name":"CACHE","namespace_id":"abc"},
		{"type":"durable_object_namespace","name":"ROOM","class_name":"Room"}],"compatibility_flags":["nodejs_compat"]}`)), ct)
	for _, want := range []string{"binding CACHE (kv_namespace): Workers KV is not supported",
		"binding ROOM (durable_object_namespace): Durable Objects are not supported",
		`compatibility flag "nodejs_compat": islet does not implement it`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to say %q", err, want)
		}
	}
}

// FuzzParseUpload checks that any body either parses into an upload whose module paths are
// valid or is refused with an *Error, never a panic.
func FuzzParseUpload(f *testing.F) {
	f.Add("--X\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{\"main_module\":\"a.js\"}\r\n--X\r\nContent-Disposition: form-data; name=\"a.js\"\r\n\r\nexport default {}\r\n--X--\r\n")
	f.Add("--X\r\n\r\n--X--")
	f.Add("")
	f.Fuzz(func(t *testing.T, body string) {
		up, err := ParseUpload(strings.NewReader(body), "multipart/form-data; boundary=X")
		if err != nil {
			var de *Error
			if !errors.As(err, &de) {
				t.Fatalf("error is not a *deploy.Error: %v", err)
			}
			return
		}
		for p := range up.Modules {
			if ValidateModulePath(p) != nil {
				t.Fatalf("accepted module path %q", p)
			}
		}
		_ = up.Validate()
	})
}

// TestEveryCloudflareTypeNamesAFeature: each refused binding type points at a wrangler key
// whose feature name config's catalogue holds.
func TestEveryCloudflareTypeNamesAFeature(t *testing.T) {
	for typ, key := range cloudflareTypes {
		if config.FeatureOfKey(key) == "" {
			t.Errorf("%s → %s: no feature in config's catalogue", typ, key)
		}
	}
}
