package v8

import (
	"strconv"
	"strings"
	"testing"

	"islet/internal/op"
)

// TestSnapshotSourcesAreShared checks that a runtime file's text is not copied into each
// isolate's heap: two snapshots differ only by 512 KiB of comment in one file, and isolates made
// from them differ in used heap by far less than that (a copy per isolate would add the whole
// 512 KiB). The shared bytes are not counted as the isolate's external memory either. The file
// still behaves as source: Function.prototype.toString and stack positions read it.
func TestSnapshotSourcesAreShared(t *testing.T) {
	const pad = 512 << 10
	file := func(padding string) SourceFile {
		return SourceFile{Name: "test:shared.js", Code: "(function (rt) { /*" + padding + "*/ globalThis.f = function f() { return new Error('here').stack; }; })"}
	}
	small, err := BuildSnapshot(nil, []SourceFile{file("")})
	if err != nil {
		t.Fatal(err)
	}
	big, err := BuildSnapshot(nil, []SourceFile{file(strings.Repeat(" ", pad))})
	if err != nil {
		t.Fatal(err)
	}
	stats := func(s *Snapshot) (HeapStats, string) {
		iso := NewIsolate(s, Options{HeapLimit: 64 << 20}, Callbacks{})
		defer iso.Dispose()
		v, err := iso.RunScript("check.js", "String(f) + '\\n' + f()")
		if err != nil {
			t.Fatal(err)
		}
		return iso.HeapStats(), v.Str
	}
	hsSmall, outSmall := stats(small)
	hsBig, outBig := stats(big)
	if d := int64(hsBig.UsedHeapSize) - int64(hsSmall.UsedHeapSize); d > pad/8 {
		t.Errorf("the padded snapshot's isolate uses %d bytes more heap; its source was copied into the heap", d)
	}
	if hsBig.ExternalMemory > 64<<10 {
		t.Errorf("external memory %d bytes: the shared source is counted as the isolate's", hsBig.ExternalMemory)
	}
	for _, out := range []string{outSmall, outBig} {
		if !strings.HasPrefix(out, "function f() { return new Error('here').stack; }") || !strings.Contains(out, "at f (test:shared.js:1:") {
			t.Errorf("toString and stack of a function from the snapshot:\n%s", out)
		}
	}
	if !strings.Contains(outBig, "test:shared.js:1:"+strconv.Itoa(len("(function (rt) { /*")+pad+len("*/ globalThis.f = function f() { return ")+1)) {
		t.Errorf("stack position in the padded file is not the source's:\n%s", outBig)
	}
}

// TestNonASCIISourceIsCopied checks the fallback: a runtime file that is not ASCII (V8's
// one-byte strings are Latin-1) is copied into the isolate and reads back as written.
func TestNonASCIISourceIsCopied(t *testing.T) {
	s, err := BuildSnapshot(nil, []SourceFile{{Name: "test:utf8.js", Code: "(function (rt) { globalThis.word = 'café ☕'; })"}})
	if err != nil {
		t.Fatal(err)
	}
	iso := NewIsolate(s, Options{HeapLimit: 64 << 20}, Callbacks{})
	defer iso.Dispose()
	v, err := iso.RunScript("check.js", "word")
	if err != nil {
		t.Fatal(err)
	}
	if v.Kind != op.KindString || v.Str != "café ☕" {
		t.Fatalf("word = %+v", v)
	}
}
