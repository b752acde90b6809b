package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/prodready/prodready/scorecard"
)

// Drifting is the demo with its facts drifting week by week, so that a
// digest run each simulated week has changes to report: each week a few
// services fix a fact their scorecards check and a few let one slip. The
// drift depends only on Seed and the weeks gone by.
type Drifting struct {
	Seed uint64
	// Weeks is how many weeks have gone by; nil is none.
	Weeks func() int
}

// Describe implements scorecard.Source.
func (d Drifting) Describe() string { return "embedded demo, drifting weekly" }

// Load implements scorecard.Source.
func (d Drifting) Load(_ context.Context, now time.Time) (*scorecard.Bundle, error) {
	weeks := 0
	if d.Weeks != nil {
		weeks = d.Weeks()
	}
	data, err := Drift(catalogJSON, weeks, d.Seed)
	if err != nil {
		return nil, err
	}
	return load(data, now)
}

// Per week, how many services improve and how many regress.
const (
	driftImprove = 3
	driftRegress = 2
)

// fact is one property the demo's scorecards check, with a value that
// passes and one that fails. Facts are in the order of the levels they
// count for, so an improving service climbs level by level.
type fact struct {
	name      string
	bad       func(v any) bool
	good, off func(id string, v any) any
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// daysAgo reads the demo's "now-Nd"; anything else is long ago.
func daysAgo(v any) int {
	s, ok := strings.CutPrefix(str(v), "now-")
	n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
	if !ok || err != nil {
		return 1 << 20
	}
	return n
}

func constant(v any) func(string, any) any { return func(string, any) any { return v } }

// facts are the demo's drifting facts (see scorecards.json).
func facts() []fact {
	return []fact{
		{"readme", func(v any) bool { return str(v) == "" }, constant("README.md"), constant("")},
		{"freshness", func(v any) bool { return num(v) >= 30 },
			func(_ string, v any) any { return max(3, num(v)-40) },
			func(_ string, v any) any { return num(v) + 45 }},
		{"required_approvals_for_pr", func(v any) bool { return num(v) <= 0 }, constant(2.0), constant(0.0)},
		{"require_code_owner_review", func(v any) bool { return v != true }, constant(true), constant(false)},
		{"on_call", func(v any) bool { return str(v) == "" }, constant("oncall@example.com"), constant("")},
		{"runbook_url", func(v any) bool { return !strings.HasPrefix(str(v), "https://") },
			func(id string, _ any) any { return "https://runbooks.example.com/" + id },
			func(id string, _ any) any { return "wiki/" + id }},
		{"last_security_scan", func(v any) bool { return daysAgo(v) > 80 }, constant("now-6d"), constant("now-120d")},
		{"last_deploy", func(v any) bool { return daysAgo(v) > 25 }, constant("now-2d"), constant("now-45d")},
		{"slo_target", func(v any) bool { return num(v) < 99.9 }, constant(99.9), constant(99.0)},
	}
}

// Drift returns the demo catalog (JSON, an array of entities) as it is
// after weeks of drift from seed: each week, driftImprove services chosen
// at random fix the first fact they fail, and driftRegress others let one
// of the two first facts they pass slip.
func Drift(catalog []byte, weeks int, seed uint64) ([]byte, error) {
	if weeks <= 0 {
		return catalog, nil
	}
	var ents []map[string]any
	if err := json.Unmarshal(catalog, &ents); err != nil {
		return nil, fmt.Errorf("demo catalog: %w", err)
	}
	fs := facts()
	for week := 1; week <= weeks; week++ {
		rng := rand.New(rand.NewPCG(seed, uint64(week)))
		order := rng.Perm(len(ents))
		for i, n := range order {
			if i >= driftImprove+driftRegress {
				break
			}
			props, _ := ents[n]["properties"].(map[string]any)
			if props == nil {
				continue
			}
			id := str(ents[n]["identifier"])
			if i < driftImprove {
				for _, f := range fs {
					if f.bad(props[f.name]) {
						props[f.name] = f.good(id, props[f.name])
						break
					}
				}
				continue
			}
			var passing []fact
			for _, f := range fs {
				if !f.bad(props[f.name]) {
					passing = append(passing, f)
				}
			}
			// Of the lowest facts passed, so that the slip costs a level.
			passing = passing[:min(2, len(passing))]
			if len(passing) > 0 {
				f := passing[rng.IntN(len(passing))]
				props[f.name] = f.off(id, props[f.name])
			}
		}
	}
	return json.Marshal(ents)
}
