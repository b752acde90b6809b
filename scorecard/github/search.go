package github

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// The last merge into each default branch, read for many repositories at
// once through GitHub's issue search rather than one /pulls request per
// repository.
//
// One search per default branch name: org:ORG is:pr is:merged base:BRANCH,
// newest updated first. A pull request is updated when it is merged, so
// updated_at ≥ merged_at: once the items read reach down to updated_at U,
// no item further down can hold a merge newer than U, and a repository
// whose best merge seen is at or after U is settled. When every result was
// read, a repository without one has never had a pull request merged into
// that branch. The rest fall back to the per-repository request.

const (
	// searchMinRepos: below this many repositories on one branch name, a
	// request per repository costs no more than the pages of a search.
	searchMinRepos = 20
	// searchLag is how far GitHub's search index may trail a merge. A
	// repository pushed to since then may hold a merge the search does
	// not show yet, so it is asked directly: the answer is kept until its
	// next push, and a stale one would stay.
	searchLag = 15 * time.Minute
	// searchPerPage and searchMaxPages: GitHub serves at most 100 results
	// a page and the first 1,000 of a search.
	searchPerPage  = 100
	searchMaxPages = 10
	// searchMinGain: a page that settles fewer new repositories than this
	// costs more than the requests it saves.
	searchMinGain = 2
)

// errIncomplete: the search timed out on GitHub's side; what it returned
// may lack any match, so none of it settles anything.
var errIncomplete = errors.New("GitHub's search timed out before it found every match (incomplete_results)")

// errUnsorted: the results did not come newest update first, as asked.
// Settling a repository relies on that order (nothing below an item was
// updated after it), so such an answer settles nothing.
var errUnsorted = errors.New("the results were not sorted by update, newest first, as asked")

// searchItem is what the collector reads of one search result.
type searchItem struct {
	ID            int64     `json:"id"`
	RepositoryURL string    `json:"repository_url"`
	UpdatedAt     time.Time `json:"updated_at"`
	PullRequest   *struct {
		MergedAt *time.Time `json:"merged_at"`
	} `json:"pull_request"`
}

type searchPage struct {
	TotalCount int          `json:"total_count"`
	Incomplete bool         `json:"incomplete_results"`
	Items      []searchItem `json:"items"`
}

// searchMerges settles, by search, the last merge of the repositories
// whose snapshot is stale: by repository id, nil for none. A repository
// it leaves out is read per repository. A failed search costs its branch
// one warning and nothing else.
func (r *run) searchMerges(ctx context.Context, repos []repoItem, snaps []snapState) map[int64]*time.Time {
	groups := map[string][]repoItem{}
	var order []string
	for i, it := range repos {
		if snaps[i].fresh || it.DefaultBranch == "" || it.PushedAt == nil {
			continue
		}
		if !r.settledInIndex(it) {
			continue // ask the repository
		}
		if groups[it.DefaultBranch] == nil {
			order = append(order, it.DefaultBranch)
		}
		groups[it.DefaultBranch] = append(groups[it.DefaultBranch], it)
	}
	out := map[int64]*time.Time{}
	for _, branch := range order {
		group := groups[branch]
		if len(group) < searchMinRepos || !searchable(branch) {
			continue
		}
		settled, pages, err := r.searchBranch(ctx, branch, group)
		if err != nil {
			if ctx.Err() != nil {
				return out
			}
			for _, it := range group {
				r.note("search", it.FullName, err)
			}
			continue
		}
		r.cl.log.Debug("github: last merges read through the issue search", "branch", branch, "repositories", len(group), "settled", len(settled), "pages", pages)
		for id, m := range settled {
			out[id] = m
		}
	}
	return out
}

// settledInIndex reports whether the search index has caught up with the
// repository: no push (a merge is one) and no change to the repository
// itself (a rename or a transfer, which the index learns late too) within
// the index's lag.
func (r *run) settledInIndex(it repoItem) bool {
	for _, v := range []*string{it.PushedAt, it.UpdatedAt} {
		if v == nil {
			continue
		}
		t, err := time.Parse(time.RFC3339, *v)
		if err != nil || !t.Before(r.now.Add(-searchLag)) {
			return false
		}
	}
	return it.PushedAt != nil
}

// searchBranch pages through the merged pull requests into branch, newest
// updated first, and returns the repositories of group it settles.
func (r *run) searchBranch(ctx context.Context, branch string, group []repoItem) (map[int64]*time.Time, int, error) {
	byName := make(map[string]repoItem, len(group))
	for _, it := range group {
		byName[strings.ToLower(it.FullName)] = it
	}
	best := map[string]time.Time{} // lower-case full name → newest merge seen
	seen := map[int64]bool{}
	settled := map[int64]*time.Time{}
	settle := func(it repoItem, m *time.Time) bool {
		if _, done := settled[it.ID]; done {
			return false
		}
		if m != nil {
			t := *m
			m = &t
		}
		settled[it.ID] = m
		return true
	}
	var floor time.Time // the oldest updated_at read so far
	// The results moved while paged: an item came twice (one was added or
	// updated above), or the count changed (one was removed, and the item
	// below it slipped onto a page already read). Then what was not found
	// is no proof of anything.
	shifted := false
	total := -1
	u := "/search/issues"
	q := url.Values{
		"q":    {fmt.Sprintf("org:%s is:pr is:merged base:%s", r.c.Org, branch)},
		"sort": {"updated"}, "order": {"desc"}, "per_page": {fmt.Sprint(searchPerPage)},
	}
	for page := 1; ; page++ {
		var ans searchPage
		next, err := r.cl.getJSONFor(ctx, request{url: u, query: q, resource: resourceSearch, fallible: true}, &ans)
		if err != nil {
			return nil, page, fmt.Errorf("search the merged pull requests into %s (page %d): %w", branch, page, err)
		}
		if ans.Incomplete {
			return nil, page, fmt.Errorf("search the merged pull requests into %s (page %d): %w", branch, page, errIncomplete)
		}
		if total >= 0 && ans.TotalCount != total {
			shifted = true
		}
		total = ans.TotalCount
		for _, it := range ans.Items {
			if seen[it.ID] {
				shifted = true
				continue
			}
			seen[it.ID] = true
			if !floor.IsZero() && it.UpdatedAt.After(floor) {
				return nil, page, fmt.Errorf("search the merged pull requests into %s (page %d): %w", branch, page, errUnsorted)
			}
			if floor.IsZero() || it.UpdatedAt.Before(floor) {
				floor = it.UpdatedAt
			}
			if it.PullRequest == nil || it.PullRequest.MergedAt == nil {
				continue
			}
			name := repoOfURL(it.RepositoryURL)
			if cur, ok := best[name]; !ok || it.PullRequest.MergedAt.After(cur) {
				best[name] = *it.PullRequest.MergedAt
			}
		}
		gain := 0
		for name, m := range best {
			if it, ok := byName[name]; ok && !m.Before(floor) && settle(it, &m) {
				gain++
			}
		}
		if next == "" {
			// Every result read, none twice: what was not found does not exist.
			if !shifted && len(seen) == ans.TotalCount && ans.TotalCount <= searchPerPage*searchMaxPages {
				for name, it := range byName {
					if m, ok := best[name]; ok {
						settle(it, &m)
					} else if r.seesPulls(it) {
						settle(it, nil)
					}
				}
			}
			return settled, page, nil
		}
		if page >= searchMaxPages || gain < searchMinGain {
			return settled, page, nil
		}
		u, q = next, nil // the next link carries its own query
	}
}

// seesPulls reports whether the search would show the repository's pull
// requests: a public repository's are shown to anyone; a private one's
// only to an installation granted Pull requests (a personal token's
// scopes are not known here). Where it would not, no result is no proof
// of no merge.
func (r *run) seesPulls(it repoItem) bool {
	if level, known := r.cl.Permission("pull_requests"); known {
		return level != "" || !it.Private
	}
	return !it.Private
}

// searchable reports whether a branch name can stand in a query as it is:
// a name with characters the query syntax reads otherwise (quotes,
// parentheses) is left to the per-repository requests.
func searchable(branch string) bool {
	for _, c := range branch {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._/-", c)) {
			return false
		}
	}
	return branch != ""
}

// repoOfURL is the lower-case owner/name of a repository's API URL.
func repoOfURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 2 {
		return ""
	}
	return strings.ToLower(parts[len(parts)-2] + "/" + parts[len(parts)-1])
}
