package sched

import (
	"io"
	"net/http/httptest"
	"testing"

	"islet/internal/snapshot"
	"islet/internal/worker"
)

func TestDebugServe(t *testing.T) {
	snap, err := snapshot.Get()
	if err != nil {
		t.Fatal(err)
	}
	s := New(snap, Options{})
	defer s.Close()
	s.SetWorkers([]*worker.Spec{{Name: "a", BaseURL: "file:///a/", Main: "index.js", Modules: map[string]string{
		"index.js": `export default { fetch() { throw new Error("x") } }`}}})
	rec := httptest.NewRecorder()
	s.Dispatch(rec, httptest.NewRequest("GET", "http://a.localhost/", nil), "a")
	b, _ := io.ReadAll(rec.Result().Body)
	t.Logf("%d %s", rec.Code, b)
}
