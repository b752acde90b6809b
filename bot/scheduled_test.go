package bot

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/bot/metrics"
	"github.com/prodready/prodready/bot/slackapp"
	"github.com/prodready/prodready/scorecard/demo"
)

// metricValue reads one sample from m's registry: the counter, gauge or
// histogram count whose labels include want. ok is false when none matches.
func metricValue(t *testing.T, m *metrics.Metrics, name string, want map[string]string) (float64, bool) {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, s := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range s.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue next
				}
			}
			return sampleValue(s), true
		}
	}
	return 0, false
}

func sampleValue(s *dto.Metric) float64 {
	switch {
	case s.Counter != nil:
		return s.Counter.GetValue()
	case s.Gauge != nil:
		return s.Gauge.GetValue()
	case s.Histogram != nil:
		return float64(s.Histogram.GetSampleCount())
	}
	return 0
}

func TestReadyzFollowsTheHistoryDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	ctx := context.Background()
	sched, err := dgScheduled(ctx, map[string]string{"PRODREADY_DB": db}, SchedulerDeps{Source: demo.Source{}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := slackapp.New(slackapp.Config{Source: demo.Source{}, SigningSecret: "s", Companions: []slackapp.Companion{sched}})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Holder().Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	h := b.OpsHandler()
	if code, body := get(t, h, "/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz with the database open: %d %q", code, body)
	}
	// Stop closes the database: from then on it does not answer.
	if err := sched.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, h, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "history database does not answer") {
		t.Fatalf("/readyz with the database closed: %d %q", code, body)
	}
	if code, _ := get(t, h, "/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz follows the database: %d", code)
	}
}

func TestSchedulerCountsJobRuns(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	m := metrics.New()
	ctx := context.Background()
	sched, err := dgScheduled(ctx, map[string]string{"PRODREADY_DB": db}, SchedulerDeps{Source: demo.Source{}, Out: io.Discard, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	defer sched.Stop(ctx)
	before := time.Now()
	if err := sched.Run(ctx, jobs.Refresh); err != nil {
		t.Fatal(err)
	}
	if err := sched.Run(ctx, "no-such-job"); err == nil {
		t.Fatal("an unknown job ran")
	}
	if got, _ := metricValue(t, m, "prodready_job_runs_total", map[string]string{"job": jobs.Refresh, "outcome": "ok"}); got != 1 {
		t.Errorf("refresh runs ok = %v, want 1", got)
	}
	if got, _ := metricValue(t, m, "prodready_job_runs_total", map[string]string{"job": "no-such-job", "outcome": "error"}); got != 1 {
		t.Errorf("failed runs = %v, want 1", got)
	}
	last, ok := metricValue(t, m, "prodready_job_last_success_timestamp_seconds", map[string]string{"job": jobs.Refresh})
	if !ok || last < float64(before.Unix()) || last > float64(time.Now().Unix()+1) {
		t.Errorf("last success of refresh = %v (present %v), want about now", last, ok)
	}
	if _, ok := metricValue(t, m, "prodready_job_last_success_timestamp_seconds", map[string]string{"job": "no-such-job"}); ok {
		t.Error("a failed job has a last success")
	}
}

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Body.String()
}
