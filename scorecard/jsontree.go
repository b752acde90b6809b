package scorecard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// node is a JSON value that remembers where it starts, so that every lint
// finding can point at a line and column. Definitions are small; catalogs,
// which are large, do not go through this tree.
type node struct {
	kind  nodeKind
	off   int64
	str   string
	num   float64
	raw   string // the number as written, for messages
	b     bool
	keys  []string // object keys, in order
	vals  []*node  // object values, parallel to keys
	items []*node  // array items
}

type nodeKind uint8

const (
	nNull nodeKind = iota
	nString
	nNumber
	nBool
	nObject
	nArray
)

func (k nodeKind) String() string {
	return [...]string{"null", "string", "number", "boolean", "object", "array"}[k]
}

// get returns the value of key in an object node, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != nObject {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

func (n *node) has(key string) bool { return n.get(key) != nil }

// value converts the node to the plain Go value encoding/json would produce.
func (n *node) value() any {
	switch n.kind {
	case nString:
		return n.str
	case nNumber:
		return n.num
	case nBool:
		return n.b
	case nObject:
		m := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			m[k] = n.vals[i].value()
		}
		return m
	case nArray:
		a := make([]any, len(n.items))
		for i, it := range n.items {
			a[i] = it.value()
		}
		return a
	}
	return nil
}

// SyntaxError is malformed JSON at a line and column.
type SyntaxError struct {
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// parseTree parses data into a positional tree.
func parseTree(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := &treeParser{data: data, dec: dec}
	root, err := p.value()
	if err != nil {
		return nil, p.syntax(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		off := skipSpace(data, dec.InputOffset())
		line, col := lineCol(data, off)
		return nil, &SyntaxError{Line: line, Col: col, Msg: "unexpected data after the top-level value"}
	}
	return root, nil
}

type treeParser struct {
	data  []byte
	dec   *json.Decoder
	depth int
}

const maxDepth = 200

func (p *treeParser) value() (*node, error) {
	off := skipSpace(p.data, p.dec.InputOffset())
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	n := &node{off: off}
	switch t := tok.(type) {
	case json.Delim:
		p.depth++
		if p.depth > maxDepth {
			return nil, fmt.Errorf("nesting deeper than %d levels", maxDepth)
		}
		defer func() { p.depth-- }()
		if t == '{' {
			n.kind = nObject
			for p.dec.More() {
				kt, err := p.dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, key)
				n.vals = append(n.vals, v)
			}
		} else {
			n.kind = nArray
			for p.dec.More() {
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, v)
			}
		}
		if _, err := p.dec.Token(); err != nil { // closing delimiter
			return nil, err
		}
	case string:
		n.kind, n.str = nString, t
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			return nil, fmt.Errorf("number %s is out of range", t)
		}
		n.kind, n.num, n.raw = nNumber, f, string(t)
	case bool:
		n.kind, n.b = nBool, t
	case nil:
		n.kind = nNull
	}
	return n, nil
}

// syntax turns a decoder error into a SyntaxError with a line and column.
func (p *treeParser) syntax(err error) error {
	var se *json.SyntaxError
	off := p.dec.InputOffset()
	msg := err.Error()
	switch {
	case errors.As(err, &se):
		off, msg = syntaxOffset(p.data, se)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		off = int64(len(p.data))
		msg = "unexpected end of JSON input"
		if len(bytes.TrimSpace(p.data)) == 0 {
			msg = "the file is empty"
		}
	}
	line, col := lineCol(p.data, off)
	return &SyntaxError{Line: line, Col: col, Msg: msg}
}

func skipSpace(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// lineCol converts a byte offset to a 1-based line and column (in bytes).
func lineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// syntaxOffset finds where a syntax error is. json.Decoder's offsets are
// relative to a buffer that depends on what was decoded before, so on this
// (rare) path the whole input is checked again by json.Unmarshal, whose
// offset is always one past the byte that broke the parse.
func syntaxOffset(data []byte, se *json.SyntaxError) (int64, string) {
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		var whole *json.SyntaxError
		if errors.As(err, &whole) {
			off := whole.Offset
			if off > 0 && off <= int64(len(data)) && whole.Error() != "unexpected end of JSON input" {
				off--
			}
			return off, whole.Error()
		}
	}
	return se.Offset, se.Error()
}
