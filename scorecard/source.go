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
