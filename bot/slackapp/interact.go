package slackapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/exemption"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

// Action IDs of prodready's buttons. Those repeated in one message end
// with ":" and an index, since Slack wants action IDs unique per block.
const (
	actShare         = "share"
	actAllRules      = "all_rules"
	actOpen          = "open"
	actExemptRequest = "exempt_request"
	actExemptApprove = "exempt_approve"
	actExemptDeny    = "exempt_deny"
	cbExemptionModal = "exemption_request"
	snoozeFor        = 7 * 24 * time.Hour
)

// maxActionsPerPayload is how many actions Slack puts in one block_actions
// payload: the one element the user clicked, chose or ticked (Slack's
// "block_actions payload" reference sends a payload per interaction). More
// is not Slack's doing, and each action may post.
const maxActionsPerPayload = 1

// exemptTarget is what a Request exemption button and its modal carry.
type exemptTarget struct {
	Service   string `json:"s"`
	Scorecard string `json:"c"`
	Rule      string `json:"r,omitempty"`
}

// Interact handles one interaction: a click (block_actions) or a modal's
// submission (view_submission). It answers through the interaction's
// response_url and the Web API; the value returned, when not nil, is the
// HTTP body (or Socket Mode ack payload): a view_submission's errors.
func (b *Bot) Interact(ctx context.Context, cb slack.InteractionCallback) any {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		acts := cb.ActionCallback.BlockActions
		if len(acts) > maxActionsPerPayload {
			b.log.Warn("refused the actions past what Slack sends in one payload",
				"actions", len(acts), "acted_on", maxActionsPerPayload, "user", cb.User.ID)
			acts = acts[:maxActionsPerPayload]
		}
		for _, a := range acts {
			b.onAction(ctx, cb, a)
		}
		return nil
	case slack.InteractionTypeViewSubmission:
		if cb.View.CallbackID == cbExemptionModal {
			if errs := b.submitExemption(ctx, cb); len(errs) > 0 {
				return slack.NewErrorsViewSubmissionResponse(errs)
			}
		}
		return nil
	}
	return nil
}

// onSocketInteractive handles an interactive or events_api envelope over
// Socket Mode: the ack carries what the HTTP answer would.
func (b *Bot) onSocketInteractive(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	if evt.Request == nil {
		return
	}
	var payload any
	switch data := evt.Data.(type) {
	case slack.InteractionCallback:
		payload = b.Interact(ctx, data)
	case slackevents.EventsAPIEvent:
		// Acknowledged first: Slack wants events acked within 3s, and the
		// Home tab is published with a Web API call of its own.
		_ = sm.AckCtx(ctx, evt.Request.EnvelopeID, nil)
		b.onEvent(ctx, data)
		return
	}
	if err := sm.AckCtx(ctx, evt.Request.EnvelopeID, payload); err != nil {
		b.log.Error("socket mode: could not ack an interaction", "err", err)
	}
}

func (b *Bot) now() time.Time {
	if b.cfg.Now != nil {
		return b.cfg.Now()
	}
	return time.Now()
}

// baseActionID strips the ":index" that keeps repeated buttons unique.
func baseActionID(id string) string {
	base, _, _ := strings.Cut(id, ":")
	return base
}

func (b *Bot) onAction(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	switch baseActionID(a.ActionID) {
	case actOpen:
		// A link button: Slack opens the URL; nothing to do.
	case actShare:
		b.share(ctx, cb, a.Value)
	case actAllRules:
		b.allRules(ctx, cb, a.Value)
	case blockkit.ActSnooze:
		b.snooze(ctx, cb, a.Value)
	case actExemptRequest:
		b.openExemptionModal(ctx, cb, a.Value)
	case actExemptApprove, actExemptDeny:
		b.decideExemption(ctx, cb, a.Value, baseActionID(a.ActionID) == actExemptApprove)
	default:
		b.ephemeral(ctx, cb, "This button is not prodready's (or is from a newer version): "+blockkit.Code(a.ActionID)+".")
	}
}

// respond posts m to the interaction's response_url.
func (b *Bot) respond(ctx context.Context, responseURL string, m Message, responseType string, replace bool) error {
	if responseURL == "" {
		return errors.New("the interaction has no response_url")
	}
	if err := b.checkResponseURL(responseURL); err != nil {
		return err
	}
	if b.api == nil || b.console {
		return printMessage(b.cfg.Console, "response_url "+responseURL, m)
	}
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...)}
	if replace {
		opts = append(opts, slack.MsgOptionReplaceOriginal(responseURL))
	} else {
		opts = append(opts, slack.MsgOptionResponseURL(responseURL, responseType))
	}
	_, _, err := b.api.PostMessageContext(ctx, "", opts...)
	return err
}

// ephemeral answers the clicking user only, as a clear sentence.
func (b *Bot) ephemeral(ctx context.Context, cb slack.InteractionCallback, text string) {
	// text is mrkdwn already escaped where it quotes anything: the
	// fallback keeps it as it is, without the emphasis.
	m := Message{Text: blockkit.Cut(stripMarkup(text), blockkit.MaxFallback), Blocks: []slack.Block{slack.NewSectionBlock(blockkit.Mrkdwn(blockkit.Cut(text, blockkit.MaxSectionText)), nil, nil)}}
	if err := b.respond(ctx, cb.ResponseURL, m, slack.ResponseTypeEphemeral, false); err != nil {
		b.log.Warn("could not answer an interaction", "err", err, "user", cb.User.ID)
	}
}

func stripMarkup(s string) string { return strings.NewReplacer("*", "", "`", "").Replace(s) }

// current is the evaluation, or a clear sentence why there is none.
func (b *Bot) current(ctx context.Context, cb slack.InteractionCallback) (*Evaluated, bool) {
	if s := b.holder.Current(); s != nil {
		return s, true
	}
	b.ephemeral(ctx, cb, "The catalog is not evaluated yet; try again in a moment.")
	return nil, false
}

// service finds a service by identifier; gone: a clear answer.
func (b *Bot) service(ctx context.Context, cb slack.InteractionCallback, s *Evaluated, id string) (int, bool) {
	if e, ok := s.Evaluation.Catalog.Find(id); ok && s.Evaluation.Catalog.Entities[e].Identifier == id {
		return e, true
	}
	b.ephemeral(ctx, cb, "There is no service "+blockkit.Code(id)+" in the catalog any more: it was removed or renamed since this message was posted.")
	return 0, false
}

func (b *Bot) share(ctx context.Context, cb slack.InteractionCallback, service string) {
	s, ok := b.current(ctx, cb)
	if !ok {
		return
	}
	if _, ok := b.service(ctx, cb, s, service); !ok {
		return
	}
	m := b.answer(ctx, s, Query{Kind: QueryService, Arg: service})
	m.Blocks = withoutActions(m.Blocks)
	m.Blocks = append(m.Blocks, slack.NewContextBlock("", blockkit.Mrkdwn(blockkit.Cut("Shared by <@"+cb.User.ID+">", blockkit.MaxSectionText))))
	if err := b.respond(ctx, cb.ResponseURL, m, slack.ResponseTypeInChannel, false); err != nil {
		b.log.Warn("could not share an answer", "err", err)
	}
}

// withoutActions drops the buttons: a shared answer is for reading.
func withoutActions(blocks []slack.Block) []slack.Block {
	out := make([]slack.Block, 0, len(blocks))
	for _, bl := range blocks {
		if bl.BlockType() != slack.MBTAction {
			out = append(out, bl)
		}
	}
	return out
}

func (b *Bot) allRules(ctx context.Context, cb slack.InteractionCallback, service string) {
	s, ok := b.current(ctx, cb)
	if !ok {
		return
	}
	e, ok := b.service(ctx, cb, s, service)
	if !ok {
		return
	}
	if err := b.respond(ctx, cb.ResponseURL, AllRules(s, e), slack.ResponseTypeEphemeral, false); err != nil {
		b.log.Warn("could not answer Show all rules", "err", err)
	}
}

func (b *Bot) snooze(ctx context.Context, cb slack.InteractionCallback, team string) {
	store, err := b.history(ctx)
	if err != nil {
		b.log.Warn("snooze: no history database", "err", err)
		b.ephemeral(ctx, cb, "Snoozing needs the history database (PRODREADY_DB), which this prodready cannot open.")
		return
	}
	why, err := b.snoozeRefusal(ctx, team, cb.User.ID)
	if err != nil {
		b.log.Error("snooze: could not tell whether the user is in the team", "err", err, "team", team)
		b.ephemeral(ctx, cb, "Could not check that you are in the team; try again in a moment.")
		return
	}
	if why != "" {
		b.ephemeral(ctx, cb, why)
		return
	}
	now := b.now()
	z, changed, err := store.SnoozeTeam(ctx, team, cb.User.ID, now.Add(snoozeFor), now)
	if err != nil {
		b.log.Error("snooze", "err", err, "team", team)
		b.ephemeral(ctx, cb, "The snooze could not be recorded; try again in a moment.")
		return
	}
	if !changed {
		b.ephemeral(ctx, cb, fmt.Sprintf("Notices of %s are already snoozed by %s until %s.", blockkit.Code(team), blockkit.MentionEsc(z.By), z.Until.UTC().Format(time.DateOnly)))
		return
	}
	b.ephemeral(ctx, cb, fmt.Sprintf(":zzz: Notices of %s are snoozed for 7 days, until %s. The next notice will say you snoozed them.", blockkit.Code(team), z.Until.UTC().Format(time.DateOnly)))
}

// approver reports whether user may decide exemptions: listed by ID, or a
// member of a listed user group (usergroups.users.list).
func (b *Bot) approver(ctx context.Context, user string) (bool, error) {
	for _, id := range b.cfg.Exemptions.Approvers {
		if id == user {
			return true, nil
		}
	}
	for _, id := range b.cfg.Exemptions.Approvers {
		if !strings.HasPrefix(id, "S") || b.api == nil {
			continue
		}
		members, err := b.api.GetUserGroupMembersContext(ctx, id)
		if err != nil {
			return false, fmt.Errorf("usergroups.users.list %s: %w", id, err)
		}
		if slices.Contains(members, user) {
			return true, nil
		}
	}
	return false, nil
}

func (b *Bot) decideExemption(ctx context.Context, cb slack.InteractionCallback, value string, approve bool) {
	if b.cfg.Store == nil {
		b.ephemeral(ctx, cb, "Exemptions need the history database (PRODREADY_DB), which this prodready cannot open.")
		return
	}
	var id int64
	if _, err := fmt.Sscan(value, &id); err != nil || id <= 0 {
		b.ephemeral(ctx, cb, "This button names no exemption; it was not posted by prodready.")
		return
	}
	ok, err := b.approver(ctx, cb.User.ID)
	if err != nil {
		b.log.Error("check approver", "err", err)
		b.ephemeral(ctx, cb, "Your permission could not be checked (Slack's user groups did not answer); try again in a moment.")
		return
	}
	if !ok {
		b.ephemeral(ctx, cb, "Only the approvers in PRODREADY_EXEMPTION_APPROVERS may approve or deny exemptions; you are not one of them.")
		return
	}
	if approve {
		refusal, err := b.approvalRefusal(ctx, id, cb.User.ID)
		if err != nil {
			b.log.Error("read exemption", "err", err, "id", id)
			b.ephemeral(ctx, cb, "The exemption could not be read; try again in a moment.")
			return
		}
		if refusal != "" {
			b.ephemeral(ctx, cb, refusal)
			return
		}
	}
	rec, err := b.cfg.Store.DecideExemption(ctx, id, approve, cb.User.ID, b.now())
	switch {
	case errors.Is(err, history.ErrAlreadyDecided):
		b.ephemeral(ctx, cb, fmt.Sprintf("This exemption was already %s by %s on %s; nothing changed.", rec.Status, blockkit.MentionEsc(rec.DecidedBy), rec.Decided.Format(time.DateOnly)))
		return
	case errors.Is(err, history.ErrNoExemption):
		b.ephemeral(ctx, cb, "This exemption is no longer in the history (pruned or from another database).")
		return
	case err != nil:
		b.log.Error("decide exemption", "err", err, "id", id)
		b.ephemeral(ctx, cb, "The decision could not be recorded; try again in a moment.")
		return
	}
	// The request's message shows the outcome instead of its buttons.
	if err := b.respond(ctx, cb.ResponseURL, ExemptionRequestMessage(rec), "", true); err != nil {
		b.log.Warn("could not update the exemption request", "err", err)
	}
	// The requester hears the outcome.
	if b.api != nil && !b.console && blockkit.UserID(rec.RequestedBy) {
		verb := map[bool]string{true: "approved", false: "denied"}[approve]
		text := fmt.Sprintf("Your exemption request for *%s* (%s, %s) was %s by <@%s>.", blockkit.Esc(rec.Service), blockkit.Esc(rec.Rule), blockkit.Esc(rec.Scorecard), verb, cb.User.ID)
		// A request can run out between the check and the decision: a past
		// date is never given as one the exemption counts until.
		switch {
		case approve && b.now().After(rec.Until):
			text += fmt.Sprintf(" It ended on %s, so it does not count; request it again with a later end date.", rec.UntilText())
		case approve:
			text += fmt.Sprintf(" The rule counts as passing until %s, from the next evaluation.", rec.UntilText())
		}
		if _, _, err := b.api.PostMessageContext(ctx, rec.RequestedBy, slack.MsgOptionText(blockkit.Cut(stripMarkup(text), blockkit.MaxFallback), false),
			slack.MsgOptionBlocks(slack.NewSectionBlock(blockkit.Mrkdwn(text), nil, nil))); err != nil {
			b.log.Warn("could not tell the requester", "err", err)
		}
	}
	if approve {
		b.refreshSoon()
	}
}

// approvalRefusal says why user may not approve request id, or "" when
// they may. What it checks (who asked, the end date) does not change once
// requested; a
// request already decided, or gone, is left for DecideExemption to report.
func (b *Bot) approvalRefusal(ctx context.Context, id int64, user string) (string, error) {
	rec, err := b.cfg.Store.Exemption(ctx, id)
	if errors.Is(err, history.ErrNoExemption) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if rec.Status != history.ExemptionRequested {
		return "", nil
	}
	if b.now().After(rec.Until) {
		return fmt.Sprintf("This request expired on %s, before it was decided: it would count for nothing. Ask the requester to request it again with a later end date.", rec.UntilText()), nil
	}
	if rec.RequestedBy == user && !b.cfg.Exemptions.SelfApprove {
		return "This is your own request: another approver must decide it (PRODREADY_EXEMPTION_SELF_APPROVE is off).", nil
	}
	return "", nil
}

// refreshSoon re-evaluates in the background so an approved exemption
// counts in answers without waiting for the next scheduled refresh.
func (b *Bot) refreshSoon() {
	if b.bg == nil {
		return
	}
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		_ = b.holder.Refresh(b.bg)
	}()
}

func (b *Bot) openExemptionModal(ctx context.Context, cb slack.InteractionCallback, value string) {
	switch {
	case b.cfg.Store == nil:
		b.ephemeral(ctx, cb, "Exemptions need the history database (PRODREADY_DB), which this prodready cannot open.")
		return
	case b.cfg.Exemptions.Channel == "":
		b.ephemeral(ctx, cb, "Exemption requests need a channel to go to: PRODREADY_EXEMPTION_CHANNEL is not set.")
		return
	}
	var t exemptTarget
	if err := json.Unmarshal([]byte(value), &t); err != nil {
		b.ephemeral(ctx, cb, "This button names no service; it was not posted by prodready.")
		return
	}
	s, ok := b.current(ctx, cb)
	if !ok {
		return
	}
	e, ok := b.service(ctx, cb, s, t.Service)
	if !ok {
		return
	}
	view, problem := ExemptionModal(s, e, t, b.exemptionMax(), b.now())
	if problem != "" {
		b.ephemeral(ctx, cb, problem)
		return
	}
	if b.api == nil || b.console {
		b.ephemeral(ctx, cb, "Modals need a bot token (SLACK_BOT_TOKEN).")
		return
	}
	if _, err := b.api.OpenViewContext(ctx, cb.TriggerID, view); err != nil {
		b.log.Warn("views.open", "err", err)
		b.ephemeral(ctx, cb, "The request form could not be opened ("+blockkit.Esc(err.Error())+"); click again.")
	}
}

func (b *Bot) exemptionMax() time.Duration {
	if b.cfg.Exemptions.Max > 0 {
		return b.cfg.Exemptions.Max
	}
	return exemption.DefaultMax
}

// submitExemption records a request from the modal and posts it for
// approval; errors go back to the modal's fields, by block ID.
func (b *Bot) submitExemption(ctx context.Context, cb slack.InteractionCallback) map[string]string {
	var t exemptTarget
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &t); err != nil {
		return map[string]string{blockReason: "This form is not prodready's; close it and click Request exemption again."}
	}
	vals := cb.View.State
	if vals == nil {
		return map[string]string{blockReason: "The form came without its values; try again."}
	}
	t.Rule = vals.Values[blockRule][blockRule].SelectedOption.Value
	reason := strings.TrimSpace(vals.Values[blockReason][blockReason].Value)
	untilText := vals.Values[blockUntil][blockUntil].SelectedDate
	errs := map[string]string{}
	if reason == "" {
		errs[blockReason] = "Say why the rule cannot pass yet."
	}
	now := b.now()
	until, err := scorecard.ParseUntil(untilText)
	if err != nil {
		errs[blockUntil] = "Pick a date."
	} else if until.Before(now) {
		errs[blockUntil] = "Pick a date in the future."
	} else if _, err := scorecard.CheckUntil(until, now, b.exemptionMax()); err != nil {
		errs[blockUntil] = fmt.Sprintf("At most %s from today: %s or earlier.", scorecard.Days(b.exemptionMax()), now.Add(b.exemptionMax()).UTC().Format(time.DateOnly))
	}
	s := b.holder.Current()
	if s == nil {
		errs[blockRule] = "The catalog is not evaluated yet; try again in a moment."
		return errs
	}
	e, found := s.Evaluation.Catalog.Find(t.Service)
	if !found || s.Evaluation.Catalog.Entities[e].Identifier != t.Service {
		errs[blockRule] = fmt.Sprintf("There is no service %q in the catalog any more.", t.Service)
		return errs
	}
	si := s.Evaluation.ScorecardIndex(t.Scorecard)
	ri := -1
	if si >= 0 {
		ri = s.Evaluation.Scorecards[si].RuleIndex(t.Rule)
	}
	if ri < 0 {
		errs[blockRule] = fmt.Sprintf("Scorecard %s has no rule %q any more.", t.Scorecard, t.Rule)
		return errs
	}
	if r := s.Evaluation.Result(e, si); !r.Applies || r.Pass[ri] {
		errs[blockRule] = "This rule passes now: it needs no exemption."
	}
	if len(errs) > 0 {
		return errs
	}
	rec, err := b.cfg.Store.RequestExemption(ctx, scorecard.Exemption{Service: t.Service, Scorecard: t.Scorecard, Rule: t.Rule, Until: until, Reason: reason, Origin: scorecard.OriginSlack}, cb.User.ID, now)
	switch {
	case errors.Is(err, history.ErrAlreadyRequested):
		return map[string]string{blockRule: fmt.Sprintf("An exemption for this rule is already waiting for a decision (asked by %s on %s).", rec.RequestedBy, rec.Requested.Format(time.DateOnly))}
	case err != nil:
		b.log.Error("request exemption", "err", err)
		return map[string]string{blockRule: "The request could not be recorded; try again in a moment."}
	}
	m := ExemptionRequestMessage(rec)
	if b.api != nil && !b.console {
		if _, _, err := b.api.PostMessageContext(ctx, b.cfg.Exemptions.Channel, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...)); err != nil {
			b.log.Error("post exemption request", "err", err, "channel", b.cfg.Exemptions.Channel)
		}
		ack := fmt.Sprintf("Your exemption request for *%s* (%s) was sent to <#%s> for approval. You will hear the outcome here.", blockkit.Esc(t.Service), blockkit.Esc(t.Rule), b.cfg.Exemptions.Channel)
		if _, _, err := b.api.PostMessageContext(ctx, cb.User.ID, slack.MsgOptionText(blockkit.Cut(stripMarkup(ack), blockkit.MaxFallback), false)); err != nil {
			b.log.Warn("could not tell the requester", "err", err)
		}
	}
	return nil
}
