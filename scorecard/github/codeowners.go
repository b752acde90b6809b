package github

import (
	"sort"
	"strings"
)

// codeownersPaths are where GitHub looks for CODEOWNERS, in its order of
// precedence, which is also the order of how often they are used.
var codeownersPaths = []string{".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"}

// catchAllTeams returns the team slugs of org that the catch-all rule of a
// CODEOWNERS file names: the last rule whose pattern is "*" (or "/*",
// "**", "/**"), since in CODEOWNERS the last matching rule wins. Users and
// email addresses are not teams; teams of another organisation are left out.
func catchAllTeams(text, org string) []string {
	var owners []string
	found := false
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "*", "/*", "**", "/**":
			owners, found = f[1:], true
		}
	}
	if !found {
		return nil
	}
	seen := map[string]bool{}
	var teams []string
	for _, o := range owners {
		if !strings.HasPrefix(o, "@") {
			continue
		}
		owner, slug, ok := strings.Cut(o[1:], "/")
		if !ok || slug == "" || !strings.EqualFold(owner, org) {
			continue
		}
		slug = strings.ToLower(slug)
		if !seen[slug] {
			seen[slug] = true
			teams = append(teams, slug)
		}
	}
	sort.Strings(teams)
	return teams
}
