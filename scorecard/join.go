package scorecard

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// ProvenanceCatalog names the catalog in provenance: a value the entity had
// before any collector ran.
const ProvenanceCatalog = "catalog"

// TeamProperty is the key provenance records an entity's team under, as
// scorecards read the team ("$team").
const TeamProperty = "$team"

// Provenance says where each collected value of each entity came from:
// entity identifier -> property -> collector ("github", "pagerduty"). Only
// collected values are recorded; use Of to read it, which answers
// "catalog" for the rest.
type Provenance map[string]map[string]string

// Set records that property of entity came from source.
func (p Provenance) Set(entity, property, source string) {
	m := p[entity]
	if m == nil {
		m = map[string]string{}
		p[entity] = m
	}
	m[property] = source
}

// Of says where e's property came from: a collector's name, "catalog" when
// the entity had it before any collector ran, or "" when it has none.
func (p Provenance) Of(e *Entity, property string) string {
	if src := p[e.Identifier][property]; src != "" {
		return src
	}
	if property == TeamProperty {
		if len(e.Team) > 0 {
			return ProvenanceCatalog
		}
		return ""
	}
	if _, ok := e.Properties[property]; ok {
		return ProvenanceCatalog
	}
	return ""
}

// Conflict is a collected value that differs from the one the entity
// already had; the entity's value was kept.
type Conflict struct {
	Entity   string // identifier
	Property string
	// Kept is the entity's value and KeptFrom where it came from
	// ("catalog", or the collector that set it first).
	Kept     any
	KeptFrom string
	// Collected is the value Source offered, which was dropped.
	Collected any
	Source    string
}

func (c Conflict) String() string {
	return fmt.Sprintf("%s: %s is %s in %s, %s in %s; kept the %s value",
		c.Entity, c.Property, showAny(c.Kept), c.KeptFrom, showAny(c.Collected), c.Source, c.KeptFrom)
}

// Unjoined lists, for one collector, the entities none of its records
// joined and the records that joined no entity.
type Unjoined struct {
	Source string
	// Entities are identifiers, in catalog order.
	Entities []string
	// Records name each record by its join name, else its key value, else
	// its identifier, in the collector's order.
	Records []string
}

// JoinResult is the catalog's entities with the facts joined to them.
type JoinResult struct {
	// Entities are copies of the input with facts applied; the input's
	// property maps are never written.
	Entities   []Entity
	Provenance Provenance
	Conflicts  []Conflict
	// Unjoined holds one item per non-nil Facts, in the input order.
	Unjoined []Unjoined
	// Warnings are the collectors' own, each prefixed with its source.
	Warnings []string
}

// Join applies facts to entities. Each record finds its entities by its
// JoinKeys, tried in order, the first way that finds any winning:
//
//  1. every entity whose property Join.Property equals Join.Value;
//  2. every entity whose property Join.Annotation equals Join.Value (catalogs
//     such as Backstage keep annotations as properties under their own key),
//     or whose "annotations" object holds it;
//  3. the entity whose identifier is Join.Name (case ignored when FoldName);
//  4. when MatchTitle, the entity whose title is Join.Name (same case rule).
//
// A collected value never overwrites one the entity already has (the
// catalog wins, then the first collector in the order given): a different
// value is a Conflict, an equal one is left alone. A property that is absent
// or null is filled. Teams fill Entity.Team only when it is empty. Nil facts
// are skipped.
func Join(entities []Entity, facts []*Facts) JoinResult {
	res := JoinResult{Entities: make([]Entity, len(entities)), Provenance: Provenance{}}
	copy(res.Entities, entities)
	ix := newJoinIndex(res.Entities)
	owned := make([]bool, len(entities)) // Properties map already copied
	for _, f := range facts {
		if f == nil {
			continue
		}
		for _, w := range f.Warnings {
			res.Warnings = append(res.Warnings, f.Source+": "+w)
		}
		joined := make([]bool, len(entities))
		un := Unjoined{Source: f.Source}
		for r := range f.Records {
			rec := &f.Records[r]
			hits := ix.find(rec.Join)
			if len(hits) == 0 {
				un.Records = append(un.Records, recordName(rec))
				continue
			}
			for _, i := range hits {
				joined[i] = true
				res.apply(i, rec, f.Source, owned)
			}
		}
		for i := range res.Entities {
			if !joined[i] {
				un.Entities = append(un.Entities, res.Entities[i].Identifier)
			}
		}
		res.Unjoined = append(res.Unjoined, un)
	}
	return res
}

// apply sets rec's facts on entity i, keeping the values it already has.
func (res *JoinResult) apply(i int, rec *FactRecord, source string, owned []bool) {
	e := &res.Entities[i]
	if len(e.Team) == 0 && len(rec.Teams) > 0 {
		e.Team = append(Teams(nil), rec.Teams...)
		res.Provenance.Set(e.Identifier, TeamProperty, source)
	}
	keys := make([]string, 0, len(rec.Properties))
	for k := range rec.Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys) // conflicts in a stable order
	for _, k := range keys {
		v := rec.Properties[k]
		if old, has := e.Properties[k]; has && old != nil {
			if !sameValue(old, v) {
				res.Conflicts = append(res.Conflicts, Conflict{
					Entity: e.Identifier, Property: k, Kept: old, KeptFrom: res.Provenance.Of(e, k),
					Collected: v, Source: source,
				})
			}
			continue
		}
		if _, has := e.Properties[k]; has && v == nil {
			continue // absent in both: nothing learnt
		}
		if !owned[i] {
			props := make(map[string]any, len(e.Properties)+len(rec.Properties))
			for pk, pv := range e.Properties {
				props[pk] = pv
			}
			e.Properties = props
			owned[i] = true
		}
		e.Properties[k] = v
		res.Provenance.Set(e.Identifier, k, source)
	}
}

func recordName(r *FactRecord) string {
	switch {
	case r.Join.Name != "":
		return r.Join.Name
	case r.Join.Value != "":
		return r.Join.Value
	}
	return r.Identifier
}

// FactEntityMeta are the meta-properties of the entities EntitiesFromFacts
// makes, beside the team a collector may provide.
func FactEntityMeta() []string { return []string{"$identifier", "$title", "$blueprint"} }

// EntitiesFromFacts makes one entity per record of f, for when there is no
// catalog: identifier and title from the record, its teams and properties
// (copied). Records without an identifier, and any after the first with the
// same identifier, are left out; compare the lengths to tell.
func EntitiesFromFacts(f *Facts, blueprint string) []Entity {
	if f == nil {
		return nil
	}
	out := make([]Entity, 0, len(f.Records))
	seen := make(map[string]bool, len(f.Records))
	for _, r := range f.Records {
		id := strings.TrimSpace(r.Identifier)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		props := make(map[string]any, len(r.Properties))
		for k, v := range r.Properties {
			props[k] = v
		}
		out = append(out, Entity{
			Identifier: id, Title: r.Title, Blueprint: blueprint,
			Team: append(Teams(nil), r.Teams...), Properties: props,
		})
	}
	return out
}

// joinIndex finds entities by identifier, title and property values, each
// index built on first use.
type joinIndex struct {
	ents    []Entity
	byID    map[string]int
	byIDLow map[string]int
	byTitle map[string]int // lower-case title -> first entity
	byTExac map[string]int // exact title -> first entity
	byProp  map[string]map[string][]int
}

func newJoinIndex(ents []Entity) *joinIndex {
	return &joinIndex{ents: ents, byProp: map[string]map[string][]int{}}
}

func (x *joinIndex) find(k JoinKeys) []int {
	if k.Value != "" {
		if k.Property != "" {
			if hits := x.prop(k.Property)[k.Value]; len(hits) > 0 {
				return hits
			}
		}
		if k.Annotation != "" {
			if hits := x.prop(k.Annotation)[k.Value]; len(hits) > 0 {
				return hits
			}
		}
	}
	if k.Name == "" {
		return nil
	}
	x.names()
	if i, ok := x.byID[k.Name]; ok {
		return []int{i}
	}
	if k.FoldName {
		if i, ok := x.byIDLow[strings.ToLower(k.Name)]; ok {
			return []int{i}
		}
	}
	if k.MatchTitle {
		if i, ok := x.byTExac[k.Name]; ok {
			return []int{i}
		}
		if k.FoldName {
			if i, ok := x.byTitle[strings.ToLower(k.Name)]; ok {
				return []int{i}
			}
		}
	}
	return nil
}

func (x *joinIndex) names() {
	if x.byID != nil {
		return
	}
	n := len(x.ents)
	x.byID, x.byIDLow = make(map[string]int, n), make(map[string]int, n)
	x.byTitle, x.byTExac = make(map[string]int, n), make(map[string]int, n)
	for i := range x.ents {
		e := &x.ents[i]
		x.byID[e.Identifier] = i
		if _, taken := x.byIDLow[strings.ToLower(e.Identifier)]; !taken {
			x.byIDLow[strings.ToLower(e.Identifier)] = i
		}
		if t := strings.TrimSpace(e.Title); t != "" {
			if _, taken := x.byTExac[t]; !taken {
				x.byTExac[t] = i
			}
			if _, taken := x.byTitle[strings.ToLower(t)]; !taken {
				x.byTitle[strings.ToLower(t)] = i
			}
		}
	}
}

// prop indexes entities by the string value of a property, also looked up
// in an "annotations" object (Backstage's metadata.annotations kept whole).
func (x *joinIndex) prop(name string) map[string][]int {
	if m, ok := x.byProp[name]; ok {
		return m
	}
	m := map[string][]int{}
	for i := range x.ents {
		props := x.ents[i].Properties
		if s, ok := props[name].(string); ok && s != "" {
			m[s] = append(m[s], i)
			continue
		}
		if ann, ok := props["annotations"].(map[string]any); ok {
			if s, ok := ann[name].(string); ok && s != "" {
				m[s] = append(m[s], i)
			}
		}
	}
	x.byProp[name] = m
	return m
}

// sameValue compares a catalog value with a collected one: JSON numbers are
// float64 in a catalog and often ints in facts.
func sameValue(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	fa, oka := number(a)
	fb, okb := number(b)
	return oka && okb && fa == fb
}

func number(x any) (float64, bool) {
	switch n := x.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	}
	return 0, false
}

func showAny(x any) string {
	if s, ok := x.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	if x == nil {
		return "null"
	}
	return fmt.Sprint(x)
}
