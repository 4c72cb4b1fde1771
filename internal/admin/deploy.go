package admin

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"time"

	"islet/internal/control"
	"islet/internal/deploy"
)

// DeployResult is the answer to a deploy.
type DeployResult struct {
	Worker      string   `json:"worker"`
	Version     string   `json:"version"`
	BundleBytes int      `json:"bundle_bytes"`
	Unchanged   bool     `json:"unchanged,omitempty"` // the same content was already current
	URLs        []string `json:"urls,omitempty"`
}

// deploy validates an upload completely, then stores the bundle, the version and, last, the
// worker record that makes it current.
func (s *Server) deploy(r *http.Request, tok *control.Token) (any, error) {
	ctx := r.Context()
	name := r.PathValue("name")
	if err := deploy.ValidateName(name); err != nil {
		return nil, err
	}
	body := http.MaxBytesReader(nil, r.Body, deploy.MaxUploadBytes+64<<10)
	up, err := deploy.ParseUpload(body, r.Header.Get("Content-Type"))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || err != nil && errors.As(errors.Unwrap(err), &tooBig) {
		return nil, deploy.Errorf(deploy.CodeUploadTooLarge, "the upload is over %d bytes", deploy.MaxUploadBytes)
	}
	if err != nil {
		return nil, err
	}
	if err := up.Validate(); err != nil {
		return nil, err
	}
	existing, _, err := s.store.Worker(ctx, name)
	switch {
	case errors.Is(err, control.ErrNotFound):
	case err != nil:
		return nil, unavailable(err)
	case existing.Account != tok.Account:
		return nil, deploy.Errorf(deploy.CodeNameTaken, "the worker name %q is taken by another account", name)
	}
	if err := s.checkTenantDeploy(ctx, tok, existing == nil, up.Metadata.Limits, up.Metadata.EgressAllow); err != nil {
		return nil, err
	}
	if err := s.checkRoutes(ctx, name, tok.Account, tok.Admin, up.Metadata.Routes); err != nil {
		return nil, err
	}
	if err := s.checkServices(ctx, name, tok.Account, up.Metadata.Bindings); err != nil {
		return nil, err
	}
	select {
	case s.validating <- struct{}{}:
	case <-ctx.Done():
		return nil, deploy.Errorf(deploy.CodeBusy, "validation queue: %v", ctx.Err())
	}
	err = s.validator.Validate(ctx, name, up)
	<-s.validating
	if err != nil {
		return nil, err
	}
	m := up.Metadata
	env, err := m.EnvBindings()
	if err != nil {
		return nil, err
	}
	v, err := s.store.PutVersion(ctx, control.Version{
		Worker: name, Account: tok.Account, Main: up.Main(), Format: up.Format(),
		CompatibilityDate: m.CompatibilityDate, Bindings: env,
		Limits: m.Limits, EgressAllow: m.EgressAllow,
	}, &control.Bundle{Modules: up.Modules})
	if err != nil {
		return nil, unavailable(err)
	}
	unchanged := false
	w, err := s.store.Update(ctx, name, func(w *control.Worker) (*control.Worker, error) {
		if w == nil {
			w = &control.Worker{Name: name, Account: tok.Account}
		} else if w.Account != tok.Account {
			return nil, deploy.Errorf(deploy.CodeNameTaken, "the worker name %q is taken by another account", name)
		}
		unchanged = w.Current == v.ID && w.Rollout == nil
		if w.Current != v.ID {
			msg := m.Message
			if msg == "" {
				msg = "deploy"
			}
			w.Versions = append(w.Versions, control.VersionRef{ID: v.ID, Created: v.Created, Message: msg})
			if len(w.Versions) > maxHistory {
				w.Versions = w.Versions[len(w.Versions)-maxHistory:]
			}
		}
		w.Current, w.Rollout, w.Routes = v.ID, nil, m.Routes
		return w, nil
	})
	var de *deploy.Error
	if err != nil && !errors.As(err, &de) {
		return nil, unavailable(err)
	}
	if err != nil {
		return nil, err
	}
	s.log.Info("deployed", "worker", name, "account", tok.Account, "version", v.ID, "bytes", v.BundleBytes)
	return created{DeployResult{Worker: name, Version: v.ID, BundleBytes: v.BundleBytes, Unchanged: unchanged, URLs: s.urls(name, w.Routes)}}, nil
}

// maxHistory is how many versions a worker's history keeps (older ones can no longer be
// rolled back to).
const maxHistory = 100

var secretName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)

func (s *Server) listSecrets(r *http.Request, tok *control.Token) (any, error) {
	w, err := s.owned(r.Context(), r.PathValue("name"), tok)
	if err != nil {
		return nil, err
	}
	return map[string]any{"secrets": s.info(w).Secrets}, nil
}

func (s *Server) putSecret(r *http.Request, tok *control.Token) (any, error) {
	name, secret := r.PathValue("name"), r.PathValue("secret")
	if err := deploy.ValidateName(name); err != nil {
		return nil, err
	}
	if !secretName.MatchString(secret) {
		return nil, deploy.Errorf(deploy.CodeInvalidSecretName, "secret name %q: letters, digits and _, not starting with a digit", secret)
	}
	var body struct {
		Value *string `json:"value"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.Value == nil || len(*body.Value) > 5<<10 {
		return nil, deploy.Errorf(deploy.CodeInvalidSecret, "send {\"value\": \"...\"} of at most 5 KiB")
	}
	sealed, err := s.sealer.Seal(name, secret, *body.Value)
	if err != nil {
		return nil, err
	}
	if _, err := s.update(r.Context(), name, tok, func(w *control.Worker) error {
		if w.Secrets == nil {
			w.Secrets = map[string]string{}
		}
		w.Secrets[secret] = sealed
		return nil
	}); err != nil {
		return nil, err
	}
	return map[string]any{"worker": name, "secret": secret}, nil
}

func (s *Server) deleteSecret(r *http.Request, tok *control.Token) (any, error) {
	name, secret := r.PathValue("name"), r.PathValue("secret")
	if err := deploy.ValidateName(name); err != nil {
		return nil, err
	}
	if _, err := s.update(r.Context(), name, tok, func(w *control.Worker) error {
		if _, ok := w.Secrets[secret]; !ok {
			return deploy.Errorf(deploy.CodeSecretNotFound, "worker %q has no secret %q", name, secret)
		}
		delete(w.Secrets, secret)
		return nil
	}); err != nil {
		return nil, err
	}
	return map[string]any{"deleted": secret}, nil
}

// maxTokenLifetime bounds expires_in (ten years).
const maxTokenLifetime = 10 * 365 * 24 * time.Hour

var accountName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

func (s *Server) createToken(r *http.Request, tok *control.Token) (any, error) {
	if !tok.Admin {
		return nil, deploy.Errorf(deploy.CodeForbidden, "only an admin token can create tokens")
	}
	var body struct {
		Account string `json:"account"`
		Admin   bool   `json:"admin"`
		Name    string `json:"name"`
		// ExpiresIn is a Go duration ("720h"); empty means the token does not expire.
		ExpiresIn string `json:"expires_in"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if !accountName.MatchString(body.Account) {
		return nil, deploy.Errorf(deploy.CodeInvalidAccount, "account %q: lower-case letters, digits, _ and -", body.Account)
	}
	t := control.Token{Account: body.Account, Admin: body.Admin, Name: body.Name}
	if body.ExpiresIn != "" {
		d, err := time.ParseDuration(body.ExpiresIn)
		if err != nil || d <= 0 || d > maxTokenLifetime {
			return nil, deploy.Errorf(deploy.CodeInvalidExpiry, "expires_in %q: a duration such as 720h, at most %v", body.ExpiresIn, maxTokenLifetime)
		}
		at := time.Now().UTC().Add(d).Truncate(time.Second)
		t.Expires = &at
	}
	token, err := s.store.CreateToken(r.Context(), t)
	if err != nil {
		return nil, unavailable(err)
	}
	out := map[string]any{"token": token, "account": body.Account, "admin": body.Admin}
	if t.Expires != nil {
		out["expires"] = t.Expires
	}
	return created{out}, nil
}

// listTokens shows the tokens the caller may see: every one for an admin token, else its own
// account's. Tokens themselves are never shown, only their IDs.
func (s *Server) listTokens(r *http.Request, tok *control.Token) (any, error) {
	all, err := s.store.Tokens(r.Context())
	if err != nil {
		return nil, unavailable(err)
	}
	out := []control.TokenInfo{}
	for _, t := range all {
		if tok.Admin || t.Account == tok.Account {
			out = append(out, t)
		}
	}
	return map[string]any{"tokens": out}, nil
}

// revokeToken deletes a token by ID: any token for an admin token, else one of its own
// account's (a token may revoke itself).
func (s *Server) revokeToken(r *http.Request, tok *control.Token) (any, error) {
	id := r.PathValue("id")
	all, err := s.store.Tokens(r.Context())
	if err != nil {
		return nil, unavailable(err)
	}
	for _, t := range all {
		if t.ID != id {
			continue
		}
		if !tok.Admin && t.Account != tok.Account {
			break
		}
		if _, err := s.store.RevokeToken(r.Context(), id); err != nil {
			if errors.Is(err, control.ErrNotFound) {
				break
			}
			return nil, unavailable(err)
		}
		return map[string]any{"revoked": id}, nil
	}
	return nil, deploy.Errorf(deploy.CodeTokenNotFound, "no token with ID %q in your account", id)
}

// checkServices refuses a service binding to a worker the deploying account does not have, as
// Cloudflare refuses one whose target does not exist (a worker may bind itself; another
// account's worker is reported as missing).
func (s *Server) checkServices(ctx context.Context, self, account string, bindings []deploy.Binding) error {
	for _, b := range bindings {
		if b.Type != deploy.BindingService {
			continue
		}
		if b.ServiceName() == self {
			continue
		}
		target := b.ServiceName()
		w, _, err := s.store.Worker(ctx, target)
		switch {
		case errors.Is(err, control.ErrNotFound) || err == nil && w.Account != account:
			return deploy.Errorf(deploy.CodeServiceNotFound, "service binding %s: your account has no worker named %q; deploy it first", b.Name, target)
		case err != nil:
			return unavailable(err)
		}
	}
	return nil
}
