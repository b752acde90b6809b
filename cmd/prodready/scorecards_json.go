package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
)

// Port's scorecard definition, as scorecard.ParseScorecards reads it.
type scorecardDef struct {
	Identifier  string            `json:"identifier"`
	Title       string            `json:"title,omitempty"`
	Description string            `json:"description,omitempty"`
	Blueprint   string            `json:"blueprint,omitempty"`
	Filter      *queryDef         `json:"filter,omitempty"`
	Levels      []scorecard.Level `json:"levels"`
	Rules       []ruleDef         `json:"rules"`
}

type ruleDef struct {
	Identifier  string   `json:"identifier"`
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Level       string   `json:"level"`
	Query       queryDef `json:"query"`
}

type queryDef struct {
	Combinator string         `json:"combinator"`
	Conditions []conditionDef `json:"conditions"`
}

type conditionDef struct {
	Property string `json:"property,omitempty"`
	Relation string `json:"relation,omitempty"`
	Operator string `json:"operator"`
	Not      bool   `json:"not,omitempty"`
	Value    any    `json:"value,omitempty"`
}

func queryOf(q *scorecard.Query) queryDef {
	out := queryDef{Combinator: q.Combinator, Conditions: make([]conditionDef, len(q.Conditions))}
	for i, c := range q.Conditions {
		out.Conditions[i] = conditionDef{Property: c.Property, Relation: c.Relation, Operator: string(c.Operator), Not: c.Not, Value: c.Value}
	}
	return out
}

// scorecardsJSON writes parsed scorecards back in Port's definition format.
func scorecardsJSON(scs []*scorecard.Scorecard) ([]byte, error) {
	defs := make([]scorecardDef, len(scs))
	for i, sc := range scs {
		d := scorecardDef{Identifier: sc.Identifier, Title: sc.Title, Description: sc.Description, Blueprint: sc.Blueprint,
			Levels: sc.Levels, Rules: make([]ruleDef, len(sc.Rules))}
		if sc.Filter != nil {
			f := queryOf(sc.Filter)
			d.Filter = &f
		}
		for j := range sc.Rules {
			r := &sc.Rules[j]
			d.Rules[j] = ruleDef{Identifier: r.Identifier, Title: r.Title, Description: r.Description, Level: r.Level, Query: queryOf(&r.Query)}
		}
		defs[i] = d
	}
	return json.MarshalIndent(defs, "", "  ")
}

// demoScorecardsFile writes the embedded demo's scorecards to a temporary
// file, removed when the command returns, for a source that reads
// scorecards only from files (Backstage) when none are configured.
func demoScorecardsFile(e *env) (string, error) {
	b, err := demo.Source{}.Load(context.Background(), time.Now())
	if err != nil {
		return "", err
	}
	data, err := scorecardsJSON(b.Scorecards)
	if err != nil {
		return "", fmt.Errorf("the demo's scorecards: %w", err)
	}
	f, err := os.CreateTemp("", "prodready-demo-scorecards-*.json")
	if err != nil {
		return "", fmt.Errorf("write the demo's scorecards for Backstage: %w", err)
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("write the demo's scorecards for Backstage: %w", werr)
	}
	e.onExit(func() error { return os.Remove(f.Name()) })
	return f.Name(), nil
}
