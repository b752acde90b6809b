package githubtest

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prodready/prodready/scorecard/emulator"
)

// GET /search/issues, as GitHub answers it: qualifiers parsed from q, sort
// and order, at most 100 a page and the first 1,000 results only, Link
// pagination, items shaped as issue-search-result-item, and a rate limit
// of its own (resource "search", 30 requests a minute for a token).

// DefaultSearchLimit is GitHub's search rate limit per minute for an
// authenticated caller.
const DefaultSearchLimit = 30

// searchCap is how many results GitHub lets a search page through.
const searchCap = 1000

const searchDocs = "https://docs.github.com/v3/search"

// searchState is the search resource's budget and the index's behaviour.
type searchState struct {
	rateLimit
	lag        time.Duration
	incomplete bool
}

// WithSearchRateLimit sets the search rate limit per window (GitHub: 30 a
// minute for a token or an installation).
func WithSearchRateLimit(limit int, window time.Duration) Option {
	return func(s *Server) { s.search.rateLimit = rateLimit{limit, window} }
}

// WithSearchLag makes the search index lag behind the repositories by d,
// as GitHub's does: a pull request updated within d of the emulator's
// clock is not found yet, and a repository renamed within d is still
// found under its old name.
func WithSearchLag(d time.Duration) Option { return func(s *Server) { s.search.lag = d } }

// SetSearchRate sets the search budget left and when it resets.
func (s *Server) SetSearchRate(remaining int, resetAt time.Time) {
	s.limits["search"].Set("", remaining, resetAt)
}

// SearchRateRemaining is the search budget left.
func (s *Server) SearchRateRemaining() int { return s.limits["search"].Peek("").Remaining }

// SetSearchIncomplete makes searches time out as GitHub's sometimes do:
// the answer says incomplete_results and leaves out some of the matches.
func (s *Server) SetSearchIncomplete(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.search.incomplete = on
}

// resourceOf is the rate-limit resource a path spends; "" for none (an
// App's own endpoints).
func resourceOf(path string) string {
	switch {
	case strings.HasPrefix(path, "/search/"):
		return "search"
	case strings.HasPrefix(path, "/app/"):
		return ""
	}
	return "core"
}

// searchRefusal is GitHub's message when the search budget is spent.
func (s *Server) searchRefusal(r *http.Request) string {
	who := "user ID 1"
	if g, _ := s.tokens.Check(bearer(r)); g.Subject != "" {
		who = g.Subject
	}
	return "API rate limit exceeded for " + who + ". If you reach out to GitHub Support for help, please include the request ID."
}

// validationFailed is GitHub's 422 with its errors array.
func (s *Server) validationFailed(w http.ResponseWriter, errs ...map[string]any) {
	emulator.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "errors": errs, "documentation_url": searchDocs})
}

// dateRange is a date qualifier's bounds; zero bounds are open.
type dateRange struct {
	after, before       time.Time // after < t, t < before when strict
	afterEq, beforeEq   bool
	hasAfter, hasBefore bool
}

func (d dateRange) holds(t time.Time) bool {
	if d.hasAfter && (t.Before(d.after) || (!d.afterEq && t.Equal(d.after))) {
		return false
	}
	if d.hasBefore && (t.After(d.before) || (!d.beforeEq && t.Equal(d.before))) {
		return false
	}
	return true
}

// parseDate reads a search date: YYYY-MM-DD, or an ISO 8601 time. A bare
// date covers its whole (UTC) day: end is the day's end.
func parseDate(v string) (start, end time.Time, ok bool) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, t, true
		}
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, t.Add(24*time.Hour - time.Nanosecond), true
	}
	return time.Time{}, time.Time{}, false
}

// parseRange reads >D, >=D, <D, <=D, D, D..E, D..*, *..E.
func parseRange(v string) (dateRange, bool) {
	var d dateRange
	switch {
	case strings.Contains(v, ".."):
		lo, hi, _ := strings.Cut(v, "..")
		if lo != "*" {
			s, _, ok := parseDate(lo)
			if !ok {
				return d, false
			}
			d.after, d.afterEq, d.hasAfter = s, true, true
		}
		if hi != "*" {
			_, e, ok := parseDate(hi)
			if !ok {
				return d, false
			}
			d.before, d.beforeEq, d.hasBefore = e, true, true
		}
		return d, d.hasAfter || d.hasBefore
	case strings.HasPrefix(v, ">="):
		s, _, ok := parseDate(v[2:])
		d.after, d.afterEq, d.hasAfter = s, true, true
		return d, ok
	case strings.HasPrefix(v, ">"):
		_, e, ok := parseDate(v[1:])
		d.after, d.hasAfter = e, true
		return d, ok
	case strings.HasPrefix(v, "<="):
		_, e, ok := parseDate(v[2:])
		d.before, d.beforeEq, d.hasBefore = e, true, true
		return d, ok
	case strings.HasPrefix(v, "<"):
		s, _, ok := parseDate(v[1:])
		d.before, d.hasBefore = s, true
		return d, ok
	}
	s, e, ok := parseDate(v)
	d.after, d.afterEq, d.hasAfter = s, true, true
	d.before, d.beforeEq, d.hasBefore = e, true, true
	return d, ok
}

// hit is one pull request that matches a search.
type hit struct {
	repo *Repo
	name string // the repository's name in the index
	pull Pull
}

// searchFilter is a parsed q: each test must hold (or, negated, fail).
type searchFilter struct {
	tests []func(hit) bool
	// scope: the organisations and repositories named, which must exist.
	orgs, repos []string
}

// parseQuery reads q's qualifiers. It returns GitHub's validation error
// for what it cannot read, and says so for what the emulator does not
// support rather than answering as if it did.
func parseQuery(q string) (searchFilter, map[string]any) {
	var f searchFilter
	invalid := func(msg string) map[string]any {
		return map[string]any{"resource": "Search", "field": "q", "code": "invalid", "message": msg}
	}
	for _, tok := range strings.Fields(q) {
		neg := false
		if strings.HasPrefix(tok, "-") && strings.Contains(tok, ":") {
			neg, tok = true, tok[1:]
		}
		key, val, isQual := strings.Cut(tok, ":")
		var test func(hit) bool
		switch key = strings.ToLower(key); {
		case !isQual:
			word := strings.ToLower(tok)
			test = func(h hit) bool { return strings.Contains(strings.ToLower(pullTitle(h.pull)), word) }
		case key == "org" || key == "user":
			f.orgs = append(f.orgs, val)
			test = func(h hit) bool { return strings.EqualFold(h.repo.org, val) }
		case key == "repo":
			f.repos = append(f.repos, val)
			test = func(h hit) bool { return strings.EqualFold(h.repo.org+"/"+h.name, val) }
		case key == "base":
			test = func(h hit) bool { return h.pull.Base == val }
		case key == "is" || key == "type" || key == "state":
			switch v := strings.ToLower(val); {
			case v == "pr" || v == "pull-request":
				test = func(hit) bool { return true } // the emulator holds only pull requests
			case v == "issue":
				test = func(hit) bool { return false }
			case v == "merged" && key == "is":
				test = func(h hit) bool { return h.pull.MergedAt != nil }
			case v == "unmerged" && key == "is":
				test = func(h hit) bool { return h.pull.MergedAt == nil }
			case v == "closed" && key != "type":
				test = func(h hit) bool { return closedPull(h.pull) }
			case v == "open" && key != "type":
				test = func(h hit) bool { return !closedPull(h.pull) }
			case v == "public" && key == "is":
				test = func(h hit) bool { return !h.repo.Private }
			case v == "private" && key == "is":
				test = func(h hit) bool { return h.repo.Private }
			default:
				return f, invalid(fmt.Sprintf("githubtest does not support the qualifier %s:%s", key, val))
			}
		case key == "updated" || key == "created" || key == "closed" || key == "merged":
			d, ok := parseRange(val)
			if !ok {
				return f, invalid(fmt.Sprintf("%q is not a valid date for the qualifier %s", val, key))
			}
			test = func(h hit) bool {
				var t *time.Time
				switch key {
				case "updated":
					t = &h.pull.UpdatedAt
				case "created":
					t = &h.pull.CreatedAt
				case "closed":
					t = closedAt(h.pull)
				case "merged":
					t = h.pull.MergedAt
				}
				return t != nil && d.holds(*t)
			}
		default:
			return f, invalid(fmt.Sprintf("githubtest does not support the qualifier %s:", key))
		}
		if neg {
			inner := test
			test = func(h hit) bool { return !inner(h) }
		}
		f.tests = append(f.tests, test)
	}
	return f, nil
}

func closedPull(p Pull) bool { return p.ClosedAt != nil || p.MergedAt != nil }

func closedAt(p Pull) *time.Time {
	if p.ClosedAt != nil {
		return p.ClosedAt
	}
	return p.MergedAt
}

func pullTitle(p Pull) string { return fmt.Sprintf("Change %d", p.Number) }

func (s *Server) searchIssues(w http.ResponseWriter, r *http.Request, id identity) {
	q := r.URL.Query()
	if strings.TrimSpace(q.Get("q")) == "" {
		s.validationFailed(w, map[string]any{"resource": "Search", "field": "q", "code": "missing"})
		return
	}
	sortBy, order := q.Get("sort"), q.Get("order")
	switch sortBy {
	case "", "created", "updated", "comments", "reactions", "reactions-+1", "reactions--1", "reactions-smile",
		"reactions-thinking_face", "reactions-heart", "reactions-tada", "interactions":
	default:
		s.validationFailed(w, map[string]any{"resource": "Search", "field": "sort", "code": "invalid"})
		return
	}
	if order != "" && order != "asc" && order != "desc" {
		s.validationFailed(w, map[string]any{"resource": "Search", "field": "order", "code": "invalid"})
		return
	}
	f, bad := parseQuery(q.Get("q"))
	if bad != nil {
		s.validationFailed(w, bad)
		return
	}
	s.mu.Lock()
	for _, o := range f.orgs {
		if _, ok := s.orgs[strings.ToLower(o)]; !ok {
			bad = map[string]any{"resource": "Search", "field": "q", "code": "invalid",
				"message": "The listed users and repositories cannot be searched either because the resources do not exist or you do not have permission to view them."}
		}
	}
	for _, full := range f.repos {
		if o, n, _ := strings.Cut(full, "/"); s.find(o, n) == nil {
			bad = map[string]any{"resource": "Search", "field": "q", "code": "invalid",
				"message": "The listed users and repositories cannot be searched either because the resources do not exist or you do not have permission to view them."}
		}
	}
	cutoff := s.now().Add(-s.search.lag)
	lagging, incomplete := s.search.lag > 0, s.search.incomplete
	var hits []hit
	for _, rid := range s.order {
		rp := s.repos[rid]
		// An installation sees private repositories' pull requests only
		// with the permission to read them.
		if rp.Private && id.perms != nil && id.perms["pull_requests"] == "" {
			continue
		}
		cp := *rp // the items read its name and visibility only
		name := rp.Name
		if lagging && rp.renamed.After(cutoff) && len(rp.oldNames) > 0 {
			name = rp.oldNames[len(rp.oldNames)-1]
		}
		for _, p := range rp.Pulls {
			if p.Base == "" {
				p.Base = cp.DefaultBranch
			}
			if lagging && p.UpdatedAt.After(cutoff) {
				continue // not indexed yet
			}
			h := hit{repo: &cp, name: name, pull: p}
			ok := true
			for _, t := range f.tests {
				if !t(h) {
					ok = false
					break
				}
			}
			if ok {
				hits = append(hits, h)
			}
		}
	}
	s.mu.Unlock()
	if bad != nil {
		s.validationFailed(w, bad)
		return
	}
	if incomplete { // the search timed out before it found every match
		kept := hits[:0]
		for i, h := range hits {
			if i%3 != 2 {
				kept = append(kept, h)
			}
		}
		hits = kept
	}
	key := func(h hit) time.Time {
		if sortBy == "updated" {
			return h.pull.UpdatedAt
		}
		return h.pull.CreatedAt // created, and best match: the emulator has no text to rank
	}
	asc := order == "asc" && sortBy != ""
	sort.SliceStable(hits, func(i, j int) bool {
		a, b := key(hits[i]), key(hits[j])
		if a.Equal(b) {
			ai, bi := hits[i].repo.id*1000+int64(hits[i].pull.Number), hits[j].repo.id*1000+int64(hits[j].pull.Number)
			if asc {
				return ai < bi
			}
			return ai > bi
		}
		if asc {
			return a.Before(b)
		}
		return a.After(b)
	})

	per, pg := 30, 1
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.fail(w, http.StatusUnprocessableEntity, "Invalid request.\n\nper_page is not a number.")
			return
		}
		per = min(n, 100)
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.fail(w, http.StatusUnprocessableEntity, "Invalid request.\n\npage is not a number.")
			return
		}
		pg = n
	}
	if (pg-1)*per >= searchCap {
		emulator.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Only the first 1000 search results are available", "documentation_url": searchDocs})
		return
	}
	reachable := min(len(hits), searchCap)
	s.setLinks(w, r, q, pg, max((reachable+per-1)/per, 1))
	lo := min((pg-1)*per, reachable)
	hi := min(lo+per, reachable)
	items := make([]map[string]any, 0, hi-lo)
	for _, h := range hits[lo:hi] {
		items = append(items, s.searchItem(h.repo, h.name, h.pull))
	}
	emulator.WriteJSON(w, http.StatusOK, map[string]any{
		"total_count": len(hits), "incomplete_results": incomplete, "items": items, "search_type": "lexical",
	})
}
