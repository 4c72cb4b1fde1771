package worker

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"islet/internal/egress"
)

// upstream is an origin server on 127.0.0.1 for outbound fetch tests.
func upstream(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-upstream", "yes")
		fmt.Fprintf(w, "hello %s %s", r.Method, r.Header.Get("x-from"))
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/hello", http.StatusFound)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 300<<10)))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestOutboundFetch(t *testing.T) {
	egress.SetAllowPrivate(true)
	defer egress.SetAllowPrivate(false)
	up := upstream(t)
	srv, _ := serve(t, map[string]string{"index.js": `
		const UP = "` + up.URL + `";
		export default {
			async fetch(req) {
				const path = new URL(req.url).pathname;
				if (path === "/get") {
					const r = await fetch(UP + "/hello", { headers: { "x-from": "worker" } });
					return new Response(r.status + " " + r.headers.get("x-upstream") + " " + (await r.text()) + " " + r.type);
				}
				if (path === "/post") {
					const r = await fetch(UP + "/echo", { method: "POST", body: "sent body" });
					return new Response(await r.text());
				}
				if (path === "/redirects") {
					const follow = await fetch(UP + "/redirect");
					const manual = await fetch(UP + "/redirect", { redirect: "manual" });
					let error = "none";
					try { await fetch(UP + "/redirect", { redirect: "error" }); } catch (e) { error = e.constructor.name; }
					return new Response([follow.status, follow.redirected, manual.status, error].join(" "));
				}
				if (path === "/abort") {
					const c = new AbortController();
					setTimeout(() => c.abort(), 20);
					try { await fetch(UP + "/slow", { signal: c.signal }); return new Response("not aborted"); }
					catch (e) { return new Response(e.name); }
				}
				if (path === "/stream") {
					const r = await fetch(UP + "/big");
					return new Response(r.body); // piped straight through
				}
				if (path === "/limit") {
					let n = 0;
					try { for (;;) { await (await fetch(UP + "/hello")).text(); n++; } }
					catch (e) { return new Response(n + " " + e.message); }
				}
				return new Response("?");
			},
		};`})
	cases := []struct{ path, want string }{
		{"/get", "200 yes hello GET worker basic"},
		{"/post", "sent body"},
		{"/redirects", "200 true 302 TypeError"},
		{"/abort", "AbortError"},
		{"/limit", fmt.Sprintf("%d Too many subrequests: a request may make at most %d", MaxSubrequests, MaxSubrequests)},
	}
	for _, c := range cases {
		if code, body := get(t, srv.URL+c.path); code != 200 || body != c.want {
			t.Errorf("%s: %d %q, want %q", c.path, code, body, c.want)
		}
	}
	if code, body := get(t, srv.URL+"/stream"); code != 200 || len(body) != 300<<10 {
		t.Errorf("/stream: %d, %d bytes", code, len(body))
	}
}

func TestEgressToPrivateAddressesIsRefused(t *testing.T) {
	egress.SetAllowPrivate(false)
	up := upstream(t)
	srv, _ := serve(t, map[string]string{"index.js": `
		export default {
			async fetch(req) {
				const target = new URL(req.url).searchParams.get("to");
				try { await fetch(target); return new Response("reached " + target); }
				catch (e) { return new Response(e.constructor.name + ": " + e.message); }
			},
		};`})
	for _, target := range []string{up.URL + "/hello", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]:1/", "http://localhost:1/"} {
		_, body := get(t, srv.URL+"/?to="+target)
		if !strings.HasPrefix(body, "TypeError: fetch failed") || !strings.Contains(body, "is not allowed") {
			t.Errorf("fetch %s: %q", target, body)
		}
	}
}
