package control

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
)

// Role is what kind of islet process a NATS connection belongs to. Each role is its own NATS
// user ("islet-<role>"), with a password derived from the fleet's secret (RolePassword) and the
// permissions of roleTable, so a process holds only the rights its job needs.
type Role string

// The roles of an islet fleet.
const (
	// RoleAdmin is a process that serves the admin API: it creates the buckets, writes worker,
	// version, account and token records and bundles, and bootstraps the first token.
	RoleAdmin Role = "admin"
	// RoleNode is a gateway node without the admin API (`islet serve --admin ""`, or such a
	// node's supervisor): it watches worker records and reads versions and bundles, and
	// nothing else; it writes nothing. (A supervisor's runtime processes have no role: they do
	// not connect to NATS, their supervisor sends them their workers.)
	RoleNode Role = "node"
	// RoleRoute is a NATS server's cluster route to another (the cluster port's only user).
	RoleRoute Role = "route"
)

// User is the role's NATS user name.
func (r Role) User() string { return "islet-" + string(r) }

// InboxPrefix is the prefix of the role's reply subjects; the role may subscribe to nothing
// else, so one role cannot listen to another's replies.
func (r Role) InboxPrefix() string { return "_INBOX." + string(r) }

// bucketAccess is what a role may do with one bucket.
type bucketAccess int

const (
	// read: bind (stream info), get keys or objects (direct get), watch and list (ordered
	// consumers: create, flow-control replies, delete).
	read bucketAccess = iota + 1
	// write: read, and create the bucket, put, update, delete and purge its entries.
	write
)

// roleSpec is one row of roleTable.
type roleSpec struct {
	role Role
	// buckets are the JetStream streams of the buckets the role may use (kv and obj name them).
	buckets map[string]bucketAccess
	// publish lists subjects beyond the buckets' (with NATS wildcards).
	publish []string
	// cluster marks the route role: it authenticates on the cluster port, not as a client,
	// and carries every message between servers, so it has no client permissions.
	cluster bool
}

// roleTable is every role and what it may do: the one definition islet's NATS servers
// enforce (roleAuth) and tests check against a real server (roles_test.go). It was
// measured by tracing what each component publishes and subscribes to (Open, the token,
// account, deploy and delete paths for admin; Open with ReadOnly, Watch, Version and Bundle,
// with a bundle large enough to need flow control, for node).
var roleTable = []roleSpec{
	{role: RoleAdmin, buckets: map[string]bucketAccess{
		kv(WorkersBucket): write, obj(BundlesBucket): write, kv(TokensBucket): write, kv(AccountsBucket): write},
		// Creating a bucket reads the account's JetStream limits first.
		publish: []string{"$JS.API.INFO"}},
	{role: RoleNode, buckets: map[string]bucketAccess{kv(WorkersBucket): read, obj(BundlesBucket): read}},
	{role: RoleRoute, cluster: true},
}

// clientRoles are the roles that connect as NATS clients.
func clientRoles() []Role {
	var out []Role
	for _, s := range roleTable {
		if !s.cluster {
			out = append(out, s.role)
		}
	}
	return out
}

// ParseRole returns the client role named s (admin or node); route, a cluster route's role,
// and any other name are an error.
func ParseRole(s string) (Role, error) {
	spec, err := specOf(Role(s))
	if err != nil {
		if s == "runtime" {
			// islet up to December 2026 had it, and its credential files may still name it.
			return "", fmt.Errorf("%w: runtime processes no longer connect to NATS (their supervisor feeds them); drop that credential", err)
		}
		return "", err
	}
	if spec.cluster {
		return "", fmt.Errorf("NATS role %s is a cluster route's, not a client's", s)
	}
	return spec.role, nil
}

func specOf(r Role) (roleSpec, error) {
	for _, s := range roleTable {
		if s.role == r {
			return s, nil
		}
	}
	return roleSpec{}, fmt.Errorf("unknown NATS role %q (admin, node or route)", r)
}

// Permissions returns what the client role r may publish and subscribe to, or an error for the
// route role and unknown roles.
func Permissions(r Role) (*server.Permissions, error) {
	s, err := specOf(r)
	if err != nil {
		return nil, err
	}
	if s.cluster {
		return nil, fmt.Errorf("NATS role %s is a cluster route, not a client", r)
	}
	pub := slices.Clone(s.publish)
	names := make([]string, 0, len(s.buckets))
	for b := range s.buckets {
		names = append(names, b)
	}
	slices.Sort(names)
	for _, b := range names { // by stream name, so the list reads the same every time
		pub = append(pub, bucketSubjects(b, s.buckets[b])...)
	}
	return &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: pub},
		Subscribe: &server.SubjectPermission{Allow: []string{r.InboxPrefix() + ".>"}},
	}, nil
}

// kv and obj name the JetStream stream of a KV bucket and of an object store.
func kv(bucket string) string  { return "KV_" + bucket }
func obj(bucket string) string { return "OBJ_" + bucket }

// bucketSubjects are the subjects a client publishes to for access to a bucket's stream (see kv
// and obj). Replies come to the client's inbox.
func bucketSubjects(stream string, access bucketAccess) []string {
	objects := strings.HasPrefix(stream, "OBJ_")
	data := "$KV." + strings.TrimPrefix(stream, "KV_") + ".>"
	if objects {
		data = "$O." + strings.TrimPrefix(stream, "OBJ_") + ".>"
	}
	out := []string{
		"$JS.API.STREAM.INFO." + stream,
		"$JS.API.DIRECT.GET." + stream + ".>",
		"$JS.API.CONSUMER.CREATE." + stream + ".>",
		"$JS.API.CONSUMER.DELETE." + stream + ".*",
		"$JS.FC." + stream + ".>",
	}
	if access == write {
		out = append(out,
			"$JS.API.STREAM.CREATE."+stream,
			data, // put, create, update, delete and purge markers, object chunks and metadata
		)
		if objects {
			// An object store purges the chunks of an object it overwrites or fails to write.
			out = append(out, "$JS.API.STREAM.PURGE."+stream)
		}
	}
	return out
}
