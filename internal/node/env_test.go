package node

import (
	"testing"

	"islet/internal/control"
	"islet/internal/deploy"
	"islet/internal/feed"
)

// TestSpecOfVersionEnv: a version's bindings and its worker's secrets make the env; a secret
// takes the place of a binding of the same name.
func TestSpecOfVersionEnv(t *testing.T) {
	v := &feed.Version{
		Version: &control.Version{ID: "v1", Main: "index.js", Format: "module",
			Bindings: []deploy.Binding{deploy.PlainText("API_KEY", "from-vars"), deploy.PlainText("MODE", "prod")}},
		Secrets: map[string]string{"API_KEY": "from-secret", "TOKEN": "t"},
	}
	spec, err := specOfVersion("w", v, &control.Bundle{Modules: map[string][]byte{"index.js": []byte("export default {}")}})
	if err != nil {
		t.Fatal(err)
	}
	env, err := deploy.EnvJSON(spec.Env)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"API_KEY":"from-secret","MODE":"prod","TOKEN":"t"}`; string(env) != want {
		t.Fatalf("env %s, want %s", env, want)
	}
	for _, b := range spec.Env {
		if b.Name == "API_KEY" && b.Type != deploy.BindingSecretText {
			t.Errorf("API_KEY is a %s binding", b.Type)
		}
	}
}
