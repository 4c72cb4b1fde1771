package gateway

import (
	"fmt"
	"strconv"
	"strings"
)

// pattern is one parsed route pattern, normalised: the host is lower case without a trailing
// dot, the scheme is gone, and a missing path is "/*".
type pattern struct {
	raw      string // the pattern as written
	wildHost bool   // the host part began with '*': host is a suffix to match
	host     string // the literal host, or the literal suffix after '*'
	port     string // "" matches any port
	path     string // the literal path, or the literal prefix before a trailing '*'
	prefix   bool   // the path part ended with '*'
}

// parsePattern parses a Cloudflare-Workers-style route pattern:
//
//	[http://|https://]<host>[:<port>][/<path>]
//
// The host may start with '*' (any characters, possibly none, then the literal rest). The path
// must start with '/' and may end with '*' (any suffix); no other '*' is allowed. A missing path
// means every path ("/*"). Query strings, fragments, whitespace and control characters are
// rejected.
func parsePattern(s string) (pattern, error) {
	p := pattern{raw: s}
	if s == "" {
		return p, fmt.Errorf("route pattern is empty")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return p, fmt.Errorf("route pattern %q: contains whitespace or a control character", s)
		}
	}
	rest := s
	if i := strings.Index(rest, "://"); i >= 0 {
		switch strings.ToLower(rest[:i]) {
		case "http", "https":
			rest = rest[i+3:]
		default:
			return p, fmt.Errorf("route pattern %q: scheme %q is not http or https", s, rest[:i])
		}
	}
	if strings.ContainsAny(rest, "?#") {
		return p, fmt.Errorf("route pattern %q: query strings and fragments are not matched; remove them", s)
	}
	hostPort, path := rest, "/*"
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		hostPort, path = rest[:i], rest[i:]
	}
	if err := p.parseHost(hostPort); err != nil {
		return p, fmt.Errorf("route pattern %q: %w", s, err)
	}
	if err := p.parsePath(path); err != nil {
		return p, fmt.Errorf("route pattern %q: %w", s, err)
	}
	return p, nil
}

// parseHost fills the host fields of p from "[*]host[:port]".
func (p *pattern) parseHost(hostPort string) error {
	if i := strings.LastIndexByte(hostPort, ':'); i >= 0 {
		port := hostPort[i+1:]
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '+' || port[0] == '0' {
			return fmt.Errorf("port %q is not a number from 1 to 65535", port)
		}
		p.port, hostPort = port, hostPort[:i]
	}
	host := strings.ToLower(hostPort)
	if strings.HasPrefix(host, "*") {
		p.wildHost, host = true, host[1:]
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" && !p.wildHost {
		return fmt.Errorf("host is empty")
	}
	if strings.HasPrefix(host, ".") && !p.wildHost {
		return fmt.Errorf("host %q starts with '.'", hostPort)
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '.', c == '_':
		case c == '*':
			return fmt.Errorf("'*' is allowed only at the start of the host")
		default:
			return fmt.Errorf("host %q contains %q", hostPort, c)
		}
	}
	if strings.Contains(host, "..") {
		return fmt.Errorf("host %q contains an empty label", hostPort)
	}
	p.host = host
	return nil
}

// parsePath fills the path fields of p from "/path[*]".
func (p *pattern) parsePath(path string) error {
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("path %q does not start with '/'", path)
	}
	if strings.HasSuffix(path, "*") {
		p.prefix, path = true, path[:len(path)-1]
	}
	if strings.Contains(path, "*") {
		return fmt.Errorf("'*' is allowed only at the end of the path")
	}
	p.path = path
	return nil
}

// key is the normalised form of p: two patterns with the same key match the same requests.
func (p *pattern) key() string {
	var b strings.Builder
	if p.wildHost {
		b.WriteByte('*')
	}
	b.WriteString(p.host)
	if p.port != "" {
		b.WriteByte(':')
		b.WriteString(p.port)
	}
	b.WriteString(p.path)
	if p.prefix {
		b.WriteByte('*')
	}
	return b.String()
}

// matches reports whether p matches a request to host (normalised by splitHost), port ("" when
// the request named none) and path.
func (p *pattern) matches(host, port, path string) bool {
	if p.wildHost {
		if !strings.HasSuffix(host, p.host) {
			return false
		}
	} else if host != p.host {
		return false
	}
	if p.port != "" && p.port != port {
		return false
	}
	if p.prefix {
		return strings.HasPrefix(path, p.path)
	}
	return path == p.path
}

// moreSpecific reports whether p is more specific than q, comparing in this order: an exact host
// beats a wildcard host; a longer literal host (suffix) beats a shorter one; a pattern with a
// port beats one without; an exact path beats a '*' prefix; a longer literal path beats a
// shorter one. Patterns that tie on all of these and both match one request have the same key.
func (p *pattern) moreSpecific(q *pattern) (more, decided bool) {
	switch {
	case p.wildHost != q.wildHost:
		return !p.wildHost, true
	case len(p.host) != len(q.host):
		return len(p.host) > len(q.host), true
	case (p.port != "") != (q.port != ""):
		return p.port != "", true
	case p.prefix != q.prefix:
		return !p.prefix, true
	case len(p.path) != len(q.path):
		return len(p.path) > len(q.path), true
	}
	return false, false
}

// splitHost normalises a request's Host header: it lower-cases it, removes the port (returned
// separately, "" when absent) and a trailing dot. IPv6 literals keep their brackets.
func splitHost(hostPort string) (host, port string) {
	host = hostPort
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i >= 0 {
			host, port = host[:i+1], strings.TrimPrefix(host[i+1:], ":")
		}
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.Count(host, ":") == 1 {
		host, port = host[:i], host[i+1:]
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return host, port
}
