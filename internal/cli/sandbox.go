package cli

import (
	"fmt"
	"log/slog"
	"path/filepath"

	"islet/internal/node"
	"islet/internal/sandbox"
)

// sandboxOptions are the sandbox of a config file's runtime process: it may read the system
// files package sandbox allows and the folders of its config file and workers' entry scripts
// (it reloads them when the config changes).
func (f *processFlags) sandboxOptions(log *slog.Logger, src node.Source) (sandbox.Options, error) {
	var readOnly []string
	if fs, ok := src.(*node.FileSource); ok && fs.Path != "" {
		abs, err := filepath.Abs(fs.Path)
		if err != nil {
			return sandbox.Options{}, fmt.Errorf("runtime process %d: sandbox: %w", f.index, err)
		}
		readOnly = append(readOnly, filepath.Dir(abs))
		if cfg, err := fs.Load(); err == nil {
			for _, w := range cfg.Workers {
				readOnly = append(readOnly, filepath.Dir(w.Main))
			}
		}
	}
	return sandbox.Options{ReadOnly: readOnly, Log: log}, nil
}

// prepareSandbox restricts a config file's runtime process's filesystem before V8 starts its
// threads (sandbox.Prepare), so they are restricted too. Outside a runtime process it does
// nothing.
func (f *processFlags) prepareSandbox(log *slog.Logger, src node.Source) error {
	if !f.child() {
		return nil
	}
	o, err := f.sandboxOptions(log, src)
	if err != nil {
		return err
	}
	if err := sandbox.Prepare(o); err != nil {
		return fmt.Errorf("runtime process %d: %w", f.index, err)
	}
	return nil
}

// enterSandbox confines a config file's runtime process (see package sandbox) once its first
// workers are in place and before it serves (prepareSandbox restricted its filesystem already).
// Outside a runtime process it does nothing. ISLET_NO_SANDBOX=1 turns it off (debugging);
// ISLET_SANDBOX_SELFTEST=1 logs what the sandbox refuses.
func (f *processFlags) enterSandbox(log *slog.Logger, src node.Source) error {
	if !f.child() {
		return nil
	}
	o, err := f.sandboxOptions(log, src)
	if err != nil {
		return err
	}
	if _, err := sandbox.Enter(o); err != nil {
		return fmt.Errorf("runtime process %d: %w", f.index, err)
	}
	return nil
}
