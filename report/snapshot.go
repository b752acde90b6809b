package report

import (
	"strings"
	"time"

	"github.com/prodready/prodready/scorecard"
)

// Snapshot is every entity's standing on every scorecard at one time: the
// unit the history keeps and the digests and notices compare.
type Snapshot struct {
	ID         int64 // set by the store; 0 before it is stored
	Taken      time.Time
	Origin     string
	Scorecards []ScorecardDef
	Entities   []EntityRef
	// Results holds entity e's result on scorecard s at e*len(Scorecards)+s.
	Results []Result
	// Exemptions counted in the evaluation (not stored with the snapshot:
	// the history keeps them in their own table); see Exemption.
	Exemptions []scorecard.Exemption
	exempt     map[string]*scorecard.Exemption

	// live is the evaluation the snapshot was taken from, kept in memory
	// only: notices built right after it can say what each service has
	// ("last deploy was 40 days ago"), which the stored bitmasks cannot.
	live *scorecard.Evaluation
}

// ScorecardDef is what a snapshot needs of a scorecard to read its results
// later, even after the definition changed: levels and rules in order.
type ScorecardDef struct {
	Identifier string
	Title      string
	Levels     []string // rank order
	Rules      []RuleDef
}

// RuleDef is one rule of a ScorecardDef.
type RuleDef struct {
	Identifier  string
	Title       string
	Level       string
	Rank        int
	Description string
}

// EntityRef names an entity and its owning teams.
type EntityRef struct {
	Identifier string
	Title      string
	Teams      []string
	URL        string // not stored; set when the snapshot comes from a live evaluation
}

// Name is the title, or the identifier when there is none.
func (e EntityRef) Name() string {
	if e.Title != "" {
		return e.Title
	}
	return e.Identifier
}

// Result is one entity's standing on one scorecard. Pass is a bitmask of rule
// outcomes in the scorecard's rule order (bit i of byte i/8), kept as a string
// so results compare with == and cost a few bytes each in the store.
type Result struct {
	Applies bool
	Level   int // rank in the scorecard's Levels
	Pass    string
}

// Passes reports whether rule i passed.
func (r Result) Passes(i int) bool {
	return i/8 < len(r.Pass) && r.Pass[i/8]&(1<<(i%8)) != 0
}

// Name is the title, or the identifier when there is none.
func (d *ScorecardDef) Name() string {
	if d.Title != "" {
		return d.Title
	}
	return d.Identifier
}

// Name is the title, or the identifier when there is none.
func (r *RuleDef) Name() string {
	if r.Title != "" {
		return r.Title
	}
	return r.Identifier
}

// LevelRank returns the rank of the named level (any case), or -1.
func (d *ScorecardDef) LevelRank(name string) int {
	for i, l := range d.Levels {
		if l == name {
			return i
		}
	}
	for i, l := range d.Levels {
		if strings.EqualFold(l, name) {
			return i
		}
	}
	return -1
}

// Result returns entity e's result on scorecard s.
func (s *Snapshot) Result(e, sc int) Result { return s.Results[e*len(s.Scorecards)+sc] }

// ScorecardIndex returns the position of the scorecard with identifier id, or -1.
func (s *Snapshot) ScorecardIndex(id string) int {
	for i := range s.Scorecards {
		if s.Scorecards[i].Identifier == id {
			return i
		}
	}
	return -1
}

// EntityIndex maps entity identifiers to their positions.
func (s *Snapshot) EntityIndex() map[string]int {
	m := make(map[string]int, len(s.Entities))
	for i := range s.Entities {
		m[s.Entities[i].Identifier] = i
	}
	return m
}

// TakeSnapshot records an evaluation. url, when not nil, links entities in
// the catalog's UI (kept in memory only, for messages).
func TakeSnapshot(ev *scorecard.Evaluation, origin string, url func(*scorecard.Entity) string) *Snapshot {
	s := &Snapshot{Taken: ev.Now, Origin: origin, live: ev}
	s.SetExemptions(ev.Exemptions())
	s.Scorecards = make([]ScorecardDef, len(ev.Scorecards))
	for i, sc := range ev.Scorecards {
		d := ScorecardDef{Identifier: sc.Identifier, Title: sc.Title, Levels: sc.LevelNames(), Rules: make([]RuleDef, len(sc.Rules))}
		for j := range sc.Rules {
			r := &sc.Rules[j]
			d.Rules[j] = RuleDef{Identifier: r.Identifier, Title: r.Title, Level: r.Level, Rank: r.Rank, Description: r.Description}
		}
		s.Scorecards[i] = d
	}
	ents := ev.Catalog.Entities
	s.Entities = make([]EntityRef, len(ents))
	s.Results = make([]Result, len(ents)*len(ev.Scorecards))
	// Identical bitmasks share one string: most services pass the same rules.
	interned := map[string]string{}
	buf := make([]byte, 0, 16)
	for e := range ents {
		ent := &ents[e]
		s.Entities[e] = EntityRef{Identifier: ent.Identifier, Title: ent.Title, Teams: ent.Team}
		if url != nil {
			s.Entities[e].URL = url(ent)
		}
		for si := range ev.Scorecards {
			r := ev.Result(e, si)
			if !r.Applies {
				continue
			}
			buf = buf[:0]
			for i, p := range r.Pass {
				if i%8 == 0 {
					buf = append(buf, 0)
				}
				if p {
					buf[i/8] |= 1 << (i % 8)
				}
			}
			bits, ok := interned[string(buf)]
			if !ok {
				bits = string(buf)
				interned[bits] = bits
			}
			s.Results[e*len(ev.Scorecards)+si] = Result{Applies: true, Level: r.Level, Pass: bits}
		}
	}
	return s
}
