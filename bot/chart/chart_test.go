package chart

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prodready/prodready/report"
)

func chartMixes(n int, id string) []report.Mix {
	var out []report.Mix
	for i := range n {
		out = append(out, report.Mix{Label: fmt.Sprintf("2026-%02d", (i+1)%12+1), Counts: map[string]map[string]int{id: {
			"Basic": 40 - 3*i, "Bronze": 30, "Silver": 20 + 2*i, "Gold": 10 + i,
		}}})
	}
	return out
}

func TestLevelChart(t *testing.T) {
	pr := report.ScorecardDef{Identifier: "pr", Title: "Production readiness", Levels: []string{"Basic", "Bronze", "Silver", "Gold"}}
	ops := report.ScorecardDef{Identifier: "ops", Title: "Ops <maturity>", Levels: []string{"None", "Operable", "Observable"}}
	tests := []struct {
		name   string
		in     Input
		w, h   int
		target string
	}{
		{"monthly, one scorecard", Input{Scorecards: []report.ScorecardDef{pr}, Mixes: chartMixes(12, "pr"), Target: "Silver", Size: Large}, 1200, 540, "Silver"},
		{"weekly, two scorecards, short history", Input{Scorecards: []report.ScorecardDef{pr, ops}, Mixes: chartMixes(3, "pr"), Size: Small}, 800, 720, ""},
		{"a period without data", Input{Scorecards: []report.ScorecardDef{pr}, Mixes: append(chartMixes(2, "pr"), report.Mix{Label: "2026-04"}), Size: Small}, 800, 360, ""},
		{"all at target", Input{Scorecards: []report.ScorecardDef{pr}, Mixes: []report.Mix{{Label: "2026-W47", Counts: map[string]map[string]int{"pr": {"Gold": 4}}}, {Label: "2026-W48", Counts: map[string]map[string]int{"pr": {"Gold": 4, "Basic": 1}}}}, Size: Small}, 800, 360, ""},
		{"default size", Input{Scorecards: []report.ScorecardDef{ops}, Mixes: chartMixes(1, "ops")}, 1200, 540, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := LevelChart(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
				t.Errorf("size %dx%d, want %dx%d", b.Dx(), b.Dy(), tt.w, tt.h)
			}
			// Each level's colour is drawn somewhere (its bars or legend).
			for _, sc := range tt.in.Scorecards {
				for r, c := range LevelPalette(sc.Levels, nil) {
					if !hasColor(img, c) {
						t.Errorf("%s: level %s's colour %v is nowhere in the chart", sc.Identifier, sc.Levels[r], c)
					}
				}
			}
			if dir := os.Getenv("PRODREADY_CHART_SAMPLES"); dir != "" {
				_ = os.WriteFile(filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".png"), data, 0o644)
			}
		})
	}
	for _, bad := range []Input{{}, {Scorecards: []report.ScorecardDef{pr}}, {Scorecards: []report.ScorecardDef{{Identifier: "x"}}, Mixes: chartMixes(1, "x")}} {
		if _, err := LevelChart(bad); err == nil {
			t.Errorf("LevelChart(%+v) should be an error", bad)
		}
	}
}

func hasColor(img image.Image, want color.RGBA) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if uint8(r>>8) == want.R && uint8(g>>8) == want.G && uint8(bl>>8) == want.B {
				return true
			}
		}
	}
	return false
}

func TestLevelPalette(t *testing.T) {
	four := []string{"Basic", "Bronze", "Silver", "Gold"}
	red, green := hsv(0, 0.62, 0.86), hsv(120, 0.62, 0.86)
	tests := []struct {
		name         string
		levels       []string
		colors       []string
		first, last  color.RGBA
		distinctLast bool
	}{
		{"no colours: red to green", four, nil, red, green, true},
		{"Port's default ladder: red to green, not gold", four, []string{"paleBlue", "bronze", "silver", "gold"}, red, green, true},
		{"the scorecard's own", []string{"A", "B"}, []string{"blue", "#112233"}, portColors["blue"], color.RGBA{0x11, 0x22, 0x33, 0xff}, true},
		{"an unknown colour name: the palette", []string{"A", "B"}, []string{"blue", "mauve-ish"}, red, green, true},
		{"one level", []string{"Only"}, nil, green, green, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LevelPalette(tt.levels, tt.colors)
			if got[0] != tt.first || got[len(got)-1] != tt.last {
				t.Errorf("got %v, want %v … %v", got, tt.first, tt.last)
			}
			if got[len(got)-1] == portColors["gold"] {
				t.Error("the top level is gold")
			}
		})
	}
}

// go test -run '^$' -bench LevelChart -benchmem ./bot/chart/
func BenchmarkLevelChart(b *testing.B) {
	pr := report.ScorecardDef{Identifier: "pr", Title: "Production readiness", Levels: []string{"Basic", "Bronze", "Silver", "Gold"}}
	for _, size := range []struct {
		name string
		in   Input
	}{
		{"monthly", Input{Scorecards: []report.ScorecardDef{pr}, Mixes: chartMixes(12, "pr"), Size: Large}},
		{"weekly", Input{Scorecards: []report.ScorecardDef{pr}, Mixes: chartMixes(8, "pr"), Size: Small}},
	} {
		b.Run(size.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := LevelChart(size.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
