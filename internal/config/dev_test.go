package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestDev(t *testing.T) {
	dir := fixture(t)
	main := filepath.Join(dir, "workers", "hello", "index.js")
	c, err := Dev(main, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != DefaultListen || c.Dir != filepath.Dir(main) || len(c.Workers) != 1 {
		t.Fatalf("Dev: %+v", c)
	}
	if w := c.Workers[0]; w.Name != "hello" || w.Main != main || w.Vars == nil {
		t.Errorf("Dev worker: %+v", w)
	}
	c, err = Dev(filepath.Join(dir, "other.js"), "named", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if c.Workers[0].Name != "named" || c.Listen != "127.0.0.1:0" {
		t.Errorf("Dev named: %+v", c)
	}
	for _, bad := range []struct{ main, name, listen, want string }{
		{filepath.Join(dir, "nope.js"), "", "", "nope.js"},
		{filepath.Join(dir, "other.js"), "Bad_Name", "", `"Bad_Name"`},
		{filepath.Join(dir, "other.js"), "", "nonsense", "listen"},
	} {
		if _, err := Dev(bad.main, bad.name, bad.listen); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("Dev(%q, %q, %q) error %v; want one containing %q", bad.main, bad.name, bad.listen, err, bad.want)
		}
	}
}

func TestDevName(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/src/my-app/index.js", "my-app"},
		{"/src/My App/main.ts", "my-app"},
		{"/src/app/worker.mjs", "app"},
		{"/src/app/Hello_World.js", "hello-world"},
		{"/src/app/--x--.js", "x"},
		{"/src/app/日本.js", "worker"},
		{"/index.js", "worker"},
		{"/src/app/" + strings.Repeat("ab", 40) + ".js", strings.Repeat("ab", 31) + "a"},
	}
	for _, tt := range tests {
		if got := DevName(filepath.FromSlash(tt.path)); got != tt.want {
			t.Errorf("DevName(%q) = %q; want %q", tt.path, got, tt.want)
		}
	}
}
