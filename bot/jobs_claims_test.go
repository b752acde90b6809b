package bot

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history"
)

// deliveryKeys counts the messages in the emulator by the exactly-once key
// each carries in its metadata.
func deliveryKeys(t testing.TB, emu *slackemu.Server) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range emu.AllMessages() {
		if m.Metadata == nil {
			continue
		}
		var meta slack.SlackMetadata
		if err := json.Unmarshal(m.Metadata, &meta); err != nil {
			t.Fatalf("metadata of %s: %v", m.TS, err)
		}
		if meta.EventType == blockkit.DeliveryEventType {
			out[meta.EventPayload["key"].(string)]++
		}
	}
	return out
}

// tally is what reached Slack against what should have: every wanted key
// once. It logs the counts and fails the test on a duplicate or a loss.
func tally(t testing.TB, emu *slackemu.Server, want []string) (posted, dups, lost int) {
	t.Helper()
	got := deliveryKeys(t, emu)
	wanted := map[string]bool{}
	for _, k := range want {
		wanted[k] = true
		if got[k] == 0 {
			lost++
			t.Errorf("lost: %s never reached Slack", k)
		}
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		n := got[k]
		posted += n
		if n > 1 {
			dups += n - 1
			t.Errorf("duplicate: %s reached Slack %d times", k, n)
		}
		if !wanted[k] {
			t.Errorf("unexpected message %s", k)
		}
	}
	t.Logf("posted %d, duplicates %d, lost %d (of %d wanted)", posted, dups, lost, len(want))
	return
}

// noticeKeys are the keys of the four team notices of dgNewWorld's catalog
// on the clock's day.
func (w *dgWorld) noticeKeys(at time.Time) []string {
	p := report.PeriodOf(report.Daily, at.In(time.UTC)).Key
	var out []string
	for _, team := range []string{"payments", "search", "platform", ""} {
		out = append(out, history.Claim{Job: jobs.Notices, Period: p, Destination: jobs.NoticeDest(team)}.Key())
	}
	return out
}

func (w *dgWorld) weeklyKey(at time.Time) string {
	return history.Claim{Job: jobs.Weekly, Period: report.PeriodOf(report.Weekly, at.In(time.UTC)).Key, Destination: w.reports}.Key()
}

// dgDieAfterPost lets Slack accept the message numbered die (from 1), then
// acts as a process that died before recording it: the call fails and the
// run's context is canceled.
type dgDieAfterPost struct {
	blockkit.SlackPoster
	mu     sync.Mutex
	n, die int
	cancel context.CancelFunc
}

func (c *dgDieAfterPost) PostMessageContext(ctx context.Context, ch string, opts ...slack.MsgOption) (string, string, error) {
	c.mu.Lock()
	c.n++
	n := c.n
	c.mu.Unlock()
	if n > c.die {
		return "", "", context.Canceled
	}
	a, b, err := c.SlackPoster.PostMessageContext(ctx, ch, opts...)
	if n == c.die {
		c.cancel()
		return "", "", context.Canceled
	}
	return a, b, err
}

// Slack accepted a message, the process stopped before recording it: the
// next run finds it in the conversation's history and does not post it again.
func TestPostedButNotRecordedIsNotPostedAgain(t *testing.T) {
	for _, die := range []int{1, 3} {
		w := dgNewWorld(t)
		w.workers = 1
		ctx, cancel := context.WithCancel(context.Background())
		crash := &dgDieAfterPost{die: die, cancel: cancel}
		w.wrap = func(p blockkit.SlackPoster) blockkit.SlackPoster { crash.SlackPoster = p; return crash }
		first, err := w.jobs().Run(ctx, jobs.Notices, engine.RunOptions{})
		cancel()
		if err == nil || first.Sent != die-1 {
			t.Fatalf("die at %d: first run sent %d, err %v", die, first.Sent, err)
		}
		w.wrap = nil
		w.clock.add(time.Minute)
		again := w.run(w.jobs(), jobs.Notices, engine.RunOptions{})
		notes := strings.Join(again.Notes, "\n")
		if again.Sent != 4-die || !strings.Contains(notes, "found in Slack") {
			t.Errorf("die at %d: restart sent %d (want %d), notes:\n%s", die, again.Sent, 4-die, notes)
		}
		if n := len(w.emu.CallsTo("conversations.history")); n == 0 {
			t.Errorf("the restart never looked in Slack")
		}
		tally(t, w.emu, w.noticeKeys(w.clock.Now()))
		sent, err := w.jobs().Store().Sent(context.Background(), jobs.Notices, report.PeriodOf(report.Daily, w.clock.Now()).Key)
		if err != nil || len(sent) != 4 {
			t.Errorf("%d notices recorded, want 4 (%v)", len(sent), err)
		}
	}
}

// A process died holding a claim (killed, so it released nothing). The
// next run waits for the claim to expire, then looks in Slack: a message
// the dead process posted is recorded, one it did not is posted.
func TestDeadClaimerIsWaitedOutThenChecked(t *testing.T) {
	for _, posted := range []bool{true, false} {
		w := dgNewWorld(t)
		w.now = time.Now
		w.lease = time.Second
		ctx := context.Background()
		j := w.jobs()
		keys := w.noticeKeys(time.Now())
		dead := history.Claim{Job: jobs.Notices, Period: report.PeriodOf(report.Daily, time.Now().UTC()).Key, Destination: jobs.NoticeDest("payments"),
			Claimer: "gone-host/1/dead", Channel: w.payments}
		if r, _, err := j.Store().Claim(ctx, dead, time.Now(), w.lease); r != history.ClaimedNew || err != nil {
			t.Fatal(r, err)
		}
		if posted {
			api := slack.New(w.emu.BotToken(), slack.OptionAPIURL(w.emu.URL()))
			if _, _, err := api.PostMessage(w.payments, slack.MsgOptionText("the dead process's notice", false),
				slack.MsgOptionMetadata(slack.SlackMetadata{EventType: blockkit.DeliveryEventType, EventPayload: map[string]any{"key": dead.Key()}})); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		out, err := j.Run(ctx, jobs.Notices, engine.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took < 500*time.Millisecond {
			t.Errorf("posted=%v: the run did not wait for the live-looking claim (%s)", posted, took)
		}
		wantSent := map[bool]int{true: 3, false: 4}[posted]
		if out.Sent != wantSent {
			t.Errorf("posted=%v: sent %d, want %d; notes %q", posted, out.Sent, wantSent, out.Notes)
		}
		tally(t, w.emu, keys)
	}
}

// serve's scheduler and a manual `prodready run` at the same instant, on
// one database: every message goes out once.
func TestConcurrentRunsPostOnce(t *testing.T) {
	w := dgNewWorld(t)
	w.now = time.Now
	w.lease = 2 * time.Second
	w.emu.Slow("chat.postMessage", 100*time.Millisecond) // widen the window
	a, b := w.jobs(), w.jobs()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	outs := make([]engine.Outcome, 4)
	for i, job := range []struct {
		j   *engine.Jobs
		job string
	}{{a, jobs.Notices}, {b, jobs.Notices}, {a, jobs.Weekly}, {b, jobs.Weekly}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = job.j.Run(context.Background(), job.job, engine.RunOptions{})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("run %d: %v", i, err)
		}
	}
	if sent := outs[0].Sent + outs[1].Sent; sent != 4 {
		t.Errorf("the two notice runs sent %d between them, want 4: %+v %+v", sent, outs[0], outs[1])
	}
	if sent := outs[2].Sent + outs[3].Sent; sent != 1 {
		t.Errorf("the two digest runs sent %d between them, want 1", sent)
	}
	tally(t, w.emu, append(w.noticeKeys(time.Now()), w.weeklyKey(time.Now())))
}

// A claim lost while posting (another process took it over after it
// expired) stops the post.
func TestLostClaimStopsPosting(t *testing.T) {
	w := dgNewWorld(t)
	w.now = time.Now
	w.lease = time.Second
	w.emu.Slow("chat.postMessage", 3*time.Second)
	j := w.jobs()
	go func() {
		// Another process takes the digest's claim over, as if this one had
		// stopped renewing it in time.
		ctx := context.Background()
		for {
			time.Sleep(20 * time.Millisecond)
			cs, _ := j.Store().Claims(ctx, jobs.Weekly)
			if len(cs) != 1 {
				continue
			}
			other := cs[0]
			other.Claimer = "thief/2/x"
			j.Store().ReleaseClaim(ctx, cs[0], time.Now(), true)
			if r, _, err := j.Store().Claim(ctx, other, time.Now(), time.Minute); err == nil && r == history.ClaimedOver {
				return
			}
		}
	}()
	_, err := j.Run(context.Background(), jobs.Weekly, engine.RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "took over") {
		t.Errorf("error %v, want the post stopped because the claim was taken over", err)
	}
	var de *delivery.Error
	if !errors.As(err, &de) || de.Reason != delivery.ReasonCanceled {
		t.Errorf("error %v should be a canceled delivery", err)
	}
}

// An app installed before the history scopes: an unfinished attempt cannot
// be checked, so the message is posted, and the warning that it may show
// twice is recorded for the next digest, naming the scopes to add.
func TestUncheckableAttemptIsPostedWithAWarning(t *testing.T) {
	w := dgNewWorld(t)
	w.now = time.Now
	old := "xoxb-installed-before-history-scopes"
	w.emu.AddToken(old, "chat:write", "im:write", "users:read", "users:read.email", "files:write")
	w.wrap = func(blockkit.SlackPoster) blockkit.SlackPoster {
		return blockkit.NewDeliveryClient(old, w.emu.URL(), nil)
	}
	j := w.jobs()
	ctx := context.Background()
	gone := history.Claim{Job: jobs.Notices, Period: report.PeriodOf(report.Daily, time.Now().UTC()).Key, Destination: jobs.NoticeDest("payments"),
		Claimer: "gone-host/1/dead", Channel: w.payments}
	if r, _, err := j.Store().Claim(ctx, gone, time.Now().Add(-time.Hour), time.Minute); r != history.ClaimedNew || err != nil {
		t.Fatal(r, err)
	}
	out, err := j.Run(ctx, jobs.Notices, engine.RunOptions{})
	if err != nil || out.Sent != 4 {
		t.Fatalf("sent %d, %v; want all 4", out.Sent, err)
	}
	tally(t, w.emu, w.noticeKeys(time.Now()))
	fs, err := j.Store().Failures(ctx, time.Time{})
	if err != nil || len(fs) != 1 || !strings.Contains(fs[0].Reason, "may show twice") || !strings.Contains(fs[0].Reason, "channels:history") {
		t.Errorf("recorded for the next digest: %+v %v", fs, err)
	}
}
