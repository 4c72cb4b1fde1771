package wpt

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	cryptorand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"islet/internal/egress"
)

// The WPT server stand-in. A browser's WPT run fetches the test resources from wptserve; here
// the runtime's own fetch() (Go's HTTP client, egress rules and all) talks over loopback to this
// server, which serves the files under the WPT root as wptserve does (content types,
// `<file>.headers`, `.sub.` templates, `.asis` files, the `header()` and `status()` pipes) and
// answers the Python handlers the fetch tests use with Go ports of them (pyHandlers). Handlers
// with no port answer 501.
//
// It listens on a random loopback address (127.x.y.z) at the WPT ports (8000 and 8001 for
// http, 8443 and 8444 for https, with a certificate made for the run), and the runner makes
// web-platform.test and its subdomains resolve there (egress.SetLookup). One server serves a
// process; each run points it at its WPT root.

// serverPorts are the ports of the WPT config: {{ports[http][0]}} and [1] (plain HTTP), then
// {{ports[https][0]}} and [1] (TLS).
var serverPorts = []int{8000, 8001, 8443, 8444}

// tlsPorts are the serverPorts that speak TLS.
var tlsPorts = map[int]bool{8443: true, 8444: true}

type wptServer struct {
	addr netip.Addr

	mu    sync.Mutex
	root  string
	stash map[string]any
}

var (
	serverOnce sync.Once
	theServer  *wptServer
	serverErr  error
)

// startServer starts the process's server (once) and points it at root.
func startServer(root string) (*wptServer, error) {
	serverOnce.Do(func() {
		theServer, serverErr = listen()
	})
	if serverErr != nil {
		return nil, serverErr
	}
	theServer.mu.Lock()
	theServer.root = root
	theServer.mu.Unlock()
	return theServer, nil
}

// listen binds the WPT ports on a random 127.0.0.0/8 address (so that concurrent runs and
// other local services do not collide) and serves them.
func listen() (*wptServer, error) {
	cert, err := trustSelfSignedCert()
	if err != nil {
		return nil, err
	}
	var errs []error
	for range 20 {
		a := netip.AddrFrom4([4]byte{127, byte(1 + rand.IntN(250)), byte(rand.IntN(256)), byte(1 + rand.IntN(250))})
		var ls []net.Listener
		for _, p := range serverPorts {
			l, err := net.Listen("tcp", netip.AddrPortFrom(a, uint16(p)).String())
			if err != nil {
				errs = append(errs, err)
				break
			}
			if tlsPorts[p] {
				l = tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert}})
			}
			ls = append(ls, l)
		}
		if len(ls) != len(serverPorts) {
			for _, l := range ls {
				l.Close()
			}
			continue
		}
		s := &wptServer{addr: a, stash: map[string]any{}}
		// The WPT host names resolve to the server; nothing else resolves (runs are offline).
		egress.SetLookup(func(ctx context.Context, host string) ([]netip.Addr, error) {
			if isWPTHost(host) {
				return []netip.Addr{a}, nil
			}
			return nil, fmt.Errorf("the WPT runner resolves only the WPT hosts, not %q", host)
		})
		for _, l := range ls {
			srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
			go srv.Serve(l)
		}
		return s, nil
	}
	return nil, fmt.Errorf("wpt server: no loopback address to listen on: %w", errors.Join(errs...))
}

// trustSelfSignedCert makes a certificate for the WPT host names and has this process's TLS
// clients trust it: Go reads its root certificates once, from SSL_CERT_FILE when set, so the
// file is set to this certificate before any TLS connection is made. (If the roots were
// loaded already, https origins fail to connect, as they would with no server.)
func trustSelfSignedCert() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), cryptorand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "web-platform.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames: []string{"web-platform.test", "*.web-platform.test", "not-web-platform.test",
			"*.not-web-platform.test"},
	}
	der, err := x509.CreateCertificate(cryptorand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	f, err := os.CreateTemp("", "islet-wpt-ca-*.pem")
	if err != nil {
		return tls.Certificate{}, err
	}
	defer f.Close()
	if err := pem.Encode(f, &pem.Block{Type: "CERTIFICATE", Bytes: der}); err != nil {
		return tls.Certificate{}, err
	}
	os.Setenv("SSL_CERT_FILE", f.Name())
	os.Setenv("SSL_CERT_DIR", "")
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// isWPTHost reports whether a host name is one of the WPT config's (web-platform.test, its
// subdomains and the "alt" not-web-platform.test ones).
func isWPTHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, h := range []string{"web-platform.test", "not-web-platform.test"} {
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}

func (s *wptServer) rootDir() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.root
}

// The stash (wptserve's request.server.stash): values put under a key, taken once.
func (s *wptServer) stashTake(key string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.stash[key]
	delete(s.stash, key)
	return v, ok
}

func (s *wptServer) stashPut(key string, v any) {
	s.mu.Lock()
	s.stash[key] = v
	s.mu.Unlock()
}

func (s *wptServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if h, ok := pyHandlers[path.Base(p)]; ok && strings.HasSuffix(p, ".py") {
		h(s, w, r)
		return
	}
	if strings.HasSuffix(p, ".py") {
		http.Error(w, "the WPT runner's server has no port of this Python handler", http.StatusNotImplemented)
		return
	}
	file := filepath.Join(s.rootDir(), filepath.FromSlash(FilePath(p)))
	st, err := os.Stat(file)
	if err != nil {
		if alt, ok := sharedDataFile(FilePath(p)); ok {
			file = alt
			st, err = os.Stat(file)
		}
	}
	if err != nil || st.IsDir() {
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	b, err := os.ReadFile(file)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if IsSubstituted(file) {
		b = []byte(Substitute(string(b)))
	}
	if strings.HasSuffix(p, ".asis") {
		writeAsis(w, b)
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType(file))
	if extra, err := os.ReadFile(file + ".headers"); err == nil {
		for _, line := range strings.Split(string(extra), "\n") {
			name, value, ok := strings.Cut(strings.TrimSpace(line), ":")
			if !ok || strings.TrimSpace(name) == "" {
				continue
			}
			if strings.EqualFold(strings.TrimSpace(name), "content-type") {
				h.Set("Content-Type", strings.TrimSpace(value))
			} else {
				h.Add(strings.TrimSpace(name), strings.TrimSpace(value))
			}
		}
	}
	status := http.StatusOK
	if pipe := r.URL.Query().Get("pipe"); pipe != "" {
		var ok bool
		if status, ok = applyPipes(h, pipe); !ok {
			http.Error(w, "the WPT runner's server does not support the pipe "+pipe, http.StatusNotImplemented)
			return
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(b)
	}
}

// sharedData maps WPT directories to where the project keeps a copy of their data files
// (../shared/wpt-data, same upstream commit; see its README), for a WPT_DIR that lacks them.
var sharedData = map[string]string{
	"fetch/data-urls/resources/":      "fetch-data-urls",
	"mimesniff/mime-types/resources/": "mimesniff",
	"url/resources/":                  "url",
	"urlpattern/resources/":           "urlpattern",
}

// sharedDataFile finds a data file the WPT root lacks in the project's ../shared/wpt-data.
func sharedDataFile(rel string) (string, bool) {
	dir, name := path.Split(rel)
	sub, ok := sharedData[dir]
	if !ok || !strings.HasSuffix(name, ".json") {
		return "", false
	}
	root := filepath.Dir(filepath.Dir(filepath.Dir(DefaultExpectationsDir()))) // …/tests/conformance/expectations
	file := filepath.Join(root, "..", "shared", "wpt-data", sub, name)
	if _, err := os.Stat(file); err != nil {
		return "", false
	}
	return file, true
}

// applyPipes applies wptserve's header(name,value[,True]) and status(code) pipes, separated by
// "|"; it reports false for any other pipe.
func applyPipes(h http.Header, pipes string) (status int, ok bool) {
	status = http.StatusOK
	for _, p := range strings.Split(pipes, "|") {
		name, args, found := strings.Cut(p, "(")
		if !found || !strings.HasSuffix(args, ")") {
			return 0, false
		}
		list := strings.Split(strings.TrimSuffix(args, ")"), ",")
		switch name {
		case "status":
			n, err := strconv.Atoi(strings.TrimSpace(list[0]))
			if err != nil {
				return 0, false
			}
			status = n
		case "header":
			if len(list) < 2 {
				return 0, false
			}
			key, value := list[0], list[1]
			if len(list) == 3 && list[2] == "True" {
				h.Add(key, value)
			} else {
				h.Set(key, value)
			}
		default:
			return 0, false
		}
	}
	return status, true
}

// writeAsis sends a file that holds a whole HTTP response, byte for byte.
func writeAsis(w http.ResponseWriter, b []byte) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot send an .asis response", http.StatusInternalServerError)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	buf.Write(b)
	buf.Flush()
}

// query returns the first value of a query parameter and whether it is present.
func query(r *http.Request, key string) (string, bool) {
	v, ok := r.URL.Query()[key]
	if !ok || len(v) == 0 {
		return "", ok
	}
	return v[0], true
}

func queryOr(r *http.Request, key, def string) string {
	if v, ok := query(r, key); ok {
		return v
	}
	return def
}

// requestHeader is wptserve's request.headers.get: the values of a header joined by ", ".
func requestHeader(r *http.Request, name string) (string, bool) {
	if strings.EqualFold(name, "host") {
		return r.Host, true
	}
	v := r.Header.Values(name)
	if len(v) == 0 {
		return "", false
	}
	return strings.Join(v, ", "), true
}

func requestHeaderOr(r *http.Request, name, def string) string {
	if v, ok := requestHeader(r, name); ok {
		return v
	}
	return def
}

// urlDir is the directory of the request's path, as the stash handlers scope their keys.
func urlDir(r *http.Request) string {
	return path.Dir(r.URL.Path) + "/"
}

// pyHandlers are Go ports of the Python handlers (wptserve "main" functions) the fetch tests
// use, by file name.
var pyHandlers = map[string]func(s *wptServer, w http.ResponseWriter, r *http.Request){
	"cache.py":                  handleCache,
	"clean-stash.py":            handleCleanStash,
	"echo-content.h2.py":        handleEchoContentH2,
	"echo-content.py":           handleEchoContent,
	"infinite-slow-response.py": handleInfiniteSlowResponse,
	"inspect-headers.py":        handleInspectHeaders,
	"method.py":                 handleMethod,
	"redirect.py":               handleRedirect,
	"stash-put.py":              handleStashPut,
	"stash-take.py":             handleStashTake,
	"status.py":                 handleStatus,
	"trickle.py":                handleTrickle,
}

// fetch/api/request/resources/cache.py: records the conditional and cache headers of each
// request under a token and answers with validators, 304 when they match.
func handleCache(s *wptServer, w http.ResponseWriter, r *http.Request) {
	token := queryOr(r, "token", "")
	h := w.Header()
	if _, ok := query(r, "querystate"); ok {
		v, _ := s.stashTake(token)
		b, _ := json.Marshal(v)
		h.Set("Content-Type", "text/plain")
		w.Write(b)
		return
	}
	content := queryOr(r, "content", "")
	tag, hasTag := query(r, "tag")
	date, hasDate := query(r, "date")
	inm, hasINM := requestHeader(r, "If-None-Match")
	ims, hasIMS := requestHeader(r, "If-Modified-Since")
	if hasTag {
		tag = `"` + tag + `"`
	}
	var state []map[string]string
	if v, ok := s.stashTake(token); ok {
		state, _ = v.([]map[string]string)
	}
	entry := map[string]string{}
	if _, ignore := query(r, "ignore"); !ignore {
		for _, name := range []string{"If-None-Match", "If-Modified-Since", "Pragma", "Cache-Control"} {
			if v, ok := requestHeader(r, name); ok && v != "" {
				entry[name] = v
			}
		}
	}
	state = append(state, entry)
	s.stashPut(token, state)
	if hasTag {
		h.Set("ETag", tag)
	} else if hasDate {
		h.Set("Last-Modified", date)
	}
	for param, header := range map[string]string{"expires": "Expires", "vary": "Vary", "cache_control": "Cache-Control"} {
		if v, ok := query(r, param); ok {
			h.Set(header, v)
		}
	}
	h.Set("Access-Control-Allow-Origin", "*")
	if redirect, ok := query(r, "redirect"); ok {
		h.Set("Location", redirect)
		w.WriteHeader(http.StatusFound)
		return
	}
	if (hasINM && hasTag && inm == tag) || (hasIMS && hasDate && ims == date) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "text/plain")
	io.WriteString(w, content)
}

// fetch/api/resources/clean-stash.py: "1" if the token had a stash entry (taking it), else "0".
func handleCleanStash(s *wptServer, w http.ResponseWriter, r *http.Request) {
	if _, ok := s.stashTake(queryOr(r, "token", "")); ok {
		io.WriteString(w, "1")
		return
	}
	io.WriteString(w, "0")
}

// fetch/api/resources/echo-content.py: the request body back, with its method, length and type.
func handleEchoContent(s *wptServer, w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h := w.Header()
	h.Set("X-Request-Method", r.Method)
	h.Set("X-Request-Content-Length", contentLength(r))
	h.Set("X-Request-Content-Type", requestHeaderOr(r, "Content-Type", "NO"))
	h.Set("Content-Type", "text/plain")
	w.Write(body)
}

// fetch/api/resources/echo-content.h2.py: the request body back as text/plain. wptserve
// echoes each HTTP/2 data frame as it arrives; over HTTP/1.1 the body is read whole first.
func handleEchoContentH2(s *wptServer, w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// contentLength is the request's Content-Length header, or "NO" (Go's server moves it out of
// the header map).
func contentLength(r *http.Request) string {
	if v, ok := requestHeader(r, "Content-Length"); ok {
		return v
	}
	if r.ContentLength >= 0 && !(r.ContentLength == 0 && len(r.TransferEncoding) == 0 && r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch) {
		return strconv.FormatInt(r.ContentLength, 10)
	}
	return "NO"
}

// fetch/api/resources/infinite-slow-response.py: a body that never ends until the client goes
// away or a stash key asks it to stop; its state ("open", "closed") goes to another key.
func handleInfiniteSlowResponse(s *wptServer, w http.ResponseWriter, r *http.Request) {
	dir := urlDir(r)
	stateKey := queryOr(r, "stateKey", "")
	abortKey := queryOr(r, "abortKey", "")
	write := func(v string) {
		s.stashTake(dir + stateKey)
		s.stashPut(dir+stateKey, v)
	}
	if stateKey != "" {
		write("open")
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	if _, err := w.Write([]byte(strings.Repeat(".", 2048))); err == nil && flusher != nil {
		flusher.Flush()
	}
	for {
		if _, err := w.Write([]byte(".")); err != nil {
			break
		}
		if flusher != nil {
			flusher.Flush()
		}
		if abortKey != "" {
			if _, ok := s.stashTake(dir + abortKey); ok {
				break
			}
		}
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Millisecond):
			continue
		}
		break
	}
	if stateKey != "" {
		write("closed")
	}
}

// fetch/api/resources/inspect-headers.py: the request headers named in ?headers=a|b|… come back
// as x-request-a, …
func handleInspectHeaders(s *wptServer, w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	var checked []string
	if list, ok := query(r, "headers"); ok {
		checked = strings.Split(list, "|")
		for _, name := range checked {
			if v, ok := requestHeader(r, name); ok {
				h.Add("x-request-"+name, v)
			}
		}
	}
	if _, ok := query(r, "cors"); ok {
		if origin, ok := requestHeader(r, "Origin"); ok {
			h.Add("Access-Control-Allow-Origin", origin)
		} else {
			h.Add("Access-Control-Allow-Origin", "*")
		}
		h.Add("Access-Control-Allow-Credentials", "true")
		h.Add("Access-Control-Allow-Methods", "GET, POST, HEAD")
		var exposed []string
		for _, name := range checked {
			exposed = append(exposed, "x-request-"+name)
		}
		h.Add("Access-Control-Expose-Headers", strings.Join(exposed, ", "))
		if allow, ok := query(r, "allow_headers"); ok {
			h.Add("Access-Control-Allow-Headers", allow)
		} else {
			var names []string
			for name := range r.Header {
				names = append(names, strings.ToLower(name))
			}
			h.Add("Access-Control-Allow-Headers", strings.Join(names, ", "))
		}
	}
	h.Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
}

// fetch/api/resources/method.py: the request's method and content headers, and its body.
func handleMethod(s *wptServer, w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if _, ok := query(r, "cors"); ok {
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, FOO")
		h.Set("Access-Control-Allow-Headers", "x-test, x-foo")
		h.Set("Access-Control-Expose-Headers", "x-request-method")
	}
	body, _ := io.ReadAll(r.Body)
	h.Set("x-request-method", r.Method)
	h.Set("x-request-content-type", requestHeaderOr(r, "Content-Type", "NO"))
	h.Set("x-request-content-length", contentLength(r))
	h.Set("x-request-content-encoding", requestHeaderOr(r, "Content-Encoding", "NO"))
	h.Set("x-request-content-language", requestHeaderOr(r, "Content-Language", "NO"))
	h.Set("x-request-content-location", requestHeaderOr(r, "Content-Location", "NO"))
	w.Write(body)
}

// redirectState is what redirect.py keeps under its token.
type redirectState struct {
	Count     int
	Preflight string
}

// fetch/api/resources/redirect.py: redirects to ?location= (with the query carried over and a
// count added), counting the hops under ?token=; ?max_count= ends the loop with the count.
func handleRedirect(s *wptServer, w http.ResponseWriter, r *http.Request) {
	state := redirectState{Preflight: "0"}
	status := http.StatusFound
	h := w.Header()
	h.Set("Content-Type", "text/plain")
	h.Set("Cache-Control", "no-cache")
	h.Set("Pragma", "no-cache")
	if origin, ok := requestHeader(r, "Origin"); ok {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	} else {
		h.Set("Access-Control-Allow-Origin", "*")
	}
	token, hasToken := query(r, "token")
	if hasToken {
		if v, ok := s.stashTake(token); ok {
			if st, ok := v.(redirectState); ok {
				state = st
			}
		}
	}
	if r.Method == http.MethodOptions {
		if allow, ok := query(r, "allow_headers"); ok {
			h.Set("Access-Control-Allow-Headers", allow)
		}
		state.Preflight = "1"
		if _, ok := query(r, "redirect_preflight"); !ok {
			if hasToken {
				s.stashPut(token, state)
			}
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	if v, ok := query(r, "redirect_status"); ok {
		if n, err := strconv.Atoi(v); err == nil {
			status = n
		}
	} else if r.Method == http.MethodPost {
		if err := r.ParseForm(); err == nil && r.PostForm.Get("redirect_status") != "" {
			if n, err := strconv.Atoi(r.PostForm.Get("redirect_status")); err == nil {
				status = n
			}
		}
	}
	state.Count++
	if location, ok := query(r, "location"); ok {
		if _, simple := query(r, "simple"); !simple {
			u, err := url.Parse(location)
			if err == nil && (u.Scheme == "" || u.Scheme == "http" || u.Scheme == "https") {
				if strings.Contains(location, "?") {
					location += "&"
				} else {
					location += "?"
				}
				location += encodeQueryInOrder(r.URL.RawQuery)
				location += "&count=" + strconv.Itoa(state.Count)
			}
		}
		h.Set("Location", location)
	}
	if v, ok := query(r, "redirect_referrerpolicy"); ok {
		h.Set("Referrer-Policy", v)
	}
	if v, ok := query(r, "delay"); ok {
		if ms, err := strconv.ParseFloat(v, 64); err == nil {
			time.Sleep(time.Duration(ms * float64(time.Millisecond)))
		}
	}
	if hasToken {
		s.stashPut(token, state)
		if v, ok := query(r, "max_count"); ok {
			if max, err := strconv.Atoi(v); err == nil && state.Count > max {
				h.Del("Location")
				w.WriteHeader(http.StatusOK)
				io.WriteString(w, strconv.Itoa(state.Count-1))
				return
			}
		}
	}
	w.WriteHeader(status)
}

// encodeQueryInOrder re-encodes a query as Python's urlencode does a dict of its parameters:
// each name once, with its first value, in order of first appearance, form-encoded.
func encodeQueryInOrder(raw string) string {
	seen := map[string]bool{}
	var out []string
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, url.QueryEscape(key)+"="+url.QueryEscape(value))
	}
	return strings.Join(out, "&")
}

// fetch/api/resources/stash-put.py: stores ?value= under ?key= (scoped to the directory).
func handleStashPut(s *wptServer, w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodOptions {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Methods", "*")
		h.Set("Access-Control-Allow-Headers", "*")
		io.WriteString(w, "done")
		return
	}
	if _, ok := query(r, "disallow_cross_origin"); !ok {
		w.Header().Set("Access-Control-Allow-Origin", "*")
	}
	s.stashPut(urlDir(r)+queryOr(r, "key", ""), queryOr(r, "value", ""))
	io.WriteString(w, "done")
}

// fetch/api/resources/stash-take.py: the value under ?key= as JSON (null when none), taken.
func handleStashTake(s *wptServer, w http.ResponseWriter, r *http.Request) {
	v, _ := s.stashTake(urlDir(r) + queryOr(r, "key", ""))
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Content-Type", "application/json")
	b, _ := json.Marshal(v)
	w.Write(b)
}

// fetch/api/resources/status.py: a response with ?code=, ?text=, ?type= and ?content=.
func handleStatus(s *wptServer, w http.ResponseWriter, r *http.Request) {
	code, err := strconv.Atoi(queryOr(r, "code", "200"))
	if err != nil {
		code = 200
	}
	text := queryOr(r, "text", "OMG")
	h := w.Header()
	h.Set("Content-Type", queryOr(r, "type", ""))
	h.Set("X-Request-Method", r.Method)
	content := queryOr(r, "content", "")
	writeStatusLine(w, code, text, content)
}

// writeStatusLine sends a response with a reason phrase of its own (Go's server writes the
// standard one), through the hijacked connection.
func writeStatusLine(w http.ResponseWriter, code int, reason, body string) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		w.WriteHeader(code)
		io.WriteString(w, body)
		return
	}
	h := w.Header().Clone()
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", code, reason)
	h.Set("Connection", "close")
	if code != http.StatusNoContent && code != http.StatusNotModified && code >= 200 {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	h.Write(buf)
	buf.WriteString("\r\n")
	if code != http.StatusNoContent && code != http.StatusNotModified && code >= 200 {
		buf.WriteString(body)
	}
	buf.Flush()
}

// fetch/api/resources/trickle.py: ?count= lines of "TEST_TRICKLE\n", one every ?ms= (500).
func handleTrickle(s *wptServer, w http.ResponseWriter, r *http.Request) {
	delay := 500 * time.Millisecond
	if v, ok := query(r, "ms"); ok {
		if ms, err := strconv.ParseFloat(v, 64); err == nil {
			delay = time.Duration(ms * float64(time.Millisecond))
		}
	}
	count := 50
	if v, ok := query(r, "count"); ok {
		if n, err := strconv.Atoi(v); err == nil {
			count = n
		}
	}
	io.Copy(io.Discard, r.Body)
	sleep := func() bool {
		select {
		case <-r.Context().Done():
			return false
		case <-time.After(delay):
			return true
		}
	}
	if !sleep() {
		return
	}
	if _, ok := query(r, "notype"); !ok {
		w.Header().Set("Content-Type", "text/plain")
	}
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	if flusher != nil {
		flusher.Flush()
	}
	if !sleep() {
		return
	}
	for range count {
		if _, err := io.WriteString(w, "TEST_TRICKLE\n"); err != nil {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
		if !sleep() {
			return
		}
	}
}
