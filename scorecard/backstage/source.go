package backstage

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/files"
)

// Source is Backstage's catalog, with scorecards from files, as a
// scorecard.Source.
type Source struct {
	Client *Client
}

// Describe implements scorecard.Source; it names no secret.
func (s Source) Describe() string {
	if s.Client == nil {
		return "Backstage (not configured)"
	}
	cfg := s.Client.cfg
	return fmt.Sprintf("Backstage (%s, filter %s; scorecards %s)", cfg.BaseURL, cfg.Filter, strings.Join(cfg.Scorecards, ", "))
}

// Load implements scorecard.Source: the scorecard files, the components
// the filter selects mapped by Map, and the teams from groups and users.
// What could not be mapped (no owner, a user as owner) is a warning in the
// bundle's findings, named "backstage:<entity ref>". No scorecard file, no
// usable scorecard, or no entity is an error: an empty result must never
// pass for a healthy one. The whole load is bounded by Config.LoadTimeout.
func (s Source) Load(ctx context.Context, _ time.Time) (*scorecard.Bundle, error) {
	c := s.Client
	if c == nil {
		return nil, errors.New("backstage.Source has no Client: build one with backstage.New(cfg)")
	}
	cfg := c.cfg
	if len(cfg.Scorecards) == 0 {
		return nil, errors.New("no scorecard files: Backstage has no scorecards of its own, so give their definitions as files")
	}
	var (
		scs      []*scorecard.Scorecard
		findings scorecard.Findings
	)
	for _, path := range cfg.Scorecards {
		got, fs, err := files.ReadScorecards(path)
		if err != nil {
			return nil, err
		}
		scs = append(scs, got...)
		findings = append(findings, fs...)
	}
	if len(scs) == 0 {
		return nil, fmt.Errorf("no usable scorecard in %s:\n%w", strings.Join(cfg.Scorecards, ", "), findings.Err())
	}

	ctx, cancel := context.WithTimeoutCause(ctx, cfg.LoadTimeout, fmt.Errorf("reading Backstage took longer than %s", cfg.LoadTimeout))
	defer cancel()

	type teamsResult struct {
		teams    []scorecard.Team
		warnings []string
		err      error
	}
	teamsc := make(chan teamsResult, 1)
	if cfg.SkipTeams {
		teamsc <- teamsResult{}
	} else {
		go func() { // groups and users are small; read them while components page in
			t, w, err := c.Teams(ctx)
			teamsc <- teamsResult{t, w, err}
		}()
	}

	// fail stops the teams' listing and waits for it, so that no request
	// outlives Load.
	fail := func(err error) (*scorecard.Bundle, error) {
		cancel()
		<-teamsc
		return nil, err
	}
	ents, err := c.List(ctx, cfg.Filter, componentFields)
	if err != nil {
		return fail(err)
	}
	if len(ents) == 0 {
		return fail(fmt.Errorf("the filter %s matched no entity in Backstage (%s): there is nothing to evaluate (is backstage.Config.Filter right?)", cfg.Filter, cfg.BaseURL))
	}
	mapped, refs, warnings := mapAll(ents)
	cat, err := scorecard.NewCatalog(mapped)
	if err != nil {
		return fail(fmt.Errorf("entities from Backstage (filter %s): %w", cfg.Filter, err))
	}
	tr := <-teamsc
	if be, ok := AsError(tr.err); ok && be.Status == http.StatusForbidden {
		// A token may read components but not groups or users (a permission
		// policy): the services still evaluate; the teams lack emails.
		findings = append(findings, scorecard.Finding{File: "backstage", Severity: scorecard.Warning,
			Message: fmt.Sprintf("teams have no members' emails: %v", tr.err)})
		tr.err = nil
	}
	if tr.err != nil {
		return nil, tr.err
	}
	for _, w := range tr.warnings {
		findings = append(findings, scorecard.Finding{File: "backstage", Severity: scorecard.Warning, Message: w})
	}
	findings = append(findings, warnings...)
	teams := addOwnerTeams(tr.teams, cat, cfg.SkipTeams, &findings)

	app := cfg.AppURL
	return &scorecard.Bundle{
		Scorecards: scs,
		Catalog:    cat,
		Teams:      teams,
		Findings:   findings,
		Origin:     s.Describe(),
		EntityURL: func(e *scorecard.Entity) string {
			r, ok := refs[e.Identifier]
			if !ok {
				return ""
			}
			return app + "/catalog/" + url.PathEscape(r.Namespace) + "/" + url.PathEscape(strings.ToLower(r.Kind)) + "/" + url.PathEscape(r.Name)
		},
	}, nil
}

// mapAll maps the components. Two entities with one identifier (the same
// name in one namespace under two kinds, when the filter lets several kinds
// through) both stay, each under its full reference, with a warning.
func mapAll(ents []Entity) ([]scorecard.Entity, map[string]Ref, scorecard.Findings) {
	out := make([]scorecard.Entity, 0, len(ents))
	refs := make(map[string]Ref, len(ents))
	var findings scorecard.Findings
	count := make(map[string]int, len(ents))
	var unnamed int
	for i := range ents {
		if ents[i].Metadata.Name == "" {
			unnamed++
			continue
		}
		count[Identifier(ents[i].namespaceOf(), ents[i].Metadata.Name)]++
	}
	if unnamed > 0 {
		findings = append(findings, scorecard.Finding{File: "backstage", Severity: scorecard.Warning,
			Message: fmt.Sprintf("%d entities have no metadata.name and were left out", unnamed)})
	}
	for i := range ents {
		e := &ents[i]
		if e.Metadata.Name == "" {
			continue
		}
		ref := e.Ref()
		if ref.Kind == "" {
			ref.Kind = "component"
		}
		m, ws := Map(e)
		if count[m.Identifier] > 1 {
			findings = append(findings, scorecard.Finding{File: "backstage:" + ref.String(), Severity: scorecard.Warning,
				Message: fmt.Sprintf("another entity of another kind is also named %q: this one is %q", m.Identifier, ref.String())})
			m.Identifier = ref.String()
		}
		for _, w := range ws {
			findings = append(findings, scorecard.Finding{File: "backstage:" + ref.String(), Severity: scorecard.Warning, Message: w})
		}
		refs[m.Identifier] = ref
		out = append(out, m)
	}
	return out, refs, findings
}

// addOwnerTeams adds a team for every group that owns an entity but was
// not listed (no emails then), so that every $team names a known team.
func addOwnerTeams(teams []scorecard.Team, cat *scorecard.Catalog, skipped bool, findings *scorecard.Findings) []scorecard.Team {
	known := make(map[string]bool, len(teams))
	for _, t := range teams {
		known[t.Identifier] = true
	}
	for i := range cat.Entities {
		for _, t := range cat.Entities[i].Team {
			if known[t] {
				continue
			}
			known[t] = true
			teams = append(teams, scorecard.Team{Identifier: t, Name: t})
			if !skipped {
				*findings = append(*findings, scorecard.Finding{File: "backstage", Severity: scorecard.Warning,
					Message: fmt.Sprintf("group %q owns entities but is not in the catalog: its team has no members' emails", t)})
			}
		}
	}
	return teams
}

// Teams reads the groups and users (kind=group, kind=user) into teams with
// their members' emails. Warnings say what could not be read.
func (c *Client) Teams(ctx context.Context) ([]scorecard.Team, []string, error) {
	groups, err := c.List(ctx, Filter{{{Key: "kind", Value: "group", HasValue: true}}}, groupFields)
	if err != nil {
		return nil, nil, fmt.Errorf("read teams: %w", err)
	}
	if len(groups) == 0 {
		return nil, nil, nil
	}
	users, err := c.List(ctx, Filter{{{Key: "kind", Value: "user", HasValue: true}}}, userFields)
	if err != nil {
		return nil, nil, fmt.Errorf("read team members: %w", err)
	}
	t, w := teamsOf(groups, users)
	return t, w, nil
}
