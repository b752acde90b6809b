package scorecard_test

import (
	"slices"
	"testing"

	"github.com/prodready/prodready/scorecard"
)

func TestFieldsRead(t *testing.T) {
	const defs = `[
	{"identifier": "a", "title": "A",
	 "filter": {"combinator": "and", "conditions": [{"property": "type", "operator": "=", "value": "service"}]},
	 "rules": [
	  {"identifier": "owned", "title": "Owned", "level": "Bronze", "query": {"combinator": "and", "conditions": [{"property": "$team", "operator": "isNotEmpty"}]}},
	  {"identifier": "prod", "title": "Production", "level": "Silver", "query": {"combinator": "or", "conditions": [
	    {"property": "lifecycle", "operator": "=", "value": "production"},
	    {"property": "lifecycle", "operator": "in", "value": ["production", "ga"]}]}},
	  {"identifier": "repo", "title": "Repository", "level": "Gold", "query": {"combinator": "and", "conditions": [{"relation": "repository", "operator": "isEmpty", "not": true}]}}
	 ]},
	{"identifier": "b", "title": "B", "rules": [
	  {"identifier": "deploy", "title": "Deployed lately", "level": "Bronze", "query": {"combinator": "and", "conditions": [{"property": "last_deploy", "operator": "between", "value": {"preset": "lastMonth"}}]}},
	  {"identifier": "prod2", "title": "Production too", "level": "Silver", "query": {"combinator": "and", "conditions": [{"property": "lifecycle", "operator": "=", "value": "production"}]}}
	 ]}]`
	scs, fs := scorecard.ParseScorecards("defs.json", []byte(defs))
	if fs.Err() != nil {
		t.Fatal(fs.Err())
	}
	got := scorecard.FieldsRead(scs)
	type row struct {
		name     string
		relation bool
		uses     int
		ops      []string
		values   []string
	}
	want := []row{
		{"$team", false, 1, []string{"isNotEmpty"}, nil},
		{"last_deploy", false, 1, []string{"between"}, []string{`{"preset": "lastMonth"}`}},
		{"lifecycle", false, 3, []string{"=", "in"}, []string{`"production"`, `["production", "ga"]`}},
		{"type", false, 1, []string{"="}, []string{`"service"`}},
		{"repository", true, 1, []string{"not isEmpty"}, nil},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d fields: %+v", len(got), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.name || g.Relation != w.relation || len(g.Uses) != w.uses || !slices.Equal(g.Operators(), w.ops) || !slices.Equal(g.Values(), w.values) {
			t.Errorf("field %d: got %s relation=%v uses=%d ops=%q values=%q; want %+v", i, g.Name, g.Relation, len(g.Uses), g.Operators(), g.Values(), w)
		}
	}
	if u := got[3].Uses[0]; u.Scorecard != "a" || u.Rule != "" {
		t.Errorf("the filter's use: %+v", u)
	}
	if u := got[2].Uses[2]; u.Scorecard != "b" || u.Rule != "prod2" || u.Level != "Silver" {
		t.Errorf("the last lifecycle use: %+v", u)
	}
	if !got[0].Meta() || got[1].Meta() {
		t.Error("Meta")
	}
	if len(scorecard.FieldsRead(nil)) != 0 {
		t.Error("no scorecards read something")
	}
}
