package github

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/httpclient"
)

// SourceName is the collector's name in provenance.
const SourceName = "github"

// Collector reads an organisation's repositories as facts. It implements
// scorecard.Collector.
type Collector struct {
	Client *Client
	// Org is the organisation's login.
	Org string
	// Repos narrows the repositories; the zero value keeps all.
	Repos RepoFilter
	// IncludeArchived and IncludeForks keep archived repositories and forks,
	// which are left out by default: they are rarely services.
	IncludeArchived, IncludeForks bool
	// Concurrency bounds the repositories read at once (default 8).
	Concurrency int
	// Progress, when set, is called after each repository, one call at a time.
	Progress func(Progress)
}

var _ scorecard.Collector = (*Collector)(nil)

// Progress is how far a collection has come.
type Progress struct {
	Done, Total int
	// Rate is GitHub's primary rate limit as last seen.
	Rate Rate
	// PausedUntil is set when the collection pauses until the rate limit
	// resets (the call then reports no new repository).
	PausedUntil time.Time
}

// Property names the collector fills, as scorecards read them.
const (
	PropReadme            = "readme"
	PropFreshness         = "freshness"
	PropRequiredApprovals = "required_approvals_for_pr"
	PropCodeOwnerReview   = "require_code_owner_review"
	PropHasCodeowners     = "has_codeowners"
	PropDefaultBranch     = "default_branch"
	PropLastPush          = "last_push"
	PropArchived          = "archived"
	PropTopics            = "topics"
	PropRepository        = "repository"
	PropURL               = "url"
)

// Describe implements scorecard.Collector; it names no secret.
func (c *Collector) Describe() string {
	if c.Client == nil {
		return "GitHub (not configured)"
	}
	return fmt.Sprintf("GitHub (%s, organisation %s)", c.Client.cfg.BaseURL, c.Org)
}

// Provides implements scorecard.Collector: the facts of each repository,
// and its team (from CODEOWNERS or the repository's teams).
func (c *Collector) Provides() []string {
	return []string{PropReadme, PropFreshness, PropRequiredApprovals, PropCodeOwnerReview, PropHasCodeowners,
		PropDefaultBranch, PropLastPush, PropArchived, PropTopics, PropRepository, PropURL, scorecard.TeamProperty}
}

// repoItem is what the collector reads of a repository in the org's list.
type repoItem struct {
	ID            int64    `json:"id"`
	Name          string   `json:"name"`
	FullName      string   `json:"full_name"`
	HTMLURL       string   `json:"html_url"`
	Fork          bool     `json:"fork"`
	Private       bool     `json:"private"`
	Archived      bool     `json:"archived"`
	DefaultBranch string   `json:"default_branch"`
	PushedAt      *string  `json:"pushed_at"`
	UpdatedAt     *string  `json:"updated_at"`
	Topics        []string `json:"topics"`
	Size          int      `json:"size"`
	Permissions   *struct {
		Admin bool `json:"admin"`
	} `json:"permissions,omitempty"`
}

func (r repoItem) owner() string {
	o, _, _ := strings.Cut(r.FullName, "/")
	return o
}

// Collect implements scorecard.Collector: the organisation's repositories,
// each with its facts. It fails only when the list of repositories cannot
// be read; a fact that cannot be read is null, explained in Warnings.
func (c *Collector) Collect(ctx context.Context, now time.Time) (*scorecard.Facts, error) {
	if c.Client == nil {
		return nil, errors.New("github.Collector has no Client: build one with github.New")
	}
	if c.Org == "" {
		return nil, errors.New("github.Collector.Org is not set: name the GitHub organisation whose repositories to read")
	}
	all, err := c.readRepos(ctx)
	if err != nil {
		return nil, err
	}
	r := &run{c: c, cl: c.Client, now: now, warn: map[string]*warning{}}
	var repos []repoItem
	seen := map[string]bool{}
	for _, it := range all {
		seen[strings.ToLower(it.Name)] = true
		switch {
		case !c.Repos.Match(it.Name):
		case it.Archived && !c.IncludeArchived:
		case it.Fork && !c.IncludeForks:
		default:
			repos = append(repos, it)
		}
	}
	for _, name := range c.Repos.missing(seen) {
		r.note("missing-repo", c.Org+"/"+name, nil)
	}

	// What each repository's content said at its last push, known before
	// any request: the repositories whose last merge must be read are
	// then known up front, and the search can read it for many at once.
	snaps := make([]snapState, len(repos))
	for i, it := range repos {
		snaps[i] = r.loadSnapshot(ctx, it)
	}
	merges := r.searchMerges(ctx, repos, snaps)

	records := make([]scorecard.FactRecord, len(repos))
	var done atomic.Int64
	var pmu sync.Mutex
	if c.Progress != nil {
		c.Client.setPauseHook(func(reset time.Time) {
			pmu.Lock()
			defer pmu.Unlock()
			c.Progress(Progress{Done: int(done.Load()), Total: len(repos), Rate: c.Client.Rate(), PausedUntil: reset})
		})
		defer c.Client.setPauseHook(nil)
	}
	workers := c.Concurrency
	if workers <= 0 {
		workers = DefaultConcurrency
	}
	workers = min(workers, max(len(repos), 1))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				m, settled := merges[repos[i].ID]
				records[i] = r.repo(ctx, repos[i], snaps[i], m, settled)
				n := done.Add(1)
				if c.Progress != nil {
					pmu.Lock()
					c.Progress(Progress{Done: int(n), Total: len(repos), Rate: c.Client.Rate()})
					pmu.Unlock()
				}
			}
		}()
	}
feed:
	for i := range repos {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("collect GitHub facts of %s: %w", c.Org, context.Cause(ctx))
	}
	return &scorecard.Facts{Source: SourceName, Records: records, Warnings: r.warnings()}, nil
}

// byNameMax: a filter of at most this many exact names reads each
// repository by name (one request each) instead of every page of the
// organisation's list; a CI check of one repository (check --repository)
// costs that repository's requests only, however large the organisation.
const byNameMax = 10

// readRepos reads the repositories the filter may keep.
func (c *Collector) readRepos(ctx context.Context) ([]repoItem, error) {
	names, ok := c.Repos.exact()
	if !ok || len(names) > byNameMax {
		return c.listRepos(ctx)
	}
	var all []repoItem
	for _, name := range names {
		var it repoItem
		_, err := c.Client.getJSON(ctx, "/repos/"+url.PathEscape(c.Org)+"/"+url.PathEscape(name), nil, &it)
		switch {
		case StatusOf(err) == http.StatusNotFound:
			continue // said as a repository the organisation does not have
		case err != nil:
			return nil, fmt.Errorf("read repository %s/%s: %w", c.Org, name, err)
		case !strings.EqualFold(it.owner(), c.Org):
			continue // moved to another owner: not the organisation's
		}
		all = append(all, it)
	}
	return all, nil
}

// listRepos reads every page of the organisation's repositories.
func (c *Collector) listRepos(ctx context.Context) ([]repoItem, error) {
	var all []repoItem
	u := "/orgs/" + url.PathEscape(c.Org) + "/repos"
	q := url.Values{"per_page": {"100"}, "type": {"all"}}
	pages := httpclient.Pages{Items: "repositories"}
	for page := 1; u != ""; page++ {
		var items []repoItem
		next, err := c.Client.getJSON(ctx, u, q, &items)
		if err != nil {
			if StatusOf(err) == http.StatusNotFound {
				return nil, fmt.Errorf("github.Collector.Org is %q, but GitHub has no organisation of that name that these credentials can see: %w", c.Org, err)
			}
			return nil, fmt.Errorf("list the repositories of %s (page %d): %w", c.Org, page, err)
		}
		all = append(all, items...)
		if err := pages.Next(len(items), next); err != nil {
			return nil, fmt.Errorf("list the repositories of %s: GET %s: %w", c.Org, httpclient.PathOf(u), err)
		}
		u, q = next, nil // the next link carries its own query
		if page > 10_000 {
			return nil, fmt.Errorf("list the repositories of %s: more than %d pages; is the Link header looping?", c.Org, page)
		}
	}
	return all, nil
}

// run is one collection: the warnings and whether the budget ran out.
type run struct {
	c   *Collector
	cl  *Client
	now time.Time

	spent    atomic.Bool
	spentErr atomic.Pointer[BudgetError]

	mu   sync.Mutex
	warn map[string]*warning
}

type warning struct {
	count    int
	examples []string
	first    error
}

// note records one occurrence of a problem; warnings() says each kind once.
func (r *run) note(kind, repo string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.warn[kind]
	if w == nil {
		w = &warning{first: err}
		r.warn[kind] = w
	}
	w.count++
	if len(w.examples) < 3 {
		w.examples = append(w.examples, repo)
	}
}

// explanations say, per kind of problem, what is null and what to grant.
var explanations = []struct{ kind, text string }{
	{"budget", "were not read in full because GitHub's rate limit ran out: their unread facts are null. Use a GitHub App (a higher limit), collect less often (github.Every) or narrow github.Collector.Repos"},
	{"protection-403", "hide their classic branch protection: required_approvals_for_pr is null there, and so is require_code_owner_review unless a ruleset requires it. Grant the GitHub App the repository permission Administration: read (a personal token needs admin on the repository)"},
	{"rules-403", "hide their rulesets: required_approvals_for_pr and require_code_owner_review are null there. Grant Metadata: read"},
	{"readme-403", "hide their README: readme is null there. Grant Contents: read"},
	{"codeowners-403", "hide their files: has_codeowners is null there and their teams come from the repository's teams. Grant Contents: read"},
	{"pulls-403", "hide their pull requests: freshness is null there. Grant Pull requests: read"},
	{"teams-403", "hide their teams: no owning team is known there. Grant Metadata: read (and Members: read on the organisation for secret teams)"},
	{"search", "had their last merge read with one request each, because GitHub's issue search, which reads it for many at once, failed or was refused; the values are the same"},
	{"pulls-deep", "have only unmerged pull requests among their most recently updated closed ones: freshness is null there"},
	{"readme-large", "have a README over GitHub's 1 MB limit for the contents API: readme is empty there"},
	{"renamed", "were renamed since the last run (shown as new name): entities that name the old repository will not match them until updated"},
	{"failed", "could not be read in part because GitHub failed: the facts concerned are null"},
}

func (r *run) warnings() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	if w := r.warn["missing-repo"]; w != nil {
		out = append(out, fmt.Sprintf("github.Collector.Repos names %d repositories that organisation %s does not have (or these credentials cannot see): %s",
			w.count, r.c.Org, strings.Join(w.examples, ", ")+more(w)))
	}
	for _, e := range explanations {
		w := r.warn[e.kind]
		if w == nil {
			continue
		}
		s := fmt.Sprintf("GitHub: %s (%s) %s", scorecard.Plural(w.count, "repository"), strings.Join(w.examples, ", ")+more(w), e.text)
		switch {
		case e.kind == "budget":
			if be := r.spentErr.Load(); be != nil {
				s += fmt.Sprintf("; it resets at %s", be.Reset.UTC().Format(time.RFC3339))
			}
		case w.first != nil:
			s += fmt.Sprintf(" (first: %v)", w.first)
		}
		out = append(out, s+".")
	}
	return out
}

func more(w *warning) string {
	if w.count > len(w.examples) {
		return ", …"
	}
	return ""
}

// snapshot is what a repository's content says, kept between runs under
// its id with pushed_at and the default branch as validator: a README, a
// CODEOWNERS file or a merge into the default branch cannot change without
// a push, so an unchanged repository costs no request for them.
type snapshot struct {
	FullName   string     `json:"full_name"`
	Empty      bool       `json:"empty,omitempty"`
	Readme     *string    `json:"readme,omitempty"`
	MergedAt   *time.Time `json:"merged_at,omitempty"`
	Codeowners bool       `json:"codeowners,omitempty"`
	CatchAll   []string   `json:"catch_all,omitempty"`
}

// step reads one fact: false when the budget is spent and it was skipped.
func (r *run) step(fn func() error) (err error, ok bool) {
	if r.spent.Load() {
		return nil, false
	}
	err = fn()
	var be *BudgetError
	if errors.As(err, &be) {
		r.spentErr.CompareAndSwap(nil, be)
		r.spent.Store(true)
		return nil, false
	}
	return err, true
}

// snapState is a repository's kept snapshot and whether it still holds.
type snapState struct {
	key, validator string
	snap           snapshot
	fresh          bool
}

// loadSnapshot reads what the repository's content said at its last run,
// fresh when no push has happened since. A rename is noted and kept.
func (r *run) loadSnapshot(ctx context.Context, it repoItem) snapState {
	full := it.FullName
	st := snapState{key: fmt.Sprintf("repo %s %d", r.cl.cfg.BaseURL, it.ID)}
	if it.PushedAt != nil {
		st.validator = *it.PushedAt + " " + it.DefaultBranch
	}
	if st.validator == "" {
		return st
	}
	tag, body, ok, err := r.cl.cache.Get(ctx, st.key)
	if err != nil || !ok || tag != st.validator || json.Unmarshal(body, &st.snap) != nil {
		st.snap = snapshot{}
		return st
	}
	st.fresh = true
	if st.snap.FullName != "" && !strings.EqualFold(st.snap.FullName, full) {
		r.note("renamed", st.snap.FullName+" → "+full, nil)
		st.snap.FullName = full
		if b, err := json.Marshal(st.snap); err == nil {
			_ = r.cl.cache.Put(ctx, st.key, st.validator, b)
		}
	}
	return st
}

// repo reads one repository's facts. What it cannot read stays null.
// merged is its last merge when the search settled it (settled), nil for
// none.
func (r *run) repo(ctx context.Context, it repoItem, st snapState, merged *time.Time, settled bool) scorecard.FactRecord {
	full := it.FullName
	p := map[string]any{
		PropRepository: full, PropURL: it.HTMLURL, PropArchived: it.Archived,
		PropDefaultBranch: nil, PropLastPush: nil, PropTopics: []any{},
		PropReadme: nil, PropFreshness: nil, PropRequiredApprovals: nil, PropCodeOwnerReview: nil, PropHasCodeowners: nil,
	}
	if it.DefaultBranch != "" {
		p[PropDefaultBranch] = it.DefaultBranch
	}
	if it.PushedAt != nil {
		if t, err := time.Parse(time.RFC3339, *it.PushedAt); err == nil {
			p[PropLastPush] = t.UTC().Format(time.RFC3339)
		}
	}
	for _, t := range it.Topics {
		p[PropTopics] = append(p[PropTopics].([]any), t)
	}
	rec := scorecard.FactRecord{
		Join:       scorecard.JoinKeys{Property: PropRepository, Annotation: "github.com/project-slug", Value: full, Name: it.Name},
		Identifier: it.Name, Title: it.Name, Properties: p,
	}
	if ctx.Err() != nil {
		return rec
	}
	partial := false // the budget ran out on this repository
	base := "/repos/" + url.PathEscape(it.owner()) + "/" + url.PathEscape(it.Name)
	fail := func(kind string, err error) {
		if StatusOf(err) == http.StatusForbidden {
			r.note(kind+"-403", full, nil)
			return
		}
		r.note("failed", full, err)
	}

	// Content: README, CODEOWNERS, the last merge. Kept per push.
	snapKey, validator, snap, fresh := st.key, st.validator, st.snap, st.fresh
	readmeOK, pullsOK, ownersOK := fresh, fresh, fresh
	if !fresh {
		snap = snapshot{FullName: full}
		// README first: its 409 says the repository is empty, and then
		// nothing else on a branch is worth asking.
		err, ok := r.step(func() error {
			var f fileAnswer
			_, err := r.cl.getJSON(ctx, base+"/readme", nil, &f)
			switch {
			case err == nil:
				if f.TooLarge {
					r.note("readme-large", full, nil)
				}
				snap.Readme = f.Text
				return nil
			case StatusOf(err) == http.StatusNotFound:
				return nil
			case StatusOf(err) == http.StatusConflict:
				snap.Empty = true
				return nil
			}
			return err
		})
		switch {
		case !ok:
			partial = true
		case err != nil:
			fail("readme", err)
		default:
			readmeOK = true
		}
		pullsOK = snap.Empty || it.DefaultBranch == ""
		if !pullsOK && settled {
			// The organisation's search said it, without a request here.
			snap.MergedAt, pullsOK = merged, true
		}
		if !pullsOK && !partial {
			err, ok = r.step(func() error {
				m, err := r.lastMerge(ctx, base, it.DefaultBranch)
				if errors.Is(err, errTooDeep) {
					r.note("pulls-deep", full, nil)
					return nil
				}
				snap.MergedAt = m
				return err
			})
			switch {
			case !ok:
				partial = true
			case err != nil:
				fail("pulls", err)
			default:
				pullsOK = true
			}
		}
		ownersOK = snap.Empty
		if !ownersOK && !partial {
			err, ok = r.step(func() error { return r.codeowners(ctx, base, &snap) })
			switch {
			case !ok:
				partial = true
			case err != nil:
				fail("codeowners", err)
			default:
				ownersOK = true
			}
		}
		if readmeOK && pullsOK && ownersOK && validator != "" {
			if b, err := json.Marshal(snap); err == nil {
				_ = r.cl.cache.Put(ctx, snapKey, validator, b)
			}
		}
	}
	// Only what was read is said; the rest stays null.
	if readmeOK {
		p[PropReadme] = nilOr(snap.Readme)
	}
	if pullsOK && snap.MergedAt != nil {
		p[PropFreshness] = float64(int(r.now.Sub(*snap.MergedAt) / (24 * time.Hour)))
	}
	if ownersOK {
		p[PropHasCodeowners] = snap.Codeowners
	}
	noBranch := snap.Empty || it.DefaultBranch == ""

	// Review requirements: branch protection and rulesets, asked every run
	// (they change without a push), conditionally.
	if noBranch {
		// Nothing to protect: no branch requires a review.
		p[PropRequiredApprovals], p[PropCodeOwnerReview] = float64(0), false
	} else if !partial {
		n, owners, err, ok := r.reviews(ctx, base, it, fail)
		if !ok {
			partial = true
		} else if err == nil {
			if n != nil {
				p[PropRequiredApprovals] = float64(*n)
			}
			if owners != nil {
				p[PropCodeOwnerReview] = *owners
			}
		}
	}

	// Teams: CODEOWNERS' catch-all rule, else the repository's admins and maintainers.
	if len(snap.CatchAll) > 0 {
		rec.Teams = snap.CatchAll
	} else if !partial {
		err, ok := r.step(func() error {
			t, err := r.repoTeams(ctx, base)
			rec.Teams = t
			return err
		})
		if !ok {
			partial = true
		} else if err != nil {
			fail("teams", err)
		}
	}
	if partial {
		r.note("budget", full, nil)
	}
	return rec
}

func nilOr(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// fileAnswer is a file from the contents or readme endpoint, kept as text.
type fileAnswer struct {
	Type     string  `json:"type,omitempty"`
	Encoding string  `json:"encoding,omitempty"`
	Content  string  `json:"content,omitempty"`
	Text     *string `json:"text,omitempty"`
	TooLarge bool    `json:"too_large,omitempty"`
}

// UnmarshalJSON reads a directory (a JSON array) as a non-file.
func (f *fileAnswer) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' {
		*f = fileAnswer{Type: "dir"}
		return nil
	}
	type plain fileAnswer
	return json.Unmarshal(b, (*plain)(f))
}

func (f *fileAnswer) keep() error {
	defer func() { f.Content, f.Encoding = "", "" }()
	if f.Type != "" && f.Type != "file" {
		return nil
	}
	switch f.Encoding {
	case "base64":
		raw, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\n", "", "\r", "").Replace(f.Content))
		if err != nil {
			return fmt.Errorf("the file's base64 content does not decode: %w", err)
		}
		s := string(raw)
		f.Text = &s
	case "", "none": // over 1 MB: GitHub leaves the content out
		s := ""
		f.Text, f.TooLarge = &s, true
	default:
		return fmt.Errorf("the file's content has encoding %q; want base64", f.Encoding)
	}
	return nil
}

// errTooDeep: no merged pull request among the pages read.
var errTooDeep = errors.New("no merged pull request among the most recently updated closed ones")

// Pages of closed pull requests read at most to find the last merge.
const (
	pullsPerPage = 30
	pullsPages   = 3
)

// lastMerge finds when the last pull request was merged into branch.
// GitHub cannot filter on "merged": closed pull requests come newest
// updated first, and since a pull request is updated when merged, once a
// page ends with an update older than the best merge found, no later page
// holds a newer merge.
func (r *run) lastMerge(ctx context.Context, base, branch string) (*time.Time, error) {
	u := base + "/pulls"
	q := url.Values{"state": {"closed"}, "base": {branch}, "sort": {"updated"}, "direction": {"desc"}, "per_page": {fmt.Sprint(pullsPerPage)}}
	var best *time.Time
	for page := 0; page < pullsPages && u != ""; page++ {
		var items []struct {
			MergedAt  *time.Time `json:"merged_at"`
			UpdatedAt time.Time  `json:"updated_at"`
		}
		next, err := r.cl.getJSON(ctx, u, q, &items)
		if err != nil {
			return nil, err
		}
		for _, p := range items {
			if p.MergedAt != nil && (best == nil || p.MergedAt.After(*best)) {
				t := *p.MergedAt
				best = &t
			}
		}
		if len(items) == 0 || next == "" || (best != nil && !items[len(items)-1].UpdatedAt.After(*best)) {
			return best, nil
		}
		u, q = next, nil
	}
	if best == nil {
		return nil, errTooDeep
	}
	return best, nil
}

// codeowners finds the CODEOWNERS file where GitHub looks for it.
func (r *run) codeowners(ctx context.Context, base string, snap *snapshot) error {
	for _, path := range codeownersPaths {
		var f fileAnswer
		_, err := r.cl.getJSON(ctx, base+"/contents/"+path, nil, &f)
		switch {
		case err == nil && f.Text != nil:
			snap.Codeowners = true
			snap.CatchAll = catchAllTeams(*f.Text, r.c.Org)
			return nil
		case err == nil: // a directory of that name
			continue
		case StatusOf(err) == http.StatusNotFound:
			continue
		case StatusOf(err) == http.StatusConflict:
			snap.Empty = true
			return nil
		}
		return err
	}
	return nil
}

// reviews reads the approvals and code-owner reviews the default branch
// requires: the stricter of classic protection and active rulesets. A nil
// result is unknown. ok is false when the budget ran out.
func (r *run) reviews(ctx context.Context, base string, it repoItem, fail func(string, error)) (approvals *int, owners *bool, err error, ok bool) {
	branch := url.PathEscape(it.DefaultBranch)
	full := it.FullName
	rulesN, rulesOwners := 0, false
	rerr, ok := r.step(func() error {
		u, q := base+"/rules/branches/"+branch, url.Values{"per_page": {"100"}}
		pages := httpclient.Pages{Items: "rules"}
		for u != "" {
			var rules []struct {
				Type       string `json:"type"`
				Parameters *struct {
					Count  int  `json:"required_approving_review_count"`
					Owners bool `json:"require_code_owner_review"`
				} `json:"parameters"`
			}
			next, err := r.cl.getJSON(ctx, u, q, &rules)
			if err != nil {
				return err
			}
			for _, rule := range rules {
				if rule.Type == "pull_request" && rule.Parameters != nil {
					rulesN = max(rulesN, rule.Parameters.Count)
					rulesOwners = rulesOwners || rule.Parameters.Owners
				}
			}
			if err := pages.Next(len(rules), next); err != nil {
				return fmt.Errorf("GET %s: %w", httpclient.PathOf(u), err)
			}
			u, q = next, nil
		}
		return nil
	})
	if !ok {
		return nil, nil, nil, false
	}
	if rerr != nil {
		fail("rules", rerr)
		return nil, nil, rerr, true
	}

	classicN, classicOwners, readable := 0, false, true
	if level, known := r.cl.Permission("administration"); known && level == "" {
		readable = false // the App was not granted it: every call would be refused
	} else if !known && it.Permissions != nil && !it.Permissions.Admin {
		readable = false // a personal token needs admin on the repository
	}
	var perr error
	if readable {
		perr, ok = r.step(func() error {
			var prot struct {
				Reviews *struct {
					Count  int  `json:"required_approving_review_count"`
					Owners bool `json:"require_code_owner_reviews"`
				} `json:"required_pull_request_reviews"`
			}
			_, err := r.cl.getJSON(ctx, base+"/branches/"+branch+"/protection", nil, &prot)
			switch {
			case err == nil:
				if prot.Reviews != nil {
					classicN, classicOwners = prot.Reviews.Count, prot.Reviews.Owners
				}
				return nil
			case StatusOf(err) == http.StatusNotFound: // "Branch not protected"
				return nil
			}
			return err
		})
		if !ok {
			return nil, nil, nil, false
		}
	}
	if !readable || perr != nil {
		if !readable {
			r.note("protection-403", full, nil)
		} else {
			fail("protection", perr)
		}
		// The rulesets alone cannot say how strict classic protection is;
		// but a ruleset that requires code owners settles that fact.
		if rulesOwners {
			t := true
			return nil, &t, nil, true
		}
		return nil, nil, nil, true
	}
	n, o := max(rulesN, classicN), rulesOwners || classicOwners
	return &n, &o, nil, true
}

// repoTeams lists the teams with admin or maintain permission.
func (r *run) repoTeams(ctx context.Context, base string) ([]string, error) {
	u, q := base+"/teams", url.Values{"per_page": {"100"}}
	var out []string
	pages := httpclient.Pages{Items: "teams"}
	for u != "" {
		var teams []struct {
			Slug       string `json:"slug"`
			Permission string `json:"permission"`
		}
		next, err := r.cl.getJSON(ctx, u, q, &teams)
		if err != nil {
			if StatusOf(err) == http.StatusNotFound {
				return nil, nil
			}
			return nil, err
		}
		for _, t := range teams {
			if t.Permission == "admin" || t.Permission == "maintain" {
				out = append(out, t.Slug)
			}
		}
		if err := pages.Next(len(teams), next); err != nil {
			return nil, fmt.Errorf("GET %s: %w", httpclient.PathOf(u), err)
		}
		u, q = next, nil
	}
	sort.Strings(out)
	return out, nil
}
