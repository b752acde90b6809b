package engine_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard/demo"
)

// pingJob lives outside the engine, as any job may: it says "ping" to one
// destination per run.
type pingJob struct{}

func (pingJob) Name() string                     { return "ping" }
func (pingJob) Cron() string                     { return "0 * * * *" }
func (pingJob) Period(engine.Config) report.Kind { return report.Daily }
func (pingJob) CatchUp() engine.CatchUp          { return engine.CatchUpOnce }
func (pingJob) Posts() bool                      { return true }
func (pingJob) Run(ctx context.Context, j *engine.Jobs, r *engine.Run) error {
	msgs := []*delivery.Outgoing{{Destination: "room", Channel: "room", Text: "ping"}}
	return engine.JoinSorted(j.Deliver(ctx, r, msgs, func(string) int { return 0 }, func(string) string { return "" }))
}

// fakeNotifier posts into a slice, asking the gate first; refuse, when
// set, fails every post for that reason.
type fakeNotifier struct {
	mu     sync.Mutex
	posted []string // delivery keys
	refuse delivery.Reason
}

func (*fakeNotifier) Name() string  { return "the fake" }
func (*fakeNotifier) Records() bool { return true }

func (f *fakeNotifier) Notify(ctx context.Context, msgs []*delivery.Outgoing, gate delivery.Gate, done func(delivery.Delivered)) {
	for _, m := range msgs {
		d := delivery.Delivered{Out: m, Channel: m.Channel}
		dec, err := gate.Before(ctx, m, m.Channel)
		switch {
		case err != nil:
			d.Err = err
		case dec.Skip != "":
			d.Skipped = dec.Skip
		case f.refuse != "":
			d.Claimed = true
			d.Err = &delivery.Error{Reason: f.refuse, Code: "refused", Err: errors.New("refused")}
		default:
			d.Claimed = true
			f.mu.Lock()
			f.posted = append(f.posted, m.DeliveryKey)
			f.mu.Unlock()
			d.TS = "1"
		}
		done(d)
	}
}

func newJobs(t *testing.T, n delivery.Notifier) *engine.Jobs {
	t.Helper()
	st, err := history.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"), history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	deps := engine.Deps{Jobs: []engine.Job{pingJob{}}, Source: demo.Source{}, Store: st}
	if n != nil {
		deps.Notifiers = []delivery.Notifier{n}
	}
	j, err := engine.NewJobs(engine.Config{DeliveryLease: time.Second}, deps)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// A job defined outside the engine runs through any notifier, exactly once
// per period: the second run is skipped by the gate, not posted again.
func TestJobOutsideEngineDeliversOnce(t *testing.T) {
	n := &fakeNotifier{}
	j := newJobs(t, n)
	ctx := context.Background()
	first, err := j.Run(ctx, "ping", engine.RunOptions{})
	if err != nil || first.Sent != 1 {
		t.Fatalf("first run: %+v, %v", first, err)
	}
	second, err := j.Run(ctx, "ping", engine.RunOptions{})
	if err != nil || second.Sent != 0 || second.Skipped != 1 {
		t.Fatalf("second run: %+v, %v; want it skipped", second, err)
	}
	if len(n.posted) != 1 || !strings.HasPrefix(n.posted[0], "ping") {
		t.Fatalf("posted %q; want one message keyed by the job", n.posted)
	}
	if got := j.Names(); len(got) != 1 || got[0] != "ping" {
		t.Errorf("names %q", got)
	}
}

// The reason a notifier gives decides what the next run does: a client
// error released the claim as not posted, so the next run posts; the
// failure is recorded for the next digest.
func TestRefusedMessageIsPostedByTheNextRun(t *testing.T) {
	n := &fakeNotifier{refuse: delivery.ReasonClient}
	j := newJobs(t, n)
	ctx := context.Background()
	out, err := j.Run(ctx, "ping", engine.RunOptions{})
	if err == nil || out.Failed != 1 || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("refused run: %+v, %v; want a failure", out, err)
	}
	fs, err := j.Store().Failures(ctx, time.Time{})
	if err != nil || len(fs) != 1 {
		t.Fatalf("failures recorded: %v, %v", fs, err)
	}
	n.refuse = ""
	out, err = j.Run(ctx, "ping", engine.RunOptions{})
	if err != nil || out.Sent != 1 || len(n.posted) != 1 {
		t.Fatalf("next run: %+v, %v, posted %q; want it posted", out, err, n.posted)
	}
}

// Without a notifier the run prints, records nothing as sent, and the job
// knows it is in console mode.
func TestNoNotifierIsConsoleMode(t *testing.T) {
	j := newJobs(t, nil)
	if console, why := j.Console(); !console || why == "" {
		t.Fatalf("console %v, why %q", console, why)
	}
	out, err := j.Run(context.Background(), "ping", engine.RunOptions{})
	if err != nil || out.Sent != 0 {
		t.Fatalf("console run: %+v, %v", out, err)
	}
	sent, err := j.Store().Sent(context.Background(), "ping", out.Period)
	if err != nil || len(sent) != 0 {
		t.Fatalf("console run recorded %v, %v", sent, err)
	}
}
