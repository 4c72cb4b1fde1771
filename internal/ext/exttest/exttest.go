// Package exttest runs JavaScript in a real islet isolate built from every runtime extension,
// for the extensions' tests. It drives a small event loop of its own: async op completions and
// timers are delivered in turns, as the worker package does, until the script's result settles.
package exttest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"islet/internal/op"
	"islet/internal/snapshot"
	"islet/internal/v8"
)

// Env is an isolate with its event loop.
type Env struct {
	t   testing.TB
	Iso *v8.Isolate

	mu     sync.Mutex
	queue  []func()
	wake   chan struct{}
	timers map[int]*time.Timer
	// Logs collects console output as "level: text" lines.
	Logs []string
}

// New makes an Env; the isolate is disposed when the test ends.
func New(t testing.TB) *Env {
	t.Helper()
	snap, err := snapshot.Get()
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	e := &Env{t: t, wake: make(chan struct{}, 1), timers: map[int]*time.Timer{}}
	e.Iso = v8.NewIsolate(snap, v8.Options{HeapLimit: 256 << 20}, v8.Callbacks{
		Host: e,
		Complete: func(id int, v op.Value, err error) {
			e.post(func() {
				if err != nil {
					var oe *op.Error
					if !errors.As(err, &oe) {
						oe = &op.Error{Class: op.ClassError, Message: err.Error()}
					}
					e.Iso.CallHost("opComplete", op.Int(id), op.Bool(false), op.String(oe.Message), op.Int(int(oe.Class)), op.String(oe.Name))
					return
				}
				e.Iso.CallHost("opComplete", op.Int(id), op.Bool(true), v)
			})
		},
		UnhandledRejection: func(m, s string) { e.Logs = append(e.Logs, "unhandled: "+m) },
	})
	t.Cleanup(func() {
		e.mu.Lock()
		for _, tm := range e.timers {
			tm.Stop()
		}
		e.mu.Unlock()
		e.Iso.Dispose()
	})
	return e
}

func (e *Env) post(f func()) {
	e.mu.Lock()
	e.queue = append(e.queue, f)
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// ConsoleLog records console output (console.Sink).
func (e *Env) ConsoleLog(level int, msg string) {
	e.Logs = append(e.Logs, fmt.Sprintf("%d: %s", level, msg))
}

// StartTimer arms a timer (timers.Host).
func (e *Env) StartTimer(id int, d time.Duration) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if old, ok := e.timers[id]; ok {
		old.Stop()
	}
	var tm *time.Timer
	tm = time.AfterFunc(d, func() {
		e.post(func() {
			e.mu.Lock()
			cur, ok := e.timers[id]
			if ok && cur == tm {
				delete(e.timers, id)
			}
			e.mu.Unlock()
			if ok && cur == tm {
				e.Iso.CallHost("timerFired", op.Int(id))
			}
		})
	})
	e.timers[id] = tm
	return nil
}

// CancelTimer disarms a timer (timers.Host).
func (e *Env) CancelTimer(id int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if tm, ok := e.timers[id]; ok {
		tm.Stop()
		delete(e.timers, id)
	}
}

// Eval runs script as a classic script. If its completion value is a promise, Eval runs the
// event loop until it settles (at most 10 s). It returns the result as a string (numbers and
// booleans formatted as JS would), or the JS error.
func (e *Env) Eval(script string) (string, error) {
	v, err := e.Iso.RunScript("test:eval.js", script)
	if err != nil {
		return "", err
	}
	if v.Kind == op.KindHandle {
		h := v8.Handle(v.Num)
		defer e.Iso.Release(h)
		deadline := time.After(10 * time.Second)
		for {
			st, err := e.Iso.PromiseState(h)
			if st == v8.Rejected {
				return "", err
			}
			if st == v8.Fulfilled {
				break
			}
			e.mu.Lock()
			q := e.queue
			e.queue = nil
			e.mu.Unlock()
			if len(q) == 0 {
				select {
				case <-e.wake:
				case <-deadline:
					return "", errors.New("exttest: the promise did not settle within 10s")
				}
			}
			for _, f := range q {
				f()
			}
		}
		v = e.Iso.PromiseResult(h)
		if v.Kind == op.KindHandle {
			e.Iso.Release(v8.Handle(v.Num))
			return "[object Promise]", nil
		}
	}
	return format(v), nil
}

func format(v op.Value) string {
	switch v.Kind {
	case op.KindString:
		return v.Str
	case op.KindBool:
		return fmt.Sprint(v.Num != 0)
	case op.KindNumber:
		return strings.TrimSuffix(fmt.Sprintf("%v", v.Num), ".0")
	case op.KindUndefined:
		return "undefined"
	case op.KindNull:
		return "null"
	}
	return v.String()
}

// Eval is a shortcut: a fresh Env, then Eval. An async script's value is that of the promise,
// so write `(async () => { …; return x })()`.
func Eval(t testing.TB, script string) (string, error) {
	t.Helper()
	return New(t).Eval(script)
}

// Case is one table-test row: a script and its expected result, or the start of the expected
// error message.
type Case struct {
	Name    string
	Script  string
	Want    string
	WantErr string
}

// Run runs table tests, each in a fresh isolate.
func Run(t *testing.T, cases []Case) {
	t.Helper()
	for _, c := range cases {
		name := c.Name
		if name == "" {
			name = c.Script
			if len(name) > 60 {
				name = name[:60]
			}
		}
		t.Run(name, func(t *testing.T) {
			got, err := Eval(t, c.Script)
			if c.WantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.WantErr) {
					t.Fatalf("got %q, %v; want error containing %q", got, err, c.WantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got != c.Want {
				t.Fatalf("got %q, want %q", got, c.Want)
			}
		})
	}
}
