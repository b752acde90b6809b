package report

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/prodready/prodready/scorecard"
)

// Why says, in words a service owner reads at a glance, why rule i of r's
// scorecard fails for r's entity: one phrase per failing condition, such as
// "freshness is 150; needs under 90" or "last deploy was 40 days ago; needs
// within the last month". Conditions it cannot phrase better keep the
// evaluator's own explanation, which is exact but technical.
func Why(r scorecard.Result, i int, now time.Time) []string {
	if !r.Applies || r.Pass[i] {
		return nil
	}
	q := &r.Scorecard.Rules[i].Query
	var out []string
	for ci := range q.Conditions {
		c := &q.Conditions[ci]
		if !c.Match(r.Entity, now) {
			out = append(out, Plain(c, r.Entity, now))
		}
	}
	return out
}

// Plain phrases one failing condition for entity e.
func Plain(c *scorecard.Condition, e *scorecard.Entity, now time.Time) string {
	if s, ok := plain(c, e, now); ok {
		return s
	}
	return c.Explain(e, now)
}

func plain(c *scorecard.Condition, e *scorecard.Entity, now time.Time) (string, bool) {
	v, ok := rawValue(c, e)
	if !ok {
		return "", false
	}
	name := Words(c.Target())
	if c.Relation != "" {
		name = "related " + name
	}
	missing := isMissing(v)
	has := name + " is " + showAny(v)
	if missing {
		has = name + " is not set"
	}
	needs := func(w string) (string, bool) { return has + "; needs " + w, true }
	switch c.Operator {
	case scorecard.OpIsNotEmpty, scorecard.OpIsEmpty:
		if (c.Operator == scorecard.OpIsNotEmpty) != c.Not {
			if missing {
				return has, true
			}
			return needs("a value")
		}
		return needs("to be empty")
	case scorecard.OpBetween, scorecard.OpNotBetween:
		m, ok := c.Value.(map[string]any)
		if !ok {
			return "", false
		}
		preset, _ := m["preset"].(string)
		span, ok := presets[preset]
		if !ok {
			return "", false
		}
		if c.Operator == scorecard.OpNotBetween {
			span = "not " + span
		}
		if !missing {
			t, ok := asDate(v)
			if !ok {
				return "", false
			}
			has = name + " was " + Ago(now, t)
		}
		return needs(span)
	case scorecard.OpLt, scorecard.OpLte, scorecard.OpGt, scorecard.OpGte:
		if want, ok := asNumber(c.Value); ok {
			if n, isNum := asNumber(v); !isNum && !missing {
				return "", false
			} else if !missing {
				has = name + " is " + num(n)
			}
			return needs(compareWords(c.Operator, want))
		}
		want, ok := asDate(c.Value)
		if !ok {
			return "", false
		}
		if !missing {
			t, ok := asDate(v)
			if !ok {
				return "", false
			}
			has = name + " was " + Ago(now, t) + " (" + t.Format("2 Jan 2006") + ")"
		}
		word := map[scorecard.Operator]string{scorecard.OpLt: "before ", scorecard.OpLte: "on or before ", scorecard.OpGt: "after ", scorecard.OpGte: "on or after "}[c.Operator]
		return needs(word + want.Format("2 Jan 2006"))
	case scorecard.OpEq, scorecard.OpNeq:
		if _, isRange := c.Value.(map[string]any); isRange {
			return "", false
		}
		if b, ok := c.Value.(bool); ok {
			if vb, isBool := v.(bool); isBool || missing {
				if !missing {
					has = name + " is " + onOff(vb)
				}
				if c.Operator == scorecard.OpNeq {
					b = !b
				}
				return needs("it " + onOff(b))
			}
			return "", false
		}
		if c.Operator == scorecard.OpNeq {
			return needs("anything but " + showAny(c.Value))
		}
		return needs(showAny(c.Value))
	case scorecard.OpIn, scorecard.OpContainsAny:
		set, ok := c.Value.([]any)
		if !ok {
			return "", false
		}
		parts := make([]string, len(set))
		for i, x := range set {
			parts[i] = showAny(x)
		}
		which := "one of "
		if c.Operator == scorecard.OpContainsAny {
			which = "any of "
		}
		return needs(which + andOr(parts, "or"))
	case scorecard.OpContains, scorecard.OpDoesNotContains, scorecard.OpBeginsWith, scorecard.OpDoesNotBeginsWith, scorecard.OpEndsWith, scorecard.OpDoesNotEndsWith:
		s, ok := c.Value.(string)
		if !ok {
			return "", false
		}
		if !missing {
			has = name + " is " + strconv.Quote(clip(fmt.Sprint(v), 60))
		}
		word := map[scorecard.Operator]string{
			scorecard.OpContains: "to contain ", scorecard.OpDoesNotContains: "not to contain ",
			scorecard.OpBeginsWith: "to begin with ", scorecard.OpDoesNotBeginsWith: "not to begin with ",
			scorecard.OpEndsWith: "to end with ", scorecard.OpDoesNotEndsWith: "not to end with ",
		}[c.Operator]
		return needs(word + strconv.Quote(s))
	}
	return "", false
}

// presets are Port's date-range presets, as a deadline in words.
var presets = map[string]string{
	"today": "today", "tomorrow": "tomorrow", "yesterday": "yesterday",
	"lastWeek": "within the last week", "last2Weeks": "within the last 2 weeks",
	"lastMonth": "within the last month", "last3Months": "within the last 3 months",
	"last6Months": "within the last 6 months", "last12Months": "within the last 12 months",
}

// rawValue reads what the condition compares, as the catalog holds it;
// false for paths it does not know how to read plainly.
func rawValue(c *scorecard.Condition, e *scorecard.Entity) (any, bool) {
	if c.Relation != "" {
		return e.Relations[c.Relation], true
	}
	switch c.Property {
	case "$team":
		return []string(e.Team), true
	case "$identifier":
		return e.Identifier, true
	case "$title":
		return e.Title, true
	case "$createdAt":
		return e.CreatedAt, true
	case "$updatedAt":
		return e.UpdatedAt, true
	}
	if strings.HasPrefix(c.Property, "$") {
		return nil, false
	}
	v, ok := e.Properties[c.Property]
	if !ok && strings.Contains(c.Property, ".") {
		return nil, false // a path into an object: the evaluator says it better
	}
	return v, true
}

func isMissing(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case []string:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func asNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

func asDate(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func compareWords(op scorecard.Operator, want float64) string {
	whole := want == math.Trunc(want) && math.Abs(want) < 1e15
	switch op {
	case scorecard.OpLt:
		return "under " + num(want)
	case scorecard.OpLte:
		return "at most " + num(want)
	case scorecard.OpGt:
		if whole && want == 0 {
			return "at least 1"
		}
		return "over " + num(want)
	}
	return "at least " + num(want)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func showAny(v any) string {
	switch x := v.(type) {
	case nil:
		return "not set"
	case string:
		return strconv.Quote(clip(x, 60))
	case bool:
		return onOff(x)
	case []string:
		return clip(strings.Join(x, ", "), 80)
	}
	if f, ok := asNumber(v); ok {
		return num(f)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return clip(string(b), 80)
}

// andOr joins "a, b or c".
func andOr(parts []string, word string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " " + word + " " + parts[len(parts)-1]
}

// Ago says how long before now t was: "today", "yesterday", "150 days ago",
// "in 3 days".
func Ago(now, t time.Time) string {
	days := int(math.Floor(now.Sub(t).Hours() / 24))
	switch {
	case days == 0:
		return "today"
	case days == 1:
		return "yesterday"
	case days == -1:
		return "tomorrow"
	case days < 0:
		return fmt.Sprintf("in %d days", -days)
	}
	return fmt.Sprintf("%d days ago", days)
}

// acronyms are written in capitals when a property name is put in words.
var acronyms = map[string]string{"pr": "PR", "prs": "PRs", "url": "URL", "slo": "SLO", "sla": "SLA", "api": "API", "id": "ID",
	"ci": "CI", "cd": "CD", "sdk": "SDK", "dns": "DNS", "tls": "TLS", "ssl": "SSL", "k8s": "k8s", "cve": "CVE", "cves": "CVEs",
	"pagerduty": "PagerDuty", "readme": "README", "codeowners": "CODEOWNERS", "github": "GitHub", "gitlab": "GitLab", "opsgenie": "Opsgenie"}

// Words turns a property name into words: "required_approvals_for_pr" is
// "required approvals for PR", "lastDeployAt" is "last deploy at", "$team"
// is "owning team".
func Words(name string) string {
	if name == "$team" {
		return "owning team"
	}
	name = strings.TrimPrefix(name, "$")
	var b strings.Builder
	prev := rune(0)
	for _, r := range name {
		switch {
		case r == '_' || r == '-' || r == '.' || r == ' ':
			r = ' '
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			b.WriteRune(' ')
		}
		b.WriteRune(r)
		prev = r
	}
	words := strings.Fields(strings.ToLower(b.String()))
	for i, w := range words {
		if a, ok := acronyms[w]; ok {
			words[i] = a
		}
	}
	if len(words) == 0 {
		return name
	}
	return strings.ReplaceAll(strings.Join(words, " "), "on call", "on-call")
}

var urlPattern = regexp.MustCompile(`https?://[^\s<>()|"']+`)

// DocLink is the first web address in a rule's description: the scorecard
// format has no field for a rule's documentation, so writers put the link
// in the text. "" when there is none.
func DocLink(description string) string {
	u := urlPattern.FindString(description)
	return strings.TrimRight(u, ".,;:!?")
}

// repositoryKeys are where catalogs commonly keep a service's repository.
var repositoryKeys = []string{"repository", "repo", "repository_url", "repositoryUrl", "repo_url", "repoUrl", "url", "html_url", "github_url", "gitlab_url", "scm_url", "source_url"}

var hostPath = regexp.MustCompile(`^[A-Za-z0-9.-]+\.[A-Za-z]{2,}/\S+$`)

// EntityLink links an entity where people can open it: the catalog's own UI
// when url (the bundle's EntityURL, may be nil) knows one, else the
// service's repository from a property or relation that names it.
func EntityLink(url func(*scorecard.Entity) string) func(*scorecard.Entity) string {
	return func(e *scorecard.Entity) string {
		if url != nil {
			if u := url(e); u != "" {
				return u
			}
		}
		for _, k := range repositoryKeys {
			for _, m := range []map[string]any{e.Properties, e.Relations} {
				if s, ok := m[k].(string); ok {
					if u := webAddress(s); u != "" {
						return u
					}
				}
			}
		}
		return ""
	}
}

func webAddress(s string) string {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://"):
		if strings.ContainsAny(s, " <>|") {
			return ""
		}
		return s
	case hostPath.MatchString(s) && !strings.ContainsAny(s, "<>|"):
		return "https://" + s
	}
	return ""
}

// LinkLabel names where a link leads, for a button or link text: "Port",
// "Backstage", "GitHub", "GitLab", or "" when it cannot tell.
func LinkLabel(u string) string {
	switch {
	case strings.Contains(u, "port.io/") || strings.Contains(u, "getport.io/"):
		return "Port"
	case strings.Contains(u, "/catalog/"):
		return "Backstage"
	case strings.Contains(u, "://github.com/"):
		return "GitHub"
	case strings.Contains(u, "://gitlab.com/"):
		return "GitLab"
	}
	return ""
}

// PeriodWords names a period as people do: "week of 23 Nov", "November
// 2026", "Q4 2026", "26 Nov".
func PeriodWords(p Period) string {
	if c, ok := CadenceOf(p.Kind); ok {
		return c.words(p.Start)
	}
	switch p.Kind {
	case Daily:
		return p.Start.Format("2 Jan 2006")
	}
	if p.Start.IsZero() {
		return p.Key
	}
	return p.Start.Format("2 Jan 2006 15:04") + " to " + p.End.Format("2 Jan 2006 15:04")
}

// PointsWords says a change of share in words: "▲ 4 points", "▼ 1 point",
// "no change".
func PointsWords(d float64) string {
	pts := int(math.Round(d * 100))
	switch {
	case pts == 0:
		return "no change"
	case pts == 1:
		return "▲ 1 point"
	case pts == -1:
		return "▼ 1 point"
	case pts > 0:
		return fmt.Sprintf("▲ %d points", pts)
	}
	return fmt.Sprintf("▼ %d points", -pts)
}
