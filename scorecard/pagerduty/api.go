package pagerduty

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

// Reference is PagerDuty's reference to another object ("…_reference").
type Reference struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Summary string `json:"summary"`
	HTMLURL string `json:"html_url"`
}

// Service is the part of a PagerDuty service the collector reads.
type Service struct {
	ID               string      `json:"id"`
	Name             string      `json:"name"`
	Status           string      `json:"status"`
	HTMLURL          string      `json:"html_url"`
	EscalationPolicy Reference   `json:"escalation_policy"`
	Teams            []Reference `json:"teams"`
}

// User is an on-call's user: a full user when the request included users,
// else a reference without an email.
type User struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Name    string `json:"name"`
	Summary string `json:"summary"`
	Email   string `json:"email"`
}

// OnCall is one on-call entry: who is on call for which level of which
// escalation policy, and when. Schedule is nil, and Start and End empty,
// for a user the policy targets directly (always on call).
type OnCall struct {
	EscalationPolicy Reference  `json:"escalation_policy"`
	EscalationLevel  int        `json:"escalation_level"`
	User             User       `json:"user"`
	Schedule         *Reference `json:"schedule"`
	Start            string     `json:"start"`
	End              string     `json:"end"`
}

// MaxOffset is where PagerDuty's classic pagination stops: records beyond
// the 10,000th cannot be read with offset and limit.
const MaxOffset = 10000

// Page is what list calls return: the items, and whether PagerDuty had more
// than offset pagination can reach.
type Page[T any] struct {
	Items     []T
	Truncated bool
}

// list reads every page of a classic (offset/limit/more) list endpoint.
func list[T any](ctx context.Context, c *Client, path, key string, q url.Values) (Page[T], error) {
	var out Page[T]
	if q == nil {
		q = url.Values{}
	}
	offset := 0
	for {
		limit := min(c.cfg.PageSize, MaxOffset-offset)
		q.Set("offset", strconv.Itoa(offset))
		q.Set("limit", strconv.Itoa(limit))
		body, err := c.get(ctx, path, q)
		if err != nil {
			return out, err
		}
		var page map[string]json.RawMessage
		if err := json.Unmarshal(body, &page); err != nil {
			return out, fmt.Errorf("GET %s (offset %d): the answer is not a JSON object: %v", path, offset, err)
		}
		raw, ok := page[key]
		if !ok {
			return out, fmt.Errorf("GET %s (offset %d): the answer has no %q list", path, offset, key)
		}
		var items []T
		if err := json.Unmarshal(raw, &items); err != nil {
			return out, fmt.Errorf("GET %s (offset %d): %q is not a list of %s: %v", path, offset, key, key, err)
		}
		var more bool
		if m, ok := page["more"]; ok {
			if err := json.Unmarshal(m, &more); err != nil {
				return out, fmt.Errorf("GET %s (offset %d): \"more\" is not a boolean: %v", path, offset, err)
			}
		}
		out.Items = append(out.Items, items...)
		if !more {
			return out, nil
		}
		if len(items) == 0 {
			return out, fmt.Errorf("GET %s (offset %d): PagerDuty says there is more but sent an empty page", path, offset)
		}
		offset += len(items)
		if offset >= MaxOffset {
			out.Truncated = true
			return out, nil
		}
	}
}

// Services lists every service the key can see, sorted by name (PagerDuty's
// default), with each one's escalation policy and teams as references.
func (c *Client) Services(ctx context.Context) (Page[Service], error) {
	return list[Service](ctx, c, "/services", "services", nil)
}

// maxPolicyFilter bounds the query that escalation_policy_ids[] makes; past
// it a URL risks the 8 kB limit of proxies, and OnCalls asks for every
// policy's on-calls instead (one paged call either way).
const maxPolicyFilter = 4000

// OnCalls lists who is on call now, earliest entry per policy, level and
// user, with full user objects (include[]=users: an on-call's user is
// otherwise a reference without an email). policies narrows the list to
// those escalation policies when their ids fit in a URL, and is ignored
// otherwise; nil means every policy.
func (c *Client) OnCalls(ctx context.Context, policies []string) (Page[OnCall], error) {
	q := url.Values{}
	q.Set("include[]", "users")
	q.Set("earliest", "true")
	size := 0
	for _, id := range policies {
		size += len("&escalation_policy_ids%5B%5D=") + len(url.QueryEscape(id))
	}
	if size <= maxPolicyFilter {
		for _, id := range policies {
			q.Add("escalation_policy_ids[]", id)
		}
	}
	return list[OnCall](ctx, c, "/oncalls", "oncalls", q)
}
