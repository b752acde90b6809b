package slackapp

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

// Slack's limit on a Home tab.
const maxViewBlocks = 100

// onEvent handles an Events API event: app_home_opened publishes the
// user's Home tab, refreshed every time it is opened.
func (b *Bot) onEvent(ctx context.Context, e slackevents.EventsAPIEvent) {
	if e.Type != slackevents.CallbackEvent {
		return
	}
	if ev, ok := e.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); ok && (ev.Tab == "home" || ev.Tab == "") {
		if err := b.PublishHome(ctx, ev.User); err != nil {
			b.log.Warn("could not publish the Home tab", "err", err, "user", ev.User)
		}
	}
}

// PublishHome publishes user's Home tab: the teams the user belongs to
// (found by the user's email among the catalog's team members and the
// teams file's DM lists), their services with levels and what to fix next,
// and open exemptions.
func (b *Bot) PublishHome(ctx context.Context, user string) error {
	if b.api == nil || b.console {
		return errors.New("the Home tab needs a bot token (SLACK_BOT_TOKEN)")
	}
	s := b.holder.Current()
	var view slack.HomeTabViewRequest
	if s == nil {
		view = homeView([]slack.Block{slack.NewSectionBlock(blockkit.Mrkdwn("The catalog is being evaluated; open this tab again in a moment."), nil, nil)})
	} else {
		u, err := b.api.GetUserInfoContext(ctx, user)
		if err != nil {
			return fmt.Errorf("users.info %s: %w", user, err)
		}
		teams := s.TeamsOf(u.Profile.Email, b.cfg.Routes)
		var pending []history.ExemptionRecord
		if b.cfg.Store != nil {
			if pending, err = b.cfg.Store.Exemptions(ctx, history.ExemptionRequested); err != nil {
				b.log.Warn("Home tab: open exemption requests unreadable", "err", err)
			}
		}
		view = HomeView(s, teams, pending)
	}
	_, err := b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: view})
	if err != nil {
		return fmt.Errorf("views.publish: %w", err)
	}
	return nil
}

func homeView(blocks []slack.Block) slack.HomeTabViewRequest {
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}, CallbackID: "prodready_home"}
}

// TeamsOf returns the identifiers of the teams whose members include
// email: the catalog's teams (Bundle.Teams' emails) and the teams file's
// DM lists, any case, sorted.
func (s *Evaluated) TeamsOf(email string, routes *delivery.TeamRoutes) []string {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return nil
	}
	set := map[string]bool{}
	for _, t := range s.Bundle.Teams {
		for _, m := range t.Emails {
			if strings.EqualFold(strings.TrimSpace(m), email) {
				set[t.Identifier] = true
			}
		}
	}
	if routes != nil {
		for id, r := range routes.Teams {
			for _, m := range r.DM {
				if strings.EqualFold(strings.TrimSpace(m), email) {
					set[id] = true
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// HomeView renders the Home tab for a user in teams, within Slack's 100
// blocks: services worst first, each with its levels and the next fix;
// what does not fit is counted.
func HomeView(s *Evaluated, teams []string, pending []history.ExemptionRecord) slack.HomeTabViewRequest {
	ev := s.Evaluation
	var l homeLayout
	l.add(blockkit.Header("Your services"))
	if len(teams) == 0 {
		l.add(slack.NewSectionBlock(blockkit.Mrkdwn("No team in the catalog or the teams file lists your email, so prodready does not know your services. Try `/prodready team <team>`."), nil, nil))
		return homeView(l.blocks)
	}
	mine := map[int]bool{}
	var ents []int
	names := make([]string, len(teams))
	for i, t := range teams {
		_, display, es, _ := s.Team(t)
		names[i] = "*" + blockkit.Esc(display) + "*"
		for _, e := range es {
			if !mine[e] {
				mine[e] = true
				ents = append(ents, e)
			}
		}
	}
	// Worst first: the lowest share of levels reached, then by name.
	score := make(map[int]float64, len(ents))
	for _, e := range ents {
		var got, of int
		for si, sc := range ev.Scorecards {
			if r := ev.Result(e, si); r.Applies {
				got += r.Level
				of += len(sc.Levels) - 1
			}
		}
		if of > 0 {
			score[e] = float64(got) / float64(of)
		} else {
			score[e] = 1
		}
	}
	sort.SliceStable(ents, func(i, j int) bool {
		if score[ents[i]] != score[ents[j]] {
			return score[ents[i]] < score[ents[j]]
		}
		return ev.Catalog.Entities[ents[i]].Identifier < ev.Catalog.Entities[ents[j]].Identifier
	})
	exempt := 0
	var inForce []string
	for _, e := range ents {
		for si, sc := range ev.Scorecards {
			r := ev.Result(e, si)
			if !r.Applies {
				continue
			}
			for i := range r.Pass {
				if x := r.Exemption(i); x != nil {
					exempt++
					inForce = append(inForce, fmt.Sprintf("• *%s* · %s (%s)%s", blockkit.Esc(ev.Catalog.Entities[e].Name()), blockkit.Esc(sc.Rules[i].Name()), blockkit.Esc(sc.Name()), blockkit.ExemptSuffix(x)))
				}
			}
		}
	}
	var myPending []history.ExemptionRecord
	for _, p := range pending {
		if e, ok := ev.Catalog.Find(p.Service); ok && mine[e] {
			myPending = append(myPending, p)
		}
	}
	l.add(slack.NewContextBlock("", blockkit.Mrkdwn(blockkit.Cut(fmt.Sprintf("Teams %s · %s · %s in force · %s waiting for approval · evaluated %s",
		strings.Join(names, ", "), scorecard.Plural(len(ents), "service"), scorecard.Plural(exempt, "exemption"), scorecard.Plural(len(myPending), "request"), s.LoadedAt.UTC().Format("2 Jan 15:04 MST")), blockkit.MaxSectionText))))
	// Reserve: the pending requests' section and the "…and N more" line.
	reserve := 1
	if len(myPending) > 0 || len(inForce) > 0 {
		reserve += 2
	}
	var pack strings.Builder
	packed, shown := 0, 0
	flush := func() bool {
		if pack.Len() == 0 {
			return true
		}
		if len(l.blocks)+1+reserve > maxViewBlocks {
			return false
		}
		l.add(slack.NewSectionBlock(blockkit.Mrkdwn(pack.String()), nil, nil))
		shown += packed
		pack.Reset()
		packed = 0
		return true
	}
	full := false
	for _, e := range ents {
		line := homeLine(s, e)
		if pack.Len() > 0 && pack.Len()+1+len(line) > blockkit.MaxSectionText {
			if !flush() {
				full = true
				break
			}
		}
		if pack.Len() > 0 {
			pack.WriteByte('\n')
		}
		pack.WriteString(line)
		packed++
	}
	if !full && !flush() {
		full = true
	}
	if len(myPending) > 0 || len(inForce) > 0 {
		var pb strings.Builder
		list := func(title string, lines []string) {
			if len(lines) == 0 {
				return
			}
			if pb.Len() > 0 {
				pb.WriteString("\n\n")
			}
			pb.WriteString(title)
			for i, line := range lines {
				if i == 10 {
					fmt.Fprintf(&pb, "\n…and %d more", len(lines)-10)
					break
				}
				pb.WriteString("\n" + blockkit.Cut(line, 250))
			}
		}
		list("*Exemptions in force*", inForce)
		var waiting []string
		for _, p := range myPending {
			waiting = append(waiting, fmt.Sprintf("• *%s* · %s (%s) until %s, asked by %s", blockkit.Esc(p.Service), blockkit.Code(p.Rule), blockkit.Esc(p.Scorecard), p.UntilText(), blockkit.MentionEsc(p.RequestedBy)))
		}
		list("*Exemption requests waiting for approval*", waiting)
		l.add(slack.NewDividerBlock())
		l.add(slack.NewSectionBlock(blockkit.Mrkdwn(blockkit.Cut(pb.String(), blockkit.MaxSectionText)), nil, nil))
	}
	if shown < len(ents) {
		l.add(slack.NewContextBlock("", blockkit.Mrkdwn(fmt.Sprintf("…and %d more services: Slack shows 100 blocks in a Home tab. `/prodready team <team>` lists them all.", len(ents)-shown))))
	}
	return homeView(l.blocks)
}

type homeLayout struct{ blocks []slack.Block }

func (l *homeLayout) add(b slack.Block) { l.blocks = append(l.blocks, b) }

// homeLine is one service: levels per scorecard and the first fix to make.
func homeLine(s *Evaluated, e int) string {
	ev := s.Evaluation
	ent := &ev.Catalog.Entities[e]
	var parts []string
	next := ""
	for si, sc := range ev.Scorecards {
		r := ev.Result(e, si)
		if !r.Applies {
			continue
		}
		parts = append(parts, blockkit.Esc(sc.Name())+" *"+blockkit.Esc(r.LevelName())+"*")
		if next == "" {
			if rank, fix, ok := r.NextLevel(); ok && len(fix) > 0 {
				next = fmt.Sprintf("for %s: %s", blockkit.Esc(sc.Levels[rank].Title), blockkit.Esc(sc.Rules[fix[0]].Name()))
				if len(fix) > 1 {
					next += fmt.Sprintf(" (+%d)", len(fix)-1)
				}
			}
		}
	}
	l := "• *" + blockkit.Esc(blockkit.Cut(ent.Name(), 80)) + "* — " + strings.Join(parts, " · ")
	if next != "" {
		l += " — next " + next
	}
	return blockkit.Cut(l, 600)
}

func slackPublish(user string, v slack.HomeTabViewRequest) slack.PublishViewContextRequest {
	return slack.PublishViewContextRequest{UserID: user, View: v}
}
