package gate

import (
	"fmt"
	"io"
	"strings"

	"github.com/prodready/prodready/scorecard"
)

// ghData escapes a workflow command's message as the runner unescapes it.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command's property value: the message's
// escapes plus the separators of the property list.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// WriteGitHub writes one annotation per failing rule (an error when it
// fails the check, else a warning), one per level that dropped since the
// baseline, and a closing notice with the counts.
func (c *Run) WriteGitHub(w io.Writer) error {
	var b strings.Builder
	for _, g := range c.regressions {
		if g.Rule == "" {
			fmt.Fprintf(&b, "::error title=%s::%s\n", ghProperty(g.Entity+": "+g.ScorecardTitle+" dropped to "+g.To), ghData(g.String()))
		}
	}
	errs, warns := 0, 0
	c.results(func(_, si int, r scorecard.Result) {
		for _, ri := range r.Failing() {
			rule := &r.Scorecard.Rules[ri]
			kind := "warning"
			if c.gates(r, si, ri) {
				kind = "error"
				errs++
			} else {
				warns++
			}
			title := fmt.Sprintf("%s: %s (%s)", r.Entity.Identifier, rule.Name(), rule.Level)
			msg := fmt.Sprintf("%s is %s on %s; the %s rule %s fails", r.Entity.Identifier, r.LevelName(), r.Scorecard.Name(), rule.Level, rule.Identifier)
			if reasons := r.Reasons(ri); len(reasons) > 0 {
				msg += ": " + strings.Join(reasons, "; ")
			}
			if rule.Description != "" {
				msg += "\n" + rule.Description
			}
			fmt.Fprintf(&b, "::%s title=%s::%s\n", kind, ghProperty(title), ghData(msg))
		}
	})
	fmt.Fprintf(&b, "::notice title=prodready::%s\n", ghData(c.headline()+fmt.Sprintf(" (%s, %s)", plural(errs, "failing rule"), plural(warns, "warning"))))
	_, err := io.WriteString(w, b.String())
	return err
}
