package pagerduty_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/prodready/prodready/scorecard/pagerduty"
	"github.com/prodready/prodready/scorecard/pagerduty/pagerdutytest"
)

// BenchmarkCollect collects 1,000 services on 250 escalation policies (two
// levels each) from the emulator on loopback: 10 pages of services and 5 of
// on-calls, whatever the number of services.
func BenchmarkCollect(b *testing.B) {
	srv := pagerdutytest.NewServer()
	defer srv.Close()
	for i := range 300 {
		if err := srv.PutUser(pagerdutytest.User{ID: fmt.Sprintf("PU%03d", i), Name: fmt.Sprint(i), Email: fmt.Sprintf("u%d@example.com", i)}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 250 {
		sid, pid := fmt.Sprintf("PS%03d", i), fmt.Sprintf("PE%03d", i)
		srv.PutSchedule(pagerdutytest.Schedule{ID: sid, Name: sid, OnCall: []string{fmt.Sprintf("PU%03d", i)}})
		srv.PutEscalationPolicy(pagerdutytest.EscalationPolicy{ID: pid, Name: pid, Rules: [][]pagerdutytest.Target{
			{pagerdutytest.ScheduleTarget(sid)}, {pagerdutytest.UserTarget(fmt.Sprintf("PU%03d", 250+i%50))}}})
	}
	for i := range 1000 {
		srv.PutService(pagerdutytest.Service{ID: fmt.Sprintf("PSV%04d", i), Name: fmt.Sprintf("svc-%04d", i), EscalationPolicy: fmt.Sprintf("PE%03d", i%250)})
	}
	col := pagerduty.Collector{Client: pagerduty.New(pagerduty.Config{Token: pagerdutytest.DefaultToken, BaseURL: srv.URL})}
	b.ReportAllocs()
	for b.Loop() {
		srv.ResetRequests()
		f, err := col.Collect(context.Background(), now)
		if err != nil || len(f.Records) != 1000 || f.Records[0].Properties["on_call"] != "u0@example.com" {
			b.Fatalf("%v %v", err, f)
		}
	}
	b.ReportMetric(float64(srv.Count("GET", "")), "requests/op")
}
