package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
	"github.com/slack-go/slack"
)

// dgLadderJSON: Bronze needs a readme, Silver an on-call, Gold an SLO >= 99.
const dgLadderJSON = `[{"identifier":"pr","title":"Readiness",
 "levels":[{"title":"Basic"},{"title":"Bronze"},{"title":"Silver"},{"title":"Gold"}],
 "rules":[
  {"identifier":"readme","title":"Has a README","description":"Add a README.","level":"Bronze","query":{"combinator":"and","conditions":[{"property":"readme","operator":"isNotEmpty"}]}},
  {"identifier":"oncall","title":"Has an on-call","description":"Name an on-call.","level":"Silver","query":{"combinator":"and","conditions":[{"property":"on_call","operator":"isNotEmpty"}]}},
  {"identifier":"slo","title":"SLO at least 99","description":"Raise the SLO.","level":"Gold","query":{"combinator":"and","conditions":[{"property":"slo","operator":">=","value":99}]}}]}]`

func dgService(id string, level int, teams ...string) scorecard.Entity {
	p := map[string]any{}
	if level >= 1 {
		p["readme"] = "README.md"
	}
	if level >= 2 {
		p["on_call"] = "someone"
	}
	if level >= 3 {
		p["slo"] = 99.9
	}
	return scorecard.Entity{Identifier: id, Title: id, Blueprint: "service", Team: teams, Properties: p}
}

// dgSource is a catalog the test changes between runs.
type dgSource struct {
	mu   sync.Mutex
	ents []scorecard.Entity
}

func (s *dgSource) Describe() string { return "test catalog" }

func (s *dgSource) set(ents ...scorecard.Entity) {
	s.mu.Lock()
	s.ents = ents
	s.mu.Unlock()
}

func (s *dgSource) Load(_ context.Context, _ time.Time) (*scorecard.Bundle, error) {
	s.mu.Lock()
	ents := append([]scorecard.Entity(nil), s.ents...)
	s.mu.Unlock()
	scs, f := scorecard.ParseScorecards("ladder.json", []byte(dgLadderJSON))
	if err := f.Err(); err != nil {
		return nil, err
	}
	cat, err := scorecard.NewCatalog(ents)
	if err != nil {
		return nil, err
	}
	return &scorecard.Bundle{Scorecards: scs, Catalog: cat, Origin: "test catalog",
		Teams: []scorecard.Team{{Identifier: "payments", Name: "Payments"}, {Identifier: "search", Name: "Search"}}}, nil
}

type dgClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *dgClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *dgClock) add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// dgWorld is a Slack emulator, a history, a catalog and the jobs over them.
type dgWorld struct {
	t                           *testing.T
	emu                         *slackemu.Server
	src                         *dgSource
	clock                       *dgClock
	db                          string
	reports, payments, fallback string
	lead, oncall                slackemu.User
	out                         bytes.Buffer
	reminder                    time.Duration
	perChannel                  time.Duration
	teamsYAML                   string
	wrap                        func(blockkit.SlackPoster) blockkit.SlackPoster
	workers                     int
	lease                       time.Duration    // claims' lease; default delivery.DefaultDeliveryLease
	now                         func() time.Time // overrides clock
	source                      scorecard.Source // overrides src
	storeOpts                   history.Options
	log                         *slog.Logger
}

func dgNewWorld(t *testing.T) *dgWorld {
	t.Helper()
	w := &dgWorld{t: t, emu: slackemu.New(t), src: &dgSource{}, clock: &dgClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)},
		db: filepath.Join(t.TempDir(), "history.db"), perChannel: 20 * time.Millisecond}
	w.reports = w.emu.AddChannel("reports")
	w.payments = w.emu.AddChannel("payments")
	w.fallback = w.emu.AddChannel("readiness")
	w.lead = w.emu.AddUser("lead@example.com")
	w.oncall = w.emu.AddUser("oncall@example.com")
	w.teamsYAML = fmt.Sprintf("default_channel: %s\nteams:\n  payments:\n    channel: %s\n  search:\n    dm: [lead@example.com, oncall@example.com]\n", w.fallback, w.payments)
	w.src.set(
		dgService("pay-api", 1, "payments"), dgService("pay-web", 3, "payments"), dgService("checkout", 2, "payments"),
		dgService("search-api", 2, "search"), dgService("indexer", 0, "search"),
		dgService("gateway", 1, "platform"), dgService("orphan", 2),
		dgService("gold-one", 3, "platform"),
	)
	return w
}

// jobs returns fresh jobs over a freshly opened store, as after a restart.
func (w *dgWorld) jobs() *engine.Jobs {
	w.t.Helper()
	st, err := history.Open(context.Background(), w.db, w.storeOpts)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { st.Close() })
	routes, err := delivery.ParseTeamRoutes("teams.yaml", []byte(w.teamsYAML))
	if err != nil {
		w.t.Fatal(err)
	}
	var poster blockkit.SlackPoster = blockkit.NewDeliveryClient(w.emu.BotToken(), w.emu.URL(), nil)
	var src scorecard.Source = w.src
	if w.source != nil {
		src = w.source
	}
	now := w.clock.Now
	if w.now != nil {
		now = w.now
	}
	if w.wrap != nil {
		poster = w.wrap(poster)
	}
	j, err := engine.NewJobs(engine.Config{ReportChannel: w.reports, Routes: routes, ReminderEvery: w.reminder, ChartDir: w.t.TempDir(),
		Locations:     map[string]*time.Location{jobs.Weekly: time.UTC, jobs.Monthly: time.UTC, jobs.Quarterly: time.UTC, jobs.Notices: time.UTC},
		DeliveryLease: w.lease},
		engine.Deps{Jobs: jobs.All(), Source: src, Store: st, Out: &w.out, Now: now, Log: w.log, Notifiers: []delivery.Notifier{
			blockkit.NewSlackNotifier(poster, w.log, blockkit.DeliveryOptions{PerChannel: w.perChannel, Backoff: 10 * time.Millisecond, Workers: w.workers})}})
	if err != nil {
		w.t.Fatal(err)
	}
	return j
}

func (w *dgWorld) run(j *engine.Jobs, job string, opt engine.RunOptions) engine.Outcome {
	w.t.Helper()
	out, err := j.Run(context.Background(), job, opt)
	if err != nil {
		w.t.Fatalf("run %s: %v", job, err)
	}
	return out
}

// dgText flattens a message's blocks to their text.
func dgText(t *testing.T, m slackemu.Message) string {
	t.Helper()
	var blocks any
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				b.WriteString(s + "\n")
			}
			for k, y := range x {
				if k != "text" {
					walk(y)
				} else if _, isStr := y.(string); !isStr {
					walk(y)
				}
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(blocks)
	return b.String()
}

func TestWeeklyDigest(t *testing.T) {
	w := dgNewWorld(t)
	j := w.jobs()
	out := w.run(j, jobs.Weekly, engine.RunOptions{})
	msgs := w.emu.Messages(w.reports)
	if out.Sent != 1 || len(msgs) != 1 {
		t.Fatalf("sent %d, channel has %d messages; want 1", out.Sent, len(msgs))
	}
	text := dgText(t, msgs[0])
	// Levels: pay-api, gateway Bronze; checkout, search-api, orphan Silver;
	// pay-web, gold-one Gold; indexer Basic.
	for _, want := range []string{"Basic 1 · Bronze 2 · Silver 3 · Gold 2", "*Readiness*: *25%* at Gold (2 of 8)", "First digest", "orphan"} {
		if !strings.Contains(text, want) {
			t.Errorf("digest lacks %q:\n%s", want, text)
		}
	}

	tests := []struct {
		name     string
		opt      engine.RunOptions
		advance  time.Duration
		wantSent int
		wantNote string
	}{
		{"same period again sends nothing", engine.RunOptions{}, time.Hour, 0, "already sent"},
		{"force sends again", engine.RunOptions{Force: true}, time.Hour, 1, ""},
		{"after a restart, still nothing", engine.RunOptions{}, 24 * time.Hour, 0, "already sent"},
		{"dry run posts nothing", engine.RunOptions{DryRun: true}, time.Hour, 0, ""},
	}
	total := 1
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.clock.add(tt.advance)
			out := w.run(w.jobs(), jobs.Weekly, tt.opt)
			total += tt.wantSent
			if out.Sent != tt.wantSent || len(w.emu.Messages(w.reports)) != total {
				t.Errorf("sent %d (channel has %d), want %d (total %d)", out.Sent, len(w.emu.Messages(w.reports)), tt.wantSent, total)
			}
			if tt.wantNote != "" && !strings.Contains(strings.Join(out.Notes, "\n"), tt.wantNote) {
				t.Errorf("notes %q lack %q", out.Notes, tt.wantNote)
			}
		})
	}

	// Next week: one service demoted, one promoted; the digest shows changes.
	w.clock.add(7 * 24 * time.Hour)
	w.src.set(
		dgService("pay-api", 1, "payments"), dgService("pay-web", 1, "payments"), dgService("checkout", 2, "payments"),
		dgService("search-api", 3, "search"), dgService("indexer", 0, "search"),
		dgService("gateway", 1, "platform"), dgService("orphan", 2), dgService("gold-one", 3, "platform"),
	)
	w.run(w.jobs(), jobs.Weekly, engine.RunOptions{})
	msgs = w.emu.Messages(w.reports)
	text = dgText(t, msgs[len(msgs)-1])
	for _, want := range []string{"no change since last week", "compared with", "Bronze 3 (+1)", "Silver 2 (-1) · Gold 2 ·", "pay-web Gold → Bronze", "search-api Silver → Gold", "*Payments*: 0% (0 of 3), ▼ 33 points"} {
		if !strings.Contains(text, want) {
			t.Errorf("second week's digest lacks %q:\n%s", want, text)
		}
	}
}

func TestMonthlyDigestUploadsChart(t *testing.T) {
	w := dgNewWorld(t)
	w.run(w.jobs(), jobs.Monthly, engine.RunOptions{})
	files := w.emu.Files()
	if len(files) != 1 {
		t.Fatalf("%d files uploaded, want 1", len(files))
	}
	f := files[0]
	if !f.Complete || !bytes.HasPrefix(f.Content, []byte("\x89PNG\r\n\x1a\n")) || len(f.Channels) != 1 || f.Channels[0] != w.reports {
		t.Errorf("upload: complete=%v png=%v channels=%v", f.Complete, bytes.HasPrefix(f.Content, []byte("\x89PNG")), f.Channels)
	}
	if n := len(w.emu.Messages(w.reports)); n < 1 {
		t.Errorf("no digest message")
	}
	// Dry run writes the chart to a file and prints its path.
	w.out.Reset()
	out := w.run(w.jobs(), jobs.Monthly, engine.RunOptions{DryRun: true})
	if len(out.Files) != 1 || !strings.Contains(w.out.String(), out.Files[0]) {
		t.Errorf("dry run: files %v, output:\n%s", out.Files, w.out.String())
	}
}

// dgNoticesByChannel counts notice messages per conversation.
func (w *dgWorld) noticesTo() map[string][]slackemu.Message {
	out := map[string][]slackemu.Message{}
	for _, m := range w.emu.AllMessages() {
		ch := m.Channel
		if strings.HasPrefix(ch, "G") {
			// The emulator opens a new group DM on each conversations.open
			// (a restart); all of them are the search team's.
			ch = dgSearchDM
		}
		if ch != w.reports {
			out[ch] = append(out[ch], m)
		}
	}
	return out
}

const dgSearchDM = "group DM with search's lead and on-call"

func TestTeamNotices(t *testing.T) {
	w := dgNewWorld(t)
	w.run(w.jobs(), jobs.Notices, engine.RunOptions{})
	got := w.noticesTo()
	dm := dgSearchDM
	want := map[string]int{w.payments: 1, dm: 1, w.fallback: 2} // platform and (no team) share the default channel
	for ch, n := range want {
		if len(got[ch]) != n {
			t.Errorf("channel %s got %d notices, want %d", ch, len(got[ch]), n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("notices went to %d conversations, want %d", len(got), len(want))
	}
	// pay-web is Gold: its team's notice must not name it; pay-api is Bronze.
	payText := dgText(t, got[w.payments][0])
	if !strings.Contains(payText, "pay-api") || strings.Contains(payText, "pay-web") {
		t.Errorf("payments notice:\n%s", payText)
	}

	steps := []struct {
		name    string
		advance time.Duration
		change  func()
		force   bool
		want    map[string]int // new messages per conversation
		names   map[string]string
	}{
		{"same day again sends nothing", time.Hour, nil, false, map[string]int{}, nil},
		{"next day, nothing changed: quiet", 24 * time.Hour, nil, false, map[string]int{}, nil},
		{"a regression: only its team hears", 24 * time.Hour, func() {
			w.src.set(
				dgService("pay-api", 1, "payments"), dgService("pay-web", 2, "payments"), dgService("checkout", 2, "payments"),
				dgService("search-api", 2, "search"), dgService("indexer", 0, "search"),
				dgService("gateway", 1, "platform"), dgService("orphan", 2), dgService("gold-one", 3, "platform"))
		}, false, map[string]int{w.payments: 1}, map[string]string{w.payments: "pay-web"}},
		{"after the reminder period everyone hears again", 8 * 24 * time.Hour, nil, false, map[string]int{w.payments: 1, dm: 1, w.fallback: 2}, nil},
		{"force sends again the same day", time.Hour, nil, true, map[string]int{w.payments: 1, dm: 1, w.fallback: 2}, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			before := w.noticesTo()
			w.clock.add(st.advance)
			if st.change != nil {
				st.change()
			}
			w.run(w.jobs(), jobs.Notices, engine.RunOptions{Force: st.force})
			after := w.noticesTo()
			for ch := range after {
				if d := len(after[ch]) - len(before[ch]); d != st.want[ch] {
					t.Errorf("conversation %s got %d new notices, want %d", ch, d, st.want[ch])
				}
			}
			for ch, name := range st.names {
				msgs := after[ch]
				if text := dgText(t, msgs[len(msgs)-1]); !strings.Contains(text, name) || !strings.Contains(text, ":new:") {
					t.Errorf("notice to %s should name %s and mark what is new:\n%s", ch, name, text)
				}
			}
		})
	}
	// Users and the DM were looked up once, however many notices went out.
	if n := len(w.emu.CallsTo("users.lookupByEmail")); n > 2*3 {
		t.Errorf("%d users.lookupByEmail calls; look-ups are not cached", n)
	}
}

func TestTeamNoticeLookupsCached(t *testing.T) {
	w := dgNewWorld(t)
	j := w.jobs()
	for i := 0; i < 3; i++ {
		w.run(j, jobs.Notices, engine.RunOptions{Force: true})
	}
	if n := len(w.emu.CallsTo("users.lookupByEmail")); n != 2 {
		t.Errorf("%d users.lookupByEmail calls for two people over three runs, want 2", n)
	}
	if n := len(w.emu.CallsTo("conversations.open")); n != 1 {
		t.Errorf("%d conversations.open calls, want 1", n)
	}
}

// dgCrashAfter lets n messages through, then acts as if the process died:
// every later call fails and the run's context is canceled.
type dgCrashAfter struct {
	blockkit.SlackPoster
	mu     sync.Mutex
	n      int
	cancel context.CancelFunc
}

func (c *dgCrashAfter) PostMessageContext(ctx context.Context, ch string, opts ...slack.MsgOption) (string, string, error) {
	c.mu.Lock()
	if c.n <= 0 {
		c.mu.Unlock()
		c.cancel()
		return "", "", context.Canceled
	}
	c.n--
	c.mu.Unlock()
	return c.SlackPoster.PostMessageContext(ctx, ch, opts...)
}

func TestCrashMidRunThenRestartSendsTheRest(t *testing.T) {
	w := dgNewWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.workers = 1 // one conversation at a time, so the crash falls between two
	crash := &dgCrashAfter{n: 2, cancel: cancel}
	w.wrap = func(p blockkit.SlackPoster) blockkit.SlackPoster { crash.SlackPoster = p; return crash }
	first, err := w.jobs().Run(ctx, jobs.Notices, engine.RunOptions{})
	if err == nil || first.Sent != 2 {
		t.Fatalf("crashed run: sent %d, err %v; want 2 sent and an error", first.Sent, err)
	}
	w.wrap = nil
	w.clock.add(time.Minute)
	j := w.jobs()
	if f, err := j.Store().Failures(context.Background(), time.Time{}); err != nil || len(f) != 0 {
		t.Errorf("a stopped run is not a delivery failure for managers to see: %+v %v", f, err)
	}
	out := w.run(j, jobs.Notices, engine.RunOptions{})
	if out.Sent != 4-first.Sent || out.Skipped != first.Sent {
		t.Errorf("restart: sent %d, skipped %d; want the %d left sent and the %d done skipped", out.Sent, out.Skipped, 4-first.Sent, first.Sent)
	}
	total := 0
	for ch, msgs := range w.noticesTo() {
		total += len(msgs)
		if want := map[string]int{w.fallback: 2}[ch]; want == 0 && len(msgs) != 1 || want > 0 && len(msgs) != want {
			t.Errorf("%s got %d notices", ch, len(msgs))
		}
	}
	if total != 4 {
		t.Errorf("%d notices in all, want exactly 4 (one per team)", total)
	}
}

func TestOneTeamsFailureDoesNotStopOthers(t *testing.T) {
	w := dgNewWorld(t)
	w.teamsYAML = fmt.Sprintf("default_channel: %s\nteams:\n  payments:\n    channel: C0NOSUCH\n  search:\n    dm: [lead@example.com, gone@example.com]\n", w.fallback)
	_, err := w.jobs().Run(context.Background(), jobs.Notices, engine.RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "channel_not_found") || !strings.Contains(err.Error(), "teams.payments in teams.yaml") {
		t.Fatalf("error %v should name channel_not_found and where the channel was configured", err)
	}
	got := w.noticesTo()
	if len(got[w.fallback]) != 2 {
		t.Errorf("default channel got %d notices, want 2", len(got[w.fallback]))
	}
	if dm, ok := w.emu.IM(w.lead.ID); !ok || len(w.emu.Messages(dm)) != 1 {
		t.Errorf("lead should get search's notice alone when the other email is unknown (im %q)", dm)
	}
	// The next digest lists both problems.
	w.run(w.jobs(), jobs.Weekly, engine.RunOptions{})
	msgs := w.emu.Messages(w.reports)
	text := dgText(t, msgs[len(msgs)-1])
	for _, want := range []string{"channel_not_found", "users_not_found", "gone@example.com"} {
		if !strings.Contains(text, want) {
			t.Errorf("digest should list %q:\n%s", want, text)
		}
	}
}

func TestDeliveryRetries(t *testing.T) {
	tests := []struct {
		name  string
		fault func(w *dgWorld)
		want  string // an answer the emulator must have given before success
	}{
		{"429 waits Retry-After", func(w *dgWorld) { w.emu.RateLimit("chat.postMessage", 1, time.Second) }, "ratelimited"},
		{"HTTP 503 is retried", func(w *dgWorld) { w.emu.FailNext("chat.postMessage", 503) }, "503"},
		{"internal_error is retried", func(w *dgWorld) { w.emu.FailNextWith("chat.postMessage", "internal_error") }, "internal_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := dgNewWorld(t)
			tt.fault(w)
			d := blockkit.NewSlackNotifier(blockkit.NewDeliveryClient(w.emu.BotToken(), w.emu.URL(), nil), nil, blockkit.DeliveryOptions{Backoff: 10 * time.Millisecond})
			var mu sync.Mutex
			var errs []error
			d.Notify(context.Background(), []*delivery.Outgoing{
				{Destination: "a", Channel: w.payments, Text: "one"}, {Destination: "b", Channel: w.fallback, Text: "two"},
			}, nil, func(r delivery.Delivered) { mu.Lock(); errs = append(errs, r.Err); mu.Unlock() })
			for _, err := range errs {
				if err != nil {
					t.Errorf("delivery failed: %v", err)
				}
			}
			seen := false
			for _, c := range w.emu.CallsTo("chat.postMessage") {
				if c.Error == tt.want || fmt.Sprint(c.Status) == tt.want {
					seen = true
				}
			}
			if !seen {
				t.Errorf("the emulator never answered %s", tt.want)
			}
			if len(w.emu.Messages(w.payments))+len(w.emu.Messages(w.fallback)) != 2 {
				t.Errorf("messages not delivered exactly once")
			}
		})
	}
}

func TestDeliveryPacesEachChannel(t *testing.T) {
	w := dgNewWorld(t)
	d := blockkit.NewSlackNotifier(blockkit.NewDeliveryClient(w.emu.BotToken(), w.emu.URL(), nil), nil, blockkit.DeliveryOptions{PerChannel: 200 * time.Millisecond})
	var msgs []*delivery.Outgoing
	for i := 0; i < 3; i++ {
		msgs = append(msgs, &delivery.Outgoing{Destination: fmt.Sprint(i), Channel: w.payments, Text: fmt.Sprint(i)})
	}
	// Two messages in one run, the third in the next run right after.
	d.Notify(context.Background(), msgs[:2], nil, func(delivery.Delivered) {})
	d.Notify(context.Background(), msgs[2:], nil, func(delivery.Delivered) {})
	calls := w.emu.CallsTo("chat.postMessage")
	if len(calls) != 3 {
		t.Fatalf("%d calls", len(calls))
	}
	for i := 1; i < len(calls); i++ {
		if gap := calls[i].At.Sub(calls[i-1].At); gap < 190*time.Millisecond {
			t.Errorf("messages %d and %d to one channel %s apart; want at least 200ms", i-1, i, gap)
		}
	}
	var de *delivery.Error
	if err := blockkit.Classify(slack.SlackErrorResponse{Err: "channel_not_found"}); !errors.As(err, &de) || de.Reason != delivery.ReasonClient {
		t.Errorf("channel_not_found classified as %v", err)
	}
}
