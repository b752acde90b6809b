package gitlab

import (
	"sort"
	"strings"
)

// catchAllGroups returns the groups that own every file by a GitLab
// CODEOWNERS file: the owners of the last catch-all rule ("*", "/*", "**",
// "/**") of each section, a rule without owners taking its section's
// default owners ("[Section] @owners"); sections all apply, so their
// groups are joined. Owners are kept when they are groups of the
// collector's group (@group/sub…), named by their path below it; users
// (@name) and email addresses are not groups.
func catchAllGroups(text, group string) []string {
	type section struct{ defaults, owners []string }
	var secs []*section
	cur := &section{}
	secs = append(secs, cur)
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") || strings.HasPrefix(line, "^[") {
			// [Name], ^[Optional], [Name][2] then default owners.
			end := strings.LastIndex(line, "]")
			cur = &section{defaults: strings.Fields(line[end+1:])}
			secs = append(secs, cur)
			continue
		}
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		switch f[0] {
		case "*", "/*", "**", "/**":
			cur.owners = f[1:]
			if len(cur.owners) == 0 {
				cur.owners = cur.defaults
			}
		}
	}
	prefix := strings.ToLower(group) + "/"
	seen := map[string]bool{}
	var out []string
	for _, s := range secs {
		for _, o := range s.owners {
			low := strings.ToLower(strings.TrimPrefix(o, "@"))
			if !strings.HasPrefix(o, "@") || !strings.HasPrefix(low, prefix) || len(low) == len(prefix) {
				continue
			}
			g := low[len(prefix):]
			if !seen[g] {
				seen[g] = true
				out = append(out, g)
			}
		}
	}
	sort.Strings(out)
	return out
}
