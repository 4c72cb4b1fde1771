package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// echoDispatcher answers with the worker's name.
type echoDispatcher struct{}

func (echoDispatcher) Dispatch(w http.ResponseWriter, r *http.Request, worker string) {
	io.WriteString(w, "worker "+worker)
}

func TestGatewayDispatch(t *testing.T) {
	g := New(echoDispatcher{}, nil)
	tab, err := NewTable([]string{"hello", "api"}, []Route{{"example.com/api/*", "api"}})
	if err != nil {
		t.Fatal(err)
	}
	g.SetTable(tab)
	tests := []struct{ url, want string }{
		{"http://hello.localhost:8787/", "worker hello"},
		{"http://example.com/api/x?q=1", "worker api"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest("GET", tt.url, nil))
		if rec.Code != 200 || rec.Body.String() != tt.want {
			t.Errorf("GET %s: %d %q; want 200 %q", tt.url, rec.Code, rec.Body.String(), tt.want)
		}
	}
}

func TestGatewayNoRoute(t *testing.T) {
	g := New(echoDispatcher{}, nil)
	check := func(t *testing.T) {
		t.Helper()
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest("GET", "http://x.test/y", nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("status %d; want 404", rec.Code)
		}
		if got := rec.Header().Get(HeaderError); got != ErrorNoRoute {
			t.Errorf("%s = %q; want %q", HeaderError, got, ErrorNoRoute)
		}
		if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, "text/plain") {
			t.Errorf("Content-Type = %q; want text/plain", got)
		}
		want := `islet: no worker is routed for host "x.test" path "/y"` + "\n"
		if rec.Body.String() != want {
			t.Errorf("body %q; want %q", rec.Body.String(), want)
		}
	}
	t.Run("before SetTable", check)
	tab, err := NewTable([]string{"hello"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g.SetTable(tab)
	t.Run("no match", check)
	g.SetTable(nil)
	t.Run("nil table", check)
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		name, id, msg string
		status        int
		wantBody      string
	}{
		{"with id", "0123abcd", "the worker threw an exception", 500, "islet: the worker threw an exception (error id 0123abcd)\n"},
		{"without id", "", "overloaded", 503, "islet: overloaded\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			rec.Header().Set("Content-Length", "999")
			WriteError(rec, tt.status, tt.id, tt.msg)
			if rec.Code != tt.status || rec.Body.String() != tt.wantBody {
				t.Errorf("got %d %q; want %d %q", rec.Code, rec.Body.String(), tt.status, tt.wantBody)
			}
			if got := rec.Header().Get(HeaderErrorID); got != tt.id {
				t.Errorf("%s = %q; want %q", HeaderErrorID, got, tt.id)
			}
			if got := rec.Header().Get("Content-Length"); got != "" {
				t.Errorf("stale Content-Length %q kept", got)
			}
		})
	}
}

func TestNewErrorID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{16}$`)
	seen := make(map[string]bool)
	for range 100 {
		id := NewErrorID()
		if !re.MatchString(id) {
			t.Fatalf("NewErrorID() = %q; want 16 hex digits", id)
		}
		if seen[id] {
			t.Fatalf("NewErrorID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestGatewayRefusals(t *testing.T) {
	g := New(echoDispatcher{}, nil)
	tab, err := NewTable([]string{"hello"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g.SetTable(tab)
	tests := []struct {
		name   string
		url    string
		loop   string
		status int
	}{
		{"long URL", "http://hello.localhost/?q=" + strings.Repeat("a", MaxURLBytes), "", http.StatusRequestURITooLong},
		{"URL at the limit", "http://hello.localhost/?q=" + strings.Repeat("a", MaxURLBytes-len("/?q=")), "", 200},
		{"loop too deep", "http://hello.localhost/", "17", http.StatusLoopDetected},
		{"loop at the limit", "http://hello.localhost/", "16", 200},
		{"loop header garbage", "http://hello.localhost/", "x", http.StatusLoopDetected},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", tt.url, nil)
		if tt.loop != "" {
			req.Header.Set(LoopHeader, tt.loop)
		}
		g.ServeHTTP(rec, req)
		if rec.Code != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, rec.Code, tt.status)
		}
	}
}
