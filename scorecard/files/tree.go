package files

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	goyaml "github.com/goccy/go-yaml"
	goyamlparser "github.com/goccy/go-yaml/parser"
	"gopkg.in/yaml.v3"
)

// node is a JSON or YAML value that remembers its file, line and column,
// so that every finding about a catalog can say where.
type node struct {
	kind      kind
	file      string
	line, col int
	str       string
	num       float64
	b         bool
	keys      []string
	keyAt     [][2]int // line and column of each key
	vals      []*node
	items     []*node
}

type kind uint8

const (
	kNull kind = iota
	kString
	kNumber
	kBool
	kObject
	kArray
)

func (k kind) String() string {
	return [...]string{"null", "a string", "a number", "a boolean", "an object", "an array"}[k]
}

func (n *node) get(key string) *node {
	if n == nil || n.kind != kObject {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// value is the plain Go value encoding/json would give.
func (n *node) value() any {
	switch n.kind {
	case kString:
		return n.str
	case kNumber:
		return n.num
	case kBool:
		return n.b
	case kObject:
		m := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			m[k] = n.vals[i].value()
		}
		return m
	case kArray:
		a := make([]any, len(n.items))
		for i, it := range n.items {
			a[i] = it.value()
		}
		return a
	}
	return nil
}

// syntaxError is malformed JSON or YAML, at a place.
type syntaxError struct {
	file      string
	line, col int
	msg       string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.file, e.line, e.col, e.msg)
}

// parseJSON reads data into a positional tree.
func parseJSON(file string, data []byte) (*node, error) {
	p := &jsonParser{file: file, data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	root, err := p.value(0)
	if err != nil {
		return nil, p.syntax(err)
	}
	if _, err := p.dec.Token(); err != io.EOF {
		line, col := lineCol(data, skip(data, p.dec.InputOffset()))
		return nil, &syntaxError{file, line, col, "invalid JSON: unexpected data after the catalog"}
	}
	return root, nil
}

type jsonParser struct {
	file string
	data []byte
	dec  *json.Decoder
	// at turns offsets, which the parse meets in order, into lines and
	// columns without counting from the start each time.
	at lineCounter
}

// lineCounter converts increasing byte offsets of data to 1-based lines
// and columns, counting each newline once: a catalog of 10,000 entities
// has some 300,000 nodes, and counting from the start for each made the
// check quadratic (minutes for a 6 MB file).
type lineCounter struct {
	off       int64 // where the count has reached
	line      int   // the line at off, 0-based
	lineStart int64 // the offset where that line starts
}

func (c *lineCounter) lineCol(data []byte, off int64) (int, int) {
	off = max(min(off, int64(len(data))), 0)
	if off < c.off {
		if off >= c.lineStart { // a little back, on the same line
			return c.line + 1, int(off-c.lineStart) + 1
		}
		return lineCol(data, off) // further back: count afresh
	}
	for {
		i := bytes.IndexByte(data[c.off:off], '\n')
		if i < 0 {
			break
		}
		c.line++
		c.lineStart = c.off + int64(i) + 1
		c.off = c.lineStart
	}
	c.off = off
	return c.line + 1, int(off-c.lineStart) + 1
}

const maxDepth = 200

func (p *jsonParser) value(depth int) (*node, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nesting deeper than %d levels", maxDepth)
	}
	off := skip(p.data, p.dec.InputOffset())
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	n := &node{file: p.file}
	n.line, n.col = p.at.lineCol(p.data, off)
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			n.kind = kObject
			for p.dec.More() {
				koff := skip(p.data, p.dec.InputOffset())
				kt, err := p.dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				l, c := p.at.lineCol(p.data, koff)
				n.keys, n.keyAt, n.vals = append(n.keys, key), append(n.keyAt, [2]int{l, c}), append(n.vals, v)
			}
		} else {
			n.kind = kArray
			for p.dec.More() {
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, v)
			}
		}
		if _, err := p.dec.Token(); err != nil {
			return nil, err
		}
	case string:
		n.kind, n.str = kString, t
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			return nil, fmt.Errorf("number %s is out of range", t)
		}
		n.kind, n.num = kNumber, f
	case bool:
		n.kind, n.b = kBool, t
	case nil:
		n.kind = kNull
	}
	return n, nil
}

// syntax places a decoder error. json.Decoder's offsets depend on its
// buffering, so the whole input is checked again by json.Unmarshal, whose
// offset is one past the byte that broke the parse.
func (p *jsonParser) syntax(err error) error {
	off, msg := p.dec.InputOffset(), err.Error()
	var raw json.RawMessage
	var se *json.SyntaxError
	switch uerr := json.Unmarshal(p.data, &raw); {
	case len(bytes.TrimSpace(p.data)) == 0:
		off, msg = 0, "the file is empty"
	case errors.As(uerr, &se):
		off, msg = se.Offset, se.Error()
		if off > 0 && msg != "unexpected end of JSON input" {
			off--
		}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		off, msg = int64(len(p.data)), "unexpected end of JSON input"
	}
	line, col := lineCol(p.data, off)
	return &syntaxError{p.file, line, col, "invalid JSON: " + msg}
}

func skip(data []byte, off int64) int64 {
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

// lineCol converts a byte offset to a 1-based line and column.
func lineCol(data []byte, off int64) (int, int) {
	off = max(min(off, int64(len(data))), 0)
	before := data[:off]
	return bytes.Count(before, []byte{'\n'}) + 1, int(off) - bytes.LastIndexByte(before, '\n')
}

// parseYAML reads every document of data into positional trees.
func parseYAML(file string, data []byte) ([]*node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, yamlSyntax(file, data, err)
		}
		if len(doc.Content) == 0 {
			continue
		}
		// Aliases are expanded, so a small file could stand for an enormous
		// tree ("billion laughs"): bound the nodes by the input's size.
		b := &yamlBuilder{file: file, budget: 1000 + 10*len(data)}
		n, err := b.build(doc.Content[0], 0)
		if err != nil {
			return nil, err
		}
		docs = append(docs, n)
	}
	return docs, nil
}

type yamlBuilder struct {
	file   string
	budget int // nodes left to make
}

func (b *yamlBuilder) build(y *yaml.Node, depth int) (*node, error) {
	file := b.file
	if b.budget--; b.budget < 0 {
		return nil, &syntaxError{file, y.Line, y.Column, "the aliases expand to far more values than the file holds; write the values out"}
	}
	if depth > maxDepth {
		return nil, &syntaxError{file, y.Line, y.Column, fmt.Sprintf("nesting deeper than %d levels", maxDepth)}
	}
	if y.Kind == yaml.AliasNode && y.Alias != nil {
		// An alias is its anchor's value, read at the alias's place.
		n, err := b.build(y.Alias, depth+1)
		if err != nil {
			return nil, err
		}
		n.line, n.col = y.Line, y.Column
		return n, nil
	}
	n := &node{file: file, line: y.Line, col: y.Column}
	switch y.Kind {
	case yaml.MappingNode:
		n.kind = kObject
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.Tag == "!!merge" {
				return nil, &syntaxError{file, k.Line, k.Column, "merge keys (<<) are not supported in a catalog; write the keys out"}
			}
			val, err := b.build(v, depth+1)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, k.Value)
			n.keyAt = append(n.keyAt, [2]int{k.Line, k.Column})
			n.vals = append(n.vals, val)
		}
	case yaml.SequenceNode:
		n.kind = kArray
		for _, it := range y.Content {
			val, err := b.build(it, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, val)
		}
	case yaml.ScalarNode:
		switch y.ShortTag() {
		case "!!null":
			n.kind = kNull
		case "!!bool":
			var b bool
			if err := y.Decode(&b); err != nil {
				return nil, &syntaxError{file, y.Line, y.Column, err.Error()}
			}
			n.kind, n.b = kBool, b
		case "!!int", "!!float":
			var f float64
			if err := y.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				// .inf and .nan have no JSON form: keep what was written.
				n.kind, n.str = kString, y.Value
				break
			}
			n.kind, n.num = kNumber, f
		default: // strings, and dates (!!timestamp) kept as written
			n.kind, n.str = kString, y.Value
		}
	default:
		n.kind = kNull
	}
	return n, nil
}

// yamlSyntax places a YAML error. yaml.v3 says only the line, so the input
// is parsed again by goccy/go-yaml, which reports the column of the token
// where the parse broke.
func yamlSyntax(file string, data []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line, col := 0, 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, after, ok := strings.Cut(rest, ": "); ok {
			if l, err := strconv.Atoi(num); err == nil {
				line, msg = l, after
			}
		}
	}
	if _, perr := goyamlparser.ParseBytes(data, 0); perr != nil {
		var ye goyaml.Error
		if errors.As(perr, &ye) && ye.GetToken() != nil {
			pos := ye.GetToken().Position
			line, col = pos.Line, pos.Column
		}
	}
	if line == 0 {
		line = 1
	}
	if col == 0 {
		col = 1
	}
	return &syntaxError{file, line, col, "invalid YAML: " + msg}
}
