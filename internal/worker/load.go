package worker

import (
	"errors"
	"fmt"
	"strings"

	"islet/internal/op"
	"islet/internal/v8"
)

// LoadError is a worker that cannot start: a syntax error, a missing import, an exception at
// the top level, or a main module without a fetch handler. Its message starts with
// file:line:column when V8 knows the place.
type LoadError struct {
	Worker string
	Err    error
}

func (e *LoadError) Error() string {
	msg := e.Err.Error()
	var ve *v8.Error
	if errors.As(e.Err, &ve) && ve.Stack != "" && ve.Kind == v8.Exception {
		msg = ve.Stack
		if ve.Message != "" && !containsLine(ve.Stack, ve.Message) {
			// The message carries the place (file:line:column: SyntaxError: …); keep it and
			// drop the stack's own first line, which repeats the error without the place.
			rest := ""
			if i := strings.IndexByte(ve.Stack, '\n'); i >= 0 {
				rest = ve.Stack[i:]
			}
			msg = ve.Message + rest
		}
	}
	return fmt.Sprintf("worker %q failed to start: %s", e.Worker, displayPath(msg))
}

func (e *LoadError) Unwrap() error { return e.Err }

func containsLine(s, line string) bool {
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		if s[:i] == line {
			return true
		}
		if i == len(s) {
			break
		}
		s = s[i+1:]
	}
	return false
}

// load starts the worker in a fresh isolate (executor only). It leaves the instance ready,
// failed, or loading while a top-level await waits for I/O.
func (inst *Instance) load() {
	inst.state = stateLoading
	inst.iso = inst.deps.NewIsolate(inst.spec.Limits.HeapBytes)
	inst.iso.SetCallbacks(inst.callbacks())
	inst.running.Store(inst.iso)
	if err := inst.startupTurn(inst.evaluate); err != nil {
		inst.loadFailed(err)
		return
	}
	inst.checkLoaded()
}

// evaluate compiles and runs the main file.
func (inst *Instance) evaluate() error {
	spec := inst.spec
	code, ok := spec.Modules[spec.Main]
	if !ok {
		return fmt.Errorf("main module %s is missing", spec.Main)
	}
	env, services, err := inst.envArgs()
	if err != nil {
		return err
	}
	if spec.Format == FormatScript {
		_, err := inst.iso.RunScript(spec.BaseURL+spec.Main, code)
		if err != nil {
			return err
		}
		res, err := inst.iso.CallHost("init", op.Undefined, env, services)
		if err != nil {
			return err
		}
		if res.Str != "" {
			return fmt.Errorf("%s: %s", spec.Main, res.Str)
		}
		inst.state = stateReady
		return nil
	}
	inst.moduleIDs = map[string]int{}
	root, err := inst.compile(spec.Main)
	if err != nil {
		return err
	}
	inst.root = root
	if err := inst.iso.InstantiateModule(root); err != nil {
		return err
	}
	p, err := inst.iso.EvaluateModule(root)
	if err != nil {
		return err
	}
	inst.evalPromise = p
	return nil
}

// compile compiles the module at path and, first, everything it imports.
func (inst *Instance) compile(path string) (int, error) {
	if id, ok := inst.moduleIDs[path]; ok {
		return id, nil
	}
	code, ok := inst.spec.Modules[path]
	if !ok {
		return -1, fmt.Errorf("module %s is not part of the worker", path)
	}
	url := inst.spec.BaseURL + path
	if IsWasm(path) {
		return inst.compileWasm(path, url, code)
	}
	var cache []byte
	if inst.deps.CodeCache != nil {
		cache = inst.deps.CodeCache.Get(code)
	}
	m, err := inst.iso.CompileModule(url, code, cache)
	if err != nil {
		return -1, err
	}
	if len(m.CodeCache) > 0 && inst.deps.CodeCache != nil {
		inst.deps.CodeCache.Put(code, m.CodeCache)
	}
	inst.moduleIDs[path] = m.ID
	for len(inst.modulePaths) <= m.ID {
		inst.modulePaths = append(inst.modulePaths, "")
	}
	inst.modulePaths[m.ID] = path
	for _, r := range m.Requests {
		dep, err := ResolvePath(path, r)
		if err != nil {
			return -1, err
		}
		if _, err := inst.compile(dep); err != nil {
			return -1, err
		}
	}
	return m.ID, nil
}

// IsWasm reports whether a module path names a WebAssembly binary, which a worker imports as a
// WebAssembly.Module (`import mod from "./x.wasm"`).
func IsWasm(path string) bool { return strings.HasSuffix(path, ".wasm") }

// compileWasm compiles an uploaded .wasm file; the host does it at load time, the only way a
// worker gets Wasm code (its JS cannot compile bytes).
func (inst *Instance) compileWasm(path, url, code string) (int, error) {
	id, err := inst.iso.CompileWasmModule(url, code)
	if err != nil {
		if v8.IsKind(err, v8.Exception) {
			return -1, fmt.Errorf("%s is not a valid WebAssembly module: %v", path, err)
		}
		return -1, err
	}
	inst.moduleIDs[path] = id
	for len(inst.modulePaths) <= id {
		inst.modulePaths = append(inst.modulePaths, "")
	}
	inst.modulePaths[id] = path
	return id, nil
}

// resolve answers V8's module resolution from the modules compiled so far.
func (inst *Instance) resolve(referrer int, specifier string) int {
	if referrer < 0 || referrer >= len(inst.modulePaths) {
		return -1
	}
	dep, err := ResolvePath(inst.modulePaths[referrer], specifier)
	if err != nil {
		return -1
	}
	if id, ok := inst.moduleIDs[dep]; ok {
		return id
	}
	return -1
}

// checkLoaded finishes loading once the main module's evaluation promise has settled.
func (inst *Instance) checkLoaded() {
	if inst.state != stateLoading || inst.evalPromise < 0 {
		return
	}
	st, err := inst.iso.PromiseState(inst.evalPromise)
	switch st {
	case v8.Pending:
		if inst.pendingAsync == 0 && len(inst.timers) == 0 {
			inst.loadFailed(errors.New("the main module's top-level await never finished: nothing it waits for is pending"))
		}
		return
	case v8.Rejected:
		inst.loadFailed(err)
		return
	}
	inst.iso.Release(inst.evalPromise)
	inst.evalPromise = -1
	ns := inst.iso.ModuleNamespace(inst.root)
	var res op.Value
	err = inst.startupTurn(func() error {
		env, services, err := inst.envArgs()
		if err != nil {
			return err
		}
		res, err = inst.iso.CallHost("init", ns.Value(), env, services)
		return err
	})
	inst.iso.Release(ns)
	if err == nil && res.Str != "" {
		err = fmt.Errorf("%s: %s", inst.spec.Main, res.Str)
	}
	if err != nil {
		inst.loadFailed(err)
		return
	}
	inst.state = stateReady
	inst.heapBytes.Store(inst.iso.HeapStats().InUse())
	waiting := inst.waiting
	inst.waiting = nil
	for _, r := range waiting {
		inst.dispatch(r)
	}
}

func (inst *Instance) loadFailed(err error) {
	if ve, ok := err.(*v8.Error); ok && ve.Stack != "" {
		remapped := *ve
		remapped.Stack = inst.maps.remap(ve.Stack)
		err = &remapped
	}
	inst.state = stateFailed
	inst.loadErr = &LoadError{Worker: inst.spec.Name, Err: err}
	inst.log.Error(inst.loadErr.Error())
	for _, r := range inst.waiting {
		r.failLoad(inst.loadErr)
	}
	inst.waiting = nil
}

// Check compiles and links a worker's modules in iso without running them, so a syntax error or
// a missing import is found before the worker serves. iso is left with the compiled modules;
// use a scratch isolate.
func Check(spec *Spec, iso *v8.Isolate, cache *CodeCache) error {
	inst := New(spec, Deps{NewIsolate: func(uint64) *v8.Isolate { return iso }, CodeCache: cache})
	inst.iso = iso
	iso.SetCallbacks(inst.callbacks())
	if spec.Format == FormatScript {
		// The binding has no compile-only call for classic scripts; the first load reports their
		// syntax errors.
		return nil
	}
	inst.moduleIDs = map[string]int{}
	root, err := inst.compile(spec.Main)
	if err == nil {
		err = iso.InstantiateModule(root)
	}
	if err != nil {
		return &LoadError{Worker: spec.Name, Err: err}
	}
	return nil
}
