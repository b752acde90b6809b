package port

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/httpclient"
)

func (c *Client) bpPath(suffix string) string {
	return "/v1/blueprints/" + url.PathEscape(c.cfg.Blueprint) + suffix
}

// scorecardsResponse is GET /v1/blueprints/{bp}/scorecards.
type scorecardsResponse struct {
	OK         *bool             `json:"ok"`
	Scorecards []json.RawMessage `json:"scorecards"`
}

// FetchScorecards reads the blueprint's scorecards (narrowed by
// Config.Scorecards) and lints them. It returns the usable ones and every
// finding; a rejected scorecard is a finding, not an error, so that
// `prodready validate` can show it. Findings name the scorecard as
// "port:{blueprint}/{identifier}", with lines of its JSON indented by two
// spaces, as Port's editor shows it. It is an error when Port cannot be
// read, when the blueprint has no scorecards, or when Config.Scorecards
// names one the blueprint does not have.
func (c *Client) FetchScorecards(ctx context.Context) ([]*scorecard.Scorecard, scorecard.Findings, error) {
	bp := c.cfg.Blueprint
	wrap := func(err error) error { return fmt.Errorf("fetch scorecards of blueprint %q: %w", bp, err) }
	path := c.bpPath("/scorecards")
	var resp scorecardsResponse
	err := c.do(ctx, request{method: http.MethodGet, path: path, auth: true}, func(r io.Reader) error {
		resp = scorecardsResponse{}
		return json.NewDecoder(r).Decode(&resp)
	})
	if derr, bad := asBadAnswer(err); bad {
		return nil, nil, wrap(fmt.Errorf("GET %s: the answer is not Port's {\"ok\", \"scorecards\"}: %v", path, derr))
	}
	if err != nil {
		return nil, nil, wrap(err)
	}
	if resp.OK != nil && !*resp.OK {
		return nil, nil, wrap(fmt.Errorf("GET %s: Port answered \"ok\": false", path))
	}
	if len(resp.Scorecards) == 0 {
		return nil, nil, fmt.Errorf("blueprint %q has no scorecards in Port (GET %s returned none): there is nothing to evaluate", bp, path)
	}
	want := map[string]bool{}
	for _, id := range c.cfg.Scorecards {
		want[id] = true
	}
	var (
		out      []*scorecard.Scorecard
		findings scorecard.Findings
		have     []string
		found    = map[string]bool{}
	)
	for i, raw := range resp.Scorecards {
		var head struct {
			Identifier string `json:"identifier"`
		}
		_ = json.Unmarshal(raw, &head) // a malformed scorecard is reported by the parser below
		if head.Identifier != "" {
			have = append(have, head.Identifier)
		}
		if len(want) > 0 && !want[head.Identifier] {
			continue
		}
		found[head.Identifier] = true
		name := head.Identifier
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		file := "port:" + bp + "/" + name
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, raw, "", "  "); err != nil {
			pretty.Reset()
			pretty.Write(raw)
		}
		scs, fs := scorecard.ParseScorecards(file, pretty.Bytes())
		findings = append(findings, fs...)
		for _, sc := range scs {
			sc.File = file
			if sc.Blueprint == "" {
				sc.Blueprint = bp
			}
			out = append(out, sc)
		}
	}
	var missing []string
	for _, id := range c.cfg.Scorecards {
		if !found[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("port.Config.Scorecards names %s, which blueprint %q does not have in Port; it has %s",
			quoteList(missing), bp, strings.Join(have, ", "))
		if s := scorecard.Suggest(missing[0], have, 1); len(s) > 0 {
			msg += fmt.Sprintf(" (did you mean %q?)", s[0])
		}
		return nil, nil, errors.New(msg)
	}
	return out, findings, nil
}

func quoteList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = fmt.Sprintf("%q", id)
	}
	return scorecard.OrList(q)
}

// searchRequest is the body of POST /v1/blueprints/{bp}/entities/search.
type searchRequest struct {
	Include []string `json:"include,omitempty"`
	Limit   int      `json:"limit"`
	From    string   `json:"from,omitempty"`
}

type searchResponse struct {
	OK       *bool              `json:"ok"`
	Entities []scorecard.Entity `json:"entities"`
	Next     string             `json:"next"`
}

// Include lists what a search must return for the scorecards to evaluate:
// the meta-properties identifier, title, team and blueprint, every property
// and relation a rule or filter reads, and Port's own results. The search
// endpoint names properties and relations by identifier and meta-properties
// with their "$" (Port's OpenAPI, entities/search, "include").
func Include(scs []*scorecard.Scorecard) []string {
	out := []string{"$identifier", "$title", "$team", "$blueprint"}
	seen := map[string]bool{}
	for _, s := range out {
		seen[s] = true
	}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	addQuery := func(q *scorecard.Query) {
		for _, cond := range q.Conditions {
			add(cond.Property)
			add(cond.Relation)
		}
	}
	for _, sc := range scs {
		if sc.Filter != nil {
			addQuery(sc.Filter)
		}
		for i := range sc.Rules {
			addQuery(&sc.Rules[i].Query)
		}
	}
	add("scorecards")
	return out
}

// FetchEntities reads every entity of the blueprint, 1000 per page,
// following Port's "next" cursor until it is absent, asking only for
// Include(scs). Each page is decoded as it arrives, bounded by
// Config.MaxPageBytes; the paging is bounded by Config.MaxPages,
// MaxEmptyPages and MaxFetchTime, each a *LimitError naming the bound.
func (c *Client) FetchEntities(ctx context.Context, scs []*scorecard.Scorecard) ([]scorecard.Entity, error) {
	bp := c.cfg.Blueprint
	path := c.bpPath("/entities/search")
	bound := func(setting, limit, what string) *LimitError {
		return &LimitError{Method: http.MethodPost, Path: path, Setting: setting, Limit: limit, What: what}
	}
	fail := func(page int, err error) error {
		return fmt.Errorf("fetch entities of blueprint %q (page %d): %w", bp, page, err)
	}
	pctx, cancel := context.WithTimeoutCause(ctx, c.cfg.MaxFetchTime, bound("MaxFetchTime", c.cfg.MaxFetchTime.String(),
		"reading the pages took longer than "+c.cfg.MaxFetchTime.String()))
	defer cancel()
	req := searchRequest{Include: Include(scs), Limit: c.cfg.PageSize}
	var (
		all   []scorecard.Entity
		pages = httpclient.Pages{MaxEmpty: c.cfg.MaxEmptyPages, Items: "entities", Link: `"next" cursor`}
		resp  searchResponse
	)
	read := func(r io.Reader) error {
		resp = searchResponse{}
		return decodePage(r, &resp)
	}
	for page := 1; ; page++ {
		if page > c.cfg.MaxPages {
			return nil, fail(page-1, bound("MaxPages", fmt.Sprintf("%d pages", c.cfg.MaxPages),
				fmt.Sprintf("Port sent more than %d pages, the last with a \"next\" cursor", c.cfg.MaxPages)))
		}
		err := c.do(pctx, request{method: http.MethodPost, path: path, body: req, auth: true}, read)
		if pe, ok := AsError(err); ok && page == 1 && req.Include != nil && (pe.Status == http.StatusBadRequest || pe.Status == http.StatusUnprocessableEntity) {
			// The include list is built from the scorecards; should Port
			// refuse a name in it, whole entities still give a right answer.
			c.log.Warn("port: the entity search refused the include list; fetching whole entities", "blueprint", bp, "status", pe.Status, "message", pe.Message)
			req.Include = nil
			err = c.do(pctx, request{method: http.MethodPost, path: path, body: req, auth: true}, read)
		}
		if err != nil {
			var le *LimitError
			if ctx.Err() == nil && pctx.Err() != nil && errors.As(context.Cause(pctx), &le) {
				return nil, fail(page, le) // the time ran out: say so, not "context canceled"
			}
			if derr, bad := asBadAnswer(err); bad {
				return nil, fail(page, fmt.Errorf("POST %s: the answer is not Port's {\"ok\", \"entities\", \"next\"}: %v", path, derr))
			}
			return nil, fail(page, err)
		}
		if resp.OK != nil && !*resp.OK {
			return nil, fail(page, fmt.Errorf("POST %s: Port answered \"ok\": false", path))
		}
		if all == nil {
			all = resp.Entities
		} else {
			all = append(all, resp.Entities...)
		}
		if resp.Next == "" {
			return all, nil
		}
		var pe *httpclient.PagingError
		if err := pages.Next(len(resp.Entities), resp.Next); errors.As(err, &pe) {
			if pe.Repeated {
				return nil, fail(page, fmt.Errorf("POST %s: %w", path, pe))
			}
			return nil, fail(page, bound("MaxEmptyPages", fmt.Sprintf("%d empty pages", c.cfg.MaxEmptyPages), pe.What()))
		}
		req.From = resp.Next
	}
}

// decodePage decodes one search answer entity by entity, so that no more
// than one entity's JSON is held beside the entities decoded so far.
func decodePage(r io.Reader, page *searchResponse) error {
	dec := json.NewDecoder(r)
	if err := delim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case "ok":
			err = dec.Decode(&page.OK)
		case "next":
			var next *string
			if err = dec.Decode(&next); next != nil {
				page.Next = *next
			}
		case "entities":
			err = decodeEntities(dec, page)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return err
		}
	}
	return delim(dec, '}')
}

func decodeEntities(dec *json.Decoder, page *searchResponse) error {
	tok, err := dec.Token()
	if err != nil || tok == nil { // "entities": null is no entities
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("\"entities\" is %v, not an array", tok)
	}
	for dec.More() {
		var e scorecard.Entity
		if err := dec.Decode(&e); err != nil {
			return err
		}
		page.Entities = append(page.Entities, e)
	}
	return delim(dec, ']')
}

// delim reads the next token, which must be d.
func delim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if got, ok := tok.(json.Delim); !ok || got != d {
		return fmt.Errorf("found %v where %q was expected", tok, string(d))
	}
	return nil
}

type teamsResponse struct {
	OK    *bool `json:"ok"`
	Teams []struct {
		Name  string `json:"name"`
		Users []struct {
			Email string `json:"email"`
		} `json:"users"`
	} `json:"teams"`
}

// FetchTeams reads the organisation's teams and their members' emails.
// Entities name their teams by team name, so a team's Identifier is its name.
func (c *Client) FetchTeams(ctx context.Context) ([]scorecard.Team, error) {
	const path = "/v1/teams"
	var resp teamsResponse
	err := c.do(ctx, request{method: http.MethodGet, path: path, auth: true,
		query: url.Values{"fields": {"name", "users.email"}}}, func(r io.Reader) error {
		resp = teamsResponse{}
		return json.NewDecoder(r).Decode(&resp)
	})
	if derr, bad := asBadAnswer(err); bad {
		return nil, fmt.Errorf("fetch teams: GET %s: the answer is not Port's {\"ok\", \"teams\"}: %v", path, derr)
	}
	if err != nil {
		return nil, fmt.Errorf("fetch teams: %w", err)
	}
	out := make([]scorecard.Team, 0, len(resp.Teams))
	for _, t := range resp.Teams {
		team := scorecard.Team{Identifier: t.Name, Name: t.Name}
		for _, u := range t.Users {
			if u.Email != "" {
				team.Emails = append(team.Emails, u.Email)
			}
		}
		out = append(out, team)
	}
	return out, nil
}
