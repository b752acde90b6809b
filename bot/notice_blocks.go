package bot

import (
	"fmt"
	"strings"

	"github.com/prodready/prodready/report"
	"github.com/slack-go/slack"
)

// NoticeMessage renders a team notice as Block Kit: one section per
// service, new items marked, within Slack's limits.
func NoticeMessage(n *report.Notice) (text string, blocks []slack.Block) {
	var l dgLayout
	l.header("Production readiness: " + n.Name())
	intro := esc(n.Headline()) + "."
	if !n.First {
		intro += " Items marked :new: are new since your last notice."
	}
	l.section("summary", intro)
	// Services are packed into sections of up to 3,000 characters; what
	// does not fit in 50 blocks is counted, not cut silently.
	var pending strings.Builder
	pendingN, dropped := 0, 0
	flush := func() {
		if pending.Len() > 0 && !l.section("services", pending.String()) {
			dropped += pendingN
		}
		pending.Reset()
		pendingN = 0
	}
	for i := range n.Services {
		s := &n.Services[i]
		var b strings.Builder
		b.WriteString("*" + dgServiceLink(s.Service) + "*")
		if s.New && !n.First {
			b.WriteString(" :new:")
		}
		for _, st := range s.Scorecards {
			fmt.Fprintf(&b, "\n%s: *%s*, target %s", esc(st.Title), esc(st.Level), esc(st.Target))
			if st.Dropped {
				fmt.Fprintf(&b, " (dropped from %s)", esc(st.From))
			}
			for _, f := range st.Fix {
				mark := ""
				if f.New && !n.First {
					mark = " :new:"
				}
				line := fmt.Sprintf("\n• %s (%s)%s", esc(f.Title), esc(f.Level), mark)
				if f.Description != "" {
					line += ": " + esc(f.Description)
				}
				line += exemptSuffix(f.Exempt)
				b.WriteString(line)
			}
		}
		text := cut(b.String(), dgMaxSectionText)
		if pending.Len() > 0 && pending.Len()+2+len(text) > dgMaxSectionText {
			flush()
		}
		// Room for this section, the "… and N more" note and the buttons.
		if !l.room(2 + noticeActionBlocks(n)) {
			dropped++
			continue
		}
		if pending.Len() > 0 {
			pending.WriteString("\n\n")
		}
		pending.WriteString(text)
		pendingN++
	}
	flush()
	noticeNotes(&l, n)
	noticeActions(&l, n)
	// Readers are team members: point them at what they can run.
	seeAll := "`/prodready <service>` shows any of them in full."
	if n.Team != "" {
		seeAll = code("/prodready team "+n.Team) + " lists them all."
	}
	if dropped > 0 {
		l.context(fmt.Sprintf("… and %d more services: Slack takes 50 blocks per message. %s", dropped, seeAll))
	}
	blocks = l.finish(seeAll)
	var names []string
	for _, s := range n.Services {
		names = append(names, s.Service.Name())
	}
	text = fmt.Sprintf("Production readiness for %s: %s: %s", n.Name(), n.Headline(), strings.Join(names, ", "))
	// The fallback is mrkdwn too: &, < and > must be escaped there as well.
	return cut(esc(text), dgMaxFallback), blocks
}
