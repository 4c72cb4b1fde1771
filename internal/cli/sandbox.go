package cli

import (
	"fmt"
	"log/slog"
	"path/filepath"

	"islet/internal/node"
	"islet/internal/sandbox"
)

// enterSandbox confines a runtime process of a supervisor (see package sandbox) once its first
// workers are in place and before it serves: afterwards it can read only the system files it
// needs and the folders of its config file and workers' entry scripts (it reloads them when
// the config changes). Outside a runtime process it does nothing. ISLET_NO_SANDBOX=1 turns it
// off (debugging); ISLET_SANDBOX_SELFTEST=1 logs what the sandbox refuses.
func (f *processFlags) enterSandbox(log *slog.Logger, src node.Source) error {
	if !f.child() {
		return nil
	}
	var readOnly []string
	if fs, ok := src.(*node.FileSource); ok && fs.Path != "" {
		abs, err := filepath.Abs(fs.Path)
		if err != nil {
			return fmt.Errorf("runtime process %d: sandbox: %w", f.index, err)
		}
		readOnly = append(readOnly, filepath.Dir(abs))
		if cfg, err := fs.Load(); err == nil {
			for _, w := range cfg.Workers {
				readOnly = append(readOnly, filepath.Dir(w.Main))
			}
		}
	}
	if _, err := sandbox.Enter(sandbox.Options{ReadOnly: readOnly, Log: log}); err != nil {
		return fmt.Errorf("runtime process %d: %w", f.index, err)
	}
	return nil
}
