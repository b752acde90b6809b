package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/bot/exemption"
	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

// TestExemptionsInDigestAndNotices: an approved exemption is counted by the
// digest, shown in the team's notice, and when it expires the team's next
// notice says so, once; a snooze keeps notices away and the next notice
// says who snoozed them.
func TestExemptionsInDigestAndNotices(t *testing.T) {
	ctx := context.Background()
	w := dgNewWorld(t)
	st, err := history.Open(ctx, w.db, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w.source = exemption.With(w.src, exemption.Config{Max: exemption.DefaultMax}, st, nil)
	now := w.clock.Now()
	// pay-api lacks an on-call (Silver); exempt it for three days.
	req, err := st.RequestExemption(ctx, scorecard.Exemption{Service: "pay-api", Scorecard: "pr", Rule: "oncall", Until: now.Add(72 * time.Hour), Reason: "on-call rota starts in January"}, "U0REQUEST", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DecideExemption(ctx, req.ID, true, "U0APPROVE", now); err != nil {
		t.Fatal(err)
	}

	w.run(w.jobs(), jobs.Weekly, engine.RunOptions{})
	digest := dgText(t, w.emu.Messages(w.reports)[0])
	if !strings.Contains(digest, "1 exemption in force, 1 ending within 7 days.") {
		t.Errorf("digest does not count the exemption:\n%s", digest)
	}

	w.run(w.jobs(), jobs.Notices, engine.RunOptions{})
	msgs := w.emu.Messages(w.payments)
	notice := dgText(t, msgs[len(msgs)-1])
	if !strings.Contains(notice, "exempt until "+now.Add(72*time.Hour).Format(time.DateOnly)+": on-call rota starts in January — by <@U0APPROVE> (slack)") {
		t.Errorf("notice does not show the exempt rule:\n%s", notice)
	}

	// Four days later the exemption has expired: pay-api drops a level and
	// the notice says the exemption expired.
	w.clock.add(4 * 24 * time.Hour)
	w.run(w.jobs(), jobs.Notices, engine.RunOptions{})
	msgs = w.emu.Messages(w.payments)
	notice = dgText(t, msgs[len(msgs)-1])
	if !strings.Contains(notice, "The exemption of *pay-api* from oncall (pr) expired on") || strings.Contains(notice, "exempt until") {
		t.Errorf("notice after expiry:\n%s", notice)
	}
	// Said once: the next forced notice does not repeat it.
	w.clock.add(time.Hour)
	w.run(w.jobs(), jobs.Notices, engine.RunOptions{Force: true})
	msgs = w.emu.Messages(w.payments)
	if notice = dgText(t, msgs[len(msgs)-1]); strings.Contains(notice, "expired on") {
		t.Errorf("the expiry was told twice:\n%s", notice)
	}

	// Snoozed for a week: nothing goes to payments, even forced.
	if _, _, err := st.SnoozeTeam(ctx, "payments", "U0SNOOZER", w.clock.Now().Add(7*24*time.Hour), w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	before := len(w.emu.Messages(w.payments))
	w.clock.add(24 * time.Hour)
	out := w.run(w.jobs(), jobs.Notices, engine.RunOptions{Force: true})
	if len(w.emu.Messages(w.payments)) != before || !strings.Contains(strings.Join(out.Notes, "\n"), "snoozed, not sent: Payments (by U0SNOOZER") {
		t.Errorf("a snoozed team got a notice; notes %q", out.Notes)
	}
	w.clock.add(7 * 24 * time.Hour)
	w.run(w.jobs(), jobs.Notices, engine.RunOptions{Force: true})
	msgs = w.emu.Messages(w.payments)
	if notice = dgText(t, msgs[len(msgs)-1]); len(msgs) != before+1 || !strings.Contains(notice, "These notices were snoozed by <@U0SNOOZER>") {
		t.Errorf("after the snooze (%d messages):\n%s", len(msgs)-before, notice)
	}
}
