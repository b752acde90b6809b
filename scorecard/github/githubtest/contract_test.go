package githubtest_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/emulator"
	"github.com/prodready/prodready/scorecard/emulator/openapi"
	"github.com/prodready/prodready/scorecard/github"
	"github.com/prodready/prodready/scorecard/github/githubtest"
)

// Latitude the contract test allows, each a fact of GitHub's documentation
// that its description does not show per operation:
//   - any endpoint may answer 401 (bad credentials), 404 (a resource these
//     credentials cannot see, such as an unknown organisation), 403 (a missing
//     permission, or a rate limit), 409 (an empty repository, on content
//     endpoints), 429 (a secondary limit) and 5xx, all with GitHub's error
//     body, basic-error;
//   - a renamed repository's endpoints answer 301 (documented on GET
//     /repos/{owner}/{repo}) to /repositories/{id}/..., the same operation
//     under the repository's id.
var anyEndpointStatus = map[int]bool{401: true, 403: true, 404: true, 409: true, 429: true, 500: true, 502: true, 503: true}

var byID = regexp.MustCompile(`^/repositories/\d+`)

func checkExchange(t *testing.T, v *openapi.Spec, r emulator.Request) string {
	t.Helper()
	path := byID.ReplaceAllString(r.Path, "/repos/acme/renamed")
	tmpl, op := v.Operation(r.Method, path)
	name := fmt.Sprintf("%s %s (%d)", r.Method, r.Path, r.Status)
	if op == nil {
		t.Errorf("%s: no such operation in GitHub's OpenAPI", name)
		return ""
	}
	// Query parameters must be declared.
	var params []any
	if ps, ok := op["parameters"].([]any); ok {
		params = ps
	}
	for key, vals := range r.Query {
		var schema map[string]any
		for _, p := range params {
			pm := v.Deref(p)
			if pm["in"] == "query" && pm["name"] == key {
				schema = v.Deref(pm["schema"])
			}
		}
		if schema == nil {
			t.Errorf("%s: query parameter %q is not in the spec", name, key)
			continue
		}
		for _, val := range vals {
			var x any = val
			if schema["type"] == "integer" {
				n, err := strconv.Atoi(val)
				if err != nil {
					t.Errorf("%s: %s=%q is not an integer", name, key, val)
					continue
				}
				x = float64(n)
			}
			if errs := v.Validate(schema, x, "query."+key); len(errs) > 0 {
				t.Errorf("%s: %s", name, strings.Join(errs, "; "))
			}
		}
	}
	if r.Status == http.StatusNotModified {
		if _, ok := openapi.Dig(op, "responses", "304").(map[string]any); !ok && r.Header.Get("If-None-Match") == "" {
			t.Errorf("%s: a 304 to a request without If-None-Match", name)
		}
		if len(r.Response) != 0 {
			t.Errorf("%s: a 304 with a body", name)
		}
		return tmpl
	}
	var body any
	if err := json.Unmarshal(r.Response, &body); err != nil {
		t.Errorf("%s: the answer is not JSON: %v", name, err)
		return tmpl
	}
	code := strconv.Itoa(r.Status)
	resp := v.Deref(openapi.Dig(op, "responses", code))
	var schema map[string]any
	switch {
	case resp != nil:
		schema, _ = openapi.Dig(resp, "content", "application/json", "schema").(map[string]any)
	case r.Status == 301 || anyEndpointStatus[r.Status]:
		schema = map[string]any{"$ref": "#/components/schemas/basic-error"}
	default:
		t.Errorf("%s: the spec has no answer %s for %s %s", name, code, r.Method, tmpl)
		return tmpl
	}
	if schema == nil {
		t.Errorf("%s: the spec's answer %s has no JSON schema", name, code)
		return tmpl
	}
	if r.Status >= 300 {
		// GitHub's errors always carry both fields, though basic-error requires neither.
		if m, _ := body.(map[string]any); m["message"] == nil || m["documentation_url"] == nil {
			t.Errorf("%s: the error lacks message or documentation_url: %s", name, r.Response)
		}
	}
	if errs := v.Validate(schema, body, "answer"); len(errs) > 0 {
		if len(errs) > 8 {
			errs = append(errs[:8], fmt.Sprintf("… %d more", len(errs)-8))
		}
		t.Errorf("%s: the answer does not match GitHub's OpenAPI:\n  %s", name, strings.Join(errs, "\n  "))
	}
	return tmpl
}

// The client's traffic through the emulator, on every endpoint it uses, in
// success and in error, matches GitHub's OpenAPI.
func TestContractWithGitHubOpenAPI(t *testing.T) {
	v := openapi.Load(t, "github/openapi.json")
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv := githubtest.NewServer(githubtest.WithRecordBodies(), githubtest.WithApp(githubtest.App{ID: 5, Key: &key.PublicKey,
		Installations: map[int64]map[string]string{9: {"contents": "read", "metadata": "read", "pull_requests": "read", "administration": "read"}}}))
	defer srv.Close()
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	day := func(d int) *time.Time { t := now.AddDate(0, 0, -d); return &t }
	for i := range 130 { // two pages of the org's list
		r := githubtest.Repo{Name: fmt.Sprintf("svc-%03d", i), Topics: []string{"go"}, Description: "a service",
			Files:      map[string]string{"README.md": "# svc\n", ".github/CODEOWNERS": "* @acme/team\n"},
			Protection: &githubtest.Protection{RequiredApprovals: 1, CodeOwnerReviews: true},
			Rules:      []githubtest.Rule{{Type: "pull_request", RequiredApprovals: 2}, {Type: "deletion"}, {Type: "non_fast_forward"}},
			Pulls:      []githubtest.Pull{{Number: 1, CreatedAt: *day(9), UpdatedAt: *day(8), MergedAt: day(8)}, {Number: 2, CreatedAt: *day(3), UpdatedAt: *day(3)}, {Number: 3, CreatedAt: *day(5), UpdatedAt: *day(4), ClosedAt: day(4)}},
		}
		switch i {
		case 1:
			r.Files = map[string]string{"CODEOWNERS": "/x @acme/a\n"} // no README, root CODEOWNERS without catch-all
			r.Teams = []githubtest.TeamAccess{{Slug: "a", Permission: "admin"}, {Slug: "b", Permission: "push"}}
			r.Protection = nil
		case 2:
			r.Empty, r.Files, r.Pulls = true, nil, nil
		case 3:
			r.Archived = true
		case 4, 7: // too few on this branch for the search: asked per repository
			r.DefaultBranch = "trunk"
		}
		srv.AddRepo("acme", r)
	}
	// Closed pull requests over several pages, none merged recently.
	srv.UpdateRepo("acme", "svc-004", func(r *githubtest.Repo) {
		for n := range 70 {
			r.Pulls = append(r.Pulls, githubtest.Pull{Number: 10 + n, CreatedAt: *day(2), UpdatedAt: *day(1), ClosedAt: day(1)})
		}
	})
	srv.Inject(emulator.Fault{Path: "/repos/acme/svc-005/branches/main/protection", Status: 403})
	srv.Inject(emulator.Fault{Path: "/repos/acme/svc-006/readme", Status: 403, Message: githubtest.SecondaryRateLimit, RetryAfter: "0"})
	srv.Inject(emulator.Fault{Path: "/repos/acme/svc-007/pulls", Status: 502})

	cl, err := github.New(github.Config{BaseURL: srv.URL, App: &github.App{ID: 5, InstallationID: 9, Key: key}, RetryWait: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c := &github.Collector{Client: cl, Org: "acme", IncludeArchived: true}
	ctx := context.Background()
	if _, err := c.Collect(ctx, now); err != nil {
		t.Fatal(err)
	}
	srv.RenameRepo("acme", "svc-010", "renamed")
	if _, err := c.Collect(ctx, now); err != nil { // 304s
		t.Fatal(err)
	}
	// A push without a change to the README: asked again, answered 304.
	srv.UpdateRepo("acme", "svc-020", func(r *githubtest.Repo) { r.PushedAt = now })
	if _, err := c.Collect(ctx, now); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Readme(ctx, "acme", "svc-010"); err != nil { // 301
		t.Fatal(err)
	}
	// Errors the client meets.
	bad, _ := github.New(github.Config{BaseURL: srv.URL, Token: "nope"})
	if _, err := (&github.Collector{Client: bad, Org: "acme"}).Collect(ctx, now); err == nil {
		t.Fatal("bad token accepted")
	}
	if _, err := (&github.Collector{Client: cl, Org: "none"}).Collect(ctx, now); err == nil {
		t.Fatal("unknown org accepted")
	}
	badInst, _ := github.New(github.Config{BaseURL: srv.URL, App: &github.App{ID: 5, InstallationID: 10, Key: key}})
	if _, err := badInst.Readme(ctx, "acme", "svc-000"); err == nil {
		t.Fatal("unknown installation accepted")
	}
	// The search's refusals: no q, past the first 1,000 results, a
	// secondary limit, its own budget spent.
	searchURL := srv.URL + "/search/issues?q=org%3Aacme+is%3Apr&per_page=100"
	get(t, srv.URL+"/search/issues?sort=updated")
	get(t, searchURL+"&page=11")
	srv.Inject(emulator.Fault{Path: "/search/issues", Status: 403, Message: githubtest.SecondaryRateLimit, RetryAfter: "60"})
	get(t, searchURL)
	srv.SetSearchRate(0, time.Now().Add(time.Minute))
	get(t, searchURL)
	srv.SetRate(0, time.Now().Add(time.Hour))
	if _, err := bad.Readme(ctx, "acme", "svc-000"); err == nil {
		t.Fatal("spent budget accepted")
	}
	raw, _ := http.Get(srv.URL + "/orgs/acme/repos?per_page=100&page=1") // the 403 "API rate limit exceeded"
	raw.Body.Close()

	covered := map[string]bool{}
	for _, r := range srv.Requests() {
		if tmpl := checkExchange(t, v, r); tmpl != "" {
			covered[fmt.Sprintf("%s %s %d", r.Method, tmpl, r.Status)] = true
		}
	}
	for _, want := range []string{
		"POST /app/installations/{installation_id}/access_tokens 201", "POST /app/installations/{installation_id}/access_tokens 404",
		"GET /orgs/{org}/repos 200", "GET /orgs/{org}/repos 304", "GET /orgs/{org}/repos 401", "GET /orgs/{org}/repos 404", "GET /orgs/{org}/repos 403",
		"GET /repos/{owner}/{repo}/readme 200", "GET /repos/{owner}/{repo}/readme 304", "GET /repos/{owner}/{repo}/readme 404",
		"GET /repos/{owner}/{repo}/readme 409", "GET /repos/{owner}/{repo}/readme 403", "GET /repos/{owner}/{repo}/readme 301",
		"GET /repos/{owner}/{repo}/pulls 200", "GET /repos/{owner}/{repo}/pulls 502",
		"GET /repos/{owner}/{repo}/branches/{branch}/protection 200", "GET /repos/{owner}/{repo}/branches/{branch}/protection 304",
		"GET /repos/{owner}/{repo}/branches/{branch}/protection 404", "GET /repos/{owner}/{repo}/branches/{branch}/protection 403",
		"GET /repos/{owner}/{repo}/rules/branches/{branch} 200", "GET /repos/{owner}/{repo}/rules/branches/{branch} 304",
		"GET /search/issues 200", "GET /search/issues 422", "GET /search/issues 403",
		"GET /repos/{owner}/{repo}/teams 200", "GET /repos/{owner}/{repo}/contents/{path} 200", "GET /repos/{owner}/{repo}/contents/{path} 404",
	} {
		if !covered[want] {
			t.Errorf("the contract test never exercised %s", want)
		}
	}
}

// The validator rejects what GitHub would not send, so that the contract
// test can fail.
func TestContractValidatorRejectsDrift(t *testing.T) {
	v := openapi.Load(t, "github/openapi.json")
	ref := func(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }
	cases := []openapi.Case{
		{Name: "error", Schema: ref("basic-error"), JSON: `{"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}`, Valid: true},
		{Name: "error: message a number", Schema: ref("basic-error"), JSON: `{"message": 404}`, Valid: false},
		{Name: "token", Schema: ref("installation-token"), JSON: `{"token": "ghs_x", "expires_at": "2026-01-01T00:00:00Z"}`, Valid: true},
		{Name: "token: no expiry", Schema: ref("installation-token"), JSON: `{"token": "ghs_x"}`, Valid: false},
		{Name: "team: bad type", Schema: ref("team"), JSON: `{"id": 1, "node_id": "x", "url": "u", "members_url": "u", "name": "n", "description": null, "permission": "admin", "html_url": "u", "repositories_url": "u", "slug": "s", "parent": null, "type": "club"}`, Valid: false},
		{Name: "rule: count not an integer", Schema: ref("repository-rule-detailed"), JSON: `{"type": "pull_request", "parameters": {"dismiss_stale_reviews_on_push": false, "require_code_owner_review": false, "require_last_push_approval": false, "required_approving_review_count": "2", "required_review_thread_resolution": false}}`, Valid: false},
		{Name: "rule", Schema: ref("repository-rule-detailed"), JSON: `{"type": "pull_request", "ruleset_id": 1, "parameters": {"dismiss_stale_reviews_on_push": false, "require_code_owner_review": false, "require_last_push_approval": false, "required_approving_review_count": 2, "required_review_thread_resolution": false}}`, Valid: true},
		{Name: "content file without content", Schema: ref("content-file"), JSON: `{"type": "file", "encoding": "base64", "size": 1, "name": "a", "path": "a", "sha": "s", "url": "u", "git_url": null, "html_url": null, "download_url": null, "_links": {"git": null, "html": null, "self": "u"}}`, Valid: false},
	}
	v.RunCases(t, cases)
}
