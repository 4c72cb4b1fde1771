package config

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

// TestCheckWranglerKeys names each refused item as the user declared it.
func TestCheckWranglerKeys(t *testing.T) {
	cases := []struct {
		name, toml string
		want       []string // Where: Reason of each unsupported item, in order
		noEffect   []string
	}{
		{"read keys only", `name = "a"` + "\nmain = \"x.js\"\ncompatibility_date = \"2025-01-01\"\n[vars]\nA = \"1\"", nil, nil},
		{"tooling keys have no effect", "workers_dev = true\naccount_id = \"x\"\n[observability]\nenabled = true\n[placement]\nmode = \"smart\"",
			nil, []string{"account_id", "observability", "placement", "workers_dev"}},
		{"d1", "[[d1_databases]]\nbinding = \"DB\"\ndatabase_name = \"db\"\ndatabase_id = \"1\"",
			[]string{"[[d1_databases]] DB: D1 is not supported"}, nil},
		{"two kv namespaces and a service, which islet reads", "[[kv_namespaces]]\nbinding = \"A\"\nid = \"1\"\n[[kv_namespaces]]\nbinding = \"B\"\nid = \"2\"\n[[services]]\nbinding = \"AUTH\"\nservice = \"auth\"",
			[]string{"[[kv_namespaces]] A: Workers KV is not supported", "[[kv_namespaces]] B: Workers KV is not supported"}, nil},
		{"empty binding list declares nothing", "kv_namespaces = []", nil, nil},
		{"durable objects and queues", "[[durable_objects.bindings]]\nname = \"ROOM\"\nclass_name = \"Room\"\n[[queues.producers]]\nbinding = \"Q\"\nqueue = \"jobs\"\n[[queues.consumers]]\nqueue = \"jobs\"",
			[]string{"[[durable_objects.bindings]] ROOM: Durable Objects are not supported", "[[queues.consumers]] jobs: Queues are not supported", "[[queues.producers]] Q: Queues are not supported"}, nil},
		{"cron triggers", "[triggers]\ncrons = [\"*/5 * * * *\"]",
			[]string{`[triggers] crons "*/5 * * * *": cron triggers are not supported`}, nil},
		{"no crons declares nothing", "[triggers]\ncrons = []", nil, nil},
		{"compatibility flags", `compatibility_flags = ["nodejs_compat"]`,
			[]string{`compatibility_flags "nodejs_compat": islet does not implement this compatibility flag`}, nil},
		{"environments are read by LoadWrangler", "[env.staging]\nname = \"s\"\n[env.production]\nname = \"p\"", nil, nil},
		{"single tables and named maps", "[ai]\nbinding = \"AI\"\n[wasm_modules]\nMOD = \"a.wasm\"",
			[]string{"[ai] AI: Workers AI is not supported", "[wasm_modules] MOD: Wasm module bindings are not supported"}, nil},
		{"assets", "[assets]\ndirectory = \"public\"", []string{"assets: static assets are not supported"}, nil},
		{"unknown key", "frobnicate = 1", []string{"frobnicate: islet does not know this key"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var all map[string]any
			if err := toml.Unmarshal([]byte(c.toml), &all); err != nil {
				t.Fatal(err)
			}
			r := checkWranglerKeys("wrangler.toml", "", all)
			var got []string
			for _, u := range r.Unsupported {
				if u.File != "wrangler.toml" {
					t.Errorf("file %q", u.File)
				}
				got = append(got, u.Where+": "+u.Reason)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("unsupported =\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
			if !reflect.DeepEqual(r.NoEffect, c.noEffect) {
				t.Errorf("no effect = %q, want %q", r.NoEffect, c.noEffect)
			}
			if (r.Refuse(false) == nil) != (len(c.want) == 0) {
				t.Errorf("Refuse(false) = %v", r.Refuse(false))
			}
		})
	}
}

// TestEveryCatalogueRowIsWhole checks that every refusing row names its feature and, where it
// names bindings, the field that names one.
func TestEveryCatalogueRowIsWhole(t *testing.T) {
	for k, row := range wranglerKeys {
		switch row.kind {
		case keyRead, keyNoEffect, keyCompatFlags:
		default:
			if row.what == "" {
				t.Errorf("%s: no feature name", k)
			}
		}
		if (row.kind == keyBindings || row.kind == keyTable) && row.nameField == "" {
			t.Errorf("%s: no name field", k)
		}
		if row.kind == keyNested && len(row.nested) == 0 {
			t.Errorf("%s: no nested arrays", k)
		}
	}
}

// FuzzCheckWranglerKeys feeds any JSON document to the catalogue: values of unexpected types
// (a string where a table of bindings belongs) are reported, never a panic.
func FuzzCheckWranglerKeys(f *testing.F) {
	f.Add(`{"kv_namespaces": [{"binding": "A"}], "queues": {"producers": "x"}, "triggers": {"crons": 3}}`)
	f.Add(`{"env": [], "ai": "x", "compatibility_flags": [1, null], "durable_objects": {"bindings": {"name": 2}}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		var all map[string]any
		if json.Unmarshal([]byte(doc), &all) != nil {
			return
		}
		r := checkWranglerKeys("wrangler.json", "", all)
		for _, u := range r.Unsupported {
			if u.Where == "" || u.Reason == "" {
				t.Fatalf("unnamed item %+v", u)
			}
		}
	})
}
