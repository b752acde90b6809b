package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/prodready/prodready/scorecard"
)

// Source names PagerDuty in facts' provenance.
const Source = "pagerduty"

// Fact property names. OnCall and OnCallPagerDuty hold the same value: the
// first is what scorecards ask ("has an on-call"), the second says where it
// came from, for rules that want PagerDuty's answer in particular.
const (
	PropOnCall           = "on_call"
	PropOnCallPagerDuty  = "pagerduty_oncall"
	PropServiceID        = "pagerduty_service_id"
	PropStatus           = "pagerduty_status"
	PropURL              = "pagerduty_url"
	PropEscalationPolicy = "pagerduty_escalation_policy"
	// AnnotationServiceID is Backstage's annotation for a PagerDuty service.
	AnnotationServiceID = "pagerduty.com/service-id"
)

// Collector is PagerDuty as a scorecard.Collector: one record per service.
type Collector struct {
	Client *Client
}

// Describe implements scorecard.Collector; it names no secret.
func (c Collector) Describe() string {
	if c.Client == nil {
		return "PagerDuty (not configured)"
	}
	return "PagerDuty (" + c.Client.cfg.BaseURL + ")"
}

// Provides implements scorecard.Collector: the facts of each service, and
// its PagerDuty teams, which give an entity that has no team one.
func (c Collector) Provides() []string {
	return []string{PropOnCall, PropOnCallPagerDuty, PropServiceID, PropStatus, PropURL, PropEscalationPolicy, scorecard.TeamProperty}
}

// Collect implements scorecard.Collector with two paged calls, whatever the
// number of services: GET /services, then one GET /oncalls for all their
// escalation policies. It fails when the services cannot be read or there
// are none; when only the on-calls cannot be read, the services' other
// facts are returned, on_call is left out, and a warning says why.
func (c Collector) Collect(ctx context.Context, _ time.Time) (*scorecard.Facts, error) {
	if c.Client == nil {
		return nil, errors.New("pagerduty.Collector has no Client: build one with pagerduty.New(cfg)")
	}
	svcs, err := c.Client.Services(ctx)
	if err != nil {
		return nil, fmt.Errorf("list PagerDuty services: %w", err)
	}
	if len(svcs.Items) == 0 {
		return nil, errors.New("PagerDuty has no services this key can see (GET /services returned none): check that pagerduty.Config.Token belongs to the right account")
	}
	facts := &scorecard.Facts{Source: Source}
	if svcs.Truncated {
		facts.Warnings = append(facts.Warnings, fmt.Sprintf("PagerDuty has more than %d services; only the first %d (by name) were read", MaxOffset, len(svcs.Items)))
	}

	var policies []string
	seen := map[string]bool{}
	for _, s := range svcs.Items {
		if id := s.EscalationPolicy.ID; id != "" && !seen[id] {
			seen[id] = true
			policies = append(policies, id)
		}
	}
	sort.Strings(policies)
	var first map[string]firstOnCall
	var oncallsRead, oncallsComplete bool
	if len(policies) > 0 {
		oc, err := c.Client.OnCalls(ctx, policies)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, fmt.Errorf("list PagerDuty on-calls: %w", err)
		case err != nil:
			facts.Warnings = append(facts.Warnings, fmt.Sprintf("on-calls could not be read, so %s is unknown for every service (rules reading it fail for want of data): %v", PropOnCall, err))
		default:
			oncallsRead, oncallsComplete = true, !oc.Truncated
			if oc.Truncated {
				facts.Warnings = append(facts.Warnings, fmt.Sprintf("PagerDuty has more than %d on-call entries; services whose policy is not among those read have no %s", MaxOffset, PropOnCall))
			}
			var noEmail []string
			first, noEmail = firstOnCalls(oc.Items)
			if len(noEmail) > 0 {
				facts.Warnings = append(facts.Warnings, fmt.Sprintf("PagerDuty sent no email for on-call users %s, so %s is unknown for their services", strings.Join(noEmail, ", "), PropOnCall))
			}
		}
	}

	for _, s := range svcs.Items {
		props := map[string]any{
			PropServiceID: s.ID,
			PropStatus:    nullable(s.Status),
			PropURL:       nullable(s.HTMLURL),
		}
		if s.EscalationPolicy.ID != "" {
			props[PropEscalationPolicy] = nullable(s.EscalationPolicy.Summary)
		}
		switch f, ok := first[s.EscalationPolicy.ID]; {
		case s.EscalationPolicy.ID == "":
			props[PropOnCall], props[PropOnCallPagerDuty] = nil, nil // no policy: nobody is paged
		case ok && f.email != "":
			props[PropOnCall], props[PropOnCallPagerDuty] = f.email, f.email
		case ok:
			// on call, but no email: unknown, left out (warned above)
		case oncallsRead && oncallsComplete:
			props[PropOnCall], props[PropOnCallPagerDuty] = nil, nil // nobody on call
		}
		var teams []string
		for _, t := range s.Teams {
			if t.Summary != "" {
				teams = append(teams, t.Summary)
			}
		}
		facts.Records = append(facts.Records, scorecard.FactRecord{
			Join: scorecard.JoinKeys{
				Property: PropServiceID, Annotation: AnnotationServiceID, Value: s.ID,
				Name: s.Name, MatchTitle: true, FoldName: true,
			},
			Identifier: s.Name,
			Title:      s.Name,
			Teams:      teams,
			Properties: props,
		})
	}
	return facts, nil
}

type firstOnCall struct {
	email, user string
	level       int
}

// firstOnCalls picks, per escalation policy, the on-call Port's integration
// reports as "oncall": the entries sorted by escalation_level (a stable
// sort), the first one's user email. That is the first level's on-call,
// the first PagerDuty lists when several share it. It also returns the ids
// of chosen users that came without an email.
func firstOnCalls(entries []OnCall) (map[string]firstOnCall, []string) {
	out := map[string]firstOnCall{}
	for _, e := range entries {
		id := e.EscalationPolicy.ID
		if id == "" {
			continue
		}
		if cur, ok := out[id]; ok && cur.level <= e.EscalationLevel {
			continue // an earlier entry at this level or a lower one wins
		}
		out[id] = firstOnCall{email: e.User.Email, user: e.User.ID, level: e.EscalationLevel}
	}
	var noEmail []string
	for _, f := range out {
		if f.email == "" {
			noEmail = append(noEmail, f.user)
		}
	}
	sort.Strings(noEmail)
	return out, compact(noEmail)
}

func compact(s []string) []string {
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// nullable is nil for an empty string: a fact known to be absent.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
