package gate

import (
	"fmt"
	"io"
	"strings"

	"github.com/prodready/prodready/scorecard"
)

// slugAnnotation is Backstage's annotation naming a component's GitHub
// repository; catalogs that keep annotations as properties carry it either
// as a property of that name or in an "annotations" object.
const slugAnnotation = "github.com/project-slug"

// repositoryKeys are the property and relation names that commonly hold a
// service's repository (Port's GitHub integration, hand-written catalogs).
var repositoryKeys = []string{"repository", "repo", "github_repository", "githubRepository", "repository_url", "repositoryUrl"}

// NormalizeRepo reduces a repository reference (owner/name, a github.com
// URL, with or without .git) to lower-case owner/name, or to name alone
// when that is all it holds.
func NormalizeRepo(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, p := range []string{"https://", "http://", "ssh://", "git@", "www."} {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.TrimPrefix(s, "github.com/")
	s = strings.TrimPrefix(s, "github.com:")
	s = strings.TrimSuffix(strings.TrimSuffix(s, "/"), ".git")
	return s
}

// SelectRepository finds the services of a GitHub repository (owner/name):
// first those whose project-slug annotation or repository property or
// relation names owner/name (a monorepo may hold several), else the one
// whose repository relation names only the repository, else the service
// identified by the repository's name.
func SelectRepository(stderr io.Writer, cat *scorecard.Catalog, repo string) ([]int, bool) {
	want := NormalizeRepo(repo)
	owner, name, ok := strings.Cut(want, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		fmt.Fprintf(stderr, "prodready check: --repository %q is not OWNER/NAME (like octo-org/payments-api)\n", repo)
		return nil, false
	}
	tiers := [3][]int{} // full slug, bare name in a repository field, identifier
	how := map[int]string{}
	for i := range cat.Entities {
		ent := &cat.Entities[i]
		best := -1
		for _, ref := range repoRefs(ent) {
			t := -1
			switch NormalizeRepo(ref.value) {
			case want:
				t = 0
			case name:
				t = 1
			}
			if t >= 0 && (best < 0 || t < best) {
				best, how[i] = t, ref.where
			}
		}
		if best >= 0 {
			tiers[best] = append(tiers[best], i)
			continue
		}
		if strings.EqualFold(ent.Identifier, name) {
			tiers[2] = append(tiers[2], i)
		}
	}
	for t, found := range tiers {
		if len(found) == 0 {
			continue
		}
		found = uniqInts(found)
		ids := make([]string, len(found))
		for k, i := range found {
			ids[k] = cat.Entities[i].Identifier
			if t < 2 {
				ids[k] += " (" + how[i] + ")"
			} else {
				ids[k] += " (identifier = repository name)"
			}
		}
		fmt.Fprintf(stderr, "prodready: repository %s: %s\n", repo, logData(strings.Join(ids, ", ")))
		return found, true
	}
	fmt.Fprintf(stderr, "prodready check: no service belongs to repository %s: none has the %s annotation, a repository property or relation naming it, or the identifier %q%s\n", repo, slugAnnotation, name, didYouMean(cat.Suggest(name, 3)))
	return nil, false
}

type repoRef struct{ where, value string }

// repoRefs are the places of an entity that may name its repository.
func repoRefs(ent *scorecard.Entity) []repoRef {
	var out []repoRef
	add := func(where string, v any) {
		switch v := v.(type) {
		case string:
			if v != "" {
				out = append(out, repoRef{where, v})
			}
		case []any: // a many-relation
			for _, x := range v {
				if s, ok := x.(string); ok && s != "" {
					out = append(out, repoRef{where, s})
				}
			}
		}
	}
	add("annotation "+slugAnnotation, ent.Properties[slugAnnotation])
	if ann, ok := ent.Properties["annotations"].(map[string]any); ok {
		add("annotation "+slugAnnotation, ann[slugAnnotation])
	}
	for _, k := range repositoryKeys {
		add("property "+k, ent.Properties[k])
		add("relation "+k, ent.Relations[k])
	}
	return out
}

func uniqInts(list []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, v := range list {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
