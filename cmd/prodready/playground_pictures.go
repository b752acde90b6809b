package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/bot/playground/picture"
	"github.com/prodready/prodready/bot/slackapp"
	"github.com/prodready/prodready/bot/slackemu"
)

// playPicture is one message type as the bot sends it: a message's
// blocks, or a view (view is true).
type playPicture struct {
	name string
	json []byte
	view bool
	// chart is the PNG the bot uploaded in the message's thread, if any.
	chart []byte
}

// playPictureWeeks is how many simulated weeks of digests come before the
// pictures, so that the chart has a line to show.
const playPictureWeeks = 4

// playPictures drives the world as a person would, through the emulator,
// and returns every message type prodready sends: the answer and the team
// answer to the slash command, the weekly and monthly digests (after some
// weeks of drift, with their charts), a team's notice, an exemption
// request, and the Home tab.
func playPictures(ctx context.Context, w *playWorld) ([]playPicture, error) {
	var out []playPicture
	command := func(name, text string) (json.RawMessage, error) {
		r, err := w.emu.SendSlashCommand(ctx, w.botURL+slackapp.CommandPath, slackemu.SlashCommand{Command: "/prodready", Text: text,
			UserID: w.engineer.ID, UserName: w.engineer.Name, ChannelID: w.reports, ChannelName: playReports})
		if err != nil {
			return nil, fmt.Errorf("/prodready %s: %w", text, err)
		}
		if r.Message != nil && len(r.Message.Blocks) > 0 {
			return r.Message.Blocks, nil
		}
		posts, err := w.emu.WaitResponses(ctx, r.ResponseURL, 1)
		if err != nil || len(posts[0].Blocks) == 0 {
			return nil, fmt.Errorf("/prodready %s: no answer with blocks: %v", text, err)
		}
		return posts[0].Blocks, nil
	}
	answer, err := command("answer", "payments-api")
	if err != nil {
		return nil, err
	}
	out = append(out, playPicture{name: "answer", json: answer})
	team, err := command("team-answer", "team payments")
	if err != nil {
		return nil, err
	}
	out = append(out, playPicture{name: "team-answer", json: team})

	ctl := playControls{w}
	for week := 0; week < playPictureWeeks; week++ {
		if week > 0 {
			if _, err := ctl.AdvanceWeek(ctx); err != nil {
				return nil, err
			}
		}
		if err := ctl.RunWeeklyDigest(ctx); err != nil {
			return nil, err
		}
	}
	weekly, err := w.lastPost(w.reports)
	if err != nil {
		return nil, fmt.Errorf("weekly digest: %w", err)
	}
	out = append(out, playPicture{name: "digest-weekly", json: weekly.Blocks, chart: w.chartOf(weekly)})
	if err := ctl.run(ctx, jobs.Monthly); err != nil {
		return nil, err
	}
	monthly, err := w.lastPost(w.reports)
	if err != nil {
		return nil, fmt.Errorf("monthly digest: %w", err)
	}
	out = append(out, playPicture{name: "digest-monthly", json: monthly.Blocks, chart: w.chartOf(monthly)})
	if err := ctl.RunTeamNotices(ctx); err != nil {
		return nil, err
	}
	notice, err := w.lastPost(w.teams["payments"])
	if err != nil {
		return nil, fmt.Errorf("team notice: %w", err)
	}
	out = append(out, playPicture{name: "notice", json: notice.Blocks})

	request, err := w.requestExemption(ctx, answer)
	if err != nil {
		return nil, err
	}
	out = append(out, playPicture{name: "exemption-request", json: request.Blocks})

	if _, err := w.emu.SendAppHomeOpened(ctx, w.botURL+slackapp.EventsPath, w.manager.ID); err != nil {
		return nil, fmt.Errorf("the Home tab: %w", err)
	}
	home, err := w.emu.WaitHome(ctx, w.manager.ID, 1)
	if err != nil {
		return nil, fmt.Errorf("the Home tab: %w", err)
	}
	out = append(out, playPicture{name: "home", json: home.JSON, view: true})
	return out, nil
}

// lastPost is the last message posted in channel, outside threads.
func (w *playWorld) lastPost(channel string) (slackemu.Message, error) {
	msgs := w.emu.Messages(channel)
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].ThreadTS == "" && !msgs[i].Ephemeral && len(msgs[i].Blocks) > 0 {
			return msgs[i], nil
		}
	}
	return slackemu.Message{}, errors.New("nothing posted")
}

// chartOf is the image the bot uploaded in m's thread, if any.
func (w *playWorld) chartOf(m slackemu.Message) []byte {
	var chart []byte
	for _, f := range w.emu.Files() {
		if f.ThreadTS == m.TS && f.Uploaded && filepath.Ext(f.Name) == ".png" {
			chart = f.Content
		}
	}
	return chart
}

// requestExemption clicks the answer's first Request exemption button as
// the engineer, fills the modal in and submits it, and returns the request
// as posted in the exemption channel.
func (w *playWorld) requestExemption(ctx context.Context, answer json.RawMessage) (slackemu.Message, error) {
	var blocks []struct {
		BlockID  string `json:"block_id"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(answer, &blocks); err != nil {
		return slackemu.Message{}, fmt.Errorf("the answer's blocks: %w", err)
	}
	var click slackemu.Interaction
	for _, b := range blocks {
		for _, el := range b.Elements {
			if click.ActionID == "" && strings.HasPrefix(el.ActionID, "exempt_request:") {
				click = slackemu.Interaction{UserID: w.engineer.ID, ChannelID: w.reports, ActionID: el.ActionID, BlockID: b.BlockID, Value: el.Value}
			}
		}
	}
	if click.ActionID == "" {
		return slackemu.Message{}, errors.New("the answer has no Request exemption button")
	}
	before := len(w.emu.Views())
	if _, err := w.emu.SendInteraction(ctx, w.botURL+slackapp.InteractionPath, click); err != nil {
		return slackemu.Message{}, fmt.Errorf("clicking Request exemption: %w", err)
	}
	views := w.emu.Views()
	if len(views) <= before || views[len(views)-1].Type != "modal" {
		return slackemu.Message{}, errors.New("clicking Request exemption opened no modal")
	}
	modal := views[len(views)-1]
	var form struct {
		Blocks []struct {
			BlockID string `json:"block_id"`
			Element struct {
				Options []struct {
					Value string `json:"value"`
				} `json:"options"`
			} `json:"element"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(modal.JSON, &form); err != nil {
		return slackemu.Message{}, fmt.Errorf("the exemption modal: %w", err)
	}
	rule := ""
	for _, b := range form.Blocks {
		if b.BlockID == "rule" && len(b.Element.Options) > 0 {
			rule = b.Element.Options[0].Value
		}
	}
	if rule == "" {
		return slackemu.Message{}, errors.New("the exemption modal offers no rule")
	}
	until := w.clock.Now().AddDate(0, 0, 14).Format(time.DateOnly)
	if _, err := w.emu.SendInteraction(ctx, w.botURL+slackapp.InteractionPath, slackemu.Interaction{Type: "view_submission", UserID: w.engineer.ID,
		CallbackID: modal.CallbackID, PrivateMetadata: modal.PrivateMetadata, ViewID: modal.ID,
		State: map[string]map[string]slackemu.StateValue{
			"rule":   {"rule": slackemu.OptionValue(rule)},
			"reason": {"reason": slackemu.TextValue("the on-call rota starts next month")},
			"until":  {"until": slackemu.DateValue(until)},
		}}); err != nil {
		return slackemu.Message{}, fmt.Errorf("submitting the exemption modal: %w", err)
	}
	msgs, err := w.emu.WaitMessages(ctx, w.exempt, 1)
	if err != nil {
		return slackemu.Message{}, fmt.Errorf("the exemption request: %w", err)
	}
	return msgs[len(msgs)-1], nil
}

// writeScreenshots takes a picture of every message type into dir.
func writeScreenshots(ctx context.Context, w *playWorld, dir string) error {
	pics, err := playPictures(ctx, w)
	if err != nil {
		return err
	}
	b, err := picture.NewBrowser(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	for _, p := range pics {
		if p.view {
			err = b.WriteView(ctx, dir, p.name, p.json)
		} else {
			err = b.Write(ctx, dir, p.name, p.json)
		}
		if err != nil {
			return err
		}
		if p.chart != nil {
			if err := os.WriteFile(filepath.Join(dir, p.name+".chart.png"), p.chart, 0o644); err != nil {
				return fmt.Errorf("picture %s: %w", p.name, err)
			}
		}
	}
	return nil
}
