package admin

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"islet/internal/control"
	"islet/internal/deploy"
	"islet/internal/tenancy"
)

// WorkerInfo is a worker as the API shows it.
type WorkerInfo struct {
	Name    string           `json:"name"`
	Account string           `json:"account"`
	Current string           `json:"current"`
	Rollout *control.Rollout `json:"rollout,omitempty"`
	Routes  []string         `json:"routes"`
	Secrets []string         `json:"secrets"`
	Updated time.Time        `json:"updated"`
	Version *control.Version `json:"version,omitempty"`
	URLs    []string         `json:"urls,omitempty"`
}

func (s *Server) info(w *control.Worker) *WorkerInfo {
	names := make([]string, 0, len(w.Secrets))
	for n := range w.Secrets {
		names = append(names, n)
	}
	slices.Sort(names)
	routes := w.Routes
	if routes == nil {
		routes = []string{}
	}
	return &WorkerInfo{Name: w.Name, Account: w.Account, Current: w.Current, Rollout: w.Rollout, Routes: routes,
		Secrets: names, Updated: w.Updated, URLs: s.urls(w.Name, w.Routes)}
}

func notFound(name string) error {
	return deploy.Errorf(deploy.CodeWorkerNotFound, "no worker named %q in your account", name)
}

// owned reads a worker the token's account may act on.
func (s *Server) owned(ctx context.Context, name string, tok *control.Token) (*control.Worker, error) {
	if err := deploy.ValidateName(name); err != nil {
		return nil, err
	}
	w, _, err := s.store.Worker(ctx, name)
	if errors.Is(err, control.ErrNotFound) || err == nil && w.Account != tok.Account && !tok.Admin {
		return nil, notFound(name)
	}
	if err != nil {
		return nil, unavailable(err)
	}
	return w, nil
}

// update changes a worker the token's account owns, with compare-and-swap.
func (s *Server) update(ctx context.Context, name string, tok *control.Token, change func(*control.Worker) error) (*control.Worker, error) {
	w, err := s.store.Update(ctx, name, func(w *control.Worker) (*control.Worker, error) {
		if w == nil || w.Account != tok.Account && !tok.Admin {
			return nil, notFound(name)
		}
		return w, change(w)
	})
	var de *deploy.Error
	if err != nil && !errors.As(err, &de) {
		return nil, unavailable(err)
	}
	return w, err
}

func (s *Server) whoami(r *http.Request, tok *control.Token) (any, error) {
	return map[string]any{"account": tok.Account, "admin": tok.Admin}, nil
}

func (s *Server) listWorkers(r *http.Request, tok *control.Token) (any, error) {
	all, err := s.store.Workers(r.Context())
	if err != nil {
		return nil, unavailable(err)
	}
	out := []*WorkerInfo{}
	for _, w := range all {
		if w.Account == tok.Account || tok.Admin {
			out = append(out, s.info(w))
		}
	}
	return map[string]any{"workers": out}, nil
}

func (s *Server) showWorker(r *http.Request, tok *control.Token) (any, error) {
	w, err := s.owned(r.Context(), r.PathValue("name"), tok)
	if err != nil {
		return nil, err
	}
	info := s.info(w)
	if info.Version, err = s.store.Version(r.Context(), w.Name, w.Current); err != nil {
		return nil, unavailable(err)
	}
	return info, nil
}

func (s *Server) deleteWorker(r *http.Request, tok *control.Token) (any, error) {
	w, err := s.owned(r.Context(), r.PathValue("name"), tok)
	if err != nil {
		return nil, err
	}
	if err := s.store.Delete(r.Context(), w.Name); err != nil {
		return nil, unavailable(err)
	}
	return map[string]any{"deleted": w.Name}, nil
}

func (s *Server) versions(r *http.Request, tok *control.Token) (any, error) {
	w, err := s.owned(r.Context(), r.PathValue("name"), tok)
	if err != nil {
		return nil, err
	}
	type row struct {
		control.VersionRef
		Current bool `json:"current"`
	}
	out := []row{}
	for _, v := range w.Versions {
		out = append(out, row{v, v.ID == w.Current})
	}
	return map[string]any{"worker": w.Name, "versions": out}, nil
}

func (s *Server) rollback(r *http.Request, tok *control.Token) (any, error) {
	var body struct {
		Version string `json:"version"`
	}
	if r.ContentLength != 0 {
		if err := decodeBody(r, &body); err != nil {
			return nil, err
		}
	}
	name := r.PathValue("name")
	if err := deploy.ValidateName(name); err != nil {
		return nil, err
	}
	w, err := s.update(r.Context(), name, tok, func(w *control.Worker) error {
		target := body.Version
		if target == "" {
			i := slices.IndexFunc(w.Versions, func(v control.VersionRef) bool { return v.ID == w.Current })
			for j := i - 1; j >= 0; j-- {
				if w.Versions[j].ID != w.Current {
					target = w.Versions[j].ID
					break
				}
			}
			if target == "" {
				return deploy.Errorf(deploy.CodeNoEarlierVersion, "worker %q has no version before %s", w.Name, w.Current)
			}
		} else if !slices.ContainsFunc(w.Versions, func(v control.VersionRef) bool { return v.ID == target }) {
			return deploy.Errorf(deploy.CodeVersionNotFound, "worker %q has no version %q", w.Name, target)
		}
		w.Current, w.Rollout = target, nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.info(w), nil
}

func (s *Server) rollout(r *http.Request, tok *control.Token) (any, error) {
	var body struct {
		Version string `json:"version"`
		Percent int    `json:"percent"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.Percent < 0 || body.Percent > 100 {
		return nil, deploy.Errorf(deploy.CodeInvalidRollout, "percent %d: 0 to 100", body.Percent)
	}
	name := r.PathValue("name")
	if err := deploy.ValidateName(name); err != nil {
		return nil, err
	}
	w, err := s.update(r.Context(), name, tok, func(w *control.Worker) error {
		if !slices.ContainsFunc(w.Versions, func(v control.VersionRef) bool { return v.ID == body.Version }) {
			return deploy.Errorf(deploy.CodeVersionNotFound, "worker %q has no version %q", w.Name, body.Version)
		}
		switch {
		case body.Percent == 0 || body.Version == w.Current:
			w.Rollout = nil
		case body.Percent == 100:
			w.Current, w.Rollout = body.Version, nil
		default:
			w.Rollout = &control.Rollout{Version: body.Version, Percent: body.Percent}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.info(w), nil
}

func (s *Server) getRoutes(r *http.Request, tok *control.Token) (any, error) {
	w, err := s.owned(r.Context(), r.PathValue("name"), tok)
	if err != nil {
		return nil, err
	}
	return map[string]any{"routes": s.info(w).Routes}, nil
}

func (s *Server) putRoutes(r *http.Request, tok *control.Token) (any, error) {
	var body struct {
		Routes []string `json:"routes"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	name := r.PathValue("name")
	if err := deploy.ValidateName(name); err != nil {
		return nil, err
	}
	probe := deploy.Upload{Metadata: deploy.Metadata{MainModule: "x", Routes: body.Routes}, Modules: map[string][]byte{"x": nil}}
	if err := probe.Validate(); err != nil {
		return nil, err
	}
	cur, err := s.owned(r.Context(), name, tok)
	if err != nil {
		return nil, err
	}
	// The worker's account's zones decide, also when an admin token changes them.
	if err := s.checkRoutes(r.Context(), name, cur.Account, tok.Admin, body.Routes); err != nil {
		return nil, err
	}
	w, err := s.update(r.Context(), name, tok, func(w *control.Worker) error {
		w.Routes = body.Routes
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"routes": s.info(w).Routes}, nil
}

// checkRoutes refuses routes of a worker of account that are outside the account's zones (or,
// for an operator, inside another account's: see tenancy.CheckRoute) or that another worker
// already has.
func (s *Server) checkRoutes(ctx context.Context, name, account string, admin bool, routes []string) error {
	if len(routes) == 0 {
		return nil
	}
	zones, err := s.store.Zones(ctx)
	if err != nil {
		return unavailable(err)
	}
	for _, r := range routes {
		if err := tenancy.CheckRoute(r, account, admin, zones); err != nil {
			return deploy.Errorf(deploy.CodeRouteNotInZone, "%v", err)
		}
	}
	all, err := s.store.Workers(ctx)
	if err != nil {
		return unavailable(err)
	}
	for _, other := range all {
		if other.Name == name {
			continue
		}
		for _, r := range routes {
			if !slices.Contains(other.Routes, r) {
				continue
			}
			if other.Account != account {
				return deploy.Errorf(deploy.CodeRouteTaken, "route %q belongs to another account", r)
			}
			return deploy.Errorf(deploy.CodeRouteTaken, "route %q belongs to your worker %q; remove it there first", r, other.Name)
		}
	}
	return nil
}
