package backstagetest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/backstage"
	"github.com/prodready/prodready/scorecard/backstage/backstagetest"
	"github.com/prodready/prodready/scorecard/emulator"
)

// specPath is Backstage's catalog OpenAPI, beside the repository.
const specPath = "shared/backstage/catalog-openapi.json"

// loadSpec finds the description by walking up to the repository root
// (the directory with go.mod) and looking beside it.
func loadSpec(t *testing.T) map[string]any {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
	path := filepath.Join(filepath.Dir(dir), specPath)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s is absent (Backstage's OpenAPI sits beside the repository only in development and CI): skipping the contract test", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]any
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return spec
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// validator checks a JSON value against the subset of JSON Schema the
// description uses: $ref, type, properties, required,
// additionalProperties, items, enum, minimum and minLength.
type validator struct {
	root map[string]any
	// projected relaxes "required" inside items: a fields= projection prunes
	// required keys, which Backstage's documentation allows.
	projected bool
}

func (v *validator) resolve(s map[string]any) map[string]any {
	for i := 0; i < 20; i++ {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		var cur any = v.root
		for _, p := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = dig(cur, p)
		}
		s, _ = cur.(map[string]any)
		if s == nil {
			return map[string]any{}
		}
	}
	return s
}

func (v *validator) check(path string, val any, s map[string]any, inItems bool) []string {
	s = v.resolve(s)
	var errs []string
	bad := func(f string, a ...any) { errs = append(errs, path+": "+fmt.Sprintf(f, a...)) }
	if typ, ok := s["type"].(string); ok && !typeOK(typ, val) {
		bad("is %T, want %s", val, typ)
		return errs
	}
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if fmt.Sprint(e) == fmt.Sprint(val) {
				found = true
			}
		}
		if !found {
			bad("%v is not one of %v", val, enum)
		}
	}
	if min, ok := s["minLength"].(float64); ok {
		if str, _ := val.(string); float64(len(str)) < min {
			bad("shorter than %v", min)
		}
	}
	switch t := val.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok && !(v.projected && inItems) {
			for _, r := range req {
				if _, ok := t[r.(string)]; !ok {
					bad("missing required %q", r)
				}
			}
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, v.check(path+"."+k, t[k], ps, inItems)...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					bad("has %q, which the schema does not allow", k)
				}
			case map[string]any:
				errs = append(errs, v.check(path+"."+k, t[k], ap, inItems)...)
			}
		}
	case []any:
		if is, ok := s["items"].(map[string]any); ok {
			for i, it := range t {
				errs = append(errs, v.check(fmt.Sprintf("%s[%d]", path, i), it, is, true)...)
			}
		}
	}
	return errs
}

func typeOK(typ string, val any) bool {
	switch typ {
	case "object":
		_, ok := val.(map[string]any)
		return ok
	case "array":
		_, ok := val.([]any)
		return ok
	case "string":
		_, ok := val.(string)
		return ok
	case "number":
		_, ok := val.(float64)
		return ok
	case "integer":
		f, ok := val.(float64)
		return ok && f == math.Trunc(f)
	case "boolean":
		_, ok := val.(bool)
		return ok
	}
	return true
}

// The emulator's answers, and the client's requests, against the
// description of GET /entities/by-query. Facts from SOURCES.md the test
// allows for: a fields= projection prunes keys the schema marks required.
func TestContract(t *testing.T) {
	spec := loadSpec(t)
	op, _ := dig(spec, "paths", "/entities/by-query", "get").(map[string]any)
	if op == nil {
		t.Fatal("GET /entities/by-query is not in the description")
	}
	ok200, _ := dig(op, "responses", "200", "content", "application/json", "schema").(map[string]any)
	errRef, _ := dig(op, "responses", "default", "$ref").(string)
	if ok200 == nil || errRef == "" {
		t.Fatal("the description has no 200 or default response schema for by-query")
	}
	v := &validator{root: spec}
	errSchema, _ := dig(v.resolve(map[string]any{"$ref": errRef}), "content", "application/json", "schema").(map[string]any)

	srv := backstagetest.NewServer(backstagetest.WithToken("contract-token"), backstagetest.WithRecordBodies())
	defer srv.Close()
	ents := fixture()
	for i := 0; i < 40; i++ {
		e := fixture()[0]
		e.Metadata.Name = "svc-" + strconv.Itoa(i)
		e.Metadata.Links = []backstage.Link{{URL: "https://runbooks/" + e.Metadata.Name, Title: "Runbook"}}
		ents = append(ents, e)
	}
	if err := srv.SetEntities(ents); err != nil {
		t.Fatal(err)
	}

	// The client's own traffic: a whole Load, teams included, in pages of 7.
	dir := t.TempDir()
	scs := filepath.Join(dir, "sc.json")
	os.WriteFile(scs, []byte(`[{"identifier":"s","title":"S","rules":[{"identifier":"r","title":"R","level":"Bronze","query":{"combinator":"and","conditions":[{"property":"lifecycle","operator":"isNotEmpty"}]}}]}]`), 0o600)
	cfg := backstage.Config{BaseURL: srv.URL, Token: "contract-token", Scorecards: []string{scs}, PageSize: 7}
	if _, err := (backstage.Source{Client: backstage.New(cfg)}).Load(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	// Error answers, and whole entities.
	srv.Inject(emulator.Fault{Status: 500})
	srv.Inject(emulator.Fault{Status: 403})
	c := backstage.New(backstage.Config{BaseURL: srv.URL, Token: "contract-token", Retries: -1})
	for range 2 {
		if _, err := c.List(context.Background(), backstage.DefaultFilter(), nil); err == nil {
			t.Fatal("an injected fault did not fail")
		}
	}
	if _, err := c.List(context.Background(), backstage.DefaultFilter(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := backstage.New(backstage.Config{BaseURL: srv.URL}).List(context.Background(), backstage.DefaultFilter(), nil); err == nil {
		t.Fatal("no token was accepted")
	}

	params := map[string]map[string]any{}
	for _, p := range op["parameters"].([]any) {
		ps := v.resolve(p.(map[string]any))
		params[ps["name"].(string)] = ps
	}
	statuses := map[int]bool{}
	for i, r := range srv.Requests() {
		statuses[r.Status] = true
		// Every parameter the client sends is declared, with a valid value.
		for name, vals := range r.Query {
			ps, ok := params[name]
			if !ok {
				t.Errorf("request %d: parameter %q is not in the description", i+1, name)
				continue
			}
			schema, _ := ps["schema"].(map[string]any)
			item := schema
			if schema["type"] == "array" {
				item, _ = schema["items"].(map[string]any)
			}
			for _, raw := range vals {
				var val any = raw
				if item["type"] == "integer" {
					f, err := strconv.ParseFloat(raw, 64)
					if err != nil {
						t.Errorf("request %d: %s=%q is not an integer", i+1, name, raw)
						continue
					}
					val = f
				}
				for _, e := range v.check(name, val, item, false) {
					t.Errorf("request %d: %s", i+1, e)
				}
				if m, ok := item["minimum"].(float64); ok && val.(float64) < m {
					t.Errorf("request %d: %s=%v is below %v", i+1, name, val, m)
				}
			}
		}
		var body any
		if err := json.Unmarshal(r.Response, &body); err != nil {
			t.Fatalf("request %d: the answer is not JSON: %v", i+1, err)
		}
		schema := ok200
		if r.Status != 200 {
			schema = errSchema
		}
		v.projected = r.Query.Get("fields") != ""
		for _, e := range v.check("body", body, schema, false) {
			t.Errorf("request %d (%v, status %d): %s", i+1, r.Query, r.Status, e)
		}
	}
	for _, s := range []int{200, 401, 403, 500} {
		if !statuses[s] {
			t.Errorf("no answer with status %d was checked", s)
		}
	}

	// Every field the client asks for is a path the Entity schema has.
	entity := v.resolve(dig(spec, "components", "schemas", "Entity").(map[string]any))
	for _, f := range backstage.ComponentFields() {
		s := entity
		for _, p := range strings.Split(f, ".") {
			next, _ := dig(s, "properties", p).(map[string]any)
			if next == nil {
				if _, open := s["additionalProperties"].(map[string]any); open {
					break // spec is a JsonObject: any key
				}
				t.Errorf("field %q: %q is not in the Entity schema", f, p)
				break
			}
			s = v.resolve(next)
		}
	}
}
