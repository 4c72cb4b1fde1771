package limits

import (
	"reflect"
	"strings"
	"testing"
)

// TestTableNamesEachLimitOnce: every field of Declared is one row of Table, under the key its
// TOML and JSON tags use, and every row's default is inside its bounds.
func TestTableNamesEachLimitOnce(t *testing.T) {
	typ := reflect.TypeOf(Declared{})
	if typ.NumField() != len(Table) {
		t.Fatalf("Declared has %d fields, Table %d rows", typ.NumField(), len(Table))
	}
	seen := map[string]bool{}
	for i, l := range Table {
		if seen[l.Key] {
			t.Errorf("%s: two rows", l.Key)
		}
		seen[l.Key] = true
		if l.Default < l.Min || l.Default > l.Max {
			t.Errorf("%s: default %d outside %d to %d", l.Key, l.Default, l.Min, l.Max)
		}
		if l.Bounds == "" || l.EnforcedBy == "" {
			t.Errorf("%s: says not what it bounds or where it is enforced", l.Key)
		}
		// The row's field is the i-th: set it alone and find which field changed.
		var d Declared
		*l.field(&d) = 7
		v := reflect.ValueOf(d)
		for j := 0; j < typ.NumField(); j++ {
			if v.Field(j).Int() != 0 {
				f := typ.Field(j)
				if f.Tag.Get("toml") != l.Key || f.Tag.Get("json") != l.Key {
					t.Errorf("row %d (%s) reads field %s, tagged toml %q json %q", i, l.Key, f.Name, f.Tag.Get("toml"), f.Tag.Get("json"))
				}
			}
		}
		if got, ok := Lookup(l.Key); !ok || got.Key != l.Key {
			t.Errorf("Lookup(%q) = %v, %v", l.Key, got.Key, ok)
		}
	}
}

func TestDeclaredValidateAndValue(t *testing.T) {
	cpu, _ := Lookup("cpu_ms")
	wait, _ := Lookup("wait_until_ms")
	for _, tc := range []struct {
		d       Declared
		wantErr string
	}{
		{Declared{}, ""},
		{Declared{CPUMillis: 1, MemoryMB: 16, Subrequests: 1, RequestBodyMB: 1, WaitUntilMillis: 1, ConsoleKB: 1}, ""},
		{Declared{CPUMillis: 30_000, MemoryMB: 4096, Subrequests: 10_000_000, RequestBodyMB: 500, WaitUntilMillis: 30_000, ConsoleKB: 65536}, ""},
		{Declared{CPUMillis: 30_001}, "limits.cpu_ms: 30001 is outside 1 to 30000 ms"},
		{Declared{MemoryMB: 8}, "limits.memory_mb: 8 is outside 16 to 4096 MiB"},
		{Declared{Subrequests: -1}, "limits.subrequests: -1 is outside 1 to 10000000"},
		{Declared{WaitUntilMillis: 60_000}, "limits.wait_until_ms: 60000 is outside 1 to 30000 ms"},
		{Declared{ConsoleKB: 1 << 20}, "limits.console_kb: 1048576 is outside 1 to 65536 KiB"},
	} {
		err := tc.d.Validate()
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%+v: %v, want %q", tc.d, err, tc.wantErr)
		}
	}
	if v := cpu.Value(Declared{}); v != DefaultCPUMillis {
		t.Errorf("undeclared cpu_ms = %d", v)
	}
	if v := cpu.Value(Declared{CPUMillis: 200}); v != 200 {
		t.Errorf("declared cpu_ms = %d", v)
	}
	if v := wait.Declared(Declared{}); v != 0 {
		t.Errorf("undeclared wait_until_ms declares %d", v)
	}
}
