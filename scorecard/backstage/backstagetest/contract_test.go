package backstagetest_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/backstage"
	"github.com/prodready/prodready/scorecard/backstage/backstagetest"
	"github.com/prodready/prodready/scorecard/emulator"
	"github.com/prodready/prodready/scorecard/emulator/openapi"
)

// The emulator's answers, and the client's requests, against the
// description of GET /entities/by-query. Facts from SOURCES.md the test
// allows for: a fields= projection prunes keys the schema marks required.
func TestContract(t *testing.T) {
	v := openapi.Load(t, "backstage/catalog-openapi.json")
	spec := v.Root
	op, _ := openapi.Dig(spec, "paths", "/entities/by-query", "get").(map[string]any)
	if op == nil {
		t.Fatal("GET /entities/by-query is not in the description")
	}
	ok200, _ := openapi.Dig(op, "responses", "200", "content", "application/json", "schema").(map[string]any)
	errRef, _ := openapi.Dig(op, "responses", "default", "$ref").(string)
	if ok200 == nil || errRef == "" {
		t.Fatal("the description has no 200 or default response schema for by-query")
	}
	errSchema, _ := openapi.Dig(v.Deref(map[string]any{"$ref": errRef}), "content", "application/json", "schema").(map[string]any)

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
		ps := v.Deref(p.(map[string]any))
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
				for _, e := range v.Validate(item, val, name) {
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
		check := v.Validate
		if r.Query.Get("fields") != "" {
			check = v.ValidatePruned
		}
		for _, e := range check(schema, body, "body") {
			t.Errorf("request %d (%v, status %d): %s", i+1, r.Query, r.Status, e)
		}
	}
	for _, s := range []int{200, 401, 403, 500} {
		if !statuses[s] {
			t.Errorf("no answer with status %d was checked", s)
		}
	}

	// Every field the client asks for is a path the Entity schema has.
	entity := v.Deref(openapi.Dig(spec, "components", "schemas", "Entity").(map[string]any))
	for _, f := range backstage.ComponentFields() {
		s := entity
		for _, p := range strings.Split(f, ".") {
			next, _ := openapi.Dig(s, "properties", p).(map[string]any)
			if next == nil {
				if _, open := s["additionalProperties"].(map[string]any); open {
					break // spec is a JsonObject: any key
				}
				t.Errorf("field %q: %q is not in the Entity schema", f, p)
				break
			}
			s = v.Deref(next)
		}
	}
}
