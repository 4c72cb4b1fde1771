package control

import (
	"crypto/subtle"
	"fmt"

	"github.com/nats-io/nats-server/v2/server"
)

// roleAuth is how islet's NATS servers authenticate connections (a server.Authentication): a
// client must log in as the user of a client role with that role's password (RolePassword)
// under the fleet's current secret or one of its previous ones (a rotation in progress, see
// RotateSecret), and gets that role's permissions; a cluster route must log in as the route
// role, likewise. Everything else is refused.
type roleAuth struct {
	secrets []string
	// perms are the client roles' permissions; nil for the routes' authenticator.
	perms map[Role]*server.Permissions
}

// newClientAuth authenticates the client roles of roleTable under secrets (current first).
func newClientAuth(secrets []string) (*roleAuth, error) {
	a := &roleAuth{secrets: secrets, perms: map[Role]*server.Permissions{}}
	for _, r := range clientRoles() {
		p, err := Permissions(r)
		if err != nil {
			return nil, fmt.Errorf("nats server: %w", err)
		}
		a.perms[r] = p
	}
	return a, nil
}

// newRouteAuth authenticates cluster routes under secrets.
func newRouteAuth(secrets []string) *roleAuth { return &roleAuth{secrets: secrets} }

// Check implements server.Authentication.
func (a *roleAuth) Check(c server.ClientAuthentication) bool {
	o := c.GetOpts()
	if o == nil {
		return false
	}
	roles := []Role{RoleRoute}
	if a.perms != nil {
		roles = clientRoles()
	}
	for _, r := range roles {
		if o.Username != r.User() {
			continue
		}
		for _, s := range a.secrets {
			if subtle.ConstantTimeCompare([]byte(o.Password), []byte(RolePassword(s, r))) == 1 {
				if a.perms != nil {
					c.RegisterUser(&server.User{Username: o.Username, Permissions: a.perms[r]})
				}
				return true
			}
		}
		return false
	}
	return false
}
