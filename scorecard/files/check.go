package files

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/prodready/prodready/scorecard"
)

//go:embed catalog.schema.json
var catalogSchema []byte

// CatalogSchema returns the JSON Schema of a catalog file, for editors
// and for documentation. CheckCatalog checks catalogs against it.
func CatalogSchema() []byte { return append([]byte(nil), catalogSchema...) }

// CheckCatalog checks a catalog against CatalogSchema and reports every
// mistake with its file, line and column: JSON or YAML that does not
// parse, a wrong type (a team written as an object), a missing or repeated
// identifier, and keys the schema does not know. An unknown key at an
// entity's top level is a warning (Port ignores it), but an error when it
// is a misspelling of a known key ("relatons": did you mean "relations"?)
// or a property one of scs reads (hint: move it under "properties"),
// since the rules would then read nothing.
//
// path is a JSON or YAML file, or a directory of *.yaml and *.yml files of
// one or more entities each (as people keep catalog-info.yaml). The error
// is for a path that cannot be read; a catalog's mistakes are findings.
func CheckCatalog(path string, scs ...*scorecard.Scorecard) (scorecard.Findings, error) {
	ents, findings, err := readEntityNodes(path)
	if err != nil {
		return nil, err
	}
	return checkNodes(ents, findings, scs)
}

// checkNodes checks the entities read from a catalog; findings are those
// of reading it, to which the check's are added.
func checkNodes(ents []*node, findings scorecard.Findings, scs []*scorecard.Scorecard) (scorecard.Findings, error) {
	if findings.Err() != nil {
		return findings, nil
	}
	c, err := newChecker(scs)
	if err != nil {
		return nil, err
	}
	c.findings = findings
	seen := map[string]*node{}
	for i, e := range ents {
		c.entity(e, i+1)
		id := e.get("identifier")
		if id == nil || id.kind != kString || strings.TrimSpace(id.str) == "" {
			continue
		}
		if first, dup := seen[id.str]; dup {
			c.add(id, scorecard.Error, fmt.Sprintf("identifier %q is also the identifier of the entity at %s:%d", id.str, first.file, first.line), "identifiers must be unique")
			continue
		}
		seen[id.str] = id
	}
	sort.SliceStable(c.findings, func(i, j int) bool {
		a, b := c.findings[i], c.findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return c.findings, nil
}

// readEntityNodes reads path into the entities' trees, in order. Findings
// hold syntax errors and catalog shapes that are not entities.
func readEntityNodes(path string) ([]*node, scorecard.Findings, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read catalog: %w", err)
	}
	var (
		ents     []*node
		findings scorecard.Findings
	)
	errAt := func(n *node, msg, hint string) {
		findings = append(findings, scorecard.Finding{File: n.file, Line: n.line, Col: n.col, Severity: scorecard.Error, Message: msg, Hint: hint})
	}
	if info.IsDir() {
		names, err := yamlFiles(path)
		if err != nil {
			return nil, nil, err
		}
		if len(names) == 0 {
			return nil, scorecard.Findings{{File: path, Severity: scorecard.Error, Message: "the directory has no *.yaml or *.yml files", Hint: "keep one entity per file, as catalog-info.yaml"}}, nil
		}
		for _, name := range names {
			got, fs, err := readFileNodes(name, true)
			if err != nil {
				return nil, nil, err
			}
			ents, findings = append(ents, got...), append(findings, fs...)
		}
	} else {
		got, fs, err := readFileNodes(path, false)
		if err != nil {
			return nil, nil, err
		}
		ents, findings = got, fs
	}
	if len(ents) == 0 && findings.Err() == nil {
		findings = append(findings, scorecard.Finding{File: path, Severity: scorecard.Error, Message: "the catalog has no entities",
			Hint: "a catalog is an array of entities, Port's {\"entities\": [...]}, or YAML documents of one entity each"})
	}
	for _, e := range ents {
		if e.kind != kObject {
			errAt(e, fmt.Sprintf("an entity must be an object, not %s", e.kind), "")
		}
	}
	return ents, findings, nil
}

func yamlFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	var out []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// isYAML: by extension, or, for other names, by not starting like JSON.
func isYAML(path string, data []byte) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return true
	case ".json":
		return false
	}
	trimmed := strings.TrimLeft(string(data[:min(len(data), 512)]), " \t\r\n\ufeff")
	return !strings.HasPrefix(trimmed, "[") && !strings.HasPrefix(trimmed, "{")
}

// readFileNodes reads one file's entities. inDir: a file of a directory
// catalog, where each document is one entity (or a list of them).
func readFileNodes(path string, inDir bool) ([]*node, scorecard.Findings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read catalog: %w", err)
	}
	yamlFile := inDir || isYAML(path, data)
	var docs []*node
	if yamlFile {
		docs, err = parseYAML(path, data)
	} else {
		var root *node
		root, err = parseJSON(path, data)
		docs = []*node{root}
	}
	if se, ok := err.(*syntaxError); ok {
		return nil, scorecard.Findings{{File: se.file, Line: se.line, Col: se.col, Severity: scorecard.Error, Message: se.msg}}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var (
		ents     []*node
		findings scorecard.Findings
	)
	for _, d := range docs {
		got, f := entitiesOf(d, yamlFile)
		ents = append(ents, got...)
		if f != nil {
			findings = append(findings, *f)
		}
	}
	return ents, findings, nil
}

// entitiesOf finds the entities in one document, in any shape the schema's
// anyOf accepts; a JSON file must hold a list (as ParseCatalog wants), a
// YAML document may also be one entity.
func entitiesOf(d *node, yamlDoc bool) ([]*node, *scorecard.Finding) {
	fail := func(at *node, msg, hint string) *scorecard.Finding {
		return &scorecard.Finding{File: at.file, Line: at.line, Col: at.col, Severity: scorecard.Error, Message: msg, Hint: hint}
	}
	switch d.kind {
	case kArray:
		for _, it := range d.items {
			if it.get("rules") != nil {
				return nil, fail(it, "this is scorecard definitions (an item has \"rules\"), not a catalog", "pass it with --scorecards")
			}
		}
		return d.items, nil
	case kObject:
	default:
		return nil, fail(d, fmt.Sprintf("expected a list of entities or an object with \"entities\", not %s", d.kind), "")
	}
	switch {
	case d.get("entities") != nil:
		es := d.get("entities")
		if es.kind != kArray {
			return nil, fail(es, fmt.Sprintf(`"entities" must be an array of entities, not %s`, es.kind), "")
		}
		if ok := d.get("ok"); ok != nil && ok.kind == kBool && !ok.b {
			return nil, fail(ok, `the response says "ok": false`, "it is an error from Port, not a catalog")
		}
		return es.items, nil
	case d.get("entity") != nil:
		return []*node{d.get("entity")}, nil
	case d.get("rules") != nil || d.get("scorecards") != nil || d.get("scorecard") != nil:
		return nil, fail(d, "this is scorecard definitions, not a catalog", "pass it with --scorecards")
	case d.get("apiVersion") != nil && d.get("metadata") != nil:
		return nil, fail(d, "this is a Backstage descriptor (catalog-info.yaml), not an entity in Port's shape",
			`read it from Backstage with BACKSTAGE_URL, or write it as {identifier, title, team, properties}`)
	case d.get("identifier") != nil && yamlDoc:
		return []*node{d}, nil
	case d.get("identifier") != nil:
		return nil, fail(d, "this is a single entity, not a catalog", "wrap it in an array: [ {...} ]")
	}
	return nil, fail(d, fmt.Sprintf(`the object has no "entities" (keys: %s)`, strings.Join(d.keys, ", ")),
		`a catalog is a list of entities, or Port's {"ok": true, "entities": [...]}`)
}

// checker validates entities against the schema's entity definition.
type checker struct {
	root      map[string]any
	entityDef map[string]any
	known     []string        // the entity's keys
	read      map[string]bool // properties the scorecards read
	findings  scorecard.Findings
}

func newChecker(scs []*scorecard.Scorecard) (*checker, error) {
	var root map[string]any
	if err := json.Unmarshal(catalogSchema, &root); err != nil {
		return nil, fmt.Errorf("the embedded catalog schema: %w", err)
	}
	c := &checker{root: root, read: map[string]bool{}}
	c.entityDef, _ = dig(root, "$defs", "entity").(map[string]any)
	props, _ := c.entityDef["properties"].(map[string]any)
	for k := range props {
		c.known = append(c.known, k)
	}
	sort.Strings(c.known)
	for _, f := range scorecard.FieldsRead(scs) {
		if !f.Relation && !strings.HasPrefix(f.Name, "$") {
			c.read[f.Name] = true
		}
	}
	return c, nil
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

func (c *checker) add(n *node, sev scorecard.Severity, msg, hint string) {
	c.findings = append(c.findings, scorecard.Finding{File: n.file, Line: n.line, Col: n.col, Severity: sev, Message: msg, Hint: hint})
}

func (c *checker) addAt(file string, at [2]int, sev scorecard.Severity, msg, hint string) {
	c.findings = append(c.findings, scorecard.Finding{File: file, Line: at[0], Col: at[1], Severity: sev, Message: msg, Hint: hint})
}

// entity checks one entity; n is its number in the catalog.
func (c *checker) entity(e *node, n int) {
	if e.kind != kObject {
		return // reported when read
	}
	name := fmt.Sprintf("entity #%d", n)
	if id := e.get("identifier"); id != nil && id.kind == kString && id.str != "" {
		name = fmt.Sprintf("entity %q", id.str)
	}
	if e.get("identifier") == nil {
		c.add(e, scorecard.Error, fmt.Sprintf("%s has no \"identifier\"", name), "every entity needs a unique identifier")
	}
	props, _ := c.entityDef["properties"].(map[string]any)
	for i, k := range e.keys {
		v := e.vals[i]
		if s, ok := props[k].(map[string]any); ok {
			c.value(v, s, name, k)
			continue
		}
		c.unknownKey(e, i, name)
	}
}

// unknownKey reports a top-level key the schema does not have.
func (c *checker) unknownKey(e *node, i int, name string) {
	k, at, file := e.keys[i], e.keyAt[i], e.file
	if s := scorecard.Suggest(k, c.known, 1); len(s) > 0 && !c.read[k] {
		c.addAt(file, at, scorecard.Error, fmt.Sprintf("%s: unknown key %q", name, k), fmt.Sprintf("did you mean %q?", s[0]))
		return
	}
	if c.read[k] {
		c.addAt(file, at, scorecard.Error, fmt.Sprintf("%s: %q is written at the top level, where the scorecards do not read it: their rules read properties.%s", name, k, k), fmt.Sprintf("move %q under \"properties\"", k))
		return
	}
	c.addAt(file, at, scorecard.Warning, fmt.Sprintf("%s: unknown key %q at the top level is ignored", name, k), fmt.Sprintf("if it is a property, move it under \"properties\"; the keys are %s", strings.Join(c.known, ", ")))
}

// value checks n against schema s; path names it in messages.
func (c *checker) value(n *node, s map[string]any, name, path string) {
	s = c.resolve(s)
	if types := typesOf(s); len(types) > 0 && !typeAllowed(types, n) {
		c.add(n, scorecard.Error, fmt.Sprintf("%s: %q must be %s, not %s", name, path, describeTypes(types, s), n.kind), typeHint(path, n))
		return
	}
	if ml, ok := s["minLength"].(float64); ok && n.kind == kString && float64(len(strings.TrimSpace(n.str))) < ml {
		c.add(n, scorecard.Error, fmt.Sprintf("%s: %q is empty", name, path), "")
	}
	switch n.kind {
	case kArray:
		if is, ok := s["items"].(map[string]any); ok {
			for i, it := range n.items {
				c.value(it, is, name, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	case kObject:
		props, _ := s["properties"].(map[string]any)
		for i, k := range n.keys {
			if ps, ok := props[k].(map[string]any); ok {
				c.value(n.vals[i], ps, name, path+"."+k)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					c.addAt(n.file, n.keyAt[i], scorecard.Warning, fmt.Sprintf("%s: unknown key %q in %q is ignored", name, k, path), "")
				}
			case map[string]any:
				c.value(n.vals[i], ap, name, path+"."+k)
			}
		}
	}
}

func (c *checker) resolve(s map[string]any) map[string]any {
	for i := 0; i < 10; i++ {
		ref, ok := s["$ref"].(string)
		if !ok {
			break
		}
		var cur any = c.root
		for _, p := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = dig(cur, p)
		}
		next, _ := cur.(map[string]any)
		if next == nil {
			break
		}
		s = next
	}
	return s
}

func typesOf(s map[string]any) []string {
	switch t := s["type"].(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			if str, ok := x.(string); ok {
				out = append(out, str)
			}
		}
		return out
	}
	return nil
}

func typeAllowed(types []string, n *node) bool {
	for _, t := range types {
		switch {
		case t == "string" && n.kind == kString,
			t == "number" && n.kind == kNumber,
			t == "integer" && n.kind == kNumber && n.num == float64(int64(n.num)),
			t == "boolean" && n.kind == kBool,
			t == "object" && n.kind == kObject,
			t == "array" && n.kind == kArray,
			t == "null" && n.kind == kNull:
			return true
		}
	}
	return false
}

// describeTypes says "a string or an array of strings"; null, which the
// schema allows for "not set", goes unsaid.
func describeTypes(types []string, s map[string]any) string {
	var parts []string
	for _, t := range types {
		switch t {
		case "null":
		case "array":
			if it, _ := s["items"].(map[string]any); it != nil && it["type"] == "string" {
				parts = append(parts, "an array of strings")
			} else {
				parts = append(parts, "an array")
			}
		case "object", "integer":
			parts = append(parts, "an "+t)
		default:
			parts = append(parts, "a "+t)
		}
	}
	return strings.Join(parts, " or ")
}

func typeHint(path string, n *node) string {
	if path != "team" {
		return ""
	}
	if n.kind == kObject {
		for _, k := range []string{"name", "identifier", "id"} {
			if v := n.get(k); v != nil && v.kind == kString {
				return fmt.Sprintf("write \"team\": %q", v.str)
			}
		}
	}
	return `write "team": "payments", or "team": ["payments", "search"]`
}

// IsJSONFile reports whether the catalog at path is one JSON file (not
// YAML, not a directory), as ReadCatalog tells them apart.
func IsJSONFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || info.IsDir() {
		return false
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	return !isYAML(path, head[:n])
}
