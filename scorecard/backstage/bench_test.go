package backstage_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/backstage"
	"github.com/prodready/prodready/scorecard/backstage/backstagetest"
)

// BenchmarkLoadEvaluate reads n components from the emulator, 500 a page
// with 50 ms of latency on every page (groups and users too), and
// evaluates them. Target: 10,000 in at most 3 s; memory grows linearly
// (compare B/entity across sizes).
//
//	go test -run '^$' -bench LoadEvaluate -benchmem -benchtime 3x ./scorecard/backstage/
func BenchmarkLoadEvaluate(b *testing.B) {
	for _, n := range []int{2500, 5000, 10000} {
		b.Run(fmt.Sprintf("components=%d", n), func(b *testing.B) {
			srv := backstagetest.NewServer(backstagetest.WithToken(testToken))
			defer srv.Close()
			ents := manyComponents(n)
			for i := 0; i < 7; i++ {
				ents = append(ents, backstage.Entity{Kind: "Group", Metadata: backstage.Metadata{Name: fmt.Sprintf("team-%d", i)},
					Spec: map[string]any{"type": "team", "members": []any{fmt.Sprintf("user-%d", i)}}},
					backstage.Entity{Kind: "User", Metadata: backstage.Metadata{Name: fmt.Sprintf("user-%d", i)},
						Spec: map[string]any{"profile": map[string]any{"email": fmt.Sprintf("user-%d@acme.io", i)}}})
			}
			if err := srv.SetEntities(ents); err != nil {
				b.Fatal(err)
			}
			srv.SetLatency(50 * time.Millisecond)
			p := filepath.Join(b.TempDir(), "scorecards.json")
			if err := os.WriteFile(p, []byte(testScorecards), 0o600); err != nil {
				b.Fatal(err)
			}
			src := backstage.Source{Client: backstage.New(backstage.Config{BaseURL: srv.URL, Token: testToken, Scorecards: []string{p}})}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				bundle, err := src.Load(context.Background(), now)
				if err != nil {
					b.Fatal(err)
				}
				ev := bundle.Evaluate(now)
				if len(ev.Catalog.Entities) != n {
					b.Fatalf("%d entities", len(ev.Catalog.Entities))
				}
			}
		})
	}
}
