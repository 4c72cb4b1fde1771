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
		name     string
		files    map[string]string
		noDotEnv bool
		wantFile string
		want     map[string]string
		wantErr  string
	}{
		{name: "neither file", files: nil},
		{name: ".dev.vars", files: map[string]string{".dev.vars": "API_KEY=abc\n# comment\nQUOTED=\"a b\"\n"},
			wantFile: ".dev.vars", want: map[string]string{"API_KEY": "abc", "QUOTED": "a b"}},
		{name: ".dev.vars wins over .env", files: map[string]string{".dev.vars": "A=dev", ".env": "A=env"},
			wantFile: ".dev.vars", want: map[string]string{"A": "dev"}},
		{name: ".env when no .dev.vars", files: map[string]string{".env": "export B=2"},
			wantFile: ".env", want: map[string]string{"B": "2"}},
		{name: ".env turned off", files: map[string]string{".env": "B=2"}, noDotEnv: true},
		{name: "malformed", files: map[string]string{".dev.vars": "A=\"unterminated"}, wantErr: ".dev.vars"},
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
			d, err := LoadDevVars(dir)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.wantFile == "" {
				if d.File != "" || d.Vars != nil {
					t.Fatalf("got %+v, want nothing", d)
				}
				return
			}
			if d.File != filepath.Join(dir, c.wantFile) || !reflect.DeepEqual(d.Vars, c.want) {
				t.Fatalf("got %+v, want %s %v", d, c.wantFile, c.want)
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
