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
