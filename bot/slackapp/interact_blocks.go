package slackapp

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history"
)

// Block IDs (and action IDs) of the exemption modal's inputs.
const (
	blockRule   = "rule"
	blockReason = "reason"
	blockUntil  = "until"
)

// answerActions are the buttons of a slash answer: Share in channel, Show
// all rules, Open (a link, when the catalog has one) and Request exemption
// per scorecard with failing rules. Nil when none fits Slack's limits.
func answerActions(svc report.Service) slack.Block {
	if len(svc.Identifier) > blockkit.MaxButtonValueLen {
		return nil
	}
	elems := []slack.BlockElement{
		blockkit.Button(actShare, svc.Identifier, "Share in channel"),
		blockkit.Button(actAllRules, svc.Identifier, "Show all rules"),
	}
	if svc.URL != "" && len(svc.URL) <= 3000 {
		open := blockkit.Button(actOpen, "", "Open")
		open.URL = svc.URL
		elems = append(elems, open)
	}
	for i, st := range svc.Scorecards {
		if st.Passed == st.Total || len(elems) == 25 {
			continue
		}
		v, _ := json.Marshal(exemptTarget{Service: svc.Identifier, Scorecard: st.Scorecard})
		if len(v) > blockkit.MaxButtonValueLen {
			continue
		}
		label := "Request exemption"
		if len(svc.Scorecards) > 1 {
			label += ": " + st.Title
		}
		elems = append(elems, blockkit.Button(fmt.Sprintf("%s:%d", actExemptRequest, i), string(v), label))
	}
	return slack.NewActionBlock("answer_actions", elems...)
}

// AllRules lists every rule of every scorecard for a service: passing,
// failing, or failing and exempt.
func AllRules(s *Evaluated, e int) Message {
	ev := s.Evaluation
	ent := &ev.Catalog.Entities[e]
	bb := blockBuilder{noun: "rules"}
	bb.block(blockkit.Header("All rules of "+ent.Name()), 0)
	var fb strings.Builder
	fmt.Fprintf(&fb, "All rules of %s:", ent.Identifier)
	for si, sc := range ev.Scorecards {
		r := ev.Result(e, si)
		if !r.Applies {
			continue
		}
		bb.line(fmt.Sprintf("*%s* — *%s*", blockkit.Esc(sc.Name()), blockkit.Esc(r.LevelName())), false)
		for rank := range sc.Levels {
			for _, i := range sc.RulesAt(rank) {
				rule := &sc.Rules[i]
				mark := ":white_check_mark:"
				if !r.Pass[i] {
					mark = ":x:"
				}
				l := fmt.Sprintf("%s %s (%s)", mark, blockkit.Esc(rule.Name()), blockkit.Esc(rule.Level))
				if x := r.Exemption(i); x != nil {
					l += blockkit.ExemptSuffix(x)
				}
				bb.line(l, true)
			}
		}
		bb.flush()
		fmt.Fprintf(&fb, " %s %s;", sc.Name(), r.LevelName())
	}
	return Message{Text: blockkit.Fallback(fb.String()), Blocks: bb.finish()}
}

// ExemptionModal is the Request exemption form for a service's scorecard:
// its failing rules to pick from (the clicked one first), a reason and an
// end date at most max from now. problem, when not "", is why there is no
// form.
func ExemptionModal(s *Evaluated, e int, t exemptTarget, max time.Duration, now time.Time) (slack.ModalViewRequest, string) {
	ev := s.Evaluation
	si := ev.ScorecardIndex(t.Scorecard)
	if si < 0 {
		return slack.ModalViewRequest{}, "There is no scorecard " + blockkit.Code(t.Scorecard) + " any more."
	}
	r := ev.Result(e, si)
	sc := ev.Scorecards[si]
	var opts []*slack.OptionBlockObject
	var initial *slack.OptionBlockObject
	if r.Applies {
		for _, i := range r.Failing() {
			rule := &sc.Rules[i]
			if r.Exemption(i) != nil || len(rule.Identifier) > blockkit.MaxOptionVal || len(opts) == blockkit.MaxOptions {
				continue
			}
			o := slack.NewOptionBlockObject(rule.Identifier, blockkit.Plain(blockkit.Cut(rule.Name()+" ("+rule.Level+")", blockkit.MaxOptionText)), nil)
			opts = append(opts, o)
			if rule.Identifier == t.Rule || initial == nil {
				initial = o
			}
		}
	}
	if len(opts) == 0 {
		return slack.ModalViewRequest{}, "No rule of " + blockkit.Code(t.Scorecard) + " fails for " + blockkit.Code(t.Service) + " without an exemption: nothing to request."
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, blockkit.Plain("Rule"), blockRule, opts...)
	sel.InitialOption = initial
	reason := slack.NewPlainTextInputBlockElement(blockkit.Plain("What blocks it, and the plan"), blockReason)
	reason.Multiline = true
	reason.MaxLength = 500
	until := slack.NewDatePickerBlockElement(blockUntil)
	until.InitialDate = now.Add(min(30*24*time.Hour, max)).UTC().Format(time.DateOnly)
	meta, _ := json.Marshal(exemptTarget{Service: t.Service, Scorecard: t.Scorecard})
	intro := fmt.Sprintf("*%s* on *%s*. An approved exemption lets the rule count as passing for the level until the date; it stays visible everywhere.", blockkit.Esc(ev.Catalog.Entities[e].Name()), blockkit.Esc(sc.Name()))
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           blockkit.Plain("Request exemption"),
		Submit:          blockkit.Plain("Send for approval"),
		Close:           blockkit.Plain("Cancel"),
		CallbackID:      cbExemptionModal,
		PrivateMetadata: string(meta),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(blockkit.Mrkdwn(blockkit.Cut(intro, blockkit.MaxSectionText)), nil, nil),
			slack.NewInputBlock(blockRule, blockkit.Plain("Rule"), nil, sel),
			slack.NewInputBlock(blockReason, blockkit.Plain("Reason"), nil, reason),
			slack.NewInputBlock(blockUntil, blockkit.Plain("Until"), blockkit.Plain(fmt.Sprintf("At most %s from today.", scorecardDays(max))), until),
		}},
	}, ""
}

// ExemptionRequestMessage is a request as posted for approval: with
// Approve and Deny while it waits, with the decision once made.
func ExemptionRequestMessage(rec history.ExemptionRecord) Message {
	text := fmt.Sprintf("*Exemption request* from %s: *%s* may fail %s (%s) until %s.\n>%s",
		blockkit.MentionEsc(rec.RequestedBy), blockkit.Esc(rec.Service), blockkit.Code(rec.Rule), blockkit.Esc(rec.Scorecard), rec.UntilText(), blockkit.Esc(strings.ReplaceAll(rec.Reason, "\n", " ")))
	blocks := []slack.Block{slack.NewSectionBlock(blockkit.Mrkdwn(blockkit.Cut(text, blockkit.MaxSectionText)), nil, nil)}
	fb := fmt.Sprintf("Exemption request: %s may fail %s (%s) until %s", rec.Service, rec.Rule, rec.Scorecard, rec.UntilText())
	switch rec.Status {
	case history.ExemptionRequested:
		id := fmt.Sprint(rec.ID)
		blocks = append(blocks, slack.NewActionBlock("exemption_decision",
			blockkit.Button(actExemptApprove, id, "Approve").WithStyle(slack.StylePrimary),
			blockkit.Button(actExemptDeny, id, "Deny").WithStyle(slack.StyleDanger)))
	default:
		blocks = append(blocks, slack.NewContextBlock("", blockkit.Mrkdwn(fmt.Sprintf("%s by %s on %s.",
			map[bool]string{true: ":white_check_mark: Approved", false: ":no_entry: Denied"}[rec.Status == history.ExemptionApproved],
			blockkit.MentionEsc(rec.DecidedBy), rec.Decided.Format(time.DateOnly)))))
		fb += " — " + rec.Status
	}
	return Message{Text: blockkit.Fallback(fb), Blocks: blocks}
}

func scorecardDays(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	}
	return d.String()
}
