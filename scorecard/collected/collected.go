// Package collected is a scorecard.Source that enriches a catalog with the
// facts of collectors (GitHub, PagerDuty), or builds the catalog from the
// first collector's records when there is none.
//
// It is a package of its own rather than part of scorecard because it runs
// the sources and collectors it is given (concurrently, under the caller's
// context): scorecard stays the pure domain (Join, EntitiesFromFacts), and
// this package is the one place that orchestrates I/O done by others.
package collected

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prodready/prodready/scorecard"
)

// Source loads Base (when there is one) and every collector at once, then
// joins the facts to the entities with scorecard.Join.
type Source struct {
	// Base is the catalog: Port, Backstage, files. Nil means there is no
	// catalog: the first collector's records become the entities (one per
	// repository, for GitHub), and the others' facts join them.
	Base       scorecard.Source
	Collectors []scorecard.Collector
	// Blueprint of the entities made from facts when Base is nil; "service"
	// when empty.
	Blueprint string
	// Scorecards are evaluated when Base is nil (a catalog source brings its
	// own); read them with scorecard.ParseScorecards.
	Scorecards []*scorecard.Scorecard
}

// listMax bounds the names a warning lists; Bundle.Unjoined has them all.
const listMax = 10

// Describe implements scorecard.Source; it names no secret, as the parts' own
// Describe do not.
func (s Source) Describe() string {
	var parts []string
	for _, c := range s.Collectors {
		parts = append(parts, c.Describe())
	}
	facts := strings.Join(parts, ", ")
	if s.Base == nil {
		return "facts from " + facts + " (no catalog)"
	}
	if facts == "" {
		return s.Base.Describe()
	}
	return s.Base.Describe() + " with facts from " + facts
}

type collected struct {
	facts *scorecard.Facts
	err   error
}

// Load implements scorecard.Source. With a Base, a collector that fails is
// a warning: the catalog is still used, and the warning says that the rules
// reading that collector's facts fail for want of data. Without a Base, the
// first collector's failure is the load's.
func (s Source) Load(ctx context.Context, now time.Time) (*scorecard.Bundle, error) {
	if s.Base == nil && len(s.Collectors) == 0 {
		return nil, errors.New("collected.Source has neither a catalog (Base) nor a collector: there is nothing to evaluate")
	}
	if s.Base == nil && len(s.Scorecards) == 0 {
		return nil, errors.New("collected.Source has no catalog (Base) and no Scorecards: give it scorecards read with scorecard.ParseScorecards")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	results := make([]collected, len(s.Collectors))
	var wg sync.WaitGroup
	for i, c := range s.Collectors {
		wg.Go(func() {
			f, err := c.Collect(ctx, now)
			if err == nil && f == nil {
				err = errors.New("the collector returned no facts and no error")
			}
			if f != nil && f.Source == "" {
				f.Source = c.Describe()
			}
			results[i] = collected{f, err}
		})
	}
	var base *scorecard.Bundle
	var baseErr error
	if s.Base != nil {
		base, baseErr = s.Base.Load(ctx, now)
		if baseErr != nil {
			cancel() // the collectors' work is of no use now
		}
	}
	wg.Wait()
	if baseErr != nil {
		return nil, baseErr
	}
	if s.Base != nil && (base == nil || base.Catalog == nil) {
		return nil, fmt.Errorf("%s returned no catalog and no error", s.Base.Describe())
	}

	var warnings []string
	var facts []*scorecard.Facts
	for i, r := range results {
		if r.err != nil {
			if s.Base == nil && i == 0 {
				return nil, fmt.Errorf("%s (the source of the entities, as there is no catalog): %w", s.Collectors[0].Describe(), r.err)
			}
			warnings = append(warnings, fmt.Sprintf("%s: no facts were collected (%v); rules that read its facts fail for want of data, not on their merits", s.Collectors[i].Describe(), r.err))
			continue
		}
		facts = append(facts, r.facts)
	}

	var ents []scorecard.Entity
	out := &scorecard.Bundle{}
	prov := scorecard.Provenance{}
	if base != nil {
		*out = *base
		warnings = append(append([]string(nil), base.Warnings...), warnings...)
		ents = base.Catalog.Entities
		for id, m := range base.Provenance {
			for k, src := range m {
				prov.Set(id, k, src)
			}
		}
	} else {
		first := facts[0]
		facts = facts[1:]
		bp := s.Blueprint
		if bp == "" {
			bp = "service"
		}
		ents = scorecard.EntitiesFromFacts(first, bp)
		if len(ents) == 0 {
			return nil, fmt.Errorf("%s found nothing to evaluate (no records with an identifier), and there is no catalog", s.Collectors[0].Describe())
		}
		if n := len(first.Records) - len(ents); n > 0 {
			warnings = append(warnings, fmt.Sprintf("%s: %d records had no identifier or repeated one and were left out", first.Source, n))
		}
		for _, w := range first.Warnings {
			warnings = append(warnings, first.Source+": "+w)
		}
		for i := range ents {
			for k := range ents[i].Properties {
				prov.Set(ents[i].Identifier, k, first.Source)
			}
			if len(ents[i].Team) > 0 {
				prov.Set(ents[i].Identifier, scorecard.TeamProperty, first.Source)
			}
		}
		out.Scorecards = s.Scorecards
		out.Teams = teamsOf(ents)
	}

	res := scorecard.Join(ents, facts)
	for id, m := range res.Provenance {
		for k, src := range m {
			prov.Set(id, k, src)
		}
	}
	warnings = append(warnings, res.Warnings...)
	warnings = append(warnings, describeJoin(res)...)
	cat, err := scorecard.NewCatalog(res.Entities)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Describe(), err)
	}
	out.Catalog = cat
	out.Origin = originOf(base, s)
	out.Provenance = prov
	out.Warnings = warnings
	out.Conflicts = append(append([]scorecard.Conflict(nil), out.Conflicts...), res.Conflicts...)
	out.Unjoined = append(append([]scorecard.Unjoined(nil), out.Unjoined...), res.Unjoined...)
	return out, nil
}

func originOf(base *scorecard.Bundle, s Source) string {
	var names []string
	for _, c := range s.Collectors {
		names = append(names, c.Describe())
	}
	if base == nil {
		return strings.Join(names, " + ") + " (no catalog)"
	}
	if len(names) == 0 {
		return base.Origin
	}
	return base.Origin + " + " + strings.Join(names, " + ")
}

// teamsOf lists the teams the entities name, when no catalog says more.
func teamsOf(ents []scorecard.Entity) []scorecard.Team {
	seen := map[string]bool{}
	var out []scorecard.Team
	for _, e := range ents {
		for _, t := range e.Team {
			if !seen[t] {
				seen[t] = true
				out = append(out, scorecard.Team{Identifier: t, Name: t})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Identifier < out[j].Identifier })
	return out
}

// describeJoin says what did not join, in a few lines a person can act on.
func describeJoin(res scorecard.JoinResult) []string {
	var out []string
	if n := len(res.Conflicts); n > 0 {
		var shown []string
		for _, c := range res.Conflicts[:min(n, listMax)] {
			shown = append(shown, c.String())
		}
		out = append(out, fmt.Sprintf("%d collected values differ from the catalog's, which were kept: %s%s", n, strings.Join(shown, "; "), more(n)))
	}
	for _, u := range res.Unjoined {
		if n := len(u.Records); n > 0 {
			out = append(out, fmt.Sprintf("%s: %d records match no entity (give the entity the record's key property, or the same name): %s%s",
				u.Source, n, strings.Join(u.Records[:min(n, listMax)], ", "), more(n)))
		}
		if n := len(u.Entities); n > 0 {
			out = append(out, fmt.Sprintf("%s: %d entities have no facts from it; rules that read its facts fail for want of data: %s%s",
				u.Source, n, strings.Join(u.Entities[:min(n, listMax)], ", "), more(n)))
		}
	}
	return out
}

func more(n int) string {
	if n > listMax {
		return fmt.Sprintf(" and %d more", n-listMax)
	}
	return ""
}
