package gitlab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/httpclient"
)

// SourceName is the collector's name in provenance.
const SourceName = "gitlab"

// Property names the collector fills, as scorecards read them: the same
// as scorecard/github's, so that one scorecard scores both.
const (
	PropReadme            = "readme"
	PropFreshness         = "freshness"
	PropRequiredApprovals = "required_approvals_for_pr"
	PropCodeOwnerReview   = "require_code_owner_review"
	PropHasCodeowners     = "has_codeowners"
	PropDefaultBranch     = "default_branch"
	PropTopics            = "topics"
	PropRepository        = "repository"
	PropURL               = "url"
)

// Collector reads a GitLab group's projects, its subgroups' included, as
// facts. It implements scorecard.Collector.
type Collector struct {
	Client *Client
	// Group is the group's full path or id (PRODREADY_GITLAB_GROUP).
	Group string
	// Projects narrows the projects (PRODREADY_GITLAB_PROJECTS).
	Projects ProjectFilter
	// Concurrency bounds the projects read at once (default 8).
	Concurrency int
}

var _ scorecard.Collector = (*Collector)(nil)

// Provides implements scorecard.Collector: the properties a collection
// fills, and the owning team (from CODEOWNERS).
func (c *Collector) Provides() []string {
	return []string{PropReadme, PropFreshness, PropRequiredApprovals, PropCodeOwnerReview, PropHasCodeowners,
		PropDefaultBranch, PropTopics, PropRepository, PropURL, scorecard.TeamProperty}
}

// Describe implements scorecard.Collector; it names no secret.
func (c *Collector) Describe() string {
	if c.Client == nil {
		return "GitLab (not configured)"
	}
	return fmt.Sprintf("GitLab (%s, group %s)", c.Client.cfg.BaseURL, c.Group)
}

// project is what the collector reads of a project in the group's list.
type project struct {
	ID                int64    `json:"id"`
	Name              string   `json:"name"`
	Path              string   `json:"path"`
	PathWithNamespace string   `json:"path_with_namespace"`
	DefaultBranch     string   `json:"default_branch"`
	WebURL            string   `json:"web_url"`
	Archived          bool     `json:"archived"`
	ReadmeURL         *string  `json:"readme_url"`
	Topics            []string `json:"topics"`
	ForkedFrom        *struct {
		ID int64 `json:"id"`
	} `json:"forked_from_project"`
}

// codeownersPaths are where GitLab looks for CODEOWNERS, in its order.
var codeownersPaths = []string{"CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"}

// Collect implements scorecard.Collector: the group's projects, archived
// ones and forks left out, each with its facts. It fails only when the
// token cannot read the API or the list of projects cannot be read; a
// fact that cannot be read is null, explained in Warnings.
func (c *Collector) Collect(ctx context.Context, now time.Time) (*scorecard.Facts, error) {
	if c.Client == nil {
		return nil, errors.New("gitlab.Collector has no Client: build one with gitlab.New")
	}
	if c.Group == "" {
		return nil, errors.New("PRODREADY_GITLAB_GROUP is not set: name the GitLab group whose projects to read")
	}
	if err := c.Client.CheckScope(ctx); err != nil {
		return nil, err
	}
	all, err := c.listProjects(ctx)
	if err != nil {
		return nil, err
	}
	var keep []project
	prefix := strings.ToLower(c.Group) + "/"
	for _, p := range all {
		if p.Archived || p.ForkedFrom != nil {
			continue
		}
		rel := p.PathWithNamespace
		if strings.HasPrefix(strings.ToLower(rel), prefix) {
			rel = rel[len(prefix):]
		}
		if c.Projects.Match(rel, p.Path) {
			keep = append(keep, p)
		}
	}
	r := &run{c: c, now: now, warn: map[string][]string{}}
	recs := make([]scorecard.FactRecord, len(keep))
	n := c.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, p := range keep {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return nil, fmt.Errorf("GitLab collection stopped after %d of %d projects: %w", i, len(keep), context.Cause(ctx))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			recs[i] = r.project(ctx, p)
		}()
	}
	wg.Wait()
	return &scorecard.Facts{Source: SourceName, Records: recs, Warnings: r.warnings()}, nil
}

// listProjects pages through the group's projects by keyset (id order),
// which GitLab serves at the same cost on every page.
func (c *Collector) listProjects(ctx context.Context) ([]project, error) {
	q := url.Values{
		"include_subgroups": {"true"}, "archived": {"false"}, "with_shared": {"false"},
		"pagination": {"keyset"}, "order_by": {"id"}, "sort": {"asc"}, "per_page": {"100"},
	}
	path := "/groups/" + url.PathEscape(c.Group) + "/projects"
	guard := httpclient.Pages{Items: "projects", Link: `Link rel="next"`}
	var all []project
	for path != "" {
		var page []project
		next, err := c.Client.getJSON(ctx, path, q, &page)
		if err != nil {
			if StatusOf(err) == http.StatusNotFound {
				return nil, fmt.Errorf("PRODREADY_GITLAB_GROUP is %q: GitLab has no such group, or GITLAB_TOKEN cannot see it: %w", c.Group, err)
			}
			return nil, fmt.Errorf("list the projects of GitLab group %s: %w", c.Group, err)
		}
		all = append(all, page...)
		if err := guard.Next(len(page), next); err != nil {
			return nil, fmt.Errorf("list the projects of GitLab group %s: %w", c.Group, err)
		}
		path, q = next, nil
	}
	return all, nil
}

// run is one collection's shared state.
type run struct {
	c   *Collector
	now time.Time

	mu   sync.Mutex
	warn map[string][]string // what failed → the projects it failed for
}

func (r *run) note(what, project string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.warn[what] = append(r.warn[what], project)
}

// warnings says each kind of failure once, with the projects it hit.
func (r *run) warnings() []string {
	var out []string
	for what, ps := range r.warn {
		sort.Strings(ps)
		shown := ps[:min(len(ps), 5)]
		more := ""
		if len(ps) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(ps)-len(shown))
		}
		out = append(out, fmt.Sprintf("GitLab: %s (%s%s); those facts are unknown", what, strings.Join(shown, ", "), more))
	}
	sort.Strings(out)
	return out
}

// project reads one project's facts; a fact that cannot be read stays nil.
func (r *run) project(ctx context.Context, p project) scorecard.FactRecord {
	props := map[string]any{
		PropRepository: p.PathWithNamespace, PropURL: p.WebURL, PropTopics: []any{},
		PropDefaultBranch: nil, PropReadme: nil, PropFreshness: nil,
		PropRequiredApprovals: nil, PropCodeOwnerReview: nil, PropHasCodeowners: nil,
	}
	for _, t := range p.Topics {
		props[PropTopics] = append(props[PropTopics].([]any), t)
	}
	rec := scorecard.FactRecord{
		Join:       scorecard.JoinKeys{Property: PropRepository, Annotation: "gitlab.com/project-slug", Value: p.PathWithNamespace, Name: p.Path},
		Identifier: p.Path, Title: p.Name, Properties: props,
	}
	if p.DefaultBranch == "" {
		// An empty project: no branch, so no file, merge or rule to read.
		return rec
	}
	props[PropDefaultBranch] = p.DefaultBranch
	cl := r.c.Client
	base := "/projects/" + strconv.FormatInt(p.ID, 10)
	failed := func(what string, err error) {
		var e *Error
		if errors.As(err, &e) && e.Scope != "" {
			r.note("GITLAB_TOKEN lacks a scope: grant it "+e.Scope, p.PathWithNamespace)
			return
		}
		r.note(what+": "+err.Error(), p.PathWithNamespace)
	}

	// The branch's head commit: README and CODEOWNERS are read again only
	// when it moved, and a branch GitLab says is unprotected has no
	// protection to read.
	var br struct {
		Protected bool `json:"protected"`
		Commit    struct {
			ID string `json:"id"`
		} `json:"commit"`
	}
	if _, err := cl.getJSON(ctx, base+"/repository/branches/"+url.PathEscape(p.DefaultBranch), nil, &br); err != nil {
		failed("the default branch could not be read", err)
		return rec
	}
	if snap, ok := r.files(ctx, p, base, br.Commit.ID, failed); ok {
		props[PropReadme], props[PropHasCodeowners], rec.Teams = nil, snap.HasCodeowners, snap.Teams
		if snap.Readme != nil {
			props[PropReadme] = *snap.Readme
		}
	}

	// Freshness: the last merge request merged into the default branch.
	var mrs []struct {
		MergedAt *time.Time `json:"merged_at"`
	}
	_, err := cl.getJSON(ctx, base+"/merge_requests", url.Values{
		"state": {"merged"}, "target_branch": {p.DefaultBranch}, "order_by": {"updated_at"}, "sort": {"desc"}, "per_page": {"1"},
	}, &mrs)
	switch {
	case err != nil:
		failed("merge requests could not be read", err)
	case len(mrs) > 0 && mrs[0].MergedAt != nil:
		props[PropFreshness] = float64(int(r.now.Sub(*mrs[0].MergedAt) / (24 * time.Hour)))
	}

	// Approvals: the most any rule requires of the default branch's merge
	// requests (each rule must be met, so the largest is the floor).
	var rules []struct {
		RuleType          string `json:"rule_type"`
		ApprovalsRequired int    `json:"approvals_required"`
		ProtectedBranches []struct {
			Name string `json:"name"`
		} `json:"protected_branches"`
		AppliesToAll bool `json:"applies_to_all_protected_branches"`
	}
	if _, err := cl.getJSON(ctx, base+"/approval_rules", nil, &rules); err != nil {
		if StatusOf(err) == http.StatusNotFound {
			// A GitLab without approval rules (the Free tier): none is required.
			props[PropRequiredApprovals] = float64(0)
		} else {
			failed("approval rules could not be read", err)
		}
	} else {
		n := 0
		for _, rule := range rules {
			if rule.RuleType == "report_approver" || rule.RuleType == "code_owner" {
				continue
			}
			applies := len(rule.ProtectedBranches) == 0 || rule.AppliesToAll
			for _, b := range rule.ProtectedBranches {
				applies = applies || b.Name == p.DefaultBranch
			}
			if applies {
				n = max(n, rule.ApprovalsRequired)
			}
		}
		props[PropRequiredApprovals] = float64(n)
	}

	// Code owners: the protected default branch's code-owner approval.
	if !br.Protected {
		props[PropCodeOwnerReview] = false
		return rec
	}
	var pb struct {
		CodeOwnerApprovalRequired bool `json:"code_owner_approval_required"`
	}
	_, err = cl.getJSON(ctx, base+"/protected_branches/"+url.PathEscape(p.DefaultBranch), nil, &pb)
	switch {
	case err == nil:
		props[PropCodeOwnerReview] = pb.CodeOwnerApprovalRequired
	case StatusOf(err) == http.StatusNotFound:
		props[PropCodeOwnerReview] = false // not protected
	default:
		failed("the protected branch could not be read", err)
	}
	return rec
}

// fileFacts are what the collector keeps of a commit's files.
type fileFacts struct {
	Readme        *string  `json:"readme,omitempty"`
	HasCodeowners bool     `json:"has_codeowners"`
	Teams         []string `json:"teams,omitempty"`
}

// files reads README and CODEOWNERS at commit, or takes them from the
// cache when they were read at that commit: a file that is absent answers
// 404, which has no ETag to revalidate, so without this every run would
// ask again for each CODEOWNERS place. ok is false when a file could not
// be read (its facts are then unknown).
func (r *run) files(ctx context.Context, p project, base, commit string, failed func(string, error)) (fileFacts, bool) {
	cl := r.c.Client
	key := "files " + base
	if commit != "" {
		if at, kept, ok, err := cl.cache.Get(ctx, key); err == nil && ok && at == commit {
			var f fileFacts
			if json.Unmarshal(kept, &f) == nil {
				return f, true
			}
		}
	}
	ref := url.Values{"ref": {p.DefaultBranch}}
	var f fileFacts
	// README: the list names it (readme_url, null without one); only its
	// path is taken from that URL, and read from this GitLab's API.
	if p.ReadmeURL != nil {
		if file := readmePath(*p.ReadmeURL, p.DefaultBranch); file != "" {
			body, _, err := cl.get(ctx, base+"/repository/files/"+url.PathEscape(file)+"/raw", ref)
			switch {
			case err == nil:
				text := string(body)
				f.Readme = &text
			case StatusOf(err) != http.StatusNotFound:
				failed("README could not be read", err)
				return f, false
			}
		}
	}
	// CODEOWNERS: the first of GitLab's places that holds one.
	for _, file := range codeownersPaths {
		body, _, err := cl.get(ctx, base+"/repository/files/"+url.PathEscape(file)+"/raw", ref)
		if StatusOf(err) == http.StatusNotFound {
			continue
		}
		if err != nil {
			failed("CODEOWNERS could not be read", err)
			return f, false
		}
		f.HasCodeowners, f.Teams = true, catchAllGroups(string(body), r.c.Group)
		break
	}
	if commit != "" {
		if b, err := json.Marshal(f); err == nil {
			if err := cl.cache.Put(ctx, key, commit, b); err != nil {
				cl.http.Log().Warn("gitlab: the cache could not be written", "err", err)
			}
		}
	}
	return f, true
}

// readmePath is the file path in a project's readme_url
// (…/-/blob/BRANCH/PATH), "" when the URL is not of that shape.
func readmePath(readmeURL, branch string) string {
	u, err := url.Parse(readmeURL)
	if err != nil {
		return ""
	}
	_, rest, ok := strings.Cut(u.Path, "/-/blob/"+branch+"/")
	if !ok || rest == "" || strings.Contains(rest, "..") {
		return ""
	}
	return rest
}
