package delivery

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/prodready/prodready/scorecard"
)

// TeamRoutes says where each owning team's notice goes (PRODREADY_TEAMS).
type TeamRoutes struct {
	File           string // where the routes came from, for messages
	DefaultChannel string
	Teams          map[string]TeamRoute
}

// TeamRoute is one team's destination: a channel, or people to DM together.
type TeamRoute struct {
	Channel string
	DM      []string // emails; one group DM with all of them
	// Email are addresses the team's notices go to by e-mail, besides or
	// instead of Slack.
	Email []string
}

// Where describes the route for logs: "channel C0PAY", "DM a@x, b@x",
// "e-mail a@x".
func (r TeamRoute) Where() string {
	var parts []string
	switch {
	case r.Channel != "":
		parts = append(parts, "channel "+r.Channel)
	case len(r.DM) > 0:
		parts = append(parts, "DM "+strings.Join(r.DM, ", "))
	}
	if len(r.Email) > 0 {
		parts = append(parts, "e-mail "+strings.Join(r.Email, ", "))
	}
	return strings.Join(parts, " and ")
}

// HasEmail reports whether some team's notices go by e-mail.
func (r *TeamRoutes) HasEmail() bool {
	for _, t := range r.Teams {
		if len(t.Email) > 0 {
			return true
		}
	}
	return false
}

type teamsFileYAML struct {
	DefaultChannel string                   `yaml:"default_channel"`
	Teams          map[string]teamRouteYAML `yaml:"teams"`
}

type teamRouteYAML struct {
	Channel string   `yaml:"channel"`
	DM      []string `yaml:"dm"`
	Email   []string `yaml:"email"`
}

// knownKeys refuses a key the teams file does not define, naming where
// it is and which keys are known there; a misspelt key would otherwise
// leave its route silently unused.
func knownKeys(file string, body ast.Node) error {
	top, ok := body.(*ast.MappingNode)
	if !ok {
		return nil // the decoder says what shape is wrong
	}
	for _, kv := range top.Values {
		switch keyName(kv.Key) {
		case "default_channel":
		case "teams":
			teams, ok := kv.Value.(*ast.MappingNode)
			if !ok {
				continue
			}
			for _, team := range teams.Values {
				route, ok := team.Value.(*ast.MappingNode)
				if !ok {
					continue
				}
				for _, rkv := range route.Values {
					switch keyName(rkv.Key) {
					case "channel", "dm", "email":
					default:
						return unknownKey(file, rkv.Key, "a team", "channel, dm, email")
					}
				}
			}
		default:
			return unknownKey(file, kv.Key, "top level", "default_channel, teams")
		}
	}
	return nil
}

func unknownKey(file string, key ast.MapKeyNode, where, known string) error {
	return fmt.Errorf("%s:%d: unknown key %q in %s (known keys: %s)", file, key.GetToken().Position.Line, keyName(key), where, known)
}

// keyName is a mapping key as written, without quotes.
func keyName(k ast.MapKeyNode) string {
	if s, ok := k.(*ast.StringNode); ok {
		return s.Value
	}
	return k.String()
}

// yamlError is the parser's message without its source excerpt: the
// position in brackets stays, the quoted lines (which may be long, or
// hold what the file should not print) go.
func yamlError(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

// slackDMLimit is how many people conversations.open takes at once.
const slackDMLimit = 8

// LoadTeamRoutes reads a teams file (YAML, or JSON, which YAML reads too).
// Unknown keys, empty routes and malformed emails are errors naming the
// file and the key.
func LoadTeamRoutes(path string) (*TeamRoutes, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("teams file (PRODREADY_TEAMS): %w", err)
	}
	return ParseTeamRoutes(path, data)
}

// ParseTeamRoutes parses the contents of a teams file named file.
func ParseTeamRoutes(file string, data []byte) (*TeamRoutes, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", file, yamlError(err))
	}
	var raw teamsFileYAML
	if len(f.Docs) > 0 && f.Docs[0].Body != nil {
		body := f.Docs[0].Body
		if err := knownKeys(file, body); err != nil {
			return nil, err
		}
		if err := yaml.NodeToValue(body, &raw); err != nil {
			return nil, fmt.Errorf("%s: %s", file, yamlError(err))
		}
	}
	// A second document would be ignored by a decoder: the routes in it
	// would never be used, so it is a mistake to point out.
	for _, d := range f.Docs[min(1, len(f.Docs)):] {
		if d.Body != nil {
			return nil, fmt.Errorf("%s:%d: a second YAML document (after ---); a teams file holds one: merge it into the first", file, d.Body.GetToken().Position.Line)
		}
	}
	r := &TeamRoutes{File: file, DefaultChannel: strings.TrimSpace(raw.DefaultChannel), Teams: map[string]TeamRoute{}}
	names := make([]string, 0, len(raw.Teams))
	for name := range raw.Teams {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t := raw.Teams[name]
		key := "teams." + name
		route := TeamRoute{Channel: strings.TrimSpace(t.Channel)}
		for i, e := range t.DM {
			e = strings.TrimSpace(e)
			if at := strings.IndexByte(e, '@'); at <= 0 || at == len(e)-1 || strings.ContainsAny(e, " ,<>") {
				return nil, fmt.Errorf("%s: %s.dm[%d]: %q is not an email address", file, key, i, e)
			}
			route.DM = append(route.DM, e)
		}
		for i, e := range t.Email {
			e = strings.TrimSpace(e)
			if at := strings.IndexByte(e, '@'); at <= 0 || at == len(e)-1 || strings.ContainsAny(e, " ,<>") {
				return nil, fmt.Errorf("%s: %s.email[%d]: %q is not an email address", file, key, i, e)
			}
			route.Email = append(route.Email, e)
		}
		switch {
		case route.Channel != "" && len(route.DM) > 0:
			return nil, fmt.Errorf("%s: %s: give channel or dm, not both", file, key)
		case route.Channel == "" && len(route.DM) == 0 && len(route.Email) == 0:
			return nil, fmt.Errorf("%s: %s: needs a channel, a dm list or an email list", file, key)
		case len(route.DM) > slackDMLimit:
			return nil, fmt.Errorf("%s: %s.dm: %d people; Slack opens group DMs with at most %d", file, key, len(route.DM), slackDMLimit)
		}
		r.Teams[name] = route
	}
	return r, nil
}

// For returns team's route. Teams without one, and services with no team
// (team ""), go to the default channel; ok is false when there is none.
func (r *TeamRoutes) For(team string) (TeamRoute, bool) {
	if r == nil {
		return TeamRoute{}, false
	}
	if t, ok := r.Teams[team]; ok && team != "" {
		return t, true
	}
	if r.DefaultChannel != "" {
		return TeamRoute{Channel: r.DefaultChannel}, true
	}
	return TeamRoute{}, false
}

// Unmatched warns about each team key of the file that names no team in
// known (the catalog's team identifiers): its notices go elsewhere and
// the route is never used. Each warning names the closest team.
func (r *TeamRoutes) Unmatched(known []string) []string {
	if r == nil || len(known) == 0 {
		return nil
	}
	has := make(map[string]bool, len(known))
	for _, k := range known {
		has[k] = true
	}
	var out []string
	for _, name := range slices.Sorted(maps.Keys(r.Teams)) {
		if has[name] {
			continue
		}
		w := fmt.Sprintf("%s: teams.%s matches no team in the catalog, so its route is never used", r.File, name)
		if s := scorecard.Suggest(name, known, 1); len(s) > 0 {
			w += fmt.Sprintf("; did you mean %q?", s[0])
		}
		out = append(out, w)
	}
	return out
}

// UnmatchedRoutes warns about the team keys of routes that match no team
// of the catalog in b (see TeamRoutes.Unmatched).
func UnmatchedRoutes(routes *TeamRoutes, b *scorecard.Bundle) []string {
	return routes.Unmatched(catalogTeams(b))
}

// catalogTeams lists the team identifiers of the catalog: its teams and
// those its services name.
func catalogTeams(b *scorecard.Bundle) []string {
	if b == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, t := range b.Teams {
		add(t.Identifier)
	}
	if b.Catalog != nil {
		for i := range b.Catalog.Entities {
			for _, t := range b.Catalog.Entities[i].Team {
				add(t)
			}
		}
	}
	return out
}
