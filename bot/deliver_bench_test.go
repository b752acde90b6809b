package bot

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

// dgScale is a catalog of n services across teams teams, every team with
// its own channel in the emulator, which allows one message per second
// per channel as Slack does.
type dgScale struct {
	emu    *slackemu.Server
	src    *dgSource
	routes *delivery.TeamRoutes
	report string
}

func dgNewScale(tb testing.TB, n, teams int) *dgScale {
	tb.Helper()
	s := &dgScale{emu: slackemu.New(tb), src: &dgSource{}}
	s.report = s.emu.AddChannel("eng-managers")
	var yaml strings.Builder
	yaml.WriteString("teams:\n")
	for t := 0; t < teams; t++ {
		ch := s.emu.AddChannel(fmt.Sprintf("team-%03d", t))
		s.emu.RateLimitChannel("chat.postMessage", ch, 1, time.Second)
		fmt.Fprintf(&yaml, "  team-%03d:\n    channel: %s\n", t, ch)
	}
	var err error
	if s.routes, err = delivery.ParseTeamRoutes("teams.yaml", []byte(yaml.String())); err != nil {
		tb.Fatal(err)
	}
	ents := make([]scorecard.Entity, n)
	for i := range ents {
		// Every team has services at every level, so every team gets a notice.
		ents[i] = dgService(fmt.Sprintf("svc-%05d", i), (i/teams)%4, fmt.Sprintf("team-%03d", i%teams))
	}
	s.src.set(ents...)
	return s
}

// jobs builds the jobs over the emulator, pacing each channel at perChannel
// (0: Slack's one message per second).
func (s *dgScale) jobs(tb testing.TB, db string, now func() time.Time, perChannel time.Duration) *engine.Jobs {
	tb.Helper()
	st, err := history.OpenSQLite(context.Background(), db, history.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	j, err := engine.NewJobs(engine.Config{ReportChannel: s.report, Routes: s.routes, ChartDir: tb.TempDir()},
		engine.Deps{Jobs: jobs.All(), Source: s.src, Store: st, Now: now, Notifiers: []delivery.Notifier{
			blockkit.NewSlackNotifier(blockkit.NewDeliveryClient(s.emu.BotToken(), s.emu.URL(), nil), nil, blockkit.DeliveryOptions{PerChannel: perChannel})}})
	if err != nil {
		tb.Fatal(err)
	}
	return j
}

func (s *dgScale) ratelimited() int {
	n := 0
	for _, c := range s.emu.CallsTo("chat.postMessage") {
		if c.Status == 429 {
			n++
		}
	}
	return n
}

// BenchmarkDeliver200Notices: the 200 team notices of 10,000 services, to
// 200 channels, at one message per second per channel.
func BenchmarkDeliver200Notices(b *testing.B) {
	s := dgNewScale(b, 10000, 200)
	j := s.jobs(b, filepath.Join(b.TempDir(), "h.db"), time.Now, 0) // Slack's pace: what this benchmark is about
	out, err := j.Run(context.Background(), jobs.Refresh, engine.RunOptions{})
	if err != nil {
		b.Fatal(err)
	}
	snap, err := j.Store().LoadSnapshot(context.Background(), out.SnapshotID)
	if err != nil {
		b.Fatal(err)
	}
	var msgs []*delivery.Outgoing
	for _, n := range report.BuildNotices(snap, "", nil) {
		route, _ := s.routes.For(n.Team)
		msgs = append(msgs, &delivery.Outgoing{Destination: n.Team, Channel: route.Channel, Notice: n})
	}
	if len(msgs) != 200 {
		b.Fatalf("%d notices", len(msgs))
	}
	d := blockkit.NewSlackNotifier(blockkit.NewDeliveryClient(s.emu.BotToken(), s.emu.URL(), nil), nil, blockkit.DeliveryOptions{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		failed := 0
		d.Notify(context.Background(), msgs, nil, func(r delivery.Delivered) {
			if r.Err != nil {
				failed++
			}
		})
		if failed > 0 {
			b.Fatalf("%d notices failed", failed)
		}
		b.StopTimer()
		time.Sleep(time.Second) // the channels' one-second windows close between rounds
		b.StartTimer()
	}
	b.ReportMetric(float64(s.ratelimited()), "429s")
}

// BenchmarkTeamNoticesJob: the whole team-notices run for 10,000 services
// across 200 teams: load, evaluate, store the snapshot, compare with the
// last notices, render and deliver 200 notices.
func BenchmarkTeamNoticesJob(b *testing.B) {
	s := dgNewScale(b, 10000, 200)
	j := s.jobs(b, filepath.Join(b.TempDir(), "h.db"), time.Now, noPacing)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := j.Run(context.Background(), jobs.Notices, engine.RunOptions{Force: true})
		if err != nil || out.Sent != 200 {
			b.Fatalf("sent %d: %v", out.Sent, err)
		}
		b.StopTimer()
		time.Sleep(time.Second)
		b.StartTimer()
	}
	b.ReportMetric(float64(s.ratelimited()), "429s")
}

// The digest of 10,000 services across 200 teams fits Slack's limits: the
// emulator, which enforces them, accepts it.
func TestDigestAtScaleFitsSlack(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 services")
	}
	s := dgNewScale(t, 10000, 200)
	j := s.jobs(t, filepath.Join(t.TempDir(), "h.db"), time.Now, 0)
	for _, job := range []string{jobs.Weekly, jobs.Notices} {
		out, err := j.Run(context.Background(), job, engine.RunOptions{})
		if err != nil {
			t.Fatalf("%s: %v", job, err)
		}
		if want := map[string]int{jobs.Weekly: 1, jobs.Notices: 200}[job]; out.Sent != want {
			t.Errorf("%s: sent %d, want %d", job, out.Sent, want)
		}
	}
	if n := s.ratelimited(); n > 0 {
		t.Errorf("%d posts were rate limited: delivery goes faster than one per second per channel", n)
	}
}

// BenchmarkWeeklyReportJob: the whole weekly-report run for 10,000
// services across 200 teams, last week's digest on record: load, evaluate,
// store the snapshot, read last week's back, build, render and post.
func BenchmarkWeeklyReportJob(b *testing.B) {
	s := dgNewScale(b, 10000, 200)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	clock := &dgClock{now: now.AddDate(0, 0, -7)}
	j := s.jobs(b, filepath.Join(b.TempDir(), "h.db"), clock.Now, noPacing)
	if _, err := j.Run(context.Background(), jobs.Weekly, engine.RunOptions{}); err != nil {
		b.Fatal(err)
	}
	clock.add(7 * 24 * time.Hour)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := j.Run(context.Background(), jobs.Weekly, engine.RunOptions{Force: true})
		if err != nil || out.Sent != 1 {
			b.Fatalf("sent %d: %v", out.Sent, err)
		}
	}
}

// noPacing is the per-channel pace of the job benchmarks: Slack's one
// message per second per channel is not a job's cost (the weekly report
// posts its digest and the chart in its thread to one channel, and waited
// a second between them), so they pace at a millisecond. The emulator does
// not limit the report channel, and each team channel gets one notice a
// run. BenchmarkDeliver200Notices keeps Slack's pace.
const noPacing = time.Millisecond
