package slackapp

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/exemption"
	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

// TestDecideExemptionRefusesSelfApprovalAndExpiredRequests: an approver
// may not approve their own request unless SelfApprove is on, and nobody
// approves a request whose end date has passed.
func TestDecideExemptionRefusesSelfApprovalAndExpiredRequests(t *testing.T) {
	day := 24 * time.Hour
	cases := []struct {
		name        string
		selfApprove bool
		byApprover  bool          // the approver asked for it
		until       time.Duration // from now
		want        []string      // in the approver's answer
		wantStatus  string
	}{
		{"own request", false, true, 10 * day, []string{"your own request", "another approver"}, history.ExemptionRequested},
		{"own request, self-approval allowed", true, true, 10 * day, []string{"Approved by"}, history.ExemptionApproved},
		{"someone else's request", false, false, 10 * day, []string{"Approved by"}, history.ExemptionApproved},
		{"expired request", false, false, -2 * day, []string{"expired on", "request it again"}, history.ExemptionRequested},
		{"own expired request, self-approval allowed", true, true, -2 * day, []string{"expired on", "request it again"}, history.ExemptionRequested},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			emu := slackemu.New(t)
			approvals := emu.AddChannel("approvals")
			lead := emu.AddUser("lead@example.com")
			dev := emu.AddUser("dev@example.com")
			st, err := history.Open(ctx, filepath.Join(t.TempDir(), "h.db"), history.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			requester := dev.ID
			if tc.byApprover {
				requester = lead.ID
			}
			now := time.Now()
			asked := now.Add(-5 * day)
			rec, err := st.RequestExemption(ctx, scorecard.Exemption{Service: "refunds-worker", Scorecard: "production_readiness", Rule: "has_readme",
				Until: now.Add(tc.until), Reason: "moving"}, requester, asked)
			if err != nil {
				t.Fatal(err)
			}
			exCfg := exemption.Config{Channel: approvals, Approvers: []string{lead.ID}, Max: 90 * day, SelfApprove: tc.selfApprove}
			r := start(t, emu, Config{BotToken: emu.BotToken(), Store: st, Exemptions: exCfg})
			waitReady(t, r.bot)
			rep := interact(t, emu, interactionURL(r), slackemu.Interaction{UserID: lead.ID, ChannelID: approvals, ActionID: actExemptApprove, Value: strconv.FormatInt(rec.ID, 10)})
			p := lastResponse(t, emu, rep, 1)
			got := p.Text + "\n" + blocksText(p.Blocks)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("the approver was told %q; want %q in it", got, w)
				}
			}
			after, err := st.Exemption(ctx, rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			if after.Status != tc.wantStatus {
				t.Errorf("status %s, want %s", after.Status, tc.wantStatus)
			}
		})
	}
}
