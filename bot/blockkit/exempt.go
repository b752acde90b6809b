package blockkit

import (
	"fmt"
	"strings"
	"time"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/scorecard"
)

// exemptSuffix marks a failing rule that an exemption lets count as
// passing: shown, never hidden.
func ExemptSuffix(x *scorecard.Exemption) string {
	if x == nil {
		return ""
	}
	s := "exempt until " + x.UntilText()
	if x.Reason != "" {
		s += ": " + Esc(x.Reason)
	}
	if x.By != "" {
		s += " — by " + MentionEsc(x.By)
	}
	return " — _" + s + " (" + Esc(x.Origin) + ")_"
}

// noticeNotes adds the notice's notes (a snooze that ended, exemptions
// that expired) as one context block.
func noticeNotes(l *dgLayout, n *report.Notice) {
	var lines []string
	if z := n.Snoozed; z != nil {
		lines = append(lines, fmt.Sprintf(":zzz: These notices were snoozed by %s on %s until %s.", MentionEsc(z.By), z.At.UTC().Format(time.DateOnly), z.Until.UTC().Format(time.DateOnly)))
	}
	for _, x := range n.Expired {
		lines = append(lines, fmt.Sprintf(":hourglass: The exemption of *%s* from %s (%s) expired on %s: the rule counts again.", Esc(x.Service), Esc(x.Rule), Esc(x.Scorecard), x.UntilText()))
	}
	if len(lines) > 0 {
		l.context(strings.Join(lines, "\n"))
	}
}

// mentionEsc mentions a Slack user ID and escapes anything else.
func MentionEsc(by string) string {
	if UserID(by) {
		return "<@" + by + ">"
	}
	return Esc(by)
}
