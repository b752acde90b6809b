package scorecard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	fastjson "github.com/goccy/go-json"
)

// Entity is one catalog entity in Port's shape.
type Entity struct {
	Identifier string         `json:"identifier"`
	Title      string         `json:"title,omitempty"`
	Icon       string         `json:"icon,omitempty"`
	Blueprint  string         `json:"blueprint,omitempty"`
	Team       Teams          `json:"team,omitempty"`
	Properties map[string]any `json:"properties,omitempty"`
	Relations  map[string]any `json:"relations,omitempty"`
	CreatedAt  string         `json:"createdAt,omitempty"`
	UpdatedAt  string         `json:"updatedAt,omitempty"`
	CreatedBy  string         `json:"createdBy,omitempty"`
	UpdatedBy  string         `json:"updatedBy,omitempty"`
	// Scorecards holds the results Port computed itself, when the entity came
	// from Port; prodready never reads them to evaluate, only to compare.
	Scorecards map[string]PortResult `json:"scorecards,omitempty"`
}

// Name is the title, or the identifier when there is no title.
func (e *Entity) Name() string {
	if e.Title != "" {
		return e.Title
	}
	return e.Identifier
}

// PortResult is one scorecard's result in Port's own shape.
type PortResult struct {
	Level string           `json:"level"`
	Rules []PortRuleResult `json:"rules"`
}

// PortRuleResult is one rule's result in Port's own shape.
type PortRuleResult struct {
	Identifier string `json:"identifier"`
	Status     string `json:"status"`
	Level      string `json:"level"`
}

// Teams is an entity's owning teams. Port sends an array, or sometimes a
// single string, which reads as a one-element array (SEMANTICS, Values).
type Teams []string

// UnmarshalJSON accepts a string, an array of strings, or null.
func (t *Teams) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*t = nil
		return nil
	case len(b) > 0 && b[0] == '[':
		if list, ok := simpleStrings(b); ok {
			*t = list
			return nil
		}
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			*t = nil
		} else {
			*t = Teams{s}
		}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return errors.New("team must be a string or an array of strings")
	}
	*t = list
	return nil
}

// simpleStrings reads an array of strings without escapes, the shape of
// nearly every team list, without a second pass of encoding/json.
func simpleStrings(b []byte) (Teams, bool) {
	b = bytes.TrimSpace(b[1:])
	var out Teams
	for {
		if len(b) > 0 && b[0] == ']' && len(out) == 0 {
			return out, len(bytes.TrimSpace(b[1:])) == 0
		}
		if len(b) == 0 || b[0] != '"' {
			return nil, false
		}
		end := bytes.IndexByte(b[1:], '"')
		if end < 0 || bytes.IndexByte(b[1:end+1], '\\') >= 0 {
			return nil, false
		}
		out = append(out, string(b[1:end+1]))
		b = bytes.TrimSpace(b[end+2:])
		switch {
		case len(b) > 0 && b[0] == ',':
			b = bytes.TrimSpace(b[1:])
			if len(b) > 0 && b[0] == ']' {
				return nil, false
			}
		case len(b) > 0 && b[0] == ']':
			return out, len(bytes.TrimSpace(b[1:])) == 0
		default:
			return nil, false
		}
	}
}

// Catalog is a set of entities with an index for finding one by name.
type Catalog struct {
	Entities []Entity
	byID     map[string]int // exact identifier -> index
	keys     *lazyKeys
	// columns holds the catalog's common properties column by column, in
	// entity order: evaluation then reads memory in sequence instead of
	// chasing each entity's map. A Catalog's entities must not change after
	// NewCatalog.
	columns map[string][]any
	// names answers Suggest; built on the first call, since most
	// catalogs are never asked "did you mean".
	names *lazyIndex
	// OtherKeys is set by ParseCatalog when some entity may have a
	// top-level key that is not one of Entity's own as Entity spells it:
	// the decoder dropped it, or took it for a field whatever its case. A
	// files catalog is then checked against its schema, which says where.
	OtherKeys bool
}

type lazyIndex struct {
	once sync.Once
	ix   *NameIndex
}

// Columns are kept for at most maxColumns properties, each present in at
// least one entity in minColumnShare: a rare property is read from its map,
// so the columns' memory stays a bounded multiple of the catalog's size.
// A catalog of fewer than minColumnEntities (a piece of a streamed check,
// a small catalog) has none: building them costs more than its maps.
const (
	maxColumns        = 64
	minColumnShare    = 4
	minColumnEntities = 1024
)

// NewCatalog indexes entities. It fails on a missing or duplicate identifier.
func NewCatalog(entities []Entity) (*Catalog, error) {
	ids, err := identifiers(entities)
	if err != nil {
		return nil, err
	}
	return newCatalog(entities, ids), nil
}

// identifiers maps each identifier to its entity; it fails on a missing or
// duplicate one.
func identifiers(entities []Entity) (map[string]int, error) {
	ids := make(map[string]int, len(entities))
	for i := range entities {
		e := &entities[i]
		if strings.TrimSpace(e.Identifier) == "" {
			return nil, fmt.Errorf("entity #%d (title %q) has no identifier", i+1, e.Title)
		}
		if j, dup := ids[e.Identifier]; dup {
			return nil, fmt.Errorf("entities #%d and #%d have the same identifier %q", j+1, i+1, e.Identifier)
		}
		ids[e.Identifier] = i
	}
	return ids, nil
}

// newCatalog indexes entities whose identifiers are ids.
func newCatalog(entities []Entity, ids map[string]int) *Catalog {
	c := &Catalog{Entities: entities, byID: ids, keys: &lazyKeys{}, names: &lazyIndex{}}
	c.buildColumns()
	return c
}

// lazyKeys is the index of lower-case names, built on the first lookup:
// `check` over a whole catalog never looks a name up.
type lazyKeys struct {
	once sync.Once
	m    map[string]int // lower-case identifier and title -> index
}

// byKey returns the index of lower-case identifiers and titles.
func (c *Catalog) byKey() map[string]int {
	c.keys.once.Do(func() {
		m := make(map[string]int, 2*len(c.Entities))
		// Identifiers win over titles: add titles first so identifiers overwrite.
		for i := range c.Entities {
			if t := strings.ToLower(strings.TrimSpace(c.Entities[i].Title)); t != "" {
				if _, taken := m[t]; !taken {
					m[t] = i
				}
			}
		}
		for i := range c.Entities {
			m[strings.ToLower(c.Entities[i].Identifier)] = i
		}
		c.keys.m = m
	})
	return c.keys.m
}

// buildColumns fills the columns in one pass over the entities' maps: a
// column is made when its property is first seen (at most 2*maxColumns),
// and the sparse ones are dropped at the end.
func (c *Catalog) buildColumns() {
	n := len(c.Entities)
	if n < minColumnEntities {
		return
	}
	c.columns = map[string][]any{}
	for i := range c.Entities {
		for k, v := range c.Entities[i].Properties {
			col, ok := c.columns[k]
			if !ok {
				if len(c.columns) >= 2*maxColumns {
					continue
				}
				col = make([]any, n)
				c.columns[k] = col
			}
			col[i] = v
		}
	}
	kept := 0
	for k, col := range c.columns {
		set := 0
		for _, v := range col {
			if v != nil {
				set++
			}
		}
		if set*minColumnShare < n || kept == maxColumns {
			delete(c.columns, k)
			continue
		}
		kept++
	}
}

// column returns property name for every entity, or nil when the catalog
// keeps no column for it.
func (c *Catalog) column(name string) []any { return c.columns[name] }

// Find returns the index of the entity whose identifier or title is name,
// case-insensitively, without scanning the catalog.
// An exact identifier wins, since Port's identifiers are case-sensitive
// ("B" and "b" are two entities).
//
// Chat markup around the name (*bold*, _italic_, ~strike~, `code`, or a
// stray mark at either end) is dropped only when the name as written finds
// nothing: "*", "~" and "`" are legal in identifiers, so "evil-4-*bold*" is
// a name, not markup. Callers pass the name as the user typed it, of any
// length; trimming it first loses such services.
func (c *Catalog) Find(name string) (int, bool) {
	if i, ok := c.byID[name]; ok {
		return i, true
	}
	name = strings.TrimSpace(name)
	if i, ok := c.lookup(name); ok {
		return i, true
	}
	for {
		inner, ok := unwrapMarkup(name)
		if !ok {
			break
		}
		name = inner
		if i, ok := c.lookup(name); ok {
			return i, true
		}
	}
	if bare := strings.TrimSpace(strings.Trim(name, markup)); bare != name {
		return c.lookup(bare)
	}
	return 0, false
}

// markup is the characters chat clients wrap a word in for style.
const markup = "*_~`"

// unwrapMarkup removes one matching pair of markup around s.
func unwrapMarkup(s string) (string, bool) {
	if len(s) < 2 || s[0] != s[len(s)-1] || strings.IndexByte(markup, s[0]) < 0 {
		return s, false
	}
	return strings.TrimSpace(s[1 : len(s)-1]), true
}

// lookup is the exact identifier, else an identifier or title in any case.
func (c *Catalog) lookup(name string) (int, bool) {
	if name == "" {
		return 0, false
	}
	if i, ok := c.byID[name]; ok {
		return i, true
	}
	i, ok := c.byKey()[strings.ToLower(name)]
	return i, ok
}

// Suggest returns up to max identifiers or titles close to name, as
// scorecard.Suggest ranks them, then names holding a word close to it
// (NameIndex). The first call indexes the catalog's names; the others do
// not scan it.
func (c *Catalog) Suggest(name string, max int) []string {
	return c.NameIndex().Suggest(name, max)
}

// Index builds now the indexes that Find and Suggest otherwise build on
// their first use, so that no answer of a server waits for them.
func (c *Catalog) Index() {
	c.byKey()
	c.NameIndex()
}

// NameIndex is the index of the catalog's identifiers and titles that
// Suggest uses, built on its first use.
func (c *Catalog) NameIndex() *NameIndex {
	c.names.once.Do(func() { c.names.ix = NewNameIndex(c.suggestNames()) })
	return c.names.ix
}

// suggestNames are the identifiers, and the titles that differ from them
// other than in case.
func (c *Catalog) suggestNames() []string {
	names := make([]string, 0, 2*len(c.Entities))
	for i := range c.Entities {
		names = append(names, c.Entities[i].Identifier)
		if c.Entities[i].Title != "" && !strings.EqualFold(c.Entities[i].Title, c.Entities[i].Identifier) {
			names = append(names, c.Entities[i].Title)
		}
	}
	return names
}

// CatalogError is bad catalog input, with where it is when known.
type CatalogError struct {
	File      string
	Line, Col int
	Msg, Hint string
}

func (e *CatalogError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Hint != "" {
		fmt.Fprintf(&b, " (%s)", e.Hint)
	}
	return b.String()
}

// entityJSON catches the keys that say a file is scorecards, not a catalog.
type entityJSON struct {
	Entity
	Rules  json.RawMessage `json:"rules"`
	Levels json.RawMessage `json:"levels"`
}

// looksLikeScorecard: the entity has a "rules" key, or "levels" and no
// properties. Only those exact keys count, as in the fast path's check
// (encoding/json would also match "Rules").
func (e *entityJSON) looksLikeScorecard(raw []byte) bool {
	rules := e.Rules != nil && bytes.Contains(raw, []byte(`"rules"`))
	levels := e.Levels != nil && bytes.Contains(raw, []byte(`"levels"`))
	return rules || (levels && e.Properties == nil)
}

// ParseCatalog reads a JSON array of Port entities, Port's
// {"ok": true, "entities": [...]} search response, or {"entity": {...}}.
// file names the input in errors. An empty catalog is an error: an empty
// result must never pass for a healthy one.
func ParseCatalog(file string, data []byte) (*Catalog, error) {
	// The input is only held through in from here, so that the fast path
	// can let go of it once it is decoded and valid: the catalog is then
	// indexed while the garbage collector may reclaim the bytes, which
	// lowers the peak memory of a large catalog by the file's size.
	in := &catalogInput{data: data}
	data = nil
	if ents, other, ok := fastCatalog(in.data); ok && len(ents) > 0 {
		if ids, err := identifiers(ents); err == nil {
			in.data = nil
			c := newCatalog(ents, ids)
			c.OtherKeys = other
			return c, nil
		}
	}
	// Something is wrong: parse again, carefully, to say where and what.
	p := catalogParser{file: file, data: in.data}
	ents, err := p.parse()
	if err != nil {
		return nil, err
	}
	if len(ents) == 0 {
		return nil, &CatalogError{File: file, Msg: "the catalog has no entities", Hint: "a catalog is a JSON array of entities, or Port's {\"entities\": [...]}"}
	}
	c, err := p.index(ents)
	if err != nil {
		return nil, err
	}
	c.OtherKeys = true // this parser does not look; say so, to be safe
	return c, nil
}

type catalogInput struct{ data []byte }

// fastCatalog decodes a well-formed catalog in one pass of a fast decoder. It
// answers false for anything unusual, which the careful parser then explains
// with positions; that parser is slower, but runs only on the error path.
// other is set when some entity has a key that is not Entity's own.
func fastCatalog(data []byte) (ents []Entity, other, ok bool) {
	arr, ok := entitiesArray(data)
	if !ok {
		return nil, false, false
	}
	var scan arrayScan
	ents, ok = decodeArray(arr, parallelDecodeFrom, &scan)
	if !ok || scan.scorecardKeys {
		// Maybe scorecard definitions: the careful parser says so.
		return nil, false, false
	}
	return ents, scan.otherKeys, true
}

// entitiesArray returns the JSON array of a catalog's entities: the whole
// of data, or the "entities" of Port's {"ok": true, "entities": [...]}.
// It answers false for anything else (scorecard definitions, Port's
// refusal), which the careful parser explains.
func entitiesArray(data []byte) ([]byte, bool) {
	start := skipSpace(data, 0)
	if start >= int64(len(data)) {
		return nil, false
	}
	arr := data[start:]
	switch arr[0] {
	case '[':
		return arr, true
	case '{':
		var r struct {
			OK         *bool               `json:"ok"`
			Entities   fastjson.RawMessage `json:"entities"`
			Scorecards fastjson.RawMessage `json:"scorecards"`
		}
		if fastjson.Unmarshal(arr, &r) != nil || (r.OK != nil && !*r.OK) || r.Scorecards != nil || len(r.Entities) == 0 {
			return nil, false
		}
		return r.Entities, true
	}
	return nil, false
}

type catalogParser struct {
	file string
	data []byte
	offs []int64 // start of each entity, for messages
	cur  int64   // start of the value being decoded
}

func (p *catalogParser) errAt(off int64, msg, hint string) *CatalogError {
	line, col := lineCol(p.data, off)
	return &CatalogError{File: p.file, Line: line, Col: col, Msg: msg, Hint: hint}
}

func (p *catalogParser) parse() ([]Entity, error) {
	start := skipSpace(p.data, 0)
	if start >= int64(len(p.data)) {
		return nil, &CatalogError{File: p.file, Msg: "the file is empty"}
	}
	dec := json.NewDecoder(bytes.NewReader(p.data))
	switch p.data[start] {
	case '[':
		ents, err := p.array(dec)
		if err != nil {
			return nil, err
		}
		return ents, p.trailing(dec)
	case '{':
		ents, err := p.object(dec)
		if err != nil {
			return nil, err
		}
		return ents, p.trailing(dec)
	}
	return nil, p.errAt(start, "expected a JSON array of entities or an object with \"entities\"", "")
}

func (p *catalogParser) trailing(dec *json.Decoder) error {
	if _, err := dec.Token(); err != io.EOF {
		return p.errAt(skipSpace(p.data, dec.InputOffset()), "unexpected data after the catalog", "")
	}
	return nil
}

func (p *catalogParser) object(dec *json.Decoder) ([]Entity, error) {
	if _, err := dec.Token(); err != nil {
		return nil, p.jsonErr(err, dec)
	}
	var ents []Entity
	found := false
	var keys []string
	for dec.More() {
		keyOff := skipSpace(p.data, dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return nil, p.jsonErr(err, dec)
		}
		key, _ := tok.(string)
		keys = append(keys, key)
		// encoding/json, which the fast path uses, matches keys ignoring case.
		switch strings.ToLower(key) {
		case "entities":
			if found {
				return nil, p.errAt(keyOff, `"entities" appears twice`, "")
			}
			found = true
			valOff := skipSpace(p.data, dec.InputOffset())
			if valOff < int64(len(p.data)) && p.data[valOff] != '[' {
				return nil, p.errAt(valOff, `"entities" must be an array of entities`, "")
			}
			if ents, err = p.array(dec); err != nil {
				return nil, err
			}
		case "entity":
			found = true
			off := skipSpace(p.data, dec.InputOffset())
			var e entityJSON
			p.cur = off
			if err := dec.Decode(&e); err != nil {
				return nil, p.jsonErr(err, dec)
			}
			p.offs = append(p.offs, off)
			ents = append(ents, e.Entity)
		case "ok":
			off := skipSpace(p.data, dec.InputOffset())
			var ok any
			if err := dec.Decode(&ok); err != nil {
				return nil, p.jsonErr(err, dec)
			}
			if ok == false {
				return nil, p.errAt(off, `the response says "ok": false`, "it is an error from Port, not a catalog")
			}
		case "scorecards", "scorecard", "rules":
			return nil, p.errAt(keyOff, fmt.Sprintf("this is scorecard definitions (it has %q), not a catalog", key), "pass it with --scorecards")
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, p.jsonErr(err, dec)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, p.jsonErr(err, dec)
	}
	if !found {
		sort.Strings(keys)
		if containsStr(keys, "identifier") && containsStr(keys, "properties") {
			return nil, p.errAt(0, "this is a single entity, not a catalog", `wrap it in an array: [ {...} ]`)
		}
		return nil, p.errAt(0, fmt.Sprintf(`the object has no "entities" (keys: %s)`, strings.Join(keys, ", ")), `a catalog is a JSON array of entities, or Port's {"ok": true, "entities": [...]}`)
	}
	return ents, nil
}

func (p *catalogParser) array(dec *json.Decoder) ([]Entity, error) {
	if _, err := dec.Token(); err != nil {
		return nil, p.jsonErr(err, dec)
	}
	ents := make([]Entity, 0, 64)
	for dec.More() {
		off := skipSpace(p.data, dec.InputOffset())
		if off < int64(len(p.data)) && p.data[off] != '{' {
			var skip any
			_ = dec.Decode(&skip)
			return nil, p.errAt(off, fmt.Sprintf("entity #%d is not an object", len(ents)+1), "")
		}
		var e entityJSON
		p.cur = off
		if err := dec.Decode(&e); err != nil {
			return nil, p.jsonErr(err, dec)
		}
		if e.looksLikeScorecard(p.data[off:dec.InputOffset()]) {
			return nil, p.errAt(off, fmt.Sprintf("entity #%d has \"rules\": this is scorecard definitions, not a catalog", len(ents)+1), "pass it with --scorecards")
		}
		p.offs = append(p.offs, off)
		ents = append(ents, e.Entity)
	}
	if _, err := dec.Token(); err != nil {
		return nil, p.jsonErr(err, dec)
	}
	return ents, nil
}

func (p *catalogParser) jsonErr(err error, dec *json.Decoder) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off, msg := syntaxOffset(p.data, se)
		return p.errAt(off, "invalid JSON: "+msg, "")
	case errors.As(err, &te):
		field := strings.TrimPrefix(te.Field, "Entity.")
		if field == "" {
			field = "value"
		}
		// Decode reports the offset within the value it was decoding.
		return p.errAt(p.cur+te.Offset, fmt.Sprintf("entity #%d: field %q must be %s, not %s", len(p.offs)+1, field, kindName(te.Type.Kind().String()), te.Value), "")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return p.errAt(int64(len(p.data)), "invalid JSON: unexpected end of input", "the file is cut short")
	}
	return p.errAt(dec.InputOffset(), fmt.Sprintf("entity #%d: %v", len(p.offs)+1, err), "")
}

func kindName(k string) string {
	switch k {
	case "map", "struct":
		return "an object"
	case "slice":
		return "an array"
	case "string":
		return "a string"
	}
	return k
}

func (p *catalogParser) index(ents []Entity) (*Catalog, error) {
	ids := make(map[string]int, len(ents))
	for i := range ents {
		if strings.TrimSpace(ents[i].Identifier) == "" {
			return nil, p.errAt(p.offs[i], fmt.Sprintf("entity #%d has no \"identifier\"", i+1), "every entity needs a unique identifier")
		}
		if j, dup := ids[ents[i].Identifier]; dup {
			line, _ := lineCol(p.data, p.offs[j])
			return nil, p.errAt(p.offs[i], fmt.Sprintf("entity #%d has the identifier %q, like entity #%d at line %d", i+1, ents[i].Identifier, j+1, line), "identifiers must be unique")
		}
		ids[ents[i].Identifier] = i
	}
	return NewCatalog(ents)
}
