package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/backstage"
	"github.com/prodready/prodready/scorecard/files"
	"github.com/prodready/prodready/scorecard/github"
	"github.com/prodready/prodready/scorecard/pagerduty"
	"github.com/prodready/prodready/scorecard/port"
)

const propertiesSynopsis = "prodready properties [--scorecards FILE]... [--catalog FILE] [--format text|json]\n\n" +
	"Lists every property, meta-property ($team) and relation the scorecards read, with the operators and\n" +
	"values their rules use, and which configured source provides it: the catalog (Port, files, the demo:\n" +
	"how many entities have it), Backstage (what its mapping fills), GitHub and PagerDuty (the facts they\n" +
	"collect), or none. A field no source provides fails every rule that reads it.\n" +
	"GitHub and PagerDuty are not called: what they provide is known in advance.\n" +
	"Exit status: 0 listed (even with fields no source provides); 2 bad usage, or a source that failed."

// fieldJSON is one field of `properties --format json`.
type fieldJSON struct {
	Name      string   `json:"name"`
	Kind      string   `json:"kind"` // property, meta, relation
	Operators []string `json:"operators"`
	Values    []string `json:"values"`
	// ReadBy lists "scorecard/rule" ("scorecard/filter" for a filter).
	ReadBy     []string `json:"readBy"`
	ProvidedBy []string `json:"providedBy"`
}

// provider says whether a source fills a field, and how to name it.
type provider struct {
	name     string
	provides func(f scorecard.FieldRead) (string, bool)
}

func runProperties(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "properties", propertiesSynopsis)
	var src sourceFlags
	src.register(fs)
	format := fs.String("format", "text", "output `format`: text or json")
	if err := fs.Parse(args); err != nil {
		return flagExit(e, fs, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "prodready properties: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(e.stderr, "prodready properties: --format must be text or json, not %q\n", *format)
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "prodready properties: %v\n", err)
		return exitUsage
	}
	scs, providers, err := propertySources(ctx, e, src)
	if err != nil {
		return fail(err)
	}
	var out []fieldJSON
	for _, f := range scorecard.FieldsRead(scs) {
		fj := fieldJSON{Name: f.Name, Kind: "property", Operators: f.Operators(), Values: append([]string{}, f.Values()...), ReadBy: []string{}, ProvidedBy: []string{}}
		switch {
		case f.Relation:
			fj.Kind = "relation"
		case f.Meta():
			fj.Kind = "meta"
		}
		for _, u := range f.Uses {
			r := u.Rule
			if r == "" {
				r = "filter"
			}
			fj.ReadBy = appendNew(fj.ReadBy, u.Scorecard+"/"+r)
		}
		for _, p := range providers {
			if name, ok := p.provides(f); ok {
				fj.ProvidedBy = append(fj.ProvidedBy, name)
			}
		}
		out = append(out, fj)
	}
	if *format == "json" {
		if err := writeJSONTo(e.stdout, "", out); err != nil {
			return fail(err)
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FIELD\tKIND\tOPERATORS\tVALUES\tREAD BY\tPROVIDED BY")
	none := 0
	for _, f := range out {
		by := strings.Join(f.ProvidedBy, ", ")
		if by == "" {
			by, none = "none", none+1
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.Name, f.Kind, strings.Join(f.Operators, " "), dash(strings.Join(f.Values, ", ")), readBy(f.ReadBy), by)
	}
	tw.Flush()
	if none > 0 {
		fmt.Fprintf(e.stderr, "prodready properties: %s that no configured source provides: the rules reading them fail\n", scorecard.Plural(none, "field"))
	}
	return exitOK
}

// propertySources finds the scorecards as the other commands would, and
// what each configured source provides. Only a catalog that is a file, the
// demo or Port is loaded (to count the entities that have each field).
func propertySources(ctx context.Context, e *env, f sourceFlags) ([]*scorecard.Scorecard, []provider, error) {
	s, err := e.settings()
	if err != nil {
		return nil, nil, err
	}
	scFiles := []string(f.scorecards)
	if len(scFiles) == 0 {
		scFiles = s.scorecards
	}
	facts := s.github.on() || s.pagerduty.Token != ""
	base, err := pickBase(e, s, f, scFiles, facts, sourceOptions{})
	if err != nil {
		return nil, nil, err
	}
	var scs []*scorecard.Scorecard
	var providers []provider
	switch b := base.(type) {
	case nil, backstage.Source:
		// Backstage holds no scorecards, and a facts-only catalog is made
		// of what the collectors give: neither is loaded here.
		if len(scFiles) == 0 {
			scs = defaultScorecards(ctx, e)
		}
		for _, p := range scFiles {
			got, findings, err := files.ReadScorecards(p)
			if err != nil {
				return nil, nil, err
			}
			for _, fd := range findings.Errors() {
				fmt.Fprintln(e.stderr, fd)
			}
			scs = append(scs, got...)
		}
		if b != nil {
			providers = append(providers, provider{"Backstage", func(f scorecard.FieldRead) (string, bool) {
				return "Backstage", backstage.Provides(f.Name, f.Relation)
			}})
		}
	default:
		bundle, err := base.Load(ctx, time.Now().UTC())
		if err != nil {
			return nil, nil, err
		}
		for _, fd := range bundle.Findings.Errors() {
			fmt.Fprintln(e.stderr, fd)
		}
		scs = bundle.Scorecards
		name := "demo" // demo.Source, or files.Source with scorecard files only
		switch base.(type) {
		case port.Source:
			name = "Port"
		case checkedFiles:
			name = "files"
		}
		providers = append(providers, catalogProvider(name, bundle.Catalog))
	}
	var collectors []collectorProvider
	if s.github.on() {
		collectors = append(collectors, collectorProvider{"GitHub", &github.Collector{}})
	}
	if s.pagerduty.Token != "" {
		collectors = append(collectors, collectorProvider{"PagerDuty", pagerduty.Collector{}})
	}
	for i, c := range collectors {
		// With no catalog, the first collector's records are the entities.
		providers = append(providers, c.provider(base == nil && i == 0))
	}
	return scs, providers, nil
}

// catalogProvider says how many of the catalog's entities have the field.
func catalogProvider(name string, cat *scorecard.Catalog) provider {
	return provider{name, func(f scorecard.FieldRead) (string, bool) {
		n := 0
		for i := range cat.Entities {
			if hasField(&cat.Entities[i], f) {
				n++
			}
		}
		return fmt.Sprintf("%s (%d/%d entities)", name, n, len(cat.Entities)), n > 0
	}}
}

// hasField reports whether e has a value for the field.
func hasField(e *scorecard.Entity, f scorecard.FieldRead) bool {
	if f.Relation {
		return e.Relations[f.Name] != nil
	}
	if !f.Meta() {
		return e.Properties[f.Name] != nil
	}
	switch f.Name {
	case "$identifier":
		return e.Identifier != ""
	case "$title":
		return e.Title != ""
	case "$team":
		return len(e.Team) > 0
	case "$blueprint":
		return e.Blueprint != ""
	case "$icon":
		return e.Icon != ""
	case "$createdAt":
		return e.CreatedAt != ""
	case "$updatedAt":
		return e.UpdatedAt != ""
	case "$createdBy":
		return e.CreatedBy != ""
	case "$updatedBy":
		return e.UpdatedBy != ""
	}
	return false
}

// collectorProvider names a configured collector; only what it Provides
// is asked of it, so it need not be able to connect.
type collectorProvider struct {
	name string
	c    scorecard.Collector
}

// provider: the fields the collector says it fills, and, when its records
// are the entities, the meta-properties such entities have.
func (c collectorProvider) provider(entities bool) provider {
	fills := map[string]bool{}
	for _, name := range c.c.Provides() {
		fills[name] = true
	}
	if entities {
		for _, name := range scorecard.FactEntityMeta() {
			fills[name] = true
		}
	}
	return provider{c.name, func(f scorecard.FieldRead) (string, bool) {
		if f.Relation {
			return c.name, false
		}
		return c.name, fills[f.Name]
	}}
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// readBy shortens "scorecard/rule" items for the table: the rule alone
// when one scorecard reads the field, else the number of rules per
// scorecard.
func readBy(items []string) string {
	var order []string
	rules := map[string][]string{}
	for _, it := range items {
		sc, rule, _ := strings.Cut(it, "/")
		if _, ok := rules[sc]; !ok {
			order = append(order, sc)
		}
		rules[sc] = append(rules[sc], rule)
	}
	if len(order) == 1 && len(rules[order[0]]) <= 2 {
		return order[0] + ": " + strings.Join(rules[order[0]], ", ")
	}
	parts := make([]string, len(order))
	for i, sc := range order {
		parts[i] = fmt.Sprintf("%s: %s", sc, scorecard.Plural(len(rules[sc]), "rule"))
	}
	return strings.Join(parts, "; ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
