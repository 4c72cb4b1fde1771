package worker

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// fuzzServe serves r with inst and returns the response, failing if it takes longer than 10 s
// (a hang is a bug too).
func fuzzServe(t *testing.T, inst *Instance, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		inst.Serve(rec, r)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("the request (method %q, URL %q, header %q) got no answer in 10 s", r.Method, r.URL, r.Header)
	}
	return rec
}

// echoRequest answers with how the runtime saw the request: method, URL and headers.
const echoRequest = `export default {
	fetch(req) {
		return Response.json({ method: req.method, url: req.url, headers: [...req.headers] });
	},
};`

type echoed struct {
	Method  string      `json:"method"`
	URL     string      `json:"url"`
	Headers [][2]string `json:"headers"`
}

// FuzzRequestConversion gives the runtime HTTP requests the Go server would build from any
// method, target and header: it must answer every one (no crash, no hang), and what it
// reports must be what was sent when the request is one the server could have accepted.
func FuzzRequestConversion(f *testing.F) {
	f.Add("GET", "/", "x-a", "1")
	f.Add("POST", "/p/a/t/h?q=1&r=%20", "content-type", "text/plain; charset=utf-8")
	f.Add("PATCH", "/é?x=ü", "x-utf8", "héllo")
	f.Add("get", "//double//slash", "x-empty", "")
	f.Add("M-SEARCH", "/%zz", "x-tab", "a\tb")
	f.Add("GET", "/", "x-nul", "a\x00x-admin\x00true")
	f.Add("GET", "/", "x-crlf", "a\r\nx-admin: true")
	f.Add("", "", "", "")
	f.Add("GET", "/"+strings.Repeat("a", 5000), "x-long", strings.Repeat("v", 5000))
	f.Add("G E T", "/\x00", "bad name", "\xff\xfe")
	f.Add("GET", "/", "x-latin1", "caf\xe9 \xfd") // obs-text: one code point per byte
	inst, _ := newTestInstance(f, &Spec{Modules: map[string]string{"index.js": echoRequest}}, true)
	f.Fuzz(func(t *testing.T, method, target, name, value string) {
		u, err := url.ParseRequestURI(target)
		if err != nil {
			u = &url.URL{Path: "/"}
		}
		r := &http.Request{Method: method, URL: u, RequestURI: target, Host: "fuzz.test", Header: http.Header{},
			Body: http.NoBody, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
		if name != "" {
			r.Header[name] = []string{value}
		}
		r = r.WithContext(t.Context())
		rec := fuzzServe(t, inst, r)
		body := rec.Body.String()
		switch rec.Code {
		case 200:
		case 500:
			if !strings.Contains(body, "TypeError") {
				t.Fatalf("500 without a TypeError: %q", body)
			}
			return
		default:
			t.Fatalf("status %d: %q", rec.Code, body)
		}
		var got echoed
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("answer %q: %v", body, err)
		}
		valid := isToken(name) && validFieldValue(value) && isToken(method)
		if !valid {
			return
		}
		if got.Method != strings.ToUpper(method) && got.Method != method {
			t.Errorf("method %q became %q", method, got.Method)
		}
		decoded := isomorphicDecode(value)
		want := [2]string{strings.ToLower(name), strings.Trim(decoded, " \t")}
		found := false
		for _, h := range got.Headers {
			switch h[0] {
			case "host":
			case want[0]:
				found = found || h[1] == want[1] || h[1] == decoded // the server trims, the runtime needs not
			default:
				t.Errorf("header %q: %q appeared from %q: %q", h[0], h[1], name, value)
			}
		}
		if !found {
			t.Errorf("header %q: %q not seen; headers %q", name, value, got.Headers)
		}
	})
}

// isToken reports whether s is an HTTP token (RFC 9110), as the Go server requires of a method
// and a header name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// validFieldValue reports whether v may be a header value the Go server accepts: no control
// characters but tab.
func validFieldValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// parseFormBody answers with the entries the runtime parsed, or the error's name and message.
const parseFormBody = `export default {
	async fetch(req) {
		try {
			const form = await req.formData();
			let n = 0;
			for (const [name, value] of form) n += name.length + (typeof value === "string" ? value.length : value.size);
			return new Response("ok " + n);
		} catch (e) {
			return new Response(e.name + ": " + e.message);
		}
	},
};`

// FuzzFormData gives Body.formData() any body under any multipart boundary (and the URL-encoded
// type): it must answer with the entries or a TypeError, promptly.
func FuzzFormData(f *testing.F) {
	f.Add("multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--X--\r\n"))
	f.Add("multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f.txt\"\r\nContent-Type: text/plain\r\n\r\nfile body\r\n--X--"))
	f.Add("multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end"))
	f.Add("multipart/form-data; boundary=X", []byte("garbage"))
	f.Add("multipart/form-data; boundary=\"quoted b\"", []byte("--quoted b\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--quoted b--\r\n"))
	f.Add("multipart/form-data", []byte("--X\r\n\r\n--X--"))
	f.Add("multipart/form-data; boundary=", []byte("----\r\n"))
	f.Add("multipart/form-data; boundary=X", bytes.Repeat([]byte("--X\r\n"), 1000))
	f.Add("application/x-www-form-urlencoded", []byte("a=1&b=%zz&&=&c"))
	f.Add("text/plain", []byte("a=1"))
	inst, _ := newTestInstance(f, &Spec{Modules: map[string]string{"index.js": parseFormBody}}, true)
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r := httptest.NewRequestWithContext(t.Context(), "POST", "http://fuzz.test/", bytes.NewReader(body))
		r.Header.Set("content-type", contentType)
		rec := fuzzServe(t, inst, r)
		got, _ := io.ReadAll(rec.Body)
		if rec.Code != 200 || !(bytes.HasPrefix(got, []byte("ok ")) || bytes.HasPrefix(got, []byte("TypeError: "))) {
			t.Fatalf("content-type %q body %q: %d %q", contentType, body, rec.Code, got)
		}
	})
}
