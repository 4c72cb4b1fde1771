package config

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Dev returns the configuration of `islet dev` for one script: a single worker whose Main is
// main (resolved against the working directory, and required to be a regular file), served on
// listen (DefaultListen when ""). An empty name is derived with DevName. Dir is main's
// directory.
func Dev(main, name, listen string) (*Config, error) {
	abs, err := filepath.Abs(main)
	if err != nil {
		return nil, fmt.Errorf("dev: main %q: %w", main, err)
	}
	if name == "" {
		name = DevName(abs)
	}
	if listen == "" {
		listen = DefaultListen
	}
	if err := validateListen(listen); err != nil {
		return nil, fmt.Errorf("dev: %w", err)
	}
	wf := workerFile{Name: name, Main: abs}
	w, err := wf.resolve(filepath.Dir(abs))
	if err != nil {
		return nil, fmt.Errorf("dev: worker %q: %w", name, err)
	}
	return &Config{Listen: listen, Workers: []Worker{w}, Dir: filepath.Dir(abs)}, nil
}

// DevName derives a worker name from a script path: the file's base name without extension, or
// its directory's name when the file is called index, main or worker; lower-cased, with every
// run of other characters than letters and digits turned into one '-', cut to 63 characters.
// It returns "worker" when nothing usable remains.
func DevName(path string) string {
	base := filepath.Base(path)
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	switch strings.ToLower(stem) {
	case "index", "main", "worker", "":
		if abs, err := filepath.Abs(path); err == nil {
			stem = filepath.Base(filepath.Dir(abs))
		}
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(stem) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	name := b.String()
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-")
	}
	if ValidateName(name) != nil {
		return "worker"
	}
	return name
}
