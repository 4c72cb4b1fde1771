// Package encoding holds TextEncoder, TextDecoder, atob and btoa. UTF-8, UTF-16, the single-byte
// encodings, gb18030/gbk, Big5 and iso-2022-jp are decoded by the Encoding Standard's own
// algorithms here (with indexes built from golang.org/x/text's tables, corrected where they differ
// from the standard's); the other legacy encodings use golang.org/x/text's decoders.
package encoding

import (
	"embed"
	"strconv"

	"islet/internal/ext"
	"islet/internal/op"
)

//go:embed js/*.js
var files embed.FS

// Ext is the encoding extension.
var Ext = ext.Ext{
	Name: "encoding",
	JS:   ext.JSDir(files),
	Ops: []op.Def{
		{Name: "encoding_encode", Sync: opEncode},
		{Name: "encoding_label", Sync: opLabel},
		{Name: "encoding_decode", Sync: opDecode},
		{Name: "encoding_decode_stream", Sync: opDecodeStream},
		{Name: "encoding_atob", Sync: opAtob},
		{Name: "encoding_btoa", Sync: opBtoa},
	},
}

// opEncode is encoding_encode(input string) → Uint8Array of its UTF-8 bytes. Lone surrogates
// became U+FFFD when the string crossed into Go, as TextEncoder requires.
func opEncode(c *op.Call) (op.Value, error) {
	s, err := c.Str(0)
	if err != nil {
		return op.Undefined, err
	}
	return op.Bytes([]byte(s)), nil
}

// opLabel is encoding_label(label string) → the encoding's name (lower case) or null when the
// label is unknown. The label must already be trimmed of ASCII whitespace.
func opLabel(c *op.Call) (op.Value, error) {
	label, err := c.Str(0)
	if err != nil {
		return op.Undefined, err
	}
	name, ok := Lookup(label)
	if !ok {
		return op.Null, nil
	}
	return op.String(name), nil
}

func decodeArgs(c *op.Call) (name string, data []byte, fatal, stripBOM bool, err error) {
	if name, err = c.Str(0); err != nil {
		return
	}
	if c.Arg(1).IsNullish() {
		data = nil
	} else if data, err = c.Buf(1); err != nil {
		return
	}
	return name, data, c.Arg(2).Truthy(), c.Arg(3).Truthy(), nil
}

// opDecode is encoding_decode(name, bytes, fatal, stripBOM) → string: decodes a whole input
// (TextDecoder.decode without {stream: true}). A fatal decoder's error is a TypeError.
func opDecode(c *op.Call) (op.Value, error) {
	name, data, fatal, stripBOM, err := decodeArgs(c)
	if err != nil {
		return op.Undefined, err
	}
	text, _, err := Decode(name, data, fatal, stripBOM, false)
	if err != nil {
		return op.Undefined, err
	}
	return op.String(text), nil
}

// opDecodeStream is encoding_decode_stream(name, bytes, fatal, stripBOM, more, state) → [text,
// leftover, state]: decodes what it can and reports how many bytes at the end of the input belong
// to an incomplete sequence (when more is true); the caller passes them again with the next
// chunk, together with the returned decoder state (0 to start; only iso-2022-jp uses it).
func opDecodeStream(c *op.Call) (op.Value, error) {
	name, data, fatal, stripBOM, err := decodeArgs(c)
	if err != nil {
		return op.Undefined, err
	}
	state := 0
	if !c.Arg(5).IsNullish() {
		if state, err = c.Int(5); err != nil {
			return op.Undefined, err
		}
	}
	text, left, state, err := DecodeState(name, data, state, fatal, stripBOM, c.Arg(4).Truthy())
	if err != nil {
		return op.Undefined, err
	}
	return op.Strings([]string{text, strconv.Itoa(left), strconv.Itoa(state)}), nil
}

// opAtob is encoding_atob(data string) → the decoded bytes as a string of code points U+0000 to
// U+00FF, or an InvalidCharacterError DOMException.
func opAtob(c *op.Call) (op.Value, error) {
	s, err := c.Str(0)
	if err != nil {
		return op.Undefined, err
	}
	b, ok := ForgivingBase64Decode(s)
	if !ok {
		return op.Undefined, op.DOMException("InvalidCharacterError",
			"Failed to execute 'atob': The string to be decoded is not correctly encoded.")
	}
	return op.String(latin1ToString(b)), nil
}

// opBtoa is encoding_btoa(data string) → base64 of the string's code points (each must be at
// most U+00FF, else an InvalidCharacterError DOMException).
func opBtoa(c *op.Call) (op.Value, error) {
	s, err := c.Str(0)
	if err != nil {
		return op.Undefined, err
	}
	b, ok := stringToLatin1(s)
	if !ok {
		return op.Undefined, op.DOMException("InvalidCharacterError",
			"Failed to execute 'btoa': The string to be encoded contains characters outside of the Latin1 range.")
	}
	return op.String(base64Std.EncodeToString(b)), nil
}
