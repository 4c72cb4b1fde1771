package deploy

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"islet/internal/config"
)

// The binding types a deployment's env may hold today, named as Cloudflare's upload API names
// them. Every other type is refused at deploy (see cloudflareTypes).
const (
	// BindingPlainText is a string (a var of string value; Text).
	BindingPlainText = "plain_text"
	// BindingJSON is any JSON value (a var of another value; JSON).
	BindingJSON = "json"
	// BindingSecretText is a secret, set with `islet secret put` and never part of a stored
	// deployment: the node adds one per secret with its opened value in Text.
	BindingSecretText = "secret_text"
	// BindingService is another worker of the same account, called in process: env.NAME is a
	// Fetcher whose fetch() the other worker answers. Its "service" field names that worker.
	BindingService = "service"
)

// Service returns a service binding: env.name calls the worker named service.
func Service(name, service string) Binding {
	raw, _ := json.Marshal(service)
	return Binding{Type: BindingService, Name: name, Other: map[string]json.RawMessage{"service": raw}}
}

// ServiceName is the worker a service binding calls ("" when b names none).
func (b Binding) ServiceName() string {
	var s string
	if raw, ok := b.Other["service"]; ok {
		json.Unmarshal(raw, &s)
	}
	return s
}

// ServiceBindings are the names of the service bindings among bindings, in order.
func ServiceBindings(bindings []Binding) []string {
	var out []string
	for _, b := range bindings {
		if b.Type == BindingService {
			out = append(out, b.Name)
		}
	}
	return out
}

// VarBindings turns vars (islet.toml's and wrangler's [vars], a deploy's "vars") into bindings:
// a string is plain_text, any other value json. They are sorted by name.
func VarBindings(vars map[string]any) ([]Binding, error) {
	out := make([]Binding, 0, len(vars))
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		if s, ok := vars[name].(string); ok {
			out = append(out, PlainText(name, s))
			continue
		}
		raw, err := json.Marshal(vars[name])
		if err != nil {
			return nil, fmt.Errorf("var %s: the value cannot be given to JavaScript: %w", name, err)
		}
		out = append(out, Binding{Type: BindingJSON, Name: name, JSON: raw})
	}
	return out, nil
}

// ConfigServices turns a configured worker's service bindings into bindings.
func ConfigServices(services []config.Service) []Binding {
	out := make([]Binding, 0, len(services))
	for _, s := range services {
		out = append(out, Service(s.Binding, s.Service))
	}
	return out
}

// ConfigEnv is the env of a configured worker (islet.toml, wrangler): its vars and its service
// bindings, sorted by name.
func ConfigEnv(w config.Worker) ([]Binding, error) {
	m := Metadata{Vars: w.Vars, Bindings: ConfigServices(w.Services)}
	return m.EnvBindings()
}

// PlainText is a plain_text binding.
func PlainText(name, text string) Binding {
	return Binding{Type: BindingPlainText, Name: name, Text: &text}
}

// EnvBindings is the env the metadata declares, as one list sorted by name: its vars and its
// plain_text and json bindings (parse has refused every other type, and names declared twice).
func (m *Metadata) EnvBindings() ([]Binding, error) {
	out, err := VarBindings(m.Vars)
	if err != nil {
		return nil, Errorf(CodeInvalidMetadata, "%v", err)
	}
	out = append(out, m.Bindings...)
	slices.SortStableFunc(out, func(a, b Binding) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out, nil
}

// EnvJSON is the env object these bindings make, as JSON: each value binding's value under its
// name. Service bindings are not values (the runtime makes a Fetcher of each ServiceBindings
// names); a binding of a type the runtime does not implement is an error naming it.
func EnvJSON(bindings []Binding) ([]byte, error) {
	env := make(map[string]json.RawMessage, len(bindings))
	for _, b := range bindings {
		var v json.RawMessage
		switch b.Type {
		case BindingPlainText, BindingSecretText:
			if b.Text == nil {
				return nil, fmt.Errorf("binding %s (%s) has no text", b.Name, b.Type)
			}
			v, _ = json.Marshal(*b.Text)
		case BindingJSON:
			if !json.Valid(b.JSON) {
				return nil, fmt.Errorf("binding %s (json) has no valid JSON value", b.Name)
			}
			v = b.JSON
		case BindingService:
			if b.ServiceName() == "" {
				return nil, fmt.Errorf("service binding %s names no service", b.Name)
			}
			continue
		default:
			return nil, fmt.Errorf("binding %s: islet does not implement bindings of type %q", b.Name, b.Type)
		}
		env[b.Name] = v
	}
	return json.Marshal(env)
}
