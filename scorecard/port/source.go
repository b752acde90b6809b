package port

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/prodready/prodready/scorecard"
)

// Source is the Port API as a scorecard.Source.
type Source struct {
	Client *Client
}

// Describe implements scorecard.Source; it names no secret.
func (s Source) Describe() string {
	if s.Client == nil {
		return "Port (not configured)"
	}
	cfg := s.Client.cfg
	return fmt.Sprintf("Port (%s, blueprint %s)", cfg.BaseURL, cfg.Blueprint)
}

// Load implements scorecard.Source: the blueprint's scorecards (rejected
// ones in Findings), every entity with Port's own results, and the teams.
// A blueprint with no entities or no usable scorecard is an error: an
// empty result must never pass for a healthy one.
func (s Source) Load(ctx context.Context, _ time.Time) (*scorecard.Bundle, error) {
	c := s.Client
	if c == nil {
		return nil, errors.New("port.Source has no Client: build one with port.New(cfg)")
	}
	bp := c.cfg.Blueprint
	scs, findings, err := c.FetchScorecards(ctx)
	if err != nil {
		return nil, err
	}
	if len(scs) == 0 {
		return nil, fmt.Errorf("no usable scorecard in blueprint %q in Port: every one was rejected:\n%w", bp, findings.Err())
	}

	type teamsResult struct {
		teams []scorecard.Team
		err   error
	}
	tctx, cancel := context.WithCancel(ctx)
	defer cancel()
	teamsc := make(chan teamsResult, 1)
	go func() { // teams are small; fetch them while the entity pages come in
		t, err := c.FetchTeams(tctx)
		teamsc <- teamsResult{t, err}
	}()

	ents, err := c.FetchEntities(ctx, scs)
	if err != nil {
		return nil, err
	}
	if len(ents) == 0 {
		return nil, fmt.Errorf("blueprint %q has no entities in Port: there is nothing to evaluate (is port.Config.Blueprint right?)", bp)
	}
	cat, err := scorecard.NewCatalog(ents)
	if err != nil {
		return nil, fmt.Errorf("entities of blueprint %q in Port: %w", bp, err)
	}
	tr := <-teamsc
	if tr.err != nil {
		return nil, tr.err
	}
	app := c.cfg.AppURL
	return &scorecard.Bundle{
		Scorecards: scs,
		Catalog:    cat,
		Teams:      tr.teams,
		Findings:   findings,
		Origin:     s.Describe(),
		EntityURL: func(e *scorecard.Entity) string {
			b := e.Blueprint
			if b == "" {
				b = bp
			}
			return app + "/" + url.PathEscape(b) + "Entity?identifier=" + url.QueryEscape(e.Identifier)
		},
	}, nil
}
