package bot

import (
	"bytes"
	"image/png"
	"testing"

	"github.com/prodready/prodready/report"
)

func TestLevelMixChart(t *testing.T) {
	def := report.ScorecardDef{Identifier: "pr", Title: "Readiness", Levels: []string{"Basic", "Bronze", "Silver", "Gold"}}
	tests := []struct {
		name   string
		counts map[string]int
		// The bar's colour at 10% and 90% of its height (from the bottom).
		low, high int // level ranks
	}{
		{"all gold", map[string]int{"Gold": 7}, 3, 3},
		{"all basic", map[string]int{"Basic": 3}, 0, 0},
		{"half basic, half gold", map[string]int{"Basic": 5, "Gold": 5}, 0, 3},
		{"mostly bronze, some silver", map[string]int{"Bronze": 8, "Silver": 2}, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := LevelMixChart([]report.ScorecardDef{def}, []report.Mix{{Label: "2026-11", Counts: map[string]map[string]int{"pr": tt.counts}}})
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			// First bar of twelve slots: x 72..120; plot from y 330 up to 70.
			for _, probe := range []struct {
				frac float64
				rank int
			}{{0.1, tt.low}, {0.9, tt.high}} {
				y := 330 - int(probe.frac*260)
				r, g, b, _ := img.At(96, y).RGBA()
				want := chartLevelColor(probe.rank)
				if uint8(r>>8) != want.R || uint8(g>>8) != want.G || uint8(b>>8) != want.B {
					t.Errorf("at %.0f%% height: colour %02x%02x%02x, want level %d's %02x%02x%02x", probe.frac*100, r>>8, g>>8, b>>8, probe.rank, want.R, want.G, want.B)
				}
			}
		})
	}
	if _, err := LevelMixChart(nil, nil); err == nil {
		t.Error("a chart of no scorecards should be an error")
	}
}
