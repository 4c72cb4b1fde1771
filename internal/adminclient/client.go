// Package adminclient calls islet's admin API (internal/admin) for the CLI and tests.
package adminclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"islet/internal/deploy"
)

// Client is an admin API client bound to one endpoint and token.
type Client struct {
	API   string // "http://127.0.0.1:8788"
	Token string
	HTTP  *http.Client
}

// New returns a client for api with token.
func New(api, token string) *Client {
	return &Client{API: strings.TrimRight(api, "/"), Token: token, HTTP: &http.Client{Timeout: 2 * time.Minute}}
}

// Error is an error answer from the API.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s (%s)", e.Message, e.Code) }

// Do sends one request; body (if not nil) is JSON-encoded unless it is an io.Reader, which is
// sent as is with contentType. The JSON answer is decoded into out (if not nil).
func (c *Client) Do(ctx context.Context, method, path string, body any, contentType string, out any) error {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case io.Reader:
		rd = b
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return err
		}
		rd, contentType = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, c.API+path, rd)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("admin API %s: %w", c.API, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("admin API %s: %w", c.API, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error *Error `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != nil {
			e.Error.Status = resp.StatusCode
			return e.Error
		}
		return &Error{Status: resp.StatusCode, Code: "http_" + fmt.Sprint(resp.StatusCode), Message: strings.TrimSpace(string(data))}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("admin API answer: %w", err)
		}
	}
	return nil
}

// DeployResult is what a deploy answers.
type DeployResult struct {
	Worker      string   `json:"worker"`
	Version     string   `json:"version"`
	BundleBytes int      `json:"bundle_bytes"`
	Unchanged   bool     `json:"unchanged"`
	URLs        []string `json:"urls"`
}

// Deploy uploads a worker version and makes it current.
func (c *Client) Deploy(ctx context.Context, name string, up *deploy.Upload) (*DeployResult, error) {
	var buf bytes.Buffer
	ct, err := deploy.WriteUpload(&buf, up)
	if err != nil {
		return nil, fmt.Errorf("encode upload: %w", err)
	}
	var out DeployResult
	if err := c.Do(ctx, http.MethodPut, "/v1/workers/"+url.PathEscape(name), &buf, ct, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
