package sched

import (
	"net/http/httptest"
	"testing"

	"islet/internal/worker"
)

// BenchmarkHelloWorldLimits is BenchmarkHelloWorld with resource-limit enforcement on (the CPU
// watchdog timing every turn; heap, ArrayBuffer and Wasm memory limits; the request body cap)
// and off (NoCPULimit: no watchdog; the memory limits are V8 settings that cost nothing per
// request and stay). Compare the two for what enforcement costs per request:
//
//	go test -run XXX -bench HelloWorldLimits -benchtime 200000x -count 5 ./internal/sched/
func BenchmarkHelloWorldLimits(b *testing.B) {
	for _, c := range []struct {
		name string
		opts Options
	}{
		{"limits=on", Options{}},
		{"limits=off", Options{NoCPULimit: true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := newSchedB(b, c.opts)
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
		})
	}
}
