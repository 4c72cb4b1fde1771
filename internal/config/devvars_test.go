package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadDevVars(t *testing.T) {
	cases := []struct {
		name      string
		env       string
		files     map[string]string
		noDotEnv  bool
		wantFiles []string
		want      map[string]string
		wantErr   string
	}{
		{name: "neither file", files: nil},
		{name: ".dev.vars", files: map[string]string{".dev.vars": "API_KEY=abc\n# comment\nQUOTED=\"a b\"\n"},
			wantFiles: []string{".dev.vars"}, want: map[string]string{"API_KEY": "abc", "QUOTED": "a b"}},
		{name: ".dev.vars wins over .env", files: map[string]string{".dev.vars": "A=dev", ".env": "A=env"},
			wantFiles: []string{".dev.vars"}, want: map[string]string{"A": "dev"}},
		{name: ".env when no .dev.vars", files: map[string]string{".env": "export B=2"},
			wantFiles: []string{".env"}, want: map[string]string{"B": "2"}},
		{name: ".env turned off", files: map[string]string{".env": "B=2"}, noDotEnv: true},
		{name: "malformed", files: map[string]string{".dev.vars": "A=\"unterminated"}, wantErr: ".dev.vars"},
		{name: ".dev.vars.<env> instead of .dev.vars", env: "staging",
			files:     map[string]string{".dev.vars": "A=top\nB=top", ".dev.vars.staging": "A=staging", ".dev.vars.prod": "A=prod"},
			wantFiles: []string{".dev.vars.staging"}, want: map[string]string{"A": "staging"}},
		{name: ".dev.vars for an env without its own", env: "staging", files: map[string]string{".dev.vars": "A=top"},
			wantFiles: []string{".dev.vars"}, want: map[string]string{"A": "top"}},
		{name: "the top level ignores .dev.vars.<env>", files: map[string]string{".dev.vars.staging": "A=staging"}},
		{name: ".env files merge, later over earlier", env: "staging",
			files: map[string]string{".env": "A=env\nB=env\nC=env\nD=env", ".env.local": "B=local\nC=local\nD=local",
				".env.staging": "C=staging\nD=staging", ".env.staging.local": "D=staging-local", ".env.prod": "A=prod"},
			wantFiles: []string{".env", ".env.local", ".env.staging", ".env.staging.local"},
			want:      map[string]string{"A": "env", "B": "local", "C": "staging", "D": "staging-local"}},
		{name: ".env.local without an env", files: map[string]string{".env.local": "A=local", ".env.staging": "A=staging"},
			wantFiles: []string{".env.local"}, want: map[string]string{"A": "local"}},
		{name: "a malformed .env file", env: "staging", files: map[string]string{".env": "A=1", ".env.staging": "A=\"x"}, wantErr: ".env.staging"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, s := range c.files {
				os.WriteFile(filepath.Join(dir, n), []byte(s), 0o600)
			}
			if c.noDotEnv {
				t.Setenv("CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV", "false")
			}
			d, err := LoadDevVars(dir, c.env)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.wantFiles == nil {
				if d.Files != nil || d.Vars != nil {
					t.Fatalf("got %+v, want nothing", d)
				}
				return
			}
			var wantFiles []string
			for _, f := range c.wantFiles {
				wantFiles = append(wantFiles, filepath.Join(dir, f))
			}
			if !reflect.DeepEqual(d.Files, wantFiles) || !reflect.DeepEqual(d.Vars, c.want) {
				t.Fatalf("got %+v, want %v %v", d, c.wantFiles, c.want)
			}
			w := Worker{Vars: map[string]any{"KEEP": "k"}}
			names := d.Apply(&w)
			if len(names) != len(c.want) || w.Vars["KEEP"] != "k" {
				t.Fatalf("applied %v → %v", names, w.Vars)
			}
			for k, v := range c.want {
				if w.Vars[k] != v {
					t.Fatalf("var %s = %v, want %s", k, w.Vars[k], v)
				}
			}
		})
	}
}
