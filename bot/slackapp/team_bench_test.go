package slackapp

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/prodready/prodready/scorecard/demo"
)

// BenchmarkTeamAnswer100kServices100Teams is one `team <team>` answer
// (1,000 services) on a 100,000-service catalog, the tail of cmd/slashload
// at that size: "first" lays the answer out, as the first request for a
// team after each refresh does; "answer" is Answer, laid out already;
// "json" adds the encoding the HTTP handler does.
func BenchmarkTeamAnswer100kServices100Teams(b *testing.B) {
	bundle, err := demo.Scaled(context.Background(), testNow, 100000, 100)
	if err != nil {
		b.Fatal(err)
	}
	s := NewEvaluated(bundle, testNow)
	q := ParseQuery("team team-042")
	t, _ := s.team(q.Arg)
	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if m := layOutTeam(s, t); len(m.Blocks) == 0 {
				b.Fatal("no blocks")
			}
		}
	})
	b.Run("answer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if m := Answer(s, q); len(m.Blocks) == 0 {
				b.Fatal("no blocks")
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m := Answer(s, q)
			if _, err := json.Marshal(commandReply{ResponseType: "ephemeral", Text: m.Text, Blocks: m.Blocks}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
