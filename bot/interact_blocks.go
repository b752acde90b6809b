package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history"
)

// Block IDs (and action IDs) of the exemption modal's inputs.
const (
	blockRule   = "rule"
	blockReason = "reason"
	blockUntil  = "until"
)

// Slack's limits on what the buttons carry.
const (
	maxButtonText = 75
	maxOptions    = 100
	maxOptionText = 75
	maxOptionVal  = 150
)

func btn(actionID, value, text string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(cut(actionID, maxActionIDLen), value, plain(cut(text, maxButtonText)))
}

// answerActions are the buttons of a slash answer: Share in channel, Show
// all rules, Open (a link, when the catalog has one) and Request exemption
// per scorecard with failing rules. Nil when none fits Slack's limits.
func answerActions(svc report.Service) slack.Block {
	if len(svc.Identifier) > maxButtonValueLen {
		return nil
	}
	elems := []slack.BlockElement{
		btn(actShare, svc.Identifier, "Share in channel"),
		btn(actAllRules, svc.Identifier, "Show all rules"),
	}
	if svc.URL != "" && len(svc.URL) <= 3000 {
		open := btn(actOpen, "", "Open")
		open.URL = svc.URL
		elems = append(elems, open)
	}
	for i, st := range svc.Scorecards {
		if st.Passed == st.Total || len(elems) == 25 {
			continue
		}
		v, _ := json.Marshal(exemptTarget{Service: svc.Identifier, Scorecard: st.Scorecard})
		if len(v) > maxButtonValueLen {
			continue
		}
		label := "Request exemption"
		if len(svc.Scorecards) > 1 {
			label += ": " + st.Title
		}
		elems = append(elems, btn(fmt.Sprintf("%s:%d", actExemptRequest, i), string(v), label))
	}
	return slack.NewActionBlock("answer_actions", elems...)
}

// AllRules lists every rule of every scorecard for a service: passing,
// failing, or failing and exempt.
func AllRules(s *Evaluated, e int) Message {
	ev := s.Evaluation
	ent := &ev.Catalog.Entities[e]
	bb := blockBuilder{noun: "rules"}
	bb.block(header("All rules of "+ent.Name()), 0)
	var fb strings.Builder
	fmt.Fprintf(&fb, "All rules of %s:", ent.Identifier)
	for si, sc := range ev.Scorecards {
		r := ev.Result(e, si)
		if !r.Applies {
			continue
		}
		bb.line(fmt.Sprintf("*%s* — *%s*", esc(sc.Name()), esc(r.LevelName())), false)
		for rank := range sc.Levels {
			for _, i := range sc.RulesAt(rank) {
				rule := &sc.Rules[i]
				mark := ":white_check_mark:"
				if !r.Pass[i] {
					mark = ":x:"
				}
				l := fmt.Sprintf("%s %s (%s)", mark, esc(rule.Name()), esc(rule.Level))
				if x := r.Exemption(i); x != nil {
					l += exemptSuffix(x)
				}
				bb.line(l, true)
			}
		}
		bb.flush()
		fmt.Fprintf(&fb, " %s %s;", sc.Name(), r.LevelName())
	}
	return Message{Text: fallback(fb.String()), Blocks: bb.finish()}
}

// ExemptionModal is the Request exemption form for a service's scorecard:
// its failing rules to pick from (the clicked one first), a reason and an
// end date at most max from now. problem, when not "", is why there is no
// form.
func ExemptionModal(s *Evaluated, e int, t exemptTarget, max time.Duration, now time.Time) (slack.ModalViewRequest, string) {
	ev := s.Evaluation
	si := ev.ScorecardIndex(t.Scorecard)
	if si < 0 {
		return slack.ModalViewRequest{}, "There is no scorecard " + code(t.Scorecard) + " any more."
	}
	r := ev.Result(e, si)
	sc := ev.Scorecards[si]
	var opts []*slack.OptionBlockObject
	var initial *slack.OptionBlockObject
	if r.Applies {
		for _, i := range r.Failing() {
			rule := &sc.Rules[i]
			if r.Exemption(i) != nil || len(rule.Identifier) > maxOptionVal || len(opts) == maxOptions {
				continue
			}
			o := slack.NewOptionBlockObject(rule.Identifier, plain(cut(rule.Name()+" ("+rule.Level+")", maxOptionText)), nil)
			opts = append(opts, o)
			if rule.Identifier == t.Rule || initial == nil {
				initial = o
			}
		}
	}
	if len(opts) == 0 {
		return slack.ModalViewRequest{}, "No rule of " + code(t.Scorecard) + " fails for " + code(t.Service) + " without an exemption: nothing to request."
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Rule"), blockRule, opts...)
	sel.InitialOption = initial
	reason := slack.NewPlainTextInputBlockElement(plain("What blocks it, and the plan"), blockReason)
	reason.Multiline = true
	reason.MaxLength = 500
	until := slack.NewDatePickerBlockElement(blockUntil)
	until.InitialDate = now.Add(min(30*24*time.Hour, max)).UTC().Format(time.DateOnly)
	meta, _ := json.Marshal(exemptTarget{Service: t.Service, Scorecard: t.Scorecard})
	intro := fmt.Sprintf("*%s* on *%s*. An approved exemption lets the rule count as passing for the level until the date; it stays visible everywhere.", esc(ev.Catalog.Entities[e].Name()), esc(sc.Name()))
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           plain("Request exemption"),
		Submit:          plain("Send for approval"),
		Close:           plain("Cancel"),
		CallbackID:      cbExemptionModal,
		PrivateMetadata: string(meta),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(mrkdwn(cut(intro, maxSectionText)), nil, nil),
			slack.NewInputBlock(blockRule, plain("Rule"), nil, sel),
			slack.NewInputBlock(blockReason, plain("Reason"), nil, reason),
			slack.NewInputBlock(blockUntil, plain("Until"), plain(fmt.Sprintf("At most %s from today.", scorecardDays(max))), until),
		}},
	}, ""
}

// ExemptionRequestMessage is a request as posted for approval: with
// Approve and Deny while it waits, with the decision once made.
func ExemptionRequestMessage(rec history.ExemptionRecord) Message {
	text := fmt.Sprintf("*Exemption request* from %s: *%s* may fail %s (%s) until %s.\n>%s",
		mentionEsc(rec.RequestedBy), esc(rec.Service), code(rec.Rule), esc(rec.Scorecard), rec.UntilText(), esc(strings.ReplaceAll(rec.Reason, "\n", " ")))
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(cut(text, maxSectionText)), nil, nil)}
	fb := fmt.Sprintf("Exemption request: %s may fail %s (%s) until %s", rec.Service, rec.Rule, rec.Scorecard, rec.UntilText())
	switch rec.Status {
	case history.ExemptionRequested:
		id := fmt.Sprint(rec.ID)
		blocks = append(blocks, slack.NewActionBlock("exemption_decision",
			btn(actExemptApprove, id, "Approve").WithStyle(slack.StylePrimary),
			btn(actExemptDeny, id, "Deny").WithStyle(slack.StyleDanger)))
	default:
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn(fmt.Sprintf("%s by %s on %s.",
			map[bool]string{true: ":white_check_mark: Approved", false: ":no_entry: Denied"}[rec.Status == history.ExemptionApproved],
			mentionEsc(rec.DecidedBy), rec.Decided.Format(time.DateOnly)))))
		fb += " — " + rec.Status
	}
	return Message{Text: fallback(fb), Blocks: blocks}
}

// noticeActionBlocks is how many blocks noticeActions adds.
func noticeActionBlocks(n *report.Notice) int {
	if n.Team == "" || len(n.Team) > maxButtonValueLen {
		return 0
	}
	return 1
}

// noticeActions adds the team notice's Snooze button.
func noticeActions(l *dgLayout, n *report.Notice) {
	if noticeActionBlocks(n) == 0 {
		return
	}
	l.add("buttons", slack.NewActionBlock("notice_actions", btn(actSnooze, n.Team, "Snooze 7 days")))
}

func scorecardDays(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	}
	return d.String()
}
