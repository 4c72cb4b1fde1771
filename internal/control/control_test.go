package control

import (
	"context"
	"errors"
	"testing"
	"time"
)

// startStore runs an embedded single-server NATS in a temporary folder and opens the store.
func startStore(t *testing.T) *Store {
	t.Helper()
	ns, err := StartServer(ServerOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	nc, err := Connect(ns, "", "test", "", discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := Open(ctx, nc, Options{Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDeployWatchRollbackDelete(t *testing.T) {
	s := startStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	seen := make(chan map[string]*Worker, 16)
	watchDone := make(chan error, 1)
	go func() {
		watchDone <- s.Watch(ctx, func(m map[string]*Worker) { seen <- m }, func(err error) { t.Error(err) })
	}()
	if first := <-seen; len(first) != 0 {
		t.Fatalf("initial watch = %v, want empty", first)
	}

	deploy := func(src string) *Version {
		t.Helper()
		v, err := s.PutVersion(ctx, Version{Worker: "hello", Account: "acme", Main: "index.js", Format: "module"},
			&Bundle{Modules: map[string][]byte{"index.js": []byte(src)}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Update(ctx, "hello", func(w *Worker) (*Worker, error) {
			if w == nil {
				w = &Worker{Name: "hello", Account: "acme"}
			}
			w.Current = v.ID
			w.Versions = append(w.Versions, VersionRef{ID: v.ID, Created: v.Created})
			return w, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v1 := deploy("export default {fetch(){return new Response('1')}}")
	again, err := s.PutVersion(ctx, Version{Worker: "hello", Account: "acme", Main: "index.js", Format: "module"},
		&Bundle{Modules: map[string][]byte{"index.js": []byte("export default {fetch(){return new Response('1')}}")}})
	if err != nil || again.ID != v1.ID {
		t.Fatalf("same content: version %v (%v), want %s", again, err, v1.ID)
	}
	if got := <-seen; got["hello"] == nil || got["hello"].Current != v1.ID {
		t.Fatalf("watch after deploy = %+v", got["hello"])
	}
	v2 := deploy("export default {fetch(){return new Response('2')}}")
	if v2.ID == v1.ID {
		t.Fatal("different code, same version")
	}
	if got := <-seen; got["hello"].Current != v2.ID {
		t.Fatalf("watch after second deploy: current %s, want %s", got["hello"].Current, v2.ID)
	}
	b, err := s.Bundle(ctx, v2.Bundle)
	if err != nil || string(b.Modules["index.js"]) != "export default {fetch(){return new Response('2')}}" {
		t.Fatalf("bundle = %v, %v", b, err)
	}
	if err := s.Delete(ctx, "hello"); err != nil {
		t.Fatal(err)
	}
	if got := <-seen; len(got) != 0 {
		t.Fatalf("watch after delete = %v", got)
	}
	if _, err := s.Version(ctx, "hello", v1.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("version after delete: %v", err)
	}
	cancel()
	if err := <-watchDone; err != nil {
		t.Fatal(err)
	}
}

func TestTokens(t *testing.T) {
	s := startStore(t)
	ctx := context.Background()
	if has, err := s.HasTokens(ctx); err != nil || has {
		t.Fatalf("HasTokens on a fresh store = %v, %v", has, err)
	}
	tok, err := s.CreateToken(ctx, Token{Account: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := s.Authenticate(ctx, tok)
	if err != nil || rec.Account != "acme" || rec.Admin {
		t.Fatalf("Authenticate = %+v, %v", rec, err)
	}
	if _, err := s.Authenticate(ctx, tok+"x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("wrong token: %v", err)
	}
	if has, _ := s.HasTokens(ctx); !has {
		t.Fatal("HasTokens after create = false")
	}
}

func TestSealer(t *testing.T) {
	key := make([]byte, 32)
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal("w", "API_KEY", "hunter2")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Open("w", "API_KEY", sealed); err != nil || got != "hunter2" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := s.Open("other", "API_KEY", sealed); err == nil {
		t.Fatal("a value sealed for one worker opened for another")
	}
	if _, err := NewSealer(key[:16]); err == nil {
		t.Fatal("16-byte key accepted")
	}
}
