package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/prodready/prodready/scorecard"
)

// Scaled is the demo grown to n services spread over nteams teams, for
// benchmarks and load tests: each service copies a demo service (so the
// scorecards fail in the demo's varied ways), numbered to keep identifiers
// and titles unique ("payments-api-00042", "Payments API 00042").
// Its dates are relative to now, like the demo's.
func Scaled(ctx context.Context, now time.Time, n, nteams int) (*scorecard.Bundle, error) {
	if n < 1 || nteams < 1 {
		return nil, fmt.Errorf("demo.Scaled: services (%d) and teams (%d) must be positive", n, nteams)
	}
	d, err := Source{}.Load(ctx, now)
	if err != nil {
		return nil, err
	}
	base := d.Catalog.Entities
	ents := make([]scorecard.Entity, n)
	teams := make([]scorecard.Team, nteams)
	for i := range teams {
		id := fmt.Sprintf("team-%03d", i)
		teams[i] = scorecard.Team{Identifier: id, Name: fmt.Sprintf("Team %03d", i)}
	}
	for i := range ents {
		e := base[i%len(base)]
		e.Identifier = fmt.Sprintf("%s-%05d", e.Identifier, i)
		e.Title = fmt.Sprintf("%s %05d", e.Title, i)
		e.Team = scorecard.Teams{teams[i%nteams].Identifier}
		ents[i] = e
	}
	cat, err := scorecard.NewCatalog(ents)
	if err != nil {
		return nil, err
	}
	return &scorecard.Bundle{Scorecards: d.Scorecards, Catalog: cat, Teams: teams, Origin: "demo scaled"}, nil
}
