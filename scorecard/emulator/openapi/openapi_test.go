package openapi_test

import (
	"strings"
	"testing"

	"github.com/prodready/prodready/scorecard/emulator/openapi"
)

const doc = `{
  "openapi": "3.1.0",
  "paths": {
    "/items": {"get": {"operationId": "list"}},
    "/items/{id}": {"get": {"operationId": "get"}},
    "/items/special": {"get": {"operationId": "special"}},
    "/files/{owner}/{path}": {"get": {"operationId": "file"}}
  },
  "components": {
    "schemas": {
      "Item": {
        "type": "object", "required": ["id", "kind"], "additionalProperties": false,
        "properties": {
          "id": {"type": "string", "pattern": "^(?!\\.\\.)[a-z.]+$"},
          "kind": {"enum": ["a", "b"]},
          "count": {"type": "integer", "minimum": 0},
          "when": {"type": "string", "format": "date-time"},
          "link": {"type": "string", "format": "uri"},
          "mail": {"type": "string", "format": "email"},
          "note": {"type": ["string", "null"]},
          "old": {"type": "string", "nullable": true},
          "ok": {"const": true}
        },
        "if": {"properties": {"kind": {"const": "b"}}},
        "then": {"required": ["count"]}
      },
      "Open": {"type": "object", "properties": {"name": {"type": "string"}}},
      "Page": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}},
      "Either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
      "Listed": {"allOf": [{"$ref": "#/components/schemas/Choices/enum/1"}]},
      "Choices": {"enum": [{"type": "string"}, {"type": "boolean"}]},
      "Odd": {"type": "string", "contentMediaType": "text/plain"}
    }
  }
}`

func spec(t *testing.T) *openapi.Spec {
	t.Helper()
	s, err := openapi.Parse("test.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestValidate(t *testing.T) {
	s := spec(t)
	s.RunCases(t, []openapi.Case{
		{Name: "whole", Schema: openapi.Ref("Item"), JSON: `{"id": "a.b", "kind": "a", "count": 2, "when": "2026-03-14T12:00:00Z", "link": "https://x/y", "mail": "a@b.c", "note": null, "old": null, "ok": true}`, Valid: true},
		{Name: "missing required", Schema: openapi.Ref("Item"), JSON: `{"id": "a"}`},
		{Name: "undeclared field, closed object", Schema: openapi.Ref("Item"), JSON: `{"id": "a", "kind": "a", "more": 1}`},
		{Name: "lookahead", Schema: openapi.Ref("Item"), JSON: `{"id": "..a", "kind": "a"}`},
		{Name: "pattern", Schema: openapi.Ref("Item"), JSON: `{"id": "A", "kind": "a"}`},
		{Name: "enum", Schema: openapi.Ref("Item"), JSON: `{"id": "a", "kind": "c"}`},
		{Name: "integer", Schema: openapi.Ref("Item"), JSON: `{"id": "a", "kind": "a", "count": 1.5}`},
		{Name: "minimum", Schema: openapi.Ref("Item"), JSON: `{"id": "a", "kind": "a", "count": -1}`},
		{Name: "date-time", Schema: openapi.Ref("Item"), JSON: `{"id": "a", "kind": "a", "when": "yesterday"}`},
		{Name: "uri", Schema: openapi.Ref("Item"), JSON: `{"id": "a", "kind": "a", "link": "/relative"}`},
		{Name: "email", Schema: openapi.Ref("Item"), JSON: `{"id": "a", "kind": "a", "mail": "nobody"}`},
		{Name: "type list", Schema: openapi.Ref("Item"), JSON: `{"id": "a", "kind": "a", "note": 3}`},
		{Name: "not nullable", Schema: openapi.Ref("Item"), JSON: `{"id": null, "kind": "a"}`},
		{Name: "const", Schema: openapi.Ref("Item"), JSON: `{"id": "a", "kind": "a", "ok": false}`},
		{Name: "if/then", Schema: openapi.Ref("Item"), JSON: `{"id": "a", "kind": "b"}`},
		{Name: "if/then met", Schema: openapi.Ref("Item"), JSON: `{"id": "a", "kind": "b", "count": 0}`, Valid: true},
		{Name: "open object", Schema: openapi.Ref("Open"), JSON: `{"name": "x", "more": 1}`, Valid: true},
		{Name: "array items", Schema: openapi.Ref("Page"), JSON: `{"items": [{"id": "a", "kind": "a"}, {"id": "b"}]}`},
		{Name: "oneOf", Schema: openapi.Ref("Either"), JSON: `7`, Valid: true},
		{Name: "oneOf none", Schema: openapi.Ref("Either"), JSON: `true`},
		{Name: "$ref into an array", Schema: openapi.Ref("Listed"), JSON: `false`, Valid: true},
		{Name: "unknown keyword", Schema: openapi.Ref("Odd"), JSON: `"x"`},
		{Name: "dangling $ref", Schema: openapi.Ref("Nothing"), JSON: `"x"`},
	})
	errs := s.Validate(openapi.Ref("Odd"), "x", "value")
	if len(errs) != 1 || !strings.Contains(errs[0], `does not support the keyword "contentMediaType"`) {
		t.Errorf("errors %q", errs)
	}
}

func TestCheckAndPruned(t *testing.T) {
	s := spec(t)
	open := map[string]any{"name": "x", "invented": true}
	if errs := s.Validate(openapi.Ref("Open"), open, "answer"); len(errs) != 0 {
		t.Errorf("Validate: %q", errs)
	}
	if errs := s.Check(openapi.Ref("Open"), open, "answer"); len(errs) != 1 || !strings.Contains(errs[0], `answer: field "invented" is not in the spec`) {
		t.Errorf("Check: %q", errs)
	}
	page := map[string]any{"items": []any{map[string]any{"id": "a"}}}
	if errs := s.Validate(openapi.Ref("Page"), page, "answer"); len(errs) == 0 {
		t.Error("Validate accepted an item without its required kind")
	}
	if errs := s.ValidatePruned(openapi.Ref("Page"), page, "answer"); len(errs) != 0 {
		t.Errorf("ValidatePruned: %q", errs)
	}
}

func TestOperation(t *testing.T) {
	s := spec(t)
	cases := []struct{ method, path, want string }{
		{"GET", "/items", "/items"},
		{"GET", "/items/7", "/items/{id}"},
		{"GET", "/items/special", "/items/special"},
		{"GET", "/files/acme/docs/a/README.md", "/files/{owner}/{path}"},
		{"POST", "/items", ""},
		{"GET", "/items/", ""},
		{"GET", "/elsewhere", ""},
	}
	for _, tc := range cases {
		tmpl, op := s.Operation(tc.method, tc.path)
		if tmpl != tc.want || (op == nil) != (tc.want == "") {
			t.Errorf("%s %s: %q, want %q", tc.method, tc.path, tmpl, tc.want)
		}
	}
}

func TestParse(t *testing.T) {
	s, err := openapi.Parse("api.yaml", []byte("paths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\ncomponents:\n  schemas:\n    N: {type: integer, maximum: 10}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if errs := s.Validate(openapi.Ref("N"), float64(11), "n"); len(errs) != 1 {
		t.Errorf("YAML's numbers: %q", errs)
	}
	if openapi.Dig(s.Root, "paths", "/a", "get", "responses", "200", "description") != "ok" {
		t.Error("Dig found nothing")
	}
	for _, bad := range []struct{ file, data string }{{"a.json", "{"}, {"a.json", "[]"}, {"a.yaml", "a: [b"}} {
		if _, err := openapi.Parse(bad.file, []byte(bad.data)); err == nil || !strings.Contains(err.Error(), bad.file) {
			t.Errorf("%s %q: %v", bad.file, bad.data, err)
		}
	}
}

func TestLoadSkipsWhereAbsent(t *testing.T) {
	var reached bool
	t.Run("absent", func(t *testing.T) {
		openapi.Load(t, "nowhere/openapi.json")
		reached = true
	})
	if reached {
		t.Error("Load of an absent description did not skip the test")
	}
}
