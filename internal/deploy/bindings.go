package deploy

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"islet/internal/config"
)

// Binding is one entry of the metadata's bindings list, as Cloudflare's upload API writes it:
// {"type": "plain_text", "name": "GREETING", "text": "hi"}. Fields other than type, name, text
// and json are kept in Other, so a binding of any type decodes and can be refused by name.
type Binding struct {
	Type  string
	Name  string
	Text  *string
	JSON  json.RawMessage
	Other map[string]json.RawMessage
}

// UnmarshalJSON reads one binding of any type.
func (b *Binding) UnmarshalJSON(data []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	for k, v := range fields {
		var err error
		switch k {
		case "type":
			err = json.Unmarshal(v, &b.Type)
		case "name":
			err = json.Unmarshal(v, &b.Name)
		case "text":
			err = json.Unmarshal(v, &b.Text)
		case "json":
			b.JSON = v
		default:
			if b.Other == nil {
				b.Other = map[string]json.RawMessage{}
			}
			b.Other[k] = v
		}
		if err != nil {
			return fmt.Errorf("binding field %q: %w", k, err)
		}
	}
	return nil
}

// MarshalJSON writes the binding back in the upload API's shape.
func (b Binding) MarshalJSON() ([]byte, error) {
	out := map[string]any{"type": b.Type, "name": b.Name}
	if b.Text != nil {
		out["text"] = *b.Text
	}
	if b.JSON != nil {
		out["json"] = b.JSON
	}
	for k, v := range b.Other {
		out[k] = v
	}
	return json.Marshal(out)
}

// cloudflareTypes maps the upload API's binding types islet does not implement to the wrangler
// key that declares the same thing, whose feature name the refusal uses (config's catalogue).
var cloudflareTypes = map[string]string{
	"kv_namespace": "kv_namespaces", "durable_object_namespace": "durable_objects",
	"queue": "queues", "d1": "d1_databases", "r2_bucket": "r2_buckets", "wasm_module": "wasm_modules",
	"text_blob": "text_blobs", "data_blob": "data_blobs", "analytics_engine": "analytics_engine_datasets",
	"ai": "ai", "browser": "browser", "vectorize": "vectorize", "hyperdrive": "hyperdrive",
	"mtls_certificate": "mtls_certificates", "dispatch_namespace": "dispatch_namespaces",
	"send_email": "send_email", "version_metadata": "version_metadata", "images": "images",
	"secrets_store_secret": "secrets_store_secrets", "workflow": "workflows", "pipelines": "pipelines",
}

// checkBindings checks the metadata's bindings: plain_text and json ones are kept (EnvBindings
// gives them with the vars), and every other binding, and every compatibility flag islet does
// not implement, is refused with one unsupported_binding error that names each.
func (m *Metadata) checkBindings() error {
	var refused []string
	seen := map[string]bool{}
	for name := range m.Vars {
		seen[name] = true
	}
	kept := m.Bindings[:0]
	for _, b := range m.Bindings {
		if b.Name == "" {
			return Errorf(CodeInvalidMetadata, "a binding of type %q has no name", b.Type)
		}
		switch b.Type {
		case BindingPlainText:
			if b.Text == nil {
				return Errorf(CodeInvalidMetadata, "plain_text binding %q has no text", b.Name)
			}
		case BindingJSON:
			if b.JSON == nil || !json.Valid(b.JSON) {
				return Errorf(CodeInvalidMetadata, "json binding %q has no valid json value", b.Name)
			}
		case BindingService:
			target := b.ServiceName()
			if target == "" {
				return Errorf(CodeInvalidMetadata, "service binding %q has no \"service\" naming the worker it calls", b.Name)
			}
			if err := ValidateName(target); err != nil {
				return Errorf(CodeInvalidMetadata, "service binding %q: %s", b.Name, err.(*Error).Message)
			}
			if _, ok := b.Other["entrypoint"]; ok {
				refused = append(refused, fmt.Sprintf("binding %s (service): named entrypoints are not supported", b.Name))
				continue
			}
			if _, ok := b.Other["environment"]; ok {
				refused = append(refused, fmt.Sprintf("binding %s (service): service environments are not supported (bind the worker <name>-<env>)", b.Name))
				continue
			}
			b = Service(b.Name, target)
		case BindingSecretText:
			refused = append(refused, fmt.Sprintf("binding %s (secret_text): secrets are not taken from deploy metadata; set them with `islet secret put`", b.Name))
			continue
		default:
			what := "this binding type is"
			if key, ok := cloudflareTypes[b.Type]; ok {
				what = config.FeatureOfKey(key)
			}
			refused = append(refused, fmt.Sprintf("binding %s (%s): %s not supported", b.Name, b.Type, what))
			continue
		}
		if seen[b.Name] {
			return Errorf(CodeInvalidMetadata, "binding %q is declared twice (in vars and bindings, or twice in bindings)", b.Name)
		}
		seen[b.Name] = true
		if b.Type != BindingService {
			b = Binding{Type: b.Type, Name: b.Name, Text: b.Text, JSON: b.JSON} // fields of other types dropped
		}
		kept = append(kept, b)
	}
	m.Bindings = kept
	for _, f := range m.CompatibilityFlags {
		if !config.CompatibilityFlagSupported(f) {
			refused = append(refused, fmt.Sprintf("compatibility flag %q: islet does not implement it", f))
		}
	}
	if len(refused) > 0 {
		sort.Strings(refused)
		return Errorf(CodeUnsupportedBinding, "the metadata declares what islet does not support: %s", strings.Join(refused, "; "))
	}
	m.CompatibilityFlags = nil
	return nil
}
