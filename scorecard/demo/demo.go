// Package demo is an embedded catalog and two scorecards, so that every
// prodready command runs with no configuration at all.
package demo

import (
	"context"
	_ "embed"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/prodready/prodready/scorecard"
)

//go:embed scorecards.json
var scorecardsJSON []byte

//go:embed catalog.json
var catalogJSON []byte

// Source serves the embedded demo.
type Source struct{}

// Describe implements scorecard.Source.
func (Source) Describe() string { return "embedded demo" }

// relativeDate marks a demo date as days before now ("now-12d"), so that
// the demo's date rules give the same answers whenever it is run.
var relativeDate = regexp.MustCompile(`"now-(\d+)d"`)

// Load implements scorecard.Source. Dates in the demo are relative to now.
func (Source) Load(_ context.Context, now time.Time) (*scorecard.Bundle, error) {
	return load(catalogJSON, now)
}

// load parses the demo's scorecards and catalog, its dates made relative
// to now.
func load(catalog []byte, now time.Time) (*scorecard.Bundle, error) {
	scs, findings := scorecard.ParseScorecards("demo/scorecards.json", scorecardsJSON)
	if err := findings.Err(); err != nil {
		return nil, fmt.Errorf("embedded demo scorecards: %w", err)
	}
	day := now.UTC().Truncate(time.Second)
	data := relativeDate.ReplaceAllFunc(catalog, func(m []byte) []byte {
		n, _ := strconv.Atoi(string(relativeDate.FindSubmatch(m)[1]))
		return []byte(strconv.Quote(day.AddDate(0, 0, -n).Format(time.RFC3339)))
	})
	cat, err := scorecard.ParseCatalog("demo/catalog.json", data)
	if err != nil {
		return nil, fmt.Errorf("embedded demo catalog: %w", err)
	}
	return &scorecard.Bundle{
		Scorecards: scs,
		Catalog:    cat,
		Teams:      Teams(),
		Findings:   findings,
		Origin:     "embedded demo",
	}, nil
}

// Teams are the demo's owning teams.
func Teams() []scorecard.Team {
	names := []struct{ id, name string }{
		{"payments", "Payments"}, {"search", "Search"}, {"platform", "Platform"},
		{"identity", "Identity"}, {"data", "Data"}, {"mobile", "Mobile"},
	}
	out := make([]scorecard.Team, len(names))
	for i, n := range names {
		out[i] = scorecard.Team{Identifier: n.id, Name: n.name, Emails: []string{n.id + "-lead@example.com"}}
	}
	return out
}
