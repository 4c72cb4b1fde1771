package deploy

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestEnvJSON(t *testing.T) {
	secret := "s3cret"
	cases := []struct {
		name     string
		bindings []Binding
		want     string
		wantErr  string
	}{
		{"none", nil, `{}`, ""},
		{"each type", []Binding{PlainText("A", "a"), {Type: BindingJSON, Name: "B", JSON: json.RawMessage(`[1,{"x":null}]`)},
			{Type: BindingSecretText, Name: "C", Text: &secret}}, `{"A":"a","B":[1,{"x":null}],"C":"s3cret"}`, ""},
		{"text that needs escaping", []Binding{PlainText("Q", "say \"hi\"\n<")}, `{"Q":"say \"hi\"\n\u003c"}`, ""},
		{"plain_text without text", []Binding{{Type: BindingPlainText, Name: "A"}}, "", "binding A (plain_text) has no text"},
		{"invalid json", []Binding{{Type: BindingJSON, Name: "B", JSON: json.RawMessage(`{`)}}, "", "binding B (json) has no valid JSON value"},
		{"a type the runtime lacks", []Binding{{Type: "kv_namespace", Name: "KV"}}, "", `binding KV: islet does not implement bindings of type "kv_namespace"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := EnvJSON(c.bindings)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || string(got) != c.want {
				t.Fatalf("%s, %v; want %s", got, err, c.want)
			}
		})
	}
}

func TestVarBindings(t *testing.T) {
	got, err := VarBindings(map[string]any{"S": "text", "N": int64(3), "M": map[string]any{"k": true}})
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(got)
	if want := `[{"json":{"k":true},"name":"M","type":"json"},{"json":3,"name":"N","type":"json"},{"name":"S","text":"text","type":"plain_text"}]`; string(js) != want {
		t.Errorf("%s\nwant %s", js, want)
	}
	if _, err := VarBindings(map[string]any{"NAN": math.NaN()}); err == nil || !strings.Contains(err.Error(), "var NAN") {
		t.Errorf("NaN var: %v", err)
	}
}

// TestServiceBindingMetadata: a service binding in the upload API's shape is kept with the
// worker it names; one without a service, with a bad name, an entrypoint or an environment is
// refused naming it.
func TestServiceBindingMetadata(t *testing.T) {
	const b = "BOUNDARY"
	parse := func(bindings string) (*Upload, error) {
		body := "--" + b + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n" +
			`{"main_module":"a.js","bindings":[` + bindings + `]}` + "\r\n--" + b + "--\r\n"
		return ParseUpload(strings.NewReader(body), "multipart/form-data; boundary="+b)
	}
	up, err := parse(`{"type":"service","name":"AUTH","service":"auth-worker"}`)
	if err != nil {
		t.Fatal(err)
	}
	env, _ := up.Metadata.EnvBindings()
	if len(env) != 1 || env[0].Type != BindingService || env[0].ServiceName() != "auth-worker" || ServiceBindings(env)[0] != "AUTH" {
		t.Fatalf("env %+v", env)
	}
	if js, err := EnvJSON(env); err != nil || string(js) != "{}" {
		t.Fatalf("a service binding is not a value: %s %v", js, err)
	}
	for _, c := range []struct{ binding, want string }{
		{`{"type":"service","name":"AUTH"}`, `service binding "AUTH" has no "service"`},
		{`{"type":"service","name":"AUTH","service":"Bad Name"}`, `service binding "AUTH": worker name "Bad Name"`},
		{`{"type":"service","name":"AUTH","service":"auth","entrypoint":"Admin"}`, "binding AUTH (service): named entrypoints are not supported"},
		{`{"type":"service","name":"AUTH","service":"auth","environment":"production"}`, "binding AUTH (service): service environments are not supported"},
	} {
		if _, err := parse(c.binding); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.binding, err, c.want)
		}
	}
}
