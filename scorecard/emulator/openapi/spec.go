// Package openapi checks an emulator's answers, and a client's requests,
// against the API's OpenAPI description, from tests. The descriptions sit
// in ../shared beside the repository (github/openapi.json,
// pagerduty/openapi.json, backstage/catalog-openapi.json,
// port/openapi.yaml) only in development and CI: Load skips the test,
// saying so, where they are absent.
//
// The validator knows the JSON Schema subset these descriptions use, of
// OpenAPI 3.0 (nullable) and 3.1 (type lists, const, if/then/else). A
// keyword it does not know is an error, never a silent pass.
package openapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/goccy/go-yaml"
)

// Spec is an API's OpenAPI description.
type Spec struct {
	// Root is the whole document, as JSON decodes it.
	Root map[string]any
	// File is where it was read from.
	File string

	mu      sync.Mutex
	regexps map[string]*pattern
}

// Load reads the description at rel under ../shared beside the repository
// root (the directory with go.mod, found by walking up from the test's
// directory). It skips the test where the file is absent, and fails it
// where the file does not parse.
func Load(t testing.TB, rel string) *Spec {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("openapi: %v", err)
	}
	file := filepath.Join(filepath.Dir(root), "shared", filepath.FromSlash(rel))
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s is absent (the API descriptions sit beside the repository only in development and CI): skipping the contract test", file)
	}
	if err != nil {
		t.Fatalf("openapi: %v", err)
	}
	s, err := Parse(file, data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Parse reads a description in JSON or, for a file named .yaml or .yml,
// YAML.
func Parse(file string, data []byte) (*Spec, error) {
	var doc any
	var err error
	if ext := filepath.Ext(file); ext == ".yaml" || ext == ".yml" {
		err = yaml.Unmarshal(data, &doc)
		doc = normalize(doc)
	} else {
		err = json.Unmarshal(data, &doc)
	}
	if err != nil {
		return nil, fmt.Errorf("openapi: %s: %w", file, err)
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("openapi: %s: the description is not an object", file)
	}
	return &Spec{Root: root, File: file}, nil
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// normalize turns YAML's decoded values into JSON's: every number a
// float64, every map keyed by string.
func normalize(x any) any {
	switch t := x.(type) {
	case map[string]any:
		for k, v := range t {
			t[k] = normalize(v)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, v := range t {
			m[fmt.Sprint(k)] = normalize(v)
		}
		return m
	case []any:
		for i, v := range t {
			t[i] = normalize(v)
		}
		return t
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case uint64:
		return float64(t)
	}
	return x
}

// Dig follows keys down nested objects; nil where one is missing.
func Dig(m any, keys ...string) any {
	for _, k := range keys {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[k]
	}
	return m
}

// Ref is a schema that refers to the component schema name.
func Ref(name string) map[string]any {
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// Operation finds the operation for a request: the path template that
// matches path (a parameter takes one segment; a last parameter named
// {path} takes the rest), the one with the most literal segments where
// several do. It returns "" and nil for none.
func (s *Spec) Operation(method, path string) (template string, op map[string]any) {
	segs := strings.Split(path, "/")
	best := -1
	paths, _ := s.Root["paths"].(map[string]any)
	for tmpl, item := range paths {
		o, ok := Dig(item, strings.ToLower(method)).(map[string]any)
		if !ok {
			continue
		}
		literal, match := matchTemplate(strings.Split(tmpl, "/"), segs)
		if match && (literal > best || (literal == best && tmpl < template)) {
			best, template, op = literal, tmpl, o
		}
	}
	return template, op
}

// MustOperation is Operation, failing the test where the description has
// no operation for the request.
func (s *Spec) MustOperation(t testing.TB, method, path string) (template string, op map[string]any) {
	t.Helper()
	template, op = s.Operation(method, path)
	if op == nil {
		t.Fatalf("%s %s is not in %s", method, path, s.File)
	}
	return template, op
}

// matchTemplate says whether segs fit the template's, and how many of
// the template's are literal.
func matchTemplate(tsegs, segs []string) (literal int, ok bool) {
	for i, t := range tsegs {
		if i >= len(segs) {
			return 0, false
		}
		if !strings.HasPrefix(t, "{") {
			if t != segs[i] {
				return 0, false
			}
			literal++
			continue
		}
		if segs[i] == "" {
			return 0, false
		}
		if t == "{path}" && i == len(tsegs)-1 {
			return literal, true
		}
	}
	return literal, len(tsegs) == len(segs)
}

// Resolve follows a local $ref ("#/components/schemas/team"), through
// objects and arrays.
func (s *Spec) Resolve(ref string) (any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("$ref %q is not local", ref)
	}
	var cur any = s.Root
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[part]
			if !ok {
				return nil, fmt.Errorf("$ref %q: no %q", ref, part)
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(c) {
				return nil, fmt.Errorf("$ref %q: no item %q", ref, part)
			}
			cur = c[i]
		default:
			return nil, fmt.Errorf("$ref %q: %q is not in an object or array", ref, part)
		}
	}
	return cur, nil
}

// Deref is x as an object, its $refs followed; nil where it is none.
func (s *Spec) Deref(x any) map[string]any {
	for range 32 {
		m, _ := x.(map[string]any)
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		next, err := s.Resolve(ref)
		if err != nil {
			return nil
		}
		x = next
	}
	return nil
}

// Case is a value the validator must accept (Valid) or reject under
// Schema, for a test that the contract test can fail.
type Case struct {
	Name   string
	Schema any
	JSON   string
	Valid  bool
}

// RunCases checks that the validator accepts and rejects as the cases say.
func (s *Spec) RunCases(t testing.TB, cases []Case) {
	t.Helper()
	for _, tc := range cases {
		var x any
		if err := json.Unmarshal([]byte(tc.JSON), &x); err != nil {
			t.Fatalf("%s: %v", tc.Name, err)
		}
		errs := s.Validate(tc.Schema, x, "value")
		if (len(errs) == 0) != tc.Valid {
			t.Errorf("%s: valid=%v, want %v (%v)", tc.Name, len(errs) == 0, tc.Valid, errs)
		}
	}
}
