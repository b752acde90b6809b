package slackapp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/scorecard"
)

// With 200 teams, a rule failing in all of them and many services with no
// team, the digest shortens those lines (naming how many more) instead of
// leaving their sections empty.
func TestDigestWithManyTeamsShortensLines(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	var ents []scorecard.Entity
	var teams []scorecard.Team
	for i := 0; i < 200; i++ {
		id := fmt.Sprintf("team-with-a-rather-long-name-%03d", i)
		teams = append(teams, scorecard.Team{Identifier: id, Name: fmt.Sprintf("Team With A Rather Long Display Name %03d", i)})
		ents = append(ents, dgService(fmt.Sprintf("svc-%03d", i), 0, id))
	}
	for i := 0; i < 150; i++ {
		ents = append(ents, dgService(fmt.Sprintf("unowned-service-with-a-long-identifier-%03d", i), 1))
	}
	src := &dgSource{}
	src.set(ents...)
	b, err := src.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	b.Teams = teams
	cur := report.TakeSnapshot(b.Evaluate(now), "test", nil)
	d := report.BuildDigest(report.DigestInput{Period: report.PeriodOf(report.Weekly, now), Cur: cur, TeamNames: jobs.TeamNames(b)})
	_, blocks := blockkit.DigestMessage(d, jobs.Weekly)
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	all := blockText(raw)
	for _, want := range []string{"• *Has a README* (Bronze): 200 services — ", "more teams", "*Services with no team* (150)", "unowned-service-with-a-long-identifier-000", "more services"} {
		if !strings.Contains(all, want) {
			t.Errorf("digest lacks %q:\n%s", want, all)
		}
	}
	for _, title := range []string{"*Rules failing most*", "*Services with no team* (150)"} {
		if strings.Contains(all, title+"\n… and") {
			t.Errorf("section %s lists nothing, only how many more:\n%s", title, all)
		}
	}
}
