// Package deploy is the deployment schema: what a deploy upload holds (modules plus metadata),
// how it is parsed from multipart/form-data, and the checks every upload passes before the
// control plane stores it. It is pure Go: checks that need V8 (compiling and starting the
// worker) are the admin API's Validator.
package deploy

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"islet/internal/config"
	"islet/internal/gateway"
	"islet/internal/limits"
)

// Limits on what one upload may hold.
const (
	// MaxBundleBytes is the total size of a version's modules (Workers' 10 MB script limit).
	MaxBundleBytes = 10 << 20
	// MaxUploadBytes bounds a deploy request body (modules plus multipart framing).
	MaxUploadBytes = MaxBundleBytes + 1<<20
	MaxModules     = 1000
	MaxVarsBytes   = 64 << 10
	MaxRoutes      = 100
)

// Metadata is the "metadata" part of a deploy upload, named as in the Cloudflare Workers
// upload API so existing tooling's shape carries over. Unknown fields are refused.
type Metadata struct {
	// MainModule names the ES module whose default export handles events.
	MainModule string `json:"main_module,omitempty"`
	// BodyPart names the part holding a service-worker script (instead of MainModule).
	BodyPart          string         `json:"body_part,omitempty"`
	CompatibilityDate string         `json:"compatibility_date,omitempty"`
	Vars              map[string]any `json:"vars,omitempty"`
	Routes            []string       `json:"routes,omitempty"`
	// Limits are the worker's limits, named as in islet.toml's [worker.limits].
	Limits config.Limits `json:"limits,omitzero"`
	// EgressAllow opens private destinations to the worker's fetch (see islet.toml).
	EgressAllow []string `json:"egress_allow,omitempty"`
	// Message describes the deploy in the version history.
	Message string `json:"message,omitempty"`
	// Bindings are bindings as Cloudflare's upload API lists them. ParseUpload keeps the
	// plain_text and json ones and refuses the rest (bindings.go); EnvBindings gives them with
	// Vars as one list.
	Bindings []Binding `json:"bindings,omitempty"`
	// CompatibilityFlags are refused at parse unless islet implements each (it implements none yet).
	CompatibilityFlags []string `json:"compatibility_flags,omitempty"`
}

// Upload is a parsed deploy: metadata and the modules by path.
type Upload struct {
	Metadata Metadata
	Modules  map[string][]byte
}

// Main is the path of the module or script that runs first.
func (u *Upload) Main() string {
	if u.Metadata.MainModule != "" {
		return u.Metadata.MainModule
	}
	return u.Metadata.BodyPart
}

// Format is "module" or "script".
func (u *Upload) Format() string {
	if u.Metadata.MainModule != "" {
		return "module"
	}
	return "script"
}

// Error is a refusal with an HTTP status and a stable machine-readable code.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf makes an *Error of a code of the Catalogue, sent with the code's status.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Status: code.Status, Code: code.Name, Message: fmt.Sprintf(format, args...)}
}

// ValidateName checks a worker name: a DNS label (it is served at <name>.localhost) of
// lower-case letters, digits and inner hyphens, 1 to 63 bytes.
func ValidateName(name string) error {
	if !utf8.ValidString(name) {
		return Errorf(CodeInvalidName, "the worker name is not valid UTF-8")
	}
	if name == "" || len(name) > 63 {
		return Errorf(CodeInvalidName, "a worker name has 1 to 63 characters, got %d", len(name))
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' && i > 0 && i < len(name)-1
		if !ok {
			return Errorf(CodeInvalidName,
				"worker name %q: use lower-case letters, digits and inner hyphens (it becomes a host name)", name)
		}
	}
	return nil
}

// ValidateModulePath checks a module's path: relative, "/"-separated, no "." or ".." segments,
// valid UTF-8.
func ValidateModulePath(p string) error {
	if !utf8.ValidString(p) || p == "" || len(p) > 512 || strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") ||
		path.Clean(p) != p || p == "." || strings.HasPrefix(p, "../") || p == ".." {
		return Errorf(CodeInvalidModulePath,
			"module path %q: use a relative path such as \"index.js\" or \"lib/util.js\"", p)
	}
	return nil
}

// Validate checks everything about an upload that needs no JavaScript engine.
func (u *Upload) Validate() error {
	m := &u.Metadata
	if (m.MainModule == "") == (m.BodyPart == "") {
		return Errorf(CodeInvalidMetadata, "metadata must name exactly one of main_module (ES modules) and body_part (service-worker script)")
	}
	if len(u.Modules) == 0 {
		return Errorf(CodeNoModules, "the upload has no modules")
	}
	if len(u.Modules) > MaxModules {
		return Errorf(CodeTooManyModules, "%d modules, at most %d", len(u.Modules), MaxModules)
	}
	total := 0
	for p, b := range u.Modules {
		if err := ValidateModulePath(p); err != nil {
			return err
		}
		if !strings.HasSuffix(p, ".wasm") && !utf8.Valid(b) {
			return Errorf(CodeInvalidModule, "module %q is not valid UTF-8 text", p)
		}
		total += len(b)
	}
	if total > MaxBundleBytes {
		return Errorf(CodeBundleTooLarge, "the modules total %d bytes, over the %d-byte limit", total, MaxBundleBytes)
	}
	if _, ok := u.Modules[u.Main()]; !ok {
		return Errorf(CodeMissingMain, "the main module %q is not in the upload", u.Main())
	}
	if m.CompatibilityDate != "" {
		if err := config.CheckCompatibilityDate(m.CompatibilityDate, time.Now()); err != nil {
			return Errorf(CodeInvalidMetadata, "%v", err)
		}
	}
	vb, _ := json.Marshal(m.Vars)
	bb, _ := json.Marshal(m.Bindings)
	if n := len(vb) + len(bb); n > MaxVarsBytes {
		return Errorf(CodeVarsTooLarge, "vars and bindings are %d bytes of JSON, at most %d", n, MaxVarsBytes)
	}
	for k := range m.Vars {
		if k == "" || !utf8.ValidString(k) {
			return Errorf(CodeInvalidMetadata, "a var name is empty or not UTF-8")
		}
	}
	if len(m.Routes) > MaxRoutes {
		return Errorf(CodeInvalidRoute, "%d routes, at most %d", len(m.Routes), MaxRoutes)
	}
	for _, r := range m.Routes {
		if err := gateway.ValidatePattern(r); err != nil {
			return Errorf(CodeInvalidRoute, "%v", err)
		}
	}
	if err := m.Limits.Validate(); err != nil {
		return Errorf(CodeInvalidLimits, "%v", err)
	}
	if _, err := limits.ParseEgressRules(m.EgressAllow); err != nil {
		return Errorf(CodeInvalidEgressAllow, "egress_allow: %v", err)
	}
	return nil
}
