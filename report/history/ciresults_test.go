package history

import (
	"context"
	"reflect"
	"testing"
	"time"
)

func TestCIResults(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
		steps := []struct {
			name    string
			record  []CIResult
			service string
			want    []CIResult
		}{
			{name: "nothing yet", service: "pay"},
			{
				name: "first push",
				record: []CIResult{
					{Service: "pay", Scorecard: "pr", Level: "Silver", Commit: "abc1234", PipelineURL: "https://ci/1", ReceivedAt: t0},
					{Service: "pay", Scorecard: "sec", Level: "Bronze", Commit: "abc1234", PipelineURL: "https://ci/1", ReceivedAt: t0},
					{Service: "web", Scorecard: "pr", Level: "Gold", ReceivedAt: t0},
				},
				service: "pay",
				want: []CIResult{
					{Service: "pay", Scorecard: "pr", Level: "Silver", Commit: "abc1234", PipelineURL: "https://ci/1", ReceivedAt: t0},
					{Service: "pay", Scorecard: "sec", Level: "Bronze", Commit: "abc1234", PipelineURL: "https://ci/1", ReceivedAt: t0},
				},
			},
			{
				name:    "a later push replaces its scorecard only",
				record:  []CIResult{{Service: "pay", Scorecard: "pr", Level: "Gold", Commit: "def5678", PipelineURL: "https://ci/2", ReceivedAt: t0.Add(time.Hour)}},
				service: "pay",
				want: []CIResult{
					{Service: "pay", Scorecard: "pr", Level: "Gold", Commit: "def5678", PipelineURL: "https://ci/2", ReceivedAt: t0.Add(time.Hour)},
					{Service: "pay", Scorecard: "sec", Level: "Bronze", Commit: "abc1234", PipelineURL: "https://ci/1", ReceivedAt: t0},
				},
			},
			{
				name:    "another service is apart",
				service: "web",
				want:    []CIResult{{Service: "web", Scorecard: "pr", Level: "Gold", ReceivedAt: t0}},
			},
		}
		for _, st := range steps {
			if err := s.RecordCIResults(ctx, st.record); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			got, err := s.LatestCIResults(ctx, st.service)
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if !reflect.DeepEqual(got, st.want) {
				t.Errorf("%s:\n got %+v\nwant %+v", st.name, got, st.want)
			}
		}
		// A result without a key is refused, and nothing of its batch kept.
		bad := []CIResult{{Service: "api", Scorecard: "pr", Level: "Gold", ReceivedAt: t0}, {Service: "api", Level: "Gold"}}
		if err := s.RecordCIResults(ctx, bad); err == nil {
			t.Error("a result without scorecard was recorded")
		}
		if got, _ := s.LatestCIResults(ctx, "api"); len(got) != 0 {
			t.Errorf("a refused batch left %+v", got)
		}
		// Another handle (a replica) reads the same.
		if got, err := open(t, dsn).LatestCIResults(ctx, "pay"); err != nil || len(got) != 2 {
			t.Errorf("reopened: %+v %v", got, err)
		}
	})
}
