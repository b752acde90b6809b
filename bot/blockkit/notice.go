package blockkit

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/scorecard"
	"github.com/slack-go/slack"
)

// How much of a notice is shown: a team reads the first services, worst
// news first; `/prodready team <team>` lists them all.
const (
	ntServicesShown = 10
	ntRulesShown    = 5 // failing rules per service and scorecard
)

// NoticeMoreBlockID marks the context block that says how many services a
// notice leaves out; a "show all" button belongs next to it.
const NoticeMoreBlockID = "notice_more"

// NoticeMessage renders a team notice as Block Kit, answer first: what
// regressed since the last notice, then the other services below target,
// at most ntServicesShown of them, each failing rule with what the service
// has and needs, in words; then how many more there are and where to see
// them.
func NoticeMessage(n *report.Notice) (text string, blocks []slack.Block) {
	var l dgLayout
	l.header("Production readiness: " + n.Name())
	services, rules := n.Counts()
	order := ntOrder(n)
	regressed := 0
	for _, i := range order {
		if ntRegressed(n, &n.Services[i]) {
			regressed++
		}
	}
	intro := fmt.Sprintf("*%s below target*, %s to fix.", scorecard.Plural(services, "service"), scorecard.Plural(rules, "rule"))
	if regressed > 0 {
		intro = fmt.Sprintf(":warning: *%s regressed* since your last notice. ", scorecard.Plural(regressed, "service")) + intro
	} else if !n.First {
		intro += " Nothing regressed since your last notice."
	}
	l.section("summary", intro)
	noticeNotes(&l, n)
	// Room stays for the "and N more" line and the buttons.
	reserve := 2 + noticeActionBlocks(n)

	shown, dropped := 0, 0
	heading := ""
	for k, i := range order {
		s := &n.Services[i]
		if shown == ntServicesShown || !l.room(reserve) {
			dropped = len(order) - k
			break
		}
		h := "*Still below target*"
		if ntRegressed(n, s) {
			h = "*Regressed*"
		}
		body := ntService(n, s)
		if h != heading && (regressed > 0 && regressed < len(order)) {
			body = h + "\n" + body
			heading = h
		}
		if !l.section("services", Cut(body, dgMaxSectionText)) {
			dropped = len(order) - k
			break
		}
		shown++
	}
	more := fmt.Sprintf("and %d more services: `/prodready team %s`", dropped, ntTeamArg(n))
	if n.Team == "" {
		// Services with no team: there is no team to list; each one can be asked about.
		more = fmt.Sprintf("and %d more services: `/prodready <service>` shows any of them", dropped)
	}
	if dropped > 0 && l.context(more) {
		l.blocks[len(l.blocks)-1].(*slack.ContextBlock).BlockID = NoticeMoreBlockID
	}
	noticeActions(&l, n)
	// Readers are team members: point them at what they can run.
	seeAll := "`/prodready <service>` shows any of them in full."
	if n.Team != "" {
		seeAll = Code("/prodready team "+n.Team) + " lists them all."
	}
	blocks = l.finish(seeAll)
	var names []string
	for _, i := range order {
		names = append(names, n.Services[i].Service.Name())
	}
	text = fmt.Sprintf("Production readiness for %s: %s below target, %s to fix", n.Name(), scorecard.Plural(services, "service"), scorecard.Plural(rules, "rule"))
	if regressed > 0 {
		text += fmt.Sprintf(", %d regressed", regressed)
	}
	text += ": " + strings.Join(names, ", ")
	// The fallback is mrkdwn too: &, < and > must be escaped there as well.
	return Cut(Esc(text), dgMaxFallback), blocks
}

// ntRegressed is whether a service got worse since the team's last notice:
// a level dropped, a rule that passed fails, or it fell below target.
func ntRegressed(n *report.Notice, s *report.NoticeService) bool {
	if n.First {
		return false
	}
	if s.New {
		return true
	}
	for _, st := range s.Scorecards {
		if st.Dropped {
			return true
		}
		for _, f := range st.Fix {
			if f.New {
				return true
			}
		}
	}
	return false
}

// ntOrder is the services' order: regressions first, then the rest, each
// in the notice's order.
func ntOrder(n *report.Notice) []int {
	order := make([]int, len(n.Services))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return ntRegressed(n, &n.Services[order[a]]) && !ntRegressed(n, &n.Services[order[b]])
	})
	return order
}

// ntTeamArg is what to type after `/prodready team`.
func ntTeamArg(n *report.Notice) string {
	if n.Team == "" {
		return "&lt;team&gt;"
	}
	return Esc(n.Team)
}

// ntService is one service: its name (linked where the catalog or the
// repository is known), then per scorecard its level and target and the
// rules to fix, each with what the service has and needs.
func ntService(n *report.Notice, s *report.NoticeService) string {
	head := "*" + dgServiceLink(s.Service) + "*"
	if s.New && !n.First {
		head += " :new:"
	}
	lines := []string{head}
	for _, st := range s.Scorecards {
		l := fmt.Sprintf("%s: *%s*, needs *%s*", Esc(Cut(st.Title, 100)), Esc(Cut(st.Level, 40)), Esc(Cut(st.Target, 40)))
		if st.Dropped && !n.First {
			l += " :small_red_triangle_down: was " + Esc(Cut(st.From, 40))
		}
		lines = append(lines, l)
		fixes := st.Fix
		if len(fixes) > ntRulesShown {
			fixes = fixes[:ntRulesShown]
		}
		for _, f := range fixes {
			lines = append(lines, ntRule(n, f))
		}
		if more := len(st.Fix) - len(fixes); more > 0 {
			lines = append(lines, "   _+"+scorecard.Plural(more, "more rule")+"_")
		}
	}
	// Whole lines only: a line cut in its middle could leave a link open.
	size := 0
	for i, l := range lines {
		size += utf8.RuneCountInString(l) + 1
		if size > dgMaxSectionText-200 {
			return strings.Join(lines[:i], "\n") + "\n_… more in_ " + Code("/prodready "+Cut(s.Service.Identifier, 150))
		}
	}
	return strings.Join(lines, "\n")
}

// ntRule is "• *Has an on-call* :new: — on call is not set · <docs>".
func ntRule(n *report.Notice, f report.NoticeRule) string {
	line := "• *" + Esc(Cut(f.Title, 150)) + "*"
	if f.New && !n.First {
		line += " :new:"
	}
	switch {
	case len(f.Why) > 0:
		line += " — " + Esc(Cut(strings.Join(f.Why, "; "), 300))
	case strings.TrimSpace(f.Description) != "":
		line += " — " + Esc(Cut(strings.Join(strings.Fields(f.Description), " "), 200))
	}
	if f.Doc != "" {
		line += " · " + Link(f.Doc, "how to fix")
	}
	return line + ExemptSuffix(f.Exempt)
}
