package gate

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/prodready/prodready/scorecard"
)

// GitHub shows at most this many error and this many warning annotations
// of one step; the rest are dropped without a word.
const maxAnnotations = 10

var (
	ghDataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	ghPropertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

// ghData escapes a workflow command's message as the runner unescapes it.
func ghData(s string) string { return ghDataEscaper.Replace(s) }

// ghProperty escapes a workflow command's property value: the message's
// escapes plus the separators of the property list.
func ghProperty(s string) string { return ghPropertyEscaper.Replace(s) }

// Places says where the catalog and the scorecards are, so that GitHub's
// annotations point at the line that defines the service or the rule
// when that file is in the workspace (GITHUB_WORKSPACE).
type Places struct {
	Workspace  string
	Catalog    string
	Scorecards []string
}

// annotation is one workflow command, ordered by importance: lowest rule
// level first, then the service's level, then service and rule.
type annotation struct {
	rank, level  int
	entity, rule string
	sc           int // the scorecard's index, after rule: no two compare equal
	title, msg   string
	file         string // workspace-relative, "" for none
	line         int
	needle       string // the service's identifier, to find its line
}

func compareAnnotations(a, b annotation) int {
	return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.level, b.level), cmp.Compare(a.entity, b.entity), cmp.Compare(a.rule, b.rule), cmp.Compare(a.sc, b.sc))
}

// keepBest adds a to the at most maxAnnotations most important in list,
// so that memory does not grow with the number of failing rules.
func keepBest(list []annotation, a annotation) []annotation {
	i, _ := slices.BinarySearchFunc(list, a, compareAnnotations)
	if i >= maxAnnotations {
		return list
	}
	list = slices.Insert(list, i, a)
	if len(list) > maxAnnotations {
		list = list[:maxAnnotations]
	}
	return list
}

// ghPart is what --format github says of some services: the most
// important annotations of each kind, and how many there are.
type ghPart struct {
	errs, warns               []annotation
	drops, nerr, nwarn, below int // below: services under the bar
}

// merge adds q's annotations and counts to p's.
func (p *ghPart) merge(q *ghPart) {
	for _, a := range q.errs {
		p.errs = keepBest(p.errs, a)
	}
	for _, a := range q.warns {
		p.warns = keepBest(p.warns, a)
	}
	p.drops, p.nerr, p.nwarn, p.below = p.drops+q.drops, p.nerr+q.nerr, p.nwarn+q.nwarn, p.below+q.below
}

// WriteGitHub writes workflow annotations within GitHub's limits: the 10
// most important errors (a level that dropped since the baseline, then a
// rule that fails the check, lowest level first) and the 10 most
// important warnings (other failing rules), a line saying how many more
// there are, and a closing notice with the counts.
func (c *Run) WriteGitHub(w io.Writer) error {
	p := c.github()
	return writeGitHub(w, &p, c.places, c.headline())
}

// github collects the annotations of the run's services.
func (c *Run) github() ghPart {
	var p ghPart
	for _, g := range c.regressions {
		if g.Rule == "" {
			p.drops++
			p.errs = keepBest(p.errs, annotation{rank: -1, entity: g.Entity,
				title: g.Entity + ": " + g.ScorecardTitle + " dropped to " + g.To, msg: g.String(), needle: g.Entity})
		}
	}
	below := -1
	c.results(func(ei, si int, r scorecard.Result) {
		if c.below(r, si) && below != ei {
			below = ei
			p.below++
		}
		for _, ri := range r.Failing() {
			rule := &r.Scorecard.Rules[ri]
			list := &p.warns
			if c.gates(r, si, ri) {
				list = &p.errs
				p.nerr++
			} else {
				p.nwarn++
			}
			a := annotation{rank: rule.Rank, level: r.Level, entity: r.Entity.Identifier, sc: si, rule: rule.Identifier, needle: r.Entity.Identifier}
			if !wouldKeep(*list, a) {
				continue // its texts are made only for the ones shown
			}
			a.title = fmt.Sprintf("%s: %s (%s)", r.Entity.Identifier, rule.Name(), rule.Level)
			a.msg = fmt.Sprintf("%s is %s on %s; the %s rule %s fails", r.Entity.Identifier, r.LevelName(), r.Scorecard.Name(), rule.Level, rule.Identifier)
			if reasons := r.Reasons(ri); len(reasons) > 0 {
				a.msg += ": " + strings.Join(reasons, "; ")
			}
			if rule.Description != "" {
				a.msg += "\n" + rule.Description
			}
			*list = keepBest(*list, a)
		}
	})
	return p
}

// writeGitHub writes p's annotations, where places says, and the notices.
func writeGitHub(w io.Writer, p *ghPart, places Places, headline string) error {
	places.locate(p.errs)
	places.locate(p.warns)
	var b strings.Builder
	for _, list := range []struct {
		kind string
		as   []annotation
	}{{"error", p.errs}, {"warning", p.warns}} {
		for _, a := range list.as {
			fmt.Fprintf(&b, "::%s ", list.kind)
			if a.file != "" {
				fmt.Fprintf(&b, "file=%s,", ghProperty(a.file))
				if a.line > 0 {
					fmt.Fprintf(&b, "line=%d,", a.line)
				}
			}
			fmt.Fprintf(&b, "title=%s::%s\n", ghProperty(a.title), ghData(a.msg))
		}
	}
	if moreErr, moreWarn := p.drops+p.nerr-len(p.errs), p.nwarn-len(p.warns); moreErr+moreWarn > 0 {
		fmt.Fprintf(&b, "::notice title=prodready::%s\n", ghData(fmt.Sprintf("%s and %s more than GitHub shows (%d of each): see the job summary", scorecard.Plural(moreErr, "error"), scorecard.Plural(moreWarn, "warning"), maxAnnotations)))
	}
	fmt.Fprintf(&b, "::notice title=prodready::%s\n", ghData(headline+fmt.Sprintf(" (%s, %s)", scorecard.Plural(p.nerr, "failing rule"), scorecard.Plural(p.nwarn, "warning"))))
	_, err := io.WriteString(w, b.String())
	return err
}

// wouldKeep reports whether keepBest would keep a, before a's texts are
// made.
func wouldKeep(list []annotation, a annotation) bool {
	if len(list) < maxAnnotations {
		return true
	}
	return compareAnnotations(a, list[len(list)-1]) < 0
}

// locate sets file and line on the annotations: the line of the service
// in the catalog when the catalog is a file in the workspace, else the
// line of the rule in a scorecards file in the workspace.
func (p Places) locate(as []annotation) {
	if p.Workspace == "" || len(as) == 0 {
		return
	}
	if rel, ok := p.inWorkspace(p.Catalog); ok {
		lines := findLines(p.Catalog, func(a annotation) string { return a.needle }, as)
		for i := range as {
			as[i].file, as[i].line = rel, lines[i]
		}
		return
	}
	for _, sc := range p.Scorecards {
		rel, ok := p.inWorkspace(sc)
		if !ok {
			continue
		}
		lines := findLines(sc, func(a annotation) string { return a.rule }, as)
		for i := range as {
			if as[i].file == "" && as[i].rule != "" && lines[i] > 0 {
				as[i].file, as[i].line = rel, lines[i]
			}
		}
	}
}

// inWorkspace is path relative to the workspace, when it is a regular file
// inside it.
func (p Places) inWorkspace(path string) (string, bool) {
	if path == "" {
		return "", false
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	ws, err := filepath.Abs(p.Workspace)
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(ws, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	if st, err := os.Stat(abs); err != nil || !st.Mode().IsRegular() {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// findLines finds, in one pass over the file, the first line that names
// each annotation's identifier (as JSON or YAML writes an "identifier"),
// 0 where none does.
func findLines(path string, key func(annotation) string, as []annotation) []int {
	lines := make([]int, len(as))
	f, err := os.Open(path)
	if err != nil {
		return lines
	}
	defer f.Close()
	want := map[string][]int{}
	for i, a := range as {
		if k := key(a); k != "" {
			want[k] = append(want[k], i)
		}
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	for n := 1; sc.Scan() && len(want) > 0; n++ {
		line := sc.Text()
		if !strings.Contains(line, "identifier") {
			continue
		}
		for id, is := range want {
			if namesIdentifier(line, id) {
				for _, i := range is {
					lines[i] = n
				}
				delete(want, id)
			}
		}
	}
	return lines
}

// namesIdentifier reports whether line gives id as an identifier: in JSON
// ("identifier": "id") or YAML (identifier: id).
func namesIdentifier(line, id string) bool {
	for rest := line; ; {
		i := strings.Index(rest, "identifier")
		if i < 0 {
			return false
		}
		rest = rest[i+len("identifier"):]
		v := strings.TrimLeft(rest, "\"' \t")
		if !strings.HasPrefix(v, ":") {
			continue
		}
		v = strings.TrimLeft(v[1:], " \t")
		if strings.HasPrefix(v, string(appendJSONString(nil, id))) || strings.HasPrefix(v, "'"+id+"'") || strings.TrimSpace(v) == id {
			return true
		}
	}
}
