package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"
)

// ParseUpload reads a deploy upload: a multipart/form-data body (contentType carries the
// boundary) with one part named "metadata" (JSON, see Metadata) and one part per module whose
// form name (or file name) is the module's path. Bodies over MaxUploadBytes, malformed
// multipart, duplicate modules and unknown metadata fields are *Errors.
func ParseUpload(body io.Reader, contentType string) (*Upload, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, Errorf(CodeUnsupportedContentType, "a deploy is a multipart/form-data body with a boundary, got content type %q", contentType)
	}
	lr := &capReader{r: body, left: MaxUploadBytes}
	mr := multipart.NewReader(lr, params["boundary"])
	tooLarge := Errorf(CodeUploadTooLarge, "the upload is over %d bytes", MaxUploadBytes)
	up := &Upload{Modules: map[string][]byte{}}
	sawMeta := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if lr.over || errors.Is(err, errTooLarge) {
			return nil, tooLarge
		}
		if err != nil {
			return nil, malformed(err)
		}
		name := part.FormName()
		if name == "" {
			name = part.FileName()
		}
		data, err := io.ReadAll(part)
		if lr.over || errors.Is(err, errTooLarge) {
			return nil, tooLarge
		}
		if err != nil {
			return nil, malformed(err)
		}
		if name == "metadata" {
			if sawMeta {
				return nil, Errorf(CodeMalformedUpload, "two metadata parts")
			}
			sawMeta = true
			if err := decodeStrict(data, &up.Metadata); err != nil {
				return nil, Errorf(CodeInvalidMetadata, "metadata: %v", err)
			}
			if err := up.Metadata.checkBindings(); err != nil {
				return nil, err
			}
			continue
		}
		if err := ValidateModulePath(name); err != nil {
			return nil, err
		}
		if _, dup := up.Modules[name]; dup {
			return nil, Errorf(CodeMalformedUpload, "module %q appears twice", name)
		}
		up.Modules[name] = data
	}
	if !sawMeta {
		return nil, Errorf(CodeInvalidMetadata, "the upload has no metadata part")
	}
	return up, nil
}

var errTooLarge = errors.New("upload too large")

// capReader reads at most left bytes of r, then fails with errTooLarge and sets over.
type capReader struct {
	r    io.Reader
	left int64
	over bool
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		if n, _ := c.r.Read(make([]byte, 1)); n > 0 {
			c.over = true
			return 0, errTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

func malformed(err error) error {
	return Errorf(CodeMalformedUpload, "multipart body: %v", err)
}

// decodeStrict decodes one JSON value, refusing unknown fields and trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

// WriteUpload writes u as the multipart body ParseUpload reads and returns its content type.
func WriteUpload(w io.Writer, u *Upload) (string, error) {
	mw := multipart.NewWriter(w)
	meta, err := json.Marshal(&u.Metadata)
	if err != nil {
		return "", err
	}
	if err := mw.WriteField("metadata", string(meta)); err != nil {
		return "", err
	}
	for p, b := range u.Modules {
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{`form-data; name="` + escapeQuotes(p) + `"; filename="` + escapeQuotes(p) + `"`}
		h["Content-Type"] = []string{moduleType(p)}
		pw, err := mw.CreatePart(h)
		if err != nil {
			return "", err
		}
		if _, err := pw.Write(b); err != nil {
			return "", err
		}
	}
	if err := mw.Close(); err != nil {
		return "", err
	}
	return mw.FormDataContentType(), nil
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"")

func escapeQuotes(s string) string { return quoteEscaper.Replace(s) }

func moduleType(p string) string {
	switch {
	case strings.HasSuffix(p, ".wasm"):
		return "application/wasm"
	case strings.HasSuffix(p, ".map"), strings.HasSuffix(p, ".json"):
		return "application/json"
	default:
		return "application/javascript+module"
	}
}
