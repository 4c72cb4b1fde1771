package admin

import (
	"context"
	"errors"
	"net/http"

	"islet/internal/config"
	"islet/internal/control"
	"islet/internal/deploy"
	"islet/internal/limits"
	"islet/internal/tenancy"
)

// AccountInfo is an account as the API shows it: its record (the default plan, no zones and
// no grant when it has none) with the plan's effective values and its worker count.
type AccountInfo struct {
	control.Account
	// Effective is the plan with every unset field at its default.
	Effective tenancy.Plan `json:"effective_plan"`
	Workers   int          `json:"workers"`
}

// accountBody is the body of POST /v1/accounts and PUT /v1/accounts/{name}: the whole of
// what the operator gives the account (a PUT replaces the plan, zones and grant).
type accountBody struct {
	Name        string       `json:"name,omitempty"`
	Plan        tenancy.Plan `json:"plan"`
	Zones       []string     `json:"zones"`
	EgressAllow []string     `json:"egress_allow"`
}

// account reads name's record, or the record an account without one has.
func (s *Server) account(ctx context.Context, name string) (*control.Account, uint64, error) {
	a, rev, err := s.store.Account(ctx, name)
	if errors.Is(err, control.ErrNotFound) {
		return &control.Account{Name: name}, 0, nil
	}
	if err != nil {
		return nil, 0, unavailable(err)
	}
	return a, rev, nil
}

func (s *Server) accountInfo(ctx context.Context, a *control.Account) (*AccountInfo, error) {
	counts, err := s.workerCounts(ctx)
	if err != nil {
		return nil, err
	}
	return infoOf(a, counts), nil
}

func infoOf(a *control.Account, counts map[string]int) *AccountInfo {
	return &AccountInfo{Account: *a, Effective: a.Plan.Effective(), Workers: counts[a.Name]}
}

// workerCounts reads every worker record once and counts them by account.
func (s *Server) workerCounts(ctx context.Context) (map[string]int, error) {
	all, err := s.store.Workers(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	counts := map[string]int{}
	for _, w := range all {
		counts[w.Account]++
	}
	return counts, nil
}

func forbidden(what string) error {
	return deploy.Errorf(deploy.CodeForbidden, "only an admin token can %s", what)
}

// listAccounts shows every account with a record to an admin, and its own to anyone else.
func (s *Server) listAccounts(r *http.Request, tok *control.Token) (any, error) {
	var list []*control.Account
	if tok.Admin {
		all, err := s.store.Accounts(r.Context())
		if err != nil {
			return nil, unavailable(err)
		}
		list = all
	} else {
		a, _, err := s.account(r.Context(), tok.Account)
		if err != nil {
			return nil, err
		}
		list = []*control.Account{a}
	}
	counts, err := s.workerCounts(r.Context())
	if err != nil {
		return nil, err
	}
	out := []*AccountInfo{}
	for _, a := range list {
		out = append(out, infoOf(a, counts))
	}
	return map[string]any{"accounts": out}, nil
}

func (s *Server) showAccount(r *http.Request, tok *control.Token) (any, error) {
	name := r.PathValue("name")
	if !tok.Admin && name != tok.Account {
		return nil, deploy.Errorf(deploy.CodeAccountNotFound, "you can see only your own account, %q", tok.Account)
	}
	a, _, err := s.account(r.Context(), name)
	if err != nil {
		return nil, err
	}
	return s.accountInfo(r.Context(), a)
}

// createAccount makes a record for a new account (409 account_exists if it has one).
func (s *Server) createAccount(r *http.Request, tok *control.Token) (any, error) {
	if !tok.Admin {
		return nil, forbidden("create accounts")
	}
	var body accountBody
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	a, err := s.checkAccount(r.Context(), body.Name, body)
	if err != nil {
		return nil, err
	}
	if err := s.store.PutAccount(r.Context(), a, 0); errors.Is(err, control.ErrExists) {
		return nil, deploy.Errorf(deploy.CodeAccountExists, "account %q exists; change it with PUT /v1/accounts/%s (islet account set)", a.Name, a.Name)
	} else if err != nil {
		return nil, unavailable(err)
	}
	s.log.Info("account created", "account", a.Name, "by", tok.Account)
	info, err := s.accountInfo(r.Context(), a)
	if err != nil {
		return nil, err
	}
	return created{info}, nil
}

// putAccount replaces an account's plan, zones and grant, creating its record if need be.
func (s *Server) putAccount(r *http.Request, tok *control.Token) (any, error) {
	if !tok.Admin {
		return nil, forbidden("change an account's plan, zones or egress grant")
	}
	var body accountBody
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	name := r.PathValue("name")
	if body.Name != "" && body.Name != name {
		return nil, deploy.Errorf(deploy.CodeInvalidBody, "the body names account %q, the path %q", body.Name, name)
	}
	a, err := s.checkAccount(r.Context(), name, body)
	if err != nil {
		return nil, err
	}
	old, rev, err := s.account(r.Context(), name)
	if err != nil {
		return nil, err
	}
	a.Created = old.Created
	if err := s.store.PutAccount(r.Context(), a, rev); errors.Is(err, control.ErrConflict) || errors.Is(err, control.ErrExists) {
		return nil, deploy.Errorf(deploy.CodeConflict, "account %q was changed concurrently; retry", name)
	} else if err != nil {
		return nil, unavailable(err)
	}
	s.log.Info("account changed", "account", name, "by", tok.Account, "zones", a.Zones, "plan", a.Plan, "egress_allow", a.EgressAllow)
	return s.accountInfo(r.Context(), a)
}

// checkAccount validates what an operator gives account name.
func (s *Server) checkAccount(ctx context.Context, name string, body accountBody) (*control.Account, error) {
	if !accountName.MatchString(name) {
		return nil, deploy.Errorf(deploy.CodeInvalidAccount, "account %q: lower-case letters, digits, _ and -", name)
	}
	if err := body.Plan.Validate(); err != nil {
		return nil, deploy.Errorf(deploy.CodeInvalidPlan, "plan: %v", err)
	}
	if _, err := limits.ParseEgressRules(body.EgressAllow); err != nil {
		return nil, deploy.Errorf(deploy.CodeInvalidEgressAllow, "egress_allow: %v", err)
	}
	others, err := s.store.Zones(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	zones, err := tenancy.CheckZones(name, body.Zones, others)
	if err != nil {
		return nil, deploy.Errorf(deploy.CodeZoneTaken, "%v", err)
	}
	return &control.Account{Name: name, Plan: body.Plan, Zones: zones, EgressAllow: body.EgressAllow}, nil
}

// checkTenantDeploy refuses what a non-admin token may not deploy under its account: limits
// over the plan, egress the operator did not grant, a worker past the plan's count. An
// operator's (admin token's) deploys are bounded only by the limits' own ranges.
func (s *Server) checkTenantDeploy(ctx context.Context, tok *control.Token, isNew bool, lim config.Limits, egress []string) error {
	if tok.Admin {
		return nil
	}
	a, _, err := s.account(ctx, tok.Account)
	if err != nil {
		return err
	}
	if err := a.Plan.CheckLimits(lim); err != nil {
		return deploy.Errorf(deploy.CodeOverPlan, "%v; an operator raises it with `islet account set %s`", err, a.Name)
	}
	if err := tenancy.CheckEgress(egress, a.EgressAllow); err != nil {
		return deploy.Errorf(deploy.CodeEgressNotGranted, "%v", err)
	}
	if isNew {
		counts, err := s.workerCounts(ctx)
		if err != nil {
			return err
		}
		if err := a.Plan.CheckWorkers(counts[a.Name]); err != nil {
			return deploy.Errorf(deploy.CodeOverPlan, "%v", err)
		}
	}
	return nil
}
