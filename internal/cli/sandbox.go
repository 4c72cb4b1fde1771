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

// enterPlatformSandbox confines a runtime process of a platform supervisor once its listener is
// open and before it serves: it may read its data directory and read and write its node
// cache (process 0 writes it), and otherwise only the system files package sandbox allows. It
// reaches NATS and its workers' outbound fetches over TCP, which the sandbox still allows.
// Outside a runtime process it does nothing.
func (f *processFlags) enterPlatformSandbox(log *slog.Logger, pf platformFlags) error {
	if !f.child() {
		return nil
	}
	opts := sandbox.Options{Log: log}
	if pf.data != "" {
		opts.ReadOnly = append(opts.ReadOnly, pf.data)
		opts.ReadWrite = append(opts.ReadWrite, pf.cache.dirOf(pf.data))
	}
	if _, err := sandbox.Enter(opts); err != nil {
		return fmt.Errorf("runtime process %d: %w", f.index, err)
	}
	return nil
}
