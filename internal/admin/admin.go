// Package admin is islet's admin API: JSON over HTTP on its own listener, authenticated by
// bearer tokens scoped to an account. A client address that keeps failing to authenticate is
// answered 429 (too_many_failures) for a while, and every failure is logged. Every write is validated before anything is stored
// (deploy.Upload.Validate, then the Validator, which compiles and starts the worker in a
// scratch isolate), so a worker that cannot start never becomes a version. Errors are JSON
// {"error": {"code", "message"}} with a stable code and a 4xx status.
//
// Routes:
//
//	GET    /v1/workers                          the account's workers
//	PUT    /v1/workers/{name}                   deploy (multipart: metadata + modules)
//	GET    /v1/workers/{name}                   a worker and its current version
//	DELETE /v1/workers/{name}
//	GET    /v1/workers/{name}/versions
//	POST   /v1/workers/{name}/rollback          {"version": id} (default: the one before current)
//	POST   /v1/workers/{name}/rollout           {"version": id, "percent": 0-100}
//	GET    /v1/workers/{name}/routes            PUT the same shape: {"routes": [...]}
//	GET    /v1/workers/{name}/secrets           names only; values are write-only
//	PUT    /v1/workers/{name}/secrets/{secret}  {"value": "..."}
//	DELETE /v1/workers/{name}/secrets/{secret}
//	POST   /v1/tokens                           {"account", "admin", "name", "expires_in"} (admin tokens only)
//	GET    /v1/tokens                           IDs and records, never the tokens
//	DELETE /v1/tokens/{id}                      revoke (admin: any; else the account's own)
//	GET    /v1/whoami
//	GET    /v1/accounts                         every account with a record (admin), else your own
//	POST   /v1/accounts                         {"name", "plan", "zones", "egress_allow"} (admin)
//	GET    /v1/accounts/{name}                  plan, effective plan, zones, grant, worker count
//	PUT    /v1/accounts/{name}                  replaces plan, zones and grant (admin)
//
// An account's plan bounds the limits its workers may declare, its zones are the only hosts
// they may route, and its egress grant the only private destinations they may open; only an
// admin token sets them (see package tenancy).
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"islet/internal/control"
	"islet/internal/deploy"
)

// Validator starts an upload's worker once in a scratch isolate and returns why it cannot
// serve (a *deploy.Error with code "script_error" or "startup_limit"), or nil.
type Validator interface {
	Validate(ctx context.Context, name string, up *deploy.Upload) error
}

// Server is the admin API handler.
type Server struct {
	store     *control.Store
	sealer    *control.Sealer
	validator Validator
	log       *slog.Logger
	// urls returns where a worker is served, for deploy answers.
	urls func(name string, routes []string) []string
	mux  *http.ServeMux
	// validating admits one validation at a time: scratch isolates are CPU-bound.
	validating chan struct{}
	// throttle slows down clients that fail to authenticate.
	throttle *authThrottle
}

// Options configure New.
type Options struct {
	Store     *control.Store
	Sealer    *control.Sealer
	Validator Validator
	Logger    *slog.Logger
	// URLs lists where a worker answers (shown after a deploy); nil shows none.
	URLs func(name string, routes []string) []string
}

// New makes the admin API handler.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.URLs == nil {
		o.URLs = func(string, []string) []string { return nil }
	}
	s := &Server{store: o.Store, sealer: o.Sealer, validator: o.Validator, log: o.Logger, urls: o.URLs,
		mux: http.NewServeMux(), validating: make(chan struct{}, 1), throttle: newAuthThrottle(o.Logger)}
	s.handle("GET /v1/whoami", s.whoami)
	s.handle("GET /v1/accounts", s.listAccounts)
	s.handle("POST /v1/accounts", s.createAccount)
	s.handle("GET /v1/accounts/{name}", s.showAccount)
	s.handle("PUT /v1/accounts/{name}", s.putAccount)
	s.handle("GET /v1/workers", s.listWorkers)
	s.handle("PUT /v1/workers/{name}", s.deploy)
	s.handle("GET /v1/workers/{name}", s.showWorker)
	s.handle("DELETE /v1/workers/{name}", s.deleteWorker)
	s.handle("GET /v1/workers/{name}/versions", s.versions)
	s.handle("POST /v1/workers/{name}/rollback", s.rollback)
	s.handle("POST /v1/workers/{name}/rollout", s.rollout)
	s.handle("GET /v1/workers/{name}/routes", s.getRoutes)
	s.handle("PUT /v1/workers/{name}/routes", s.putRoutes)
	s.handle("GET /v1/workers/{name}/secrets", s.listSecrets)
	s.handle("PUT /v1/workers/{name}/secrets/{secret}", s.putSecret)
	s.handle("DELETE /v1/workers/{name}/secrets/{secret}", s.deleteSecret)
	s.handle("POST /v1/tokens", s.createToken)
	s.handle("GET /v1/tokens", s.listTokens)
	s.handle("DELETE /v1/tokens/{id}", s.revokeToken)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, deploy.Errorf(deploy.CodeNotFound, "no such API endpoint: %s %s", r.Method, r.URL.Path))
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// handlerFunc is an authenticated endpoint: it returns the value to answer with (JSON, 200 or
// the status in a *created) or an error.
type handlerFunc func(r *http.Request, tok *control.Token) (any, error)

// created wraps an answer that is sent with 201.
type created struct{ v any }

func (s *Server) handle(pattern string, h handlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 60*time.Second)
		defer cancel()
		r = r.WithContext(ctx)
		addr := clientAddr(r)
		if blocked, wait := s.throttle.blocked(addr); blocked {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			writeError(w, deploy.Errorf(deploy.CodeTooManyFailures,
				"too many failed authentications from %s; retry in %v", addr, wait.Round(time.Millisecond)))
			return
		}
		tok, err := s.authenticate(r)
		var de *deploy.Error
		if errors.As(err, &de) && de.Status == http.StatusUnauthorized {
			s.throttle.failed(addr, de.Message)
		}
		if err != nil {
			writeError(w, err)
			return
		}
		v, err := h(r, tok)
		if err != nil {
			writeError(w, err)
			return
		}
		status := http.StatusOK
		if c, ok := v.(created); ok {
			status, v = http.StatusCreated, c.v
		}
		writeJSON(w, status, v)
	})
}

func (s *Server) authenticate(r *http.Request) (*control.Token, error) {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		return nil, deploy.Errorf(deploy.CodeUnauthorized, "send an API token: Authorization: Bearer <token>")
	}
	tok, err := s.store.Authenticate(r.Context(), strings.TrimSpace(token))
	if errors.Is(err, control.ErrNotFound) {
		return nil, deploy.Errorf(deploy.CodeUnauthorized, "the API token is not valid")
	}
	var expired *control.ExpiredError
	if errors.As(err, &expired) {
		return nil, deploy.Errorf(deploy.CodeTokenExpired, "the API token expired at %s; an admin creates a new one", expired.At.Format(time.RFC3339))
	}
	if err != nil {
		return nil, unavailable(err)
	}
	return tok, nil
}

func unavailable(err error) error {
	return deploy.Errorf(deploy.CodeStoreUnavailable, "the control plane's store did not answer: %v", err)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	var de *deploy.Error
	if !errors.As(err, &de) {
		de = deploy.Errorf(deploy.CodeInternal, "%v", err)
	}
	writeJSON(w, de.Status, map[string]any{"error": de})
}

// decodeBody decodes a small JSON request body strictly.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return deploy.Errorf(deploy.CodeInvalidBody, "request body: %v", err)
	}
	return nil
}
