package files_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/files"
)

const readsLifecycle = `[{"identifier": "s", "title": "S", "rules": [
  {"identifier": "prod", "title": "In production", "level": "Bronze",
   "query": {"combinator": "and", "conditions": [{"property": "lifecycle", "operator": "=", "value": "production"}]}}]}]`

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckCatalog(t *testing.T) {
	scs, fs := scorecard.ParseScorecards("s.json", []byte(readsLifecycle))
	if fs.Err() != nil {
		t.Fatal(fs.Err())
	}
	tests := []struct {
		name, file, text string
		scs              []*scorecard.Scorecard
		want             []string // each finding's String(), in order
	}{
		{"a clean catalog", "c.json", `[{"identifier": "a", "team": "x", "properties": {"lifecycle": "production"}, "relations": {"repo": "r", "deps": ["b"]}}]`, nil, nil},
		{"property at the top level, read by a scorecard", "c.json", "[\n  {\"identifier\": \"a\",\n   \"lifecycle\": \"production\"}\n]", scs,
			[]string{`c.json:3:4: error: entity "a": "lifecycle" is written at the top level, where the scorecards do not read it: their rules read properties.lifecycle (move "lifecycle" under "properties")`}},
		{"property at the top level, no scorecards", "c.json", "[{\"identifier\": \"a\", \"language\": \"Go\"}]", nil,
			[]string{`c.json:1:22: warning: entity "a": unknown key "language" at the top level is ignored (if it is a property, move it under "properties"; the keys are blueprint, createdAt, createdBy, icon, identifier, properties, relations, scorecards, team, title, updatedAt, updatedBy)`}},
		{"misspelt relations", "c.json", "[{\"identifier\": \"a\",\n \"relatons\": {\"repo\": \"r\"}}]", nil,
			[]string{`c.json:2:2: error: entity "a": unknown key "relatons" (did you mean "relations"?)`}},
		{"team as an object", "c.json", "[{\"identifier\": \"a\",\n  \"team\": {\"name\": \"payments\"}}]", nil,
			[]string{`c.json:2:11: error: entity "a": "team" must be a string or an array of strings, not an object (write "team": "payments")`}},
		{"team list with a number", "c.json", `[{"identifier": "a", "team": ["x", 3]}]`, nil,
			[]string{`c.json:1:36: error: entity "a": "team[1]" must be a string, not a number`}},
		{"relation as a number", "c.json", `[{"identifier": "a", "relations": {"repo": 7}}]`, nil,
			[]string{`c.json:1:44: error: entity "a": "relations.repo" must be a string or an array of strings, not a number`}},
		{"properties as an array", "c.json", `[{"identifier": "a", "properties": []}]`, nil,
			[]string{`c.json:1:36: error: entity "a": "properties" must be an object, not an array`}},
		{"no identifier", "c.json", `[{"title": "A"}]`, nil,
			[]string{`c.json:1:2: error: entity #1 has no "identifier" (every entity needs a unique identifier)`}},
		{"duplicate identifiers", "c.json", "[{\"identifier\": \"a\"},\n {\"identifier\": \"a\"}]", nil,
			[]string{`c.json:2:17: error: identifier "a" is also the identifier of the entity at c.json:1 (identifiers must be unique)`}},
		{"JSON syntax error", "c.json", "[{\"identifier\": \"a\",\n  \"team\" \"x\"}]", nil,
			[]string{`c.json:2:10: error: invalid JSON: invalid character '"' after object key`}},
		{"a single entity in JSON", "c.json", `{"identifier": "a"}`, nil,
			[]string{`c.json:1:1: error: this is a single entity, not a catalog (wrap it in an array: [ {...} ])`}},
		{"scorecards, not a catalog", "c.json", readsLifecycle, nil,
			[]string{`c.json:1:2: error: this is scorecard definitions (an item has "rules"), not a catalog (pass it with --scorecards)`}},
		{"YAML list", "c.yaml", "- identifier: a\n  team: [x]\n  properties:\n    last_deploy: 2026-03-01\n- identifier: b\n  lifecycle: production\n", scs,
			[]string{`c.yaml:6:3: error: entity "b": "lifecycle" is written at the top level`}},
		{"YAML documents", "c.yaml", "identifier: a\n---\nidentifier: b\nteam:\n  name: payments\n", nil,
			[]string{`c.yaml:5:3: error: entity "b": "team" must be a string or an array of strings, not an object (write "team": "payments")`}},
		{"YAML syntax error", "c.yaml", "- identifier: a\n  team: payments\n   title: bad\n", nil,
			[]string{`c.yaml:2:9: error: invalid YAML: mapping values are not allowed in this context`}},
		{"YAML unclosed flow list", "c.yaml", "- identifier: a\n  team: [x, y\n- identifier: b\n", nil,
			[]string{`c.yaml:3:1: error: invalid YAML: did not find expected ',' or ']'`}},
		{"a Backstage descriptor", "catalog-info.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\n", nil,
			[]string{`catalog-info.yaml:1:1: error: this is a Backstage descriptor (catalog-info.yaml), not an entity in Port's shape`}},
		{"an empty catalog", "c.json", `[]`, nil,
			[]string{`c.json: error: the catalog has no entities`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, tt.file, tt.text)
			t.Chdir(dir) // findings name the file as given
			got, err := files.CheckCatalog(tt.file, tt.scs...)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d findings, want %d:\n%s", len(got), len(tt.want), lines(got))
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i].String(), w) {
					t.Errorf("finding %d:\n got %s\nwant %s", i+1, got[i], w)
				}
			}
		})
	}
}

func lines(fs scorecard.Findings) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.String() + "\n")
	}
	return b.String()
}

func TestCheckCatalogUnreadable(t *testing.T) {
	if _, err := files.CheckCatalog(filepath.Join(t.TempDir(), "absent.json")); err == nil || !strings.Contains(err.Error(), "read catalog") {
		t.Errorf("err = %v", err)
	}
}

// A directory of one-entity YAML files reads as one catalog, and its
// mistakes name the file they are in.
func TestReadCatalogYAMLDirectory(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "payments.yaml", "identifier: payments-api\ntitle: Payments API\nteam: payments\nproperties:\n  lifecycle: production\n  last_deploy: 2026-03-01T10:00:00Z\n  replicas: 3\n  on_call: true\nrelations:\n  repository: github.com/acme/payments\n")
	write(t, dir, "search.yml", "identifier: search\nteam: [search, platform]\n")
	write(t, dir, "README.md", "not a catalog file")
	cat, err := files.ReadCatalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Entities) != 2 {
		t.Fatalf("%d entities", len(cat.Entities))
	}
	e := cat.Entities[0]
	got, _ := json.Marshal(e)
	want := `{"identifier":"payments-api","title":"Payments API","team":["payments"],"properties":{"last_deploy":"2026-03-01T10:00:00Z","lifecycle":"production","on_call":true,"replicas":3},"relations":{"repository":"github.com/acme/payments"}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if len(cat.Entities[1].Team) != 2 {
		t.Errorf("team %v", cat.Entities[1].Team)
	}

	bad := write(t, dir, "zz.yaml", "identifier: payments-api\n")
	_, err = files.ReadCatalog(dir)
	if err == nil || !strings.Contains(err.Error(), bad+":1:13: identifier \"payments-api\" is also the identifier of the entity at "+filepath.Join(dir, "payments.yaml")+":1") {
		t.Errorf("err = %v", err)
	}
}

// A YAML file is read as one; JSON is still read by the fast parser.
func TestReadCatalogYAMLFile(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "c.yaml", "# services\n- identifier: a\n  properties: {tier: 1}\n- identifier: b\n")
	cat, err := files.ReadCatalog(p)
	if err != nil || len(cat.Entities) != 2 || cat.Entities[0].Properties["tier"] != 1.0 {
		t.Fatalf("cat %+v, err %v", cat, err)
	}
	p = write(t, dir, "bad.yaml", "- identifier: a\n  team:\n    name: x\n")
	if _, err := files.ReadCatalog(p); err == nil || !strings.HasPrefix(err.Error(), p+":3:5: entity \"a\": \"team\" must be a string or an array of strings, not an object") {
		t.Errorf("err = %v", err)
	}
	p = write(t, dir, "c.json", `[{"identifier": "j"}]`)
	if cat, err := files.ReadCatalog(p); err != nil || cat.Entities[0].Identifier != "j" {
		t.Errorf("JSON: %v", err)
	}
}

// The embedded schema is valid JSON and describes the entity's keys.
func TestCatalogSchema(t *testing.T) {
	var s map[string]any
	if err := json.Unmarshal(files.CatalogSchema(), &s); err != nil {
		t.Fatal(err)
	}
	props := s["$defs"].(map[string]any)["entity"].(map[string]any)["properties"].(map[string]any)
	for _, k := range []string{"identifier", "team", "properties", "relations"} {
		if props[k] == nil {
			t.Errorf("the schema has no %q", k)
		}
	}
}

// Aliases that expand exponentially are refused, quickly.
func TestCheckCatalogAliasBomb(t *testing.T) {
	text := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		text += n + ": &" + n + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
		prev = n
	}
	p := write(t, t.TempDir(), "bomb.yaml", text)
	fs, err := files.CheckCatalog(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "the aliases expand to far more values") {
		t.Errorf("findings:\n%s", lines(fs))
	}
}

// A catalog read without other keys skips the positional check, which is
// never a catalog in which CheckCatalog would find an unknown key.
func TestCatalogOtherKeys(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, data string
		want       bool
	}{
		{"clean.json", `[{"identifier": "a", "title": "A", "team": ["x"], "properties": {"readme": "y"}, "relations": {}}]`, true},
		{"port.json", `{"ok": true, "entities": [{"identifier": "a", "blueprint": "service"}]}`, true},
		{"top-level property.json", `[{"identifier": "a", "readme": "y"}]`, false},
		{"misspelt.json", `[{"identifier": "a", "relatons": {}}]`, false},
		{"case.json", `[{"identifier": "a", "Title": "A"}]`, false},
		{"escaped key.json", `[{"identifier": "a", "t\u0069tle": "A"}]`, false},
		{"nested keys are properties.json", `[{"identifier": "a", "properties": {"rules": 1, "x": {"levels": 2}}}]`, true},
	} {
		path := filepath.Join(dir, c.name)
		if err := os.WriteFile(path, []byte(c.data), 0o644); err != nil {
			t.Fatal(err)
		}
		cat, err := files.ReadCatalog(path)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := !cat.OtherKeys; got != c.want {
			t.Errorf("%s: only known keys %v, want %v", c.name, got, c.want)
		}
		if fs, err := files.CheckCatalog(path); c.want && (err != nil || len(fs) > 0) {
			t.Errorf("%s: said clean, but CheckCatalog finds %v %v", c.name, fs, err)
		}
	}
}
