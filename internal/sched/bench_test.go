package sched

import (
	"fmt"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"islet/internal/worker"
)

const helloCode = `export default { fetch() { return new Response("hello world"); } };`

// BenchmarkHelloWorld measures one warm request through the scheduler, without the network.
func BenchmarkHelloWorld(b *testing.B) {
	s := newSchedB(b, Options{})
	s.SetWorkers([]*worker.Spec{spec("w", helloCode)})
	do(s, "w", "/")
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			s.Dispatch(rec, httptest.NewRequest("GET", "http://w.localhost/", nil), "w")
			if rec.Code != 200 {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}

// BenchmarkColdStart measures the first request to a never-requested worker.
func BenchmarkColdStart(b *testing.B) {
	s := newSchedB(b, Options{MemoryBudget: 64 << 20})
	var specs []*worker.Spec
	for i := 0; i < b.N; i++ {
		specs = append(specs, spec(fmt.Sprintf("w%d", i),
			fmt.Sprintf(`export default { fetch() { return new Response("hello from w%d"); } };`, i)))
	}
	s.SetWorkers(specs)
	var n atomic.Int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if code, _ := do(s, specs[i].Name, "/"); code != 200 {
			b.Fatalf("status %d", code)
		}
		n.Add(1)
	}
}

func newSchedB(b *testing.B, opts Options) *Scheduler {
	b.Helper()
	snap, err := snapshotGet()
	if err != nil {
		b.Fatal(err)
	}
	s := New(snap, opts)
	b.Cleanup(s.Close)
	return s
}
