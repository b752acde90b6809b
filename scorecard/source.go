package scorecard

import (
	"context"
	"time"
)

// Bundle is everything one load of a catalog source yields.
type Bundle struct {
	Scorecards []*Scorecard
	Catalog    *Catalog
	// Teams known to the source, with members' emails where it has them.
	Teams []Team
	// Findings about definitions: scorecards the source holds that were
	// rejected (and left out of Scorecards), and warnings.
	Findings Findings
	// Origin says where the data came from, for people: "embedded demo",
	// "files catalog.json, scorecards.json", "Port (https://api.port.io)".
	Origin string
	// EntityURL links to an entity in the source's own UI; nil when there is none.
	EntityURL func(e *Entity) string
	// Provenance says which collector each collected value came from; nil
	// when no collector ran (every value is the catalog's).
	Provenance Provenance
	// Warnings are for the people who run prodready, said once per load:
	// a collector that failed (its facts are missing, not failing), its own
	// warnings, conflicts with the catalog, records and entities left unjoined.
	Warnings []string
	// Conflicts are collected values that differ from the catalog's (which
	// were kept); Unjoined lists, per collector, the entities it has no facts
	// about and its records that match no entity. Both are empty when no
	// collector ran.
	Conflicts []Conflict
	Unjoined  []Unjoined
	// Exemptions are applied by Evaluate: those of the exemptions file and
	// the approved ones from Slack, added by whoever wraps the source.
	Exemptions []Exemption
}

// Team is an owning team of entities.
type Team struct {
	Identifier string   `json:"identifier"`
	Name       string   `json:"name,omitempty"`
	Emails     []string `json:"emails,omitempty"`
}

// Source loads scorecards and entities: Port's API, files, or the demo.
// now is the evaluation time of the caller; sources that make up data
// relative to the present (the demo) use it, others ignore it.
type Source interface {
	Load(ctx context.Context, now time.Time) (*Bundle, error)
	// Describe names the source for a log line, without secrets.
	Describe() string
}

// Evaluate evaluates the bundle's scorecards over its catalog at now.
func (b *Bundle) Evaluate(now time.Time) *Evaluation {
	ev := Evaluate(now, b.Scorecards, b.Catalog)
	if len(b.Exemptions) > 0 {
		ev.Exempt(b.Exemptions)
	}
	return ev
}
