package githubtest

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// The answers' shapes follow GitHub's OpenAPI description: every field
// its schemas require, with the types they declare.

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (s *Server) simpleUser(login string, id int64, typ string) map[string]any {
	api := s.URL + "/users/" + login
	return map[string]any{
		"login": login, "id": id, "node_id": fmt.Sprintf("MDQ6VXNlcj%d", id),
		"avatar_url": "https://avatars.githubusercontent.com/u/" + fmt.Sprint(id), "gravatar_id": "",
		"url": api, "html_url": "https://github.com/" + login,
		"followers_url": api + "/followers", "following_url": api + "/following{/other_user}",
		"gists_url": api + "/gists{/gist_id}", "starred_url": api + "/starred{/owner}{/repo}",
		"subscriptions_url": api + "/subscriptions", "organizations_url": api + "/orgs",
		"repos_url": api + "/repos", "events_url": api + "/events{/privacy}",
		"received_events_url": api + "/received_events", "type": typ, "site_admin": false,
		"user_view_type": "public",
	}
}

var repoURLs = map[string]string{
	"archive_url": "/{archive_format}{/ref}", "assignees_url": "/assignees{/user}", "blobs_url": "/git/blobs{/sha}",
	"branches_url": "/branches{/branch}", "collaborators_url": "/collaborators{/collaborator}", "comments_url": "/comments{/number}",
	"commits_url": "/commits{/sha}", "compare_url": "/compare/{base}...{head}", "contents_url": "/contents/{+path}",
	"contributors_url": "/contributors", "deployments_url": "/deployments", "downloads_url": "/downloads",
	"events_url": "/events", "forks_url": "/forks", "git_commits_url": "/git/commits{/sha}", "git_refs_url": "/git/refs{/sha}",
	"git_tags_url": "/git/tags{/sha}", "hooks_url": "/hooks", "issue_comment_url": "/issues/comments{/number}",
	"issue_events_url": "/issues/events{/number}", "issues_url": "/issues{/number}", "keys_url": "/keys{/key_id}",
	"labels_url": "/labels{/name}", "languages_url": "/languages", "merges_url": "/merges", "milestones_url": "/milestones{/number}",
	"notifications_url": "/notifications{?since,all,participating}", "pulls_url": "/pulls{/number}", "releases_url": "/releases{/id}",
	"stargazers_url": "/stargazers", "statuses_url": "/statuses/{sha}", "subscribers_url": "/subscribers",
	"subscription_url": "/subscription", "tags_url": "/tags", "teams_url": "/teams", "trees_url": "/git/trees{/sha}",
}

// minimalRepo is a repository in the organisation's list.
func (s *Server) minimalRepo(r *Repo, id identity) map[string]any {
	api := fmt.Sprintf("%s/repos/%s/%s", s.URL, r.org, r.Name)
	m := map[string]any{
		"id": r.id, "node_id": fmt.Sprintf("R_kgDO%d", r.id), "name": r.Name, "full_name": r.org + "/" + r.Name,
		"owner": s.simpleUser(r.org, 1, "Organization"), "private": r.Private, "html_url": "https://github.com/" + r.org + "/" + r.Name,
		"description": nullable(r.Description), "fork": r.Fork, "url": api,
		"git_url": "git://github.com/" + r.org + "/" + r.Name + ".git", "ssh_url": "git@github.com:" + r.org + "/" + r.Name + ".git",
		"clone_url": "https://github.com/" + r.org + "/" + r.Name + ".git", "svn_url": "https://github.com/" + r.org + "/" + r.Name,
		"homepage": nil, "language": "Go", "forks_count": 0, "stargazers_count": 0, "watchers_count": 0,
		"size": 0, "open_issues_count": 0, "is_template": false, "topics": append([]string{}, r.Topics...),
		"has_issues": true, "has_projects": true, "has_wiki": false, "has_pages": false, "has_downloads": true,
		"has_discussions": false, "archived": r.Archived, "disabled": false,
		"visibility": map[bool]string{true: "private", false: "public"}[r.Private],
		"pushed_at":  ts(r.PushedAt), "created_at": ts(r.created), "updated_at": ts(laterOf(r.PushedAt, r.renamed)),
		"allow_forking": true, "web_commit_signoff_required": false, "forks": 0, "open_issues": 0, "watchers": 0,
		"license": nil, "mirror_url": nil,
	}
	if !r.Empty {
		m["size"] = 100 + len(r.Files)
	}
	if !r.NoBranch {
		m["default_branch"] = r.DefaultBranch
	}
	if id.perms == nil {
		admin := !r.NotAdmin
		m["permissions"] = map[string]any{"admin": admin, "maintain": admin, "push": true, "triage": true, "pull": true}
	}
	for k, suffix := range repoURLs {
		m[k] = api + suffix
	}
	return m
}

// fullRepo is a repository as GET /repos/{o}/{r} and pull requests show it.
func (s *Server) fullRepo(r *Repo, id identity) map[string]any {
	m := s.minimalRepo(r, id)
	if _, ok := m["default_branch"]; !ok {
		m["default_branch"] = "main" // the schema requires one
	}
	return m
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func sha(parts ...string) string {
	sum := sha1.Sum([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}

// contentFile is a file from the contents and readme endpoints: base64 in
// lines of 60 characters, as GitHub sends it.
func (s *Server) contentFile(r *Repo, path, text string) map[string]any {
	enc := base64.StdEncoding.EncodeToString([]byte(text))
	var b strings.Builder
	for len(enc) > 60 {
		b.WriteString(enc[:60])
		b.WriteByte('\n')
		enc = enc[60:]
	}
	b.WriteString(enc)
	b.WriteByte('\n')
	h := sha(path, text)
	api := fmt.Sprintf("%s/repos/%s/%s/contents/%s?ref=%s", s.URL, r.org, r.Name, path, r.DefaultBranch)
	html := fmt.Sprintf("https://github.com/%s/%s/blob/%s/%s", r.org, r.Name, r.DefaultBranch, path)
	git := fmt.Sprintf("%s/repos/%s/%s/git/blobs/%s", s.URL, r.org, r.Name, h)
	name := path[strings.LastIndexByte(path, '/')+1:]
	return map[string]any{
		"type": "file", "encoding": "base64", "size": len(text), "name": name, "path": path,
		"content": b.String(), "sha": h, "url": api, "git_url": git, "html_url": html,
		"download_url": fmt.Sprintf("https://raw.githubusercontent.com/%s/%s/%s/%s", r.org, r.Name, r.DefaultBranch, path),
		"_links":       map[string]any{"self": api, "git": git, "html": html},
	}
}

func (s *Server) pullSimple(r *Repo, p Pull, id identity) map[string]any {
	api := fmt.Sprintf("%s/repos/%s/%s/pulls/%d", s.URL, r.org, r.Name, p.Number)
	issue := fmt.Sprintf("%s/repos/%s/%s/issues/%d", s.URL, r.org, r.Name, p.Number)
	html := fmt.Sprintf("https://github.com/%s/%s/pull/%d", r.org, r.Name, p.Number)
	user := s.simpleUser("dev", 7, "User")
	repo := s.fullRepo(r, id)
	ref := func(branch string) map[string]any {
		return map[string]any{"label": r.org + ":" + branch, "ref": branch, "sha": sha(r.Name, branch, fmt.Sprint(p.Number)), "user": user, "repo": repo}
	}
	state := "open"
	if p.ClosedAt != nil || p.MergedAt != nil {
		state = "closed"
	}
	var closed, merged, mergeSHA any
	if p.ClosedAt != nil {
		closed = ts(*p.ClosedAt)
	}
	if p.MergedAt != nil {
		merged = ts(*p.MergedAt)
		mergeSHA = sha(r.Name, "merge", fmt.Sprint(p.Number))
		if closed == nil {
			closed = merged
		}
	}
	link := func(h string) map[string]any { return map[string]any{"href": h} }
	return map[string]any{
		"url": api, "id": r.id*1000 + int64(p.Number), "node_id": fmt.Sprintf("PR_kwDO%d", p.Number), "html_url": html,
		"diff_url": html + ".diff", "patch_url": html + ".patch", "issue_url": issue, "commits_url": api + "/commits",
		"review_comments_url": api + "/comments", "review_comment_url": s.URL + "/repos/" + r.org + "/" + r.Name + "/pulls/comments{/number}",
		"comments_url": issue + "/comments", "statuses_url": s.URL + "/repos/" + r.org + "/" + r.Name + "/statuses/" + sha(r.Name, fmt.Sprint(p.Number)),
		"number": p.Number, "state": state, "locked": false, "title": fmt.Sprintf("Change %d", p.Number), "user": user,
		"body": nil, "labels": []any{}, "milestone": nil, "active_lock_reason": nil,
		"created_at": ts(p.CreatedAt), "updated_at": ts(p.UpdatedAt), "closed_at": closed, "merged_at": merged,
		"merge_commit_sha": mergeSHA, "assignee": nil, "assignees": []any{}, "requested_reviewers": []any{}, "requested_teams": []any{},
		"head": ref(fmt.Sprintf("change-%d", p.Number)), "base": ref(p.Base),
		"_links": map[string]any{
			"self": link(api), "html": link(html), "issue": link(issue), "comments": link(issue + "/comments"),
			"review_comments": link(api + "/comments"), "review_comment": link(s.URL + "/repos/" + r.org + "/" + r.Name + "/pulls/comments{/number}"),
			"commits": link(api + "/commits"), "statuses": link(s.URL + "/repos/" + r.org + "/" + r.Name + "/statuses/" + sha(r.Name, fmt.Sprint(p.Number))),
		},
		"author_association": "MEMBER", "auto_merge": nil, "draft": false,
	}
}

func (s *Server) team(r *Repo, t TeamAccess, i int) map[string]any {
	api := fmt.Sprintf("%s/organizations/1/team/%d", s.URL, 10+i)
	p := t.Permission
	return map[string]any{
		"id": 10 + i, "node_id": fmt.Sprintf("T_kwDO%d", 10+i), "url": api, "html_url": "https://github.com/orgs/" + r.org + "/teams/" + t.Slug,
		"name": t.Slug, "slug": t.Slug, "description": nil, "privacy": "closed", "notification_setting": "notifications_enabled",
		"permission": p, "members_url": api + "/members{/member}", "repositories_url": api + "/repos", "parent": nil, "type": "organization",
		"permissions": map[string]any{"admin": p == "admin", "maintain": p == "admin" || p == "maintain", "push": p != "pull" && p != "triage", "triage": p != "pull", "pull": true},
	}
}

// searchItem is a pull request as GET /search/issues finds it: an issue
// (issue-search-result-item) with a pull_request link and its merge time.
// name is the repository's name as the index knows it.
func (s *Server) searchItem(r *Repo, name string, p Pull) map[string]any {
	repoAPI := fmt.Sprintf("%s/repos/%s/%s", s.URL, r.org, name)
	issue := fmt.Sprintf("%s/issues/%d", repoAPI, p.Number)
	html := fmt.Sprintf("https://github.com/%s/%s/pull/%d", r.org, name, p.Number)
	state := "open"
	var closed, merged any
	if c := closedAt(p); c != nil {
		state, closed = "closed", ts(*c)
	}
	if p.MergedAt != nil {
		merged = ts(*p.MergedAt)
	}
	return map[string]any{
		"url": issue, "repository_url": repoAPI, "labels_url": issue + "/labels{/name}", "comments_url": issue + "/comments",
		"events_url": issue + "/events", "html_url": html, "id": r.id*1000 + int64(p.Number), "node_id": fmt.Sprintf("PR_kwDO%d", p.Number),
		"number": p.Number, "title": pullTitle(p), "user": s.simpleUser("dev", 7, "User"), "labels": []any{}, "state": state,
		"locked": false, "assignee": nil, "assignees": []any{}, "milestone": nil, "comments": 0,
		"created_at": ts(p.CreatedAt), "updated_at": ts(p.UpdatedAt), "closed_at": closed, "active_lock_reason": nil,
		"author_association": "MEMBER", "draft": false, "state_reason": nil, "score": 1.0, "timeline_url": issue + "/timeline",
		"pull_request": map[string]any{
			"url": fmt.Sprintf("%s/pulls/%d", repoAPI, p.Number), "html_url": html, "diff_url": html + ".diff", "patch_url": html + ".patch",
			"merged_at": merged,
		},
	}
}
